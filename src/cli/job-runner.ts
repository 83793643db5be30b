/**
 * One configured job, start to end, as `run` and the daemon both do it: compose the input, run the job,
 * then apply retention (only after a published set). Locking and history are around it (runLocked).
 */
import { runJob, type RunJobResult } from '../app/run-job.ts';
import { prune } from '../app/prune.ts';
import type { EffectiveJob, LoadedConfig } from '../config/index.ts';
import type { Logger, Redactor } from '../logging/index.ts';
import { runJobInput } from './compose.ts';
import { formatBytes } from './progress.ts';

export async function runConfiguredJob(
  config: LoadedConfig,
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
  signal: AbortSignal,
  onObjectProgress?: (name: string, bytes: number) => void,
): Promise<RunJobResult> {
  const input = await runJobInput(config, job, env, log, redactor);
  input.signal = signal;
  if (onObjectProgress !== undefined) input.onObjectProgress = onObjectProgress;
  const result = await runJob(input);
  log.info(
    `job ${job.name}: OK — set ${result.setName}, ${result.objects.length} objects, ${formatBytes(result.bytes)}` +
      (result.warnings.length > 0 ? `, ${result.warnings.length} warning(s)` : ''),
  );
  // Rotation only now: the new set is published and every object in it was verified by the store.
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
  return result;
}
