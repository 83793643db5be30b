/** `ftps-backup prune <job> [--dry-run]`: apply the job's retention policy, showing every decision and why. */
import type { Command } from 'commander';
import { prune } from '../../app/prune.ts';
import { addConfigOption } from '../config-option.ts';
import { jobDestination, refuseAppendOnly } from '../compose.ts';
import type { CliContext } from '../context.ts';

export function registerPrune(program: Command, ctx: CliContext): void {
  addConfigOption(
    program
      .command('prune')
      .description("remove a job's old sets on its destination according to its retention policy")
      .argument('<job>')
      .option('--dry-run', 'show what would be kept and removed, and why, without removing anything')
      .option('--json', 'print JSON'),
  ).action(async (name: string, opts: { config?: string; dryRun?: boolean; json?: boolean }) => {
    const { config, job, dest } = await jobDestination(opts, name, ctx);
    refuseAppendOnly(config, job, 'prune');
    const r = await prune({
      stores: dest.store,
      root: dest.root,
      job: job.name,
      policy: job.retention,
      now: new Date(),
      dryRun: opts.dryRun === true,
      log: ctx.log,
    });
    if (opts.json === true) {
      ctx.stdout.write(
        `${JSON.stringify({ dryRun: opts.dryRun === true, ...r.decision, removed: r.removed }, null, 2)}\n`,
      );
      return;
    }
    for (const line of r.lines) ctx.stdout.write(`${line}\n`);
    if (opts.dryRun === true) ctx.stdout.write('dry run: nothing was removed\n');
  });
}
