/** `ftps-backup status`: last run and next run of each job, from the state folder and the schedules. */
import type { Command } from 'commander';
import { cronMatcher, nextRun, StateStore, taskOf } from '../../scheduler/index.ts';
import { addConfigOption, loadCliConfig } from '../config-option.ts';
import { formatBytes } from '../progress.ts';
import type { CliContext } from '../context.ts';

export function registerStatus(program: Command, ctx: CliContext): void {
  addConfigOption(
    program.command('status').description('last and next run of every job').option('--json', 'print JSON'),
  ).action(async (opts: { config?: string; json?: boolean }) => {
    const config = await loadCliConfig(opts, ctx);
    const state = new StateStore(config.state.dir);
    const now = new Date();
    const rows = [];
    for (const job of config.jobs) {
      const all = await state.history(job.name);
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
    if (opts.json === true) {
      ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    for (const r of rows) {
      const last =
        r.last === null
          ? 'never run'
          : `${r.last.outcome} at ${r.last.end}${r.last.bytes !== undefined ? ` (${formatBytes(r.last.bytes)}, set ${r.last.set ?? '?'})` : ''}${r.last.error !== undefined ? `: ${r.last.error}` : ''}${r.last.warnings !== undefined && r.last.warnings.length > 0 ? `: ${r.last.warnings.length} warning(s): ${r.last.warnings.join('; ')}` : ''}`;
      const next =
        r.next === null ? 'not scheduled (run by hand)' : `next ${r.next} (${r.schedule} ${r.timezone})`;
      ctx.stdout.write(`${r.job}: last ${last}; ${next}\n`);
      if (r.verify !== null) {
        const v = r.verify.last;
        const lastV =
          v === null
            ? 'never run'
            : `${v.outcome} at ${v.end}${v.set !== undefined ? ` (set ${v.set})` : ''}${v.error !== undefined ? `: ${v.error}` : ''}`;
        ctx.stdout.write(
          `${r.job} verify (${r.verify.mode}): last ${lastV}; next ${r.verify.next ?? '?'} (${r.verify.schedule} ${r.timezone})\n`,
        );
      }
    }
  });
}
