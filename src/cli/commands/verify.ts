/**
 * `ftps-backup verify <job> [<set>|latest] [--all]`: downloads every object of a set and checks its size
 * and sha256 against the set's manifest.json, reporting per object. Exit code 1 when any object fails.
 */
import type { Command } from 'commander';
import { listSets } from '../../app/list-sets.ts';
import { setsFolder } from '../../app/run-job.ts';
import { verifySet, type ObjectCheck } from '../../app/verify-set.ts';
import { addConfigOption } from '../config-option.ts';
import { jobDestination } from '../compose.ts';
import { formatBytes } from '../progress.ts';
import { UsageError } from '../ftp-url.ts';
import type { CliContext } from '../context.ts';

export class VerificationFailedError extends Error {
  override name = 'VerificationFailedError';
}

export function registerVerify(program: Command, ctx: CliContext): void {
  addConfigOption(
    program
      .command('verify')
      .description("download a job's set and check every object against its manifest (size and sha256)")
      .argument('<job>')
      .argument('[set]', 'a set name, or latest (the newest complete set)', 'latest')
      .option('--all', 'verify every complete set of the job')
      .option('--json', 'print JSON'),
  ).action(async (name: string, which: string, opts: { config?: string; all?: boolean; json?: boolean }) => {
    const { job, dest } = await jobDestination(opts, name, ctx);
    const complete = (await listSets(dest.store, dest.root, job.name)).filter((s) => s.complete);
    const chosen =
      opts.all === true
        ? complete
        : which === 'latest'
          ? complete.slice(0, 1)
          : complete.filter((s) => s.name === which);
    if (chosen.length === 0) {
      throw new UsageError(
        which === 'latest' || opts.all === true
          ? `job ${job.name} has no complete set on ${dest.store.description}`
          : `no complete set named ${which} for job ${job.name} (see: ftps-backup list ${job.name})`,
      );
    }
    const report: Array<{ set: string; objects: ObjectCheck[] }> = [];
    const store = await dest.store.open();
    try {
      for (const set of chosen) {
        const { checks } = await verifySet(store, `${setsFolder(dest.root, job.name)}/${set.name}`);
        report.push({ set: set.name, objects: checks });
        for (const c of checks) {
          ctx.log.info(
            `${set.name} ${c.name}: ${c.ok ? `OK (${formatBytes(c.size)}, sha256 ${c.sha256})` : `FAILED — ${c.problem}`}`,
          );
        }
      }
    } finally {
      await store.close();
    }
    if (opts.json === true) ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const bad = report.flatMap((r) => r.objects.filter((o) => !o.ok).map((o) => `${r.set}/${o.name}`));
    if (bad.length > 0) throw new VerificationFailedError(`verification failed for ${bad.join(', ')}`);
  });
}
