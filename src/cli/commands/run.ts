/** `ftps-backup run <job>… | --all`: run jobs now, in the foreground, with progress per object. */
import type { Command } from 'commander';
import { runJob, type RunJobResult } from '../../app/run-job.ts';
import { prune } from '../../app/prune.ts';
import { Redactor } from '../../logging/index.ts';
import { addConfigOption, loadCliConfig } from '../config-option.ts';
import { findJob, runJobInput } from '../compose.ts';
import { createProgress, formatBytes, type Progress } from '../progress.ts';
import { UsageError } from '../ftp-url.ts';
import type { CliContext } from '../context.ts';

export class JobsFailedError extends Error {
  override name = 'JobsFailedError';
}

export function registerRun(program: Command, ctx: CliContext): void {
  addConfigOption(
    program
      .command('run')
      .description('run backup jobs now, in the foreground')
      .argument('[jobs...]', 'job names')
      .option('--all', 'run every job')
      .option('--json', 'print the result as JSON on standard output'),
  ).action(async (names: string[], opts: { all?: boolean; json?: boolean; config?: string }) => {
    const config = await loadCliConfig(opts, ctx);
    if (opts.all === true && names.length > 0) throw new UsageError('give job names or --all, not both');
    const jobs = opts.all === true ? config.jobs : names.map((n) => findJob(config, n));
    if (jobs.length === 0) throw new UsageError('which job? give one or more job names, or --all');
    const results: Array<
      { job: string; ok: true; result: RunJobResult } | { job: string; ok: false; error: string }
    > = [];
    for (const job of jobs) {
      const redactor = ctx.redactor ?? new Redactor();
      try {
        const input = await runJobInput(config, job, ctx.env, ctx.log, redactor);
        const bars = new Map<string, Progress>();
        input.onObjectProgress = (name, bytes) => {
          let bar = bars.get(name);
          if (bar === undefined) {
            bar = createProgress(`${job.name}: ${name}`, undefined, ctx.stderr, (l) => ctx.log.info(l));
            bars.set(name, bar);
          }
          bar.update(bytes);
        };
        const result = await runJob(input);
        ctx.log.info(
          `job ${job.name}: OK — set ${result.setName}, ${result.objects.length} objects, ${formatBytes(result.bytes)}` +
            (result.warnings.length > 0 ? `, ${result.warnings.length} warning(s)` : ''),
        );
        results.push({ job: job.name, ok: true, result });
        // Rotation only now: the new set is published and every object in it was verified by the store.
        try {
          const pr = await prune({
            stores: input.stores,
            root: input.root,
            job: job.name,
            policy: job.retention,
            now: new Date(),
            dryRun: false,
            log: ctx.log,
          });
          if (pr.removed.length > 0)
            ctx.log.info(
              `job ${job.name}: retention removed ${pr.removed.length} old set(s): ${pr.removed.join(', ')}`,
            );
        } catch (err) {
          // A job without a policy (or a failing listing) keeps every set; the backup itself succeeded.
          ctx.log.warn(
            `job ${job.name}: retention not applied: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        ctx.log.error(`job ${job.name}: FAILED — ${message}`);
        results.push({ job: job.name, ok: false, error: message });
      }
    }
    if (opts.json === true) {
      ctx.stdout.write(
        `${JSON.stringify(
          results.map((r) =>
            r.ok
              ? {
                  job: r.job,
                  ok: true,
                  set: r.result.setName,
                  bytes: r.result.bytes,
                  objects: r.result.manifest.objects,
                  warnings: r.result.warnings,
                }
              : r,
          ),
          null,
          2,
        )}\n`,
      );
    }
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      throw new JobsFailedError(
        `${failed.length} of ${results.length} job(s) failed: ${failed.map((f) => f.job).join(', ')}`,
      );
    }
  });
}
