/**
 * Composition of a job's notification channels (src/notify) from its configuration: secrets (header
 * values, a ping URL, an SMTP password) are resolved here and registered with the redactor before
 * anything is sent. A channel that cannot be built (a missing secret) is skipped with a warning: a
 * notification never decides a job's outcome.
 */
import { resolveSecret, type EffectiveJob, type Notification, type SecretRef } from '../config/index.ts';
import type { Logger, Redactor } from '../logging/index.ts';
import {
  emailNotifier,
  healthchecksNotifier,
  webhookNotifier,
  type HttpDeps,
  type Notifier,
} from '../notify/index.ts';
import { VERSION } from './version.ts';

const USER_AGENT = `ftps-backup/${VERSION}`;

export const httpDeps: HttpDeps = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** A ping URL is a credential as a whole and by its path (the UUID or ping key). */
function registerUrl(url: string, redactor: Redactor): void {
  redactor.add(url);
  const path = new URL(url).pathname.replace(/^\/+|\/+$/g, '');
  if (path.length >= 8) redactor.add(path);
}

async function buildOne(
  n: Notification,
  secret: (ref: SecretRef) => Promise<string>,
  redactor: Redactor,
): Promise<Notifier> {
  if (n.type === 'webhook') {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(n.headers)) {
      headers[name] = typeof value === 'string' ? value : await secret(value);
    }
    return webhookNotifier(
      { on: n.on, url: n.url, headers, timeoutMs: n.timeout, retries: n.retries, userAgent: USER_AGENT },
      httpDeps,
    );
  }
  if (n.type === 'healthchecks') {
    const url = typeof n.url === 'string' ? n.url : await secret(n.url);
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
      throw new Error('the secret holding the ping URL is not an http:// or https:// URL');
    registerUrl(url, redactor);
    return healthchecksNotifier(
      { url, timeoutMs: n.timeout, retries: n.retries, userAgent: USER_AGENT },
      httpDeps,
    );
  }
  return emailNotifier({
    on: n.on,
    host: n.host,
    port: n.port,
    tls: n.tls,
    user: n.user,
    password: n.password !== undefined ? await secret(n.password) : undefined,
    from: n.from,
    to: n.to,
    timeoutMs: n.timeout,
  });
}

export async function buildNotifiers(
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
): Promise<Notifier[]> {
  const secret = async (ref: SecretRef): Promise<string> => {
    const value = await resolveSecret(ref, { env, onWarning: (m) => log.warn(m) });
    redactor.add(value);
    return value;
  };
  const out: Notifier[] = [];
  for (const [i, n] of job.notifications.entries()) {
    try {
      out.push(await buildOne(n, secret, redactor));
    } catch (err) {
      log.warn(
        `job ${job.name}: notifications[${i}] (${n.type}) is skipped: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return out;
}
