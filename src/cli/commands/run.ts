/** `ftps-backup run <job>… | --all`: run jobs now, in the foreground, with progress per object. */
import type { Command } from 'commander';
import type { RunJobResult } from '../../app/run-job.ts';
import { Redactor } from '../../logging/index.ts';
import { runLocked, StateStore } from '../../scheduler/index.ts';
import { addConfigOption, loadCliConfig } from '../config-option.ts';
import { findJob } from '../compose.ts';
import { runConfiguredJob } from '../job-runner.ts';
import { metricsWriter } from '../metrics.ts';
import { createProgress, type Progress } from '../progress.ts';
import { UsageError } from '../ftp-url.ts';
import type { CliContext } from '../context.ts';
import type { ErrorGroup } from '../exit-codes.ts';

/** Some jobs did not complete; `errors` are their errors, from which the exit code is decided (exit-codes.ts). */
export class JobsFailedError extends Error implements ErrorGroup {
  override name = 'JobsFailedError';
  readonly errors: readonly unknown[];
  constructor(message: string, errors: readonly unknown[] = []) {
    super(message);
    this.errors = errors;
  }
}

/** Every job published its set, at least one with warnings: `run` exits 4 (EXIT.warning). */
export class JobsWarnedError extends Error {
  override name = 'JobsWarnedError';
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
    const state = new StateStore(config.state.dir);
    const abort = new AbortController();
    const onSignal = (sig: NodeJS.Signals): void => {
      ctx.log.warn(`${sig}: stopping — the running job is cancelled, nothing of it is published`);
      abort.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    type Entry =
      | { job: string; ok: true; result: RunJobResult }
      | { job: string; ok: false; error: string; skipped?: boolean };
    const results: Entry[] = [];
    const errors: unknown[] = [];
    try {
      for (const job of jobs) {
        if (abort.signal.aborted) break;
        const redactor = ctx.redactor ?? new Redactor();
        const bars = new Map<string, Progress>();
        const progress = (name: string, bytes: number): void => {
          let bar = bars.get(name);
          if (bar === undefined) {
            bar = createProgress(`${job.name}: ${name}`, undefined, ctx.stderr, (l) => ctx.log.info(l));
            bars.set(name, bar);
          }
          bar.update(bytes);
        };
        let result: RunJobResult | undefined;
        try {
          const outcome = await runLocked(
            {
              stateDir: config.state.dir,
              state,
              log: ctx.log,
              now: () => new Date(),
              afterRecord: metricsWriter(config),
            },
            job.name,
            'manual',
            async (signal) => {
              result = await runConfiguredJob(config, job, ctx.env, ctx.log, redactor, signal, progress);
              return { bytes: result.bytes, set: result.setName, warnings: result.warnings };
            },
            abort.signal,
          );
          if (outcome === undefined)
            results.push({ job: job.name, ok: false, error: 'already running', skipped: true });
          else results.push({ job: job.name, ok: true, result: result! });
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          ctx.log.error(`job ${job.name}: FAILED — ${message}`);
          results.push({ job: job.name, ok: false, error: message });
          errors.push(err);
        }
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (opts.json === true) {
      ctx.stdout.write(
        `${JSON.stringify(
          results.map((r) =>
            r.ok
              ? {
                  job: r.job,
                  ok: true,
                  outcome: r.result.warnings.length > 0 ? 'warning' : 'success',
                  set: r.result.setName,
                  bytes: r.result.bytes,
                  objects: r.result.manifest.objects,
                  warnings: r.result.warnings,
                }
              : { ...r, outcome: r.skipped === true ? 'skipped' : 'failure' },
          ),
          null,
          2,
        )}\n`,
      );
    }
    const failed = results.filter((r) => !r.ok);
    if (abort.signal.aborted) throw new JobsFailedError('cancelled by a signal');
    if (failed.length > 0) {
      throw new JobsFailedError(
        `${failed.length} of ${results.length} job(s) did not complete: ${failed.map((f) => f.job).join(', ')}`,
        errors,
      );
    }
    // any failure wins (above); else any warning → exit 4
    const warned = results.filter((r) => r.ok && r.result.warnings.length > 0);
    if (warned.length > 0) {
      throw new JobsWarnedError(
        `${warned.length} of ${results.length} job(s) published a set with warnings: ${warned.map((w) => w.job).join(', ')}`,
      );
    }
  });
}
