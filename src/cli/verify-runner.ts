/**
 * A scheduled verification (a job's `verify:` section), as the daemon runs it: the job's newest complete
 * set is checked like `ftps-backup verify` would (download, server-hash or test-restore); any failing
 * object fails the run, which the run history then shows.
 */
import { hostname } from 'node:os';
import { listSets } from '../app/list-sets.ts';
import { setsFolder } from '../domain/index.ts';
import { verifySet } from '../app/verify-set.ts';
import type { EffectiveJob, LoadedConfig } from '../config/index.ts';
import { resolveSecret } from '../config/index.ts';
import type { Logger, Redactor } from '../logging/index.ts';
import { loadIdentities, type DecryptWith } from '../pipeline/index.ts';
import type { JobOutcome } from '../scheduler/index.ts';
import { notifyFinish } from '../notify/index.ts';
import { buildJobDestination } from './compose.ts';
import { buildNotifiers } from './notifications.ts';
import { formatBytes } from './progress.ts';

export class ScheduledVerifyError extends Error {
  override name = 'ScheduledVerifyError';
}

/**
 * Runs the job's scheduled verification; a failure is also sent to the job's notification channels
 * (those for failures: a damaged backup is what they exist for). A passed verification is only
 * recorded: a success ping would tell a healthchecks check that a backup ran when none did.
 */
export async function runConfiguredVerify(
  config: LoadedConfig,
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
  signal: AbortSignal,
): Promise<JobOutcome> {
  const startedAt = new Date();
  try {
    return await verifyNewestSet(config, job, env, log, redactor, signal);
  } catch (err) {
    const notifiers = await buildNotifiers(job, env, log, redactor);
    if (notifiers.length > 0) {
      const message = redactor.redact(err instanceof Error ? err.message : String(err));
      await notifyFinish(
        notifiers,
        {
          job: job.name,
          host: hostname(),
          startedAt,
          finishedAt: new Date(),
          outcome: 'failure',
          task: 'verify',
          warnings: [],
          error: message,
          logTail: `verify of job ${job.name}: FAILED — ${message}`,
        },
        log,
      );
    }
    throw err;
  }
}

async function verifyNewestSet(
  config: LoadedConfig,
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
  signal: AbortSignal,
): Promise<JobOutcome> {
  const settings = job.verify;
  if (settings === undefined) throw new ScheduledVerifyError(`job ${job.name} has no verify section`);
  const dest = await buildJobDestination(config, job, env, log, redactor);
  const newest = (await listSets(dest.store, dest.root, job.name)).find((s) => s.complete);
  if (newest === undefined) {
    throw new ScheduledVerifyError(
      `job ${job.name} has no complete set on ${dest.store.description} to verify`,
    );
  }
  const keys = settings.mode === 'test-restore' ? await decryptionKeys(job, env, log, redactor) : undefined;
  log.info(`verify of job ${job.name}: set ${newest.name} (${settings.mode})`);
  const store = await dest.store.open();
  const abort = (): void => void store.close();
  signal.addEventListener('abort', abort);
  try {
    const { checks } = await verifySet(store, `${setsFolder(dest.root, job.name)}/${newest.name}`, {
      serverHash: settings.mode === 'server-hash',
      testRestore: settings.mode === 'test-restore',
      keys,
    });
    const bad = checks.filter((c) => !c.ok);
    for (const c of bad)
      log.error(`verify of job ${job.name}: ${newest.name} ${c.name}: FAILED — ${c.problem ?? ''}`);
    if (bad.length > 0) {
      throw new ScheduledVerifyError(
        `set ${newest.name} failed verification: ${bad.map((c) => `${c.name}: ${c.problem ?? ''}`).join('; ')}`,
      );
    }
    const bytes = checks.reduce((n, c) => n + c.size, 0);
    log.info(
      `verify of job ${job.name}: set ${newest.name} OK (${checks.length} objects, ${formatBytes(bytes)})`,
    );
    return { bytes, set: newest.name };
  } finally {
    signal.removeEventListener('abort', abort);
    await store.close();
  }
}

/** The key a test restore of this job's sets needs: the identity file, or the job's own passphrase. */
async function decryptionKeys(
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
): Promise<DecryptWith | undefined> {
  if (job.verify?.identity !== undefined) return { identities: await loadIdentities(job.verify.identity) };
  if (job.encryption?.passphrase !== undefined) {
    const passphrase = await resolveSecret(job.encryption.passphrase, { env, onWarning: (m) => log.warn(m) });
    redactor.add(passphrase);
    return { passphrase };
  }
  return undefined;
}
