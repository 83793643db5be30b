/**
 * healthchecks: pings to a healthchecks.io-style check (https://healthchecks.io/docs/http_api/):
 * `<url>/start` when the job starts (the check measures the run time), `<url>` after a success and
 * `<url>/fail` after a failure or a warning (a set published with something missing must not look
 * green), each POSTed with the end of the job's log as body — after a warning, the warnings first. The URL is the
 * credential (anyone holding it can ping), so it is named only by its origin.
 */
import { httpDeadline, sendHttp, type HttpDeps } from './http.ts';
import type { JobReport, Notifier } from './types.ts';

export interface HealthchecksSettings {
  url: string;
  timeoutMs: number;
  retries: number;
  userAgent: string;
}

/** healthchecks.io keeps the first 100 kB of a ping body; ours stays well below. */
export const PING_BODY_LIMIT = 10_240;

export function healthchecksNotifier(s: HealthchecksSettings, deps: HttpDeps): Notifier {
  const base = s.url.replace(/\/+$/, '');
  const ping = (suffix: string, body: string) =>
    sendHttp(
      {
        url: `${base}${suffix}`,
        method: 'POST',
        headers: { 'user-agent': s.userAgent, 'content-type': 'text/plain; charset=utf-8' },
        body: truncateUtf8Start(body, PING_BODY_LIMIT),
        timeoutMs: s.timeoutMs,
        retries: s.retries,
      },
      deps,
    );
  return {
    label: `healthchecks ${new URL(s.url).origin}`,
    deadlineMs: httpDeadline(s.timeoutMs, s.retries),
    wants: () => true,
    start: (job) => ping('/start', `job ${job.job} started on ${job.host}`),
    finish: (r) => ping(r.outcome === 'success' ? '' : '/fail', pingBody(r)),
  };
}

/** The ping body: after a warning, the warnings come first (the log tail may have scrolled past them). */
export function pingBody(r: JobReport): string {
  if (r.outcome !== 'warning' || r.warnings.length === 0) return r.logTail;
  const head = [`WARNING: job ${r.job} published set ${r.set ?? '?'} with ${r.warnings.length} warning(s):`];
  const shown = r.warnings.slice(0, 20).map((w) => `- ${w}`);
  if (r.warnings.length > 20) shown.push(`… and ${r.warnings.length - 20} more`);
  const lead = [...head, ...shown, ''].join('\n');
  return `${truncateUtf8Start(lead, PING_BODY_LIMIT / 2)}\n${truncateUtf8Start(r.logTail, PING_BODY_LIMIT / 2 - 1)}`;
}

/** The last `limit` bytes of a text as UTF-8, cut at a line start when one is near. */
export function truncateUtf8Start(text: string, limit: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  const start = bytes.length - limit;
  const cut = bytes
    .subarray(start)
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
  if (bytes[start - 1] === 0x0a) return cut; // already at a line start
  const nl = cut.indexOf('\n');
  return nl >= 0 && nl < 200 ? cut.slice(nl + 1) : cut;
}
