/**
 * email: one plain-text message per run through an SMTP server, sent with nodemailer (loaded only when a
 * message is sent). TLS: implicit (465), STARTTLS required (587) or none (a relay on this host).
 */
import {
  durationSeconds,
  NotifyError,
  wantsOutcome,
  type JobReport,
  type Notifier,
  type NotifyOn,
} from './types.ts';

export interface EmailSettings {
  on: NotifyOn;
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'none';
  user?: string | undefined;
  /** Resolved (the caller registers it with the redactor). */
  password?: string | undefined;
  from: string;
  to: string[];
  timeoutMs: number;
}

export function emailSubject(r: JobReport): string {
  if (r.test === true) return `ftps-backup: test notification for job ${r.job} from ${r.host}`;
  if (r.task === 'verify') {
    return `ftps-backup: verification of job ${r.job} ${r.outcome === 'success' ? 'passed' : 'FAILED'} on ${r.host}`;
  }
  if (r.outcome === 'warning')
    return `ftps-backup: WARNING: job ${r.job} on ${r.host}: set published with ${r.warnings.length} warning(s)`;
  return r.outcome === 'success'
    ? `ftps-backup: job ${r.job} succeeded on ${r.host}`
    : `ftps-backup: job ${r.job} FAILED on ${r.host}`;
}

export function emailText(r: JobReport): string {
  const lines = [
    `Job:      ${r.job}${r.task === 'verify' ? ' (scheduled verification of its newest set)' : ''}`,
    `Host:     ${r.host}`,
    `Outcome:  ${r.outcome}`,
    `Started:  ${r.startedAt.toISOString()}`,
    `Finished: ${r.finishedAt.toISOString()} (${durationSeconds(r).toFixed(1)} s)`,
  ];
  if (r.set !== undefined)
    lines.push(`Set:      ${r.set} (${r.objects ?? 0} objects, ${r.bytes ?? 0} bytes)`);
  if (r.error !== undefined) lines.push('', `Error: ${r.error}`);
  if (r.warnings.length > 0) lines.push('', 'Warnings:', ...r.warnings.map((w) => `- ${w}`));
  if (r.logTail !== '') lines.push('', 'Last log lines:', r.logTail);
  return `${lines.join('\n')}\n`;
}

export function emailNotifier(s: EmailSettings): Notifier {
  return {
    label: `email to ${s.to.join(', ')} via ${s.host}:${s.port}`,
    // connection, greeting and each command are bounded by timeoutMs; a message takes a handful of them
    deadlineMs: s.timeoutMs * 4,
    wants: (outcome) => wantsOutcome(s.on, outcome),
    finish: async (report) => {
      const nodemailer = (await import('nodemailer')).default;
      const transport = nodemailer.createTransport({
        host: s.host,
        port: s.port,
        secure: s.tls === 'implicit',
        requireTLS: s.tls === 'starttls',
        ignoreTLS: s.tls === 'none',
        ...(s.user !== undefined ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
        connectionTimeout: s.timeoutMs,
        greetingTimeout: s.timeoutMs,
        socketTimeout: s.timeoutMs,
        logger: false,
      });
      try {
        await transport.sendMail({
          from: s.from,
          to: s.to,
          subject: emailSubject(report),
          text: emailText(report),
        });
      } catch (err) {
        const e = err as { responseCode?: number; code?: string; message?: string };
        const what = e.responseCode !== undefined ? `SMTP ${e.responseCode}` : (e.code ?? 'error');
        throw new NotifyError(`${what}: ${e.message ?? String(err)}`, { cause: err });
      } finally {
        transport.close();
      }
    },
  };
}
