/**
 * src/notify — telling people about runs: webhook (a JSON POST), healthchecks-style pings (start,
 * success, fail, with the end of the log) and e-mail (SMTP through nodemailer). Channels get resolved
 * settings (the CLI resolves secrets and registers them with the redactor); the dispatcher sends to all
 * of them at once and never throws, so a failing notification never changes a job's outcome. Imports
 * only src/domain (backoff) and the nodemailer package.
 */
export { notifyFinish, notifyStart, type SendResult } from './dispatch.ts';
export { emailNotifier, emailSubject, emailText, type EmailSettings } from './email.ts';
export {
  healthchecksNotifier,
  PING_BODY_LIMIT,
  pingBody,
  truncateUtf8Start,
  type HealthchecksSettings,
} from './healthchecks.ts';
export { HTTP_BACKOFF, httpDeadline, sendHttp, type HttpDeps, type HttpRequest } from './http.ts';
export { LogTail, teeLogger, type TeeableLogger } from './log-tail.ts';
export {
  durationSeconds,
  NotifyError,
  wantsOutcome,
  type JobReport,
  type JobStart,
  type Notifier,
  type NotifyLog,
  type NotifyOn,
  type Outcome,
} from './types.ts';
export { webhookNotifier, webhookPayload, type WebhookSettings } from './webhook.ts';
