/** webhook: the run as one JSON POST (webhookPayload), with the configured headers, retried on 5xx. */
import { httpDeadline, sendHttp, type HttpDeps } from './http.ts';
import { durationSeconds, wantsOutcome, type JobReport, type Notifier, type NotifyOn } from './types.ts';

export interface WebhookSettings {
  on: NotifyOn;
  url: string;
  /** Resolved values (secrets included: the caller registers them with the redactor). */
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  /** Sent as User-Agent, e.g. ftps-backup/0.1.0. */
  userAgent: string;
}

/** The JSON body: stable field names, null for what a failed run does not have; `test: true` from notify-test. */
export function webhookPayload(r: JobReport): Record<string, unknown> {
  return {
    job: r.job,
    task: r.task ?? 'backup',
    outcome: r.outcome,
    host: r.host,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt.toISOString(),
    durationSeconds: durationSeconds(r),
    bytes: r.bytes ?? null,
    set: r.set ?? null,
    objects: r.objects ?? null,
    warnings: r.warnings,
    error: r.error ?? null,
    ...(r.test === true ? { test: true } : {}),
  };
}

export function webhookNotifier(s: WebhookSettings, deps: HttpDeps): Notifier {
  return {
    // The path may carry a token (chat webhooks): only the origin is named.
    label: `webhook ${new URL(s.url).origin}`,
    deadlineMs: httpDeadline(s.timeoutMs, s.retries),
    wants: (outcome) => wantsOutcome(s.on, outcome),
    finish: (report) =>
      sendHttp(
        {
          url: s.url,
          method: 'POST',
          headers: {
            'user-agent': s.userAgent,
            ...s.headers,
            'content-type': 'application/json',
          },
          body: JSON.stringify(webhookPayload(report)),
          timeoutMs: s.timeoutMs,
          retries: s.retries,
        },
        deps,
      ),
  };
}
