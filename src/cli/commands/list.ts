/** `ftps-backup list <job>`: the job's sets on its destination — time, size, complete or not. */
import type { Command } from 'commander';
import { listSets } from '../../app/list-sets.ts';
import { addConfigOption } from '../config-option.ts';
import { jobDestination } from '../compose.ts';
import { formatBytes } from '../progress.ts';
import type { CliContext } from '../context.ts';

export function registerList(program: Command, ctx: CliContext): void {
  addConfigOption(
    program
      .command('list')
      .description("list a job's backup sets on its destination")
      .argument('<job>')
      .option('--json', 'print JSON'),
  ).action(async (name: string, opts: { config?: string; json?: boolean }) => {
    const { job, dest } = await jobDestination(opts, name, ctx);
    const sets = await listSets(dest.store, dest.root, job.name);
    if (opts.json === true) {
      ctx.stdout.write(`${JSON.stringify(sets, null, 2)}\n`);
      return;
    }
    if (sets.length === 0) ctx.stdout.write(`no sets for job ${job.name} on ${dest.store.description}\n`);
    for (const s of sets) {
      ctx.stdout.write(
        `${s.name}  ${s.time.toISOString().replace('.000Z', 'Z')}  ${formatBytes(s.bytes).padStart(10)}  ${s.objects} object(s)  ${s.complete ? 'complete' : 'INCOMPLETE (no manifest)'}\n`,
      );
    }
  });
}
