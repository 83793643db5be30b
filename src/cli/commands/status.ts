/**
 * `ftps-backup status`: last run and next run of each job, from the state folder and the schedules; the
 * next runs are said as planned only while a daemon is alive (its heartbeat). `--check` prints one line
 * per problem (src/scheduler/health.ts) and exits 1 when there is one, 0 otherwise.
 */
import type { Command } from 'commander';
import { formatDuration } from '../../domain/index.ts';
import {
  cronMatcher,
  daemonAlive,
  healthProblems,
  nextRun,
  previousRun,
  StateStore,
  taskOf,
  type JobHealthInput,
} from '../../scheduler/index.ts';
import { addConfigOption, loadCliConfig } from '../config-option.ts';
import { formatBytes } from '../progress.ts';
import type { CliContext } from '../context.ts';

/** `status --check` found problems (exit 1; each is on standard output). */
export class StatusProblemsError extends Error {
  override name = 'StatusProblemsError';
}

export function registerStatus(program: Command, ctx: CliContext): void {
  addConfigOption(
    program
      .command('status')
      .description('last and next run of every job')
      .option('--json', 'print JSON')
      .option('--check', 'print one line per problem and exit 1 when there is one (for monitoring)'),
  ).action(async (opts: { config?: string; json?: boolean; check?: boolean }) => {
    const config = await loadCliConfig(opts, ctx);
    const state = new StateStore(config.state.dir);
    const now = new Date();
    const daemon = await daemonAlive(config.state.dir, now);
    const rows = [];
    const health: JobHealthInput[] = [];
    for (const job of config.jobs) {
      const all = await state.history(job.name);
      const matcher =
        job.schedule === undefined
          ? undefined
          : cronMatcher({ name: job.name, schedule: job.schedule, timezone: job.timezone, randomDelay: 0 });
      // the age limit: maxAge, else two scheduled intervals (the second-latest scheduled time)
      const prev1 = matcher === undefined ? undefined : previousRun(matcher, now);
      const prev2 = matcher === undefined || prev1 === undefined ? undefined : previousRun(matcher, prev1);
      health.push({
        job: job.name,
        scheduled: job.schedule !== undefined,
        history: all,
        ...(job.maxAge !== undefined
          ? {
              staleBefore: new Date(now.getTime() - job.maxAge),
              limit: `maxAge ${formatDuration(job.maxAge)}`,
            }
          : prev2 !== undefined
            ? {
                staleBefore: prev2,
                limit: `two scheduled intervals of ${job.schedule ?? '?'} ${job.timezone}`,
              }
            : {}),
      });
      const history = all.filter((r) => taskOf(r) === 'backup');
      const last = history.at(-1);
      const lastSuccess = history.filter((r) => r.outcome === 'success').at(-1);
      const lastVerify = all.filter((r) => taskOf(r) === 'verify').at(-1);
      /** The next time `schedule` fires in the job's time zone. */
      const nextOf = (schedule: string): string | null =>
        nextRun(
          cronMatcher({ name: job.name, schedule, timezone: job.timezone, randomDelay: 0 }),
          now,
        )?.toISOString() ?? null;
      rows.push({
        job: job.name,
        schedule: job.schedule ?? null,
        timezone: job.timezone,
        last: last ?? null,
        lastSuccess: lastSuccess ?? null,
        next: job.schedule === undefined ? null : nextOf(job.schedule),
        verify:
          job.verify === undefined
            ? null
            : {
                schedule: job.verify.schedule,
                mode: job.verify.mode,
                last: lastVerify ?? null,
                next: nextOf(job.verify.schedule),
              },
      });
    }
    if (opts.check === true) {
      const problems = healthProblems(health, daemon);
      if (opts.json === true)
        ctx.stdout.write(`${JSON.stringify({ ok: problems.length === 0, problems }, null, 2)}\n`);
      else ctx.stdout.write(problems.length === 0 ? 'OK: no problems\n' : `${problems.join('\n')}\n`);
      if (problems.length > 0) throw new StatusProblemsError(`status --check: ${problems.length} problem(s)`);
      return;
    }
    if (opts.json === true) {
      ctx.stdout.write(
        `${JSON.stringify(
          rows.map((r) => ({ ...r, daemon })),
          null,
          2,
        )}\n`,
      );
      return;
    }
    if (!daemon.alive && rows.some((r) => r.next !== null))
      ctx.stdout.write(`daemon: ${daemon.reason}; the schedules below are not being kept\n`);
    for (const r of rows) {
      const last =
        r.last === null
          ? 'never run'
          : `${r.last.outcome} at ${r.last.end}${r.last.bytes !== undefined ? ` (${formatBytes(r.last.bytes)}, set ${r.last.set ?? '?'})` : ''}${r.last.error !== undefined ? `: ${r.last.error}` : ''}${r.last.warnings !== undefined && r.last.warnings.length > 0 ? `: ${r.last.warnings.length} warning(s): ${r.last.warnings.join('; ')}` : ''}`;
      const next =
        r.next === null
          ? 'not scheduled (run by hand)'
          : daemon.alive
            ? `next ${r.next} (${r.schedule} ${r.timezone})`
            : `NOT RUNNING: scheduled ${r.schedule} ${r.timezone}, but no daemon runs it`;
      ctx.stdout.write(`${r.job}: last ${last}; ${next}\n`);
      if (r.verify !== null) {
        const v = r.verify.last;
        const lastV =
          v === null
            ? 'never run'
            : `${v.outcome} at ${v.end}${v.set !== undefined ? ` (set ${v.set})` : ''}${v.error !== undefined ? `: ${v.error}` : ''}`;
        ctx.stdout.write(
          `${r.job} verify (${r.verify.mode}): last ${lastV}; ${daemon.alive ? `next ${r.verify.next ?? '?'}` : 'NOT RUNNING: no daemon'} (${r.verify.schedule} ${r.timezone})\n`,
        );
      }
    }
  });
}
