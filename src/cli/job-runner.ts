/**
 * One configured job, start to end, as `run` and the daemon both do it: compose the input, run the
 * `before` hooks, run the job, then apply retention (only after a published set) and the `after` hooks,
 * then `onError` (after a failure) and `always` hooks, and tell the job's notification channels — the one
 * place that sees every outcome, failures while composing (a missing secret, a source that cannot be
 * built) included. Locking and history are around it (runLocked); a run skipped for the lock never gets
 * here and sends nothing.
 */
import { hostname } from 'node:os';
import { runJob, type RunJobInput, type RunJobResult } from '../app/run-job.ts';
import { prune } from '../app/prune.ts';
import type { EffectiveJob, LoadedConfig } from '../config/index.ts';
import { formatSetName } from '../domain/index.ts';
import {
  hookCommands,
  runHookPhase,
  type HookContext,
  type HookFailure,
  type HookOutcome,
  type HookPhase,
} from '../hooks/index.ts';
import type { Logger, Redactor } from '../logging/index.ts';
import { LogTail, notifyFinish, notifyStart, teeLogger, type JobReport } from '../notify/index.ts';
import { runJobInput } from './compose.ts';
import { buildNotifiers } from './notifications.ts';
import { formatBytes } from './progress.ts';

const CANCELLED_LIMIT_MS = 10_000;
/** Timeout of each onError/always hook after SIGTERM (systemd's TimeoutStopSec is 45 s in our unit). */
export const CANCELLED_HOOK_LIMIT_MS = 15_000;

function outcomeOf(result: RunJobResult): HookOutcome {
  return result.warnings.length > 0 ? 'warning' : 'success';
}

export async function runConfiguredJob(
  config: LoadedConfig,
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
  signal: AbortSignal,
  onObjectProgress?: (name: string, bytes: number) => void,
): Promise<RunJobResult> {
  // The set's name is fixed now, so the hooks (before ones included) can be told which set this run makes.
  const startedAt = new Date();
  const set = formatSetName(startedAt);
  const hookPhase = (
    phase: HookPhase,
    ctx: Omit<HookContext, 'job' | 'set'>,
    jobLog: Logger,
  ): Promise<HookFailure[]> => {
    const cmds = hookCommands(
      phase,
      job.hooks,
      { job: job.name, set, ...ctx },
      // After SIGTERM the service must stop soon: the cleanup hooks get a short timeout, and run anyway.
      { from: env, timeoutCapMs: signal.aborted ? CANCELLED_HOOK_LIMIT_MS : undefined },
    );
    return cmds.length === 0
      ? Promise.resolve([])
      : runHookPhase(phase, cmds, jobLog, phase === 'before' ? { stopAtFailure: true, signal } : {});
  };
  const failed = (f: HookFailure): string => `hook ${f.label} failed: ${f.reason}`;

  /** The backup itself and, after a published set, retention and the after hooks, logging to `jobLog`. */
  const backUp = async (jobLog: Logger): Promise<RunJobResult> => {
    const input = await runJobInput(config, job, env, jobLog, redactor);
    input.signal = signal;
    input.startedAt = startedAt;
    if (onObjectProgress !== undefined) input.onObjectProgress = onObjectProgress;
    const [before] = await hookPhase('before', {}, jobLog);
    if (before !== undefined) throw new Error(`${failed(before)}; nothing was uploaded`);
    const result = await runJob(input);
    // after a warning too: retention never removes the newest set without warnings (src/domain/retention)
    await rotate(input, job, jobLog);
    const after = await hookPhase('after', { outcome: outcomeOf(result) }, jobLog);
    result.warnings.push(...after.map(failed));
    const summary = `set ${result.setName}, ${result.objects.length} objects, ${formatBytes(result.bytes)}`;
    if (result.warnings.length === 0) jobLog.info(`job ${job.name}: OK — ${summary}`);
    else {
      jobLog.warn(
        `job ${job.name}: WARNING — ${summary}, published with ${result.warnings.length} warning(s):`,
      );
      for (const w of result.warnings.slice(0, 50)) jobLog.warn(`  ${w}`);
      if (result.warnings.length > 50) jobLog.warn(`  … and ${result.warnings.length - 50} more`);
    }
    return result;
  };

  /** backUp, then onError (after a failure) and always (after anything); the run's own error wins. */
  const withHooks = async (jobLog: Logger): Promise<RunJobResult> => {
    let result: RunJobResult;
    try {
      result = await backUp(jobLog);
    } catch (err) {
      const error = redactor.redact(err instanceof Error ? err.message : String(err));
      await hookPhase('onError', { outcome: 'failure', error }, jobLog);
      await hookPhase('always', { outcome: 'failure', error }, jobLog);
      throw err;
    }
    const always = await hookPhase('always', { outcome: outcomeOf(result) }, jobLog);
    result.warnings.push(...always.map(failed));
    return result;
  };

  const notifiers = await buildNotifiers(job, env, log, redactor);
  if (notifiers.length === 0) return withHooks(log);

  const tail = new LogTail();
  const jobLog = teeLogger(log, tail);
  const started = { job: job.name, host: hostname(), startedAt: new Date() };
  // The start ping runs beside the job (a slow receiver does not delay the backup) and is awaited
  // before the end is reported, so it arrives first. notifyStart never rejects.
  const starting = notifyStart(notifiers, started, log);
  let report: JobReport;
  let failure: { error: unknown } | undefined;
  let result: RunJobResult | undefined;
  try {
    result = await withHooks(jobLog);
  } catch (err) {
    failure = { error: err };
  }
  if (result !== undefined) {
    report = {
      ...started,
      outcome: result.warnings.length > 0 ? 'warning' : 'success',
      finishedAt: new Date(),
      set: result.setName,
      bytes: result.bytes,
      objects: result.objects.length,
      warnings: result.warnings.map((w) => redactor.redact(w)),
      logTail: redactor.redact(tail.text()),
    };
  } else {
    const err = failure?.error;
    const message = redactor.redact(err instanceof Error ? err.message : String(err));
    tail.push(`${new Date().toISOString()} error: job ${job.name}: FAILED — ${message}`);
    report = {
      ...started,
      outcome: 'failure',
      finishedAt: new Date(),
      warnings: [],
      error: message,
      logTail: redactor.redact(tail.text()),
    };
  }
  await starting;
  // A cancelled run (SIGTERM, Ctrl-C) is reported as a failure, but within CANCELLED_LIMIT_MS: the
  // process is stopping.
  await notifyFinish(notifiers, report, log, {
    limitMs: signal.aborted ? CANCELLED_LIMIT_MS : undefined,
  });
  if (failure !== undefined) throw failure.error;
  return result!;
}

/** Rotation only now: the new set is published and every object in it was verified by the store. */
async function rotate(input: RunJobInput, job: EffectiveJob, log: Logger): Promise<void> {
  try {
    const pr = await prune({
      stores: input.stores,
      root: input.root,
      job: job.name,
      policy: job.retention,
      now: new Date(),
      dryRun: false,
      log,
    });
    if (pr.removed.length > 0)
      log.info(
        `job ${job.name}: retention removed ${pr.removed.length} old set(s): ${pr.removed.join(', ')}`,
      );
  } catch (err) {
    // A job without a policy (or a failing listing) keeps every set; the backup itself succeeded.
    log.warn(`job ${job.name}: retention not applied: ${err instanceof Error ? err.message : String(err)}`);
  }
}
