/**
 * `ftps-backup verify <job> [<set>|latest] [--all] [--server-hash] [--test-restore]`: checks every object
 * of a set against the set's manifest.json, reporting per object: by default it downloads each object and
 * compares size and sha256; --server-hash trusts the server's own SHA-256 (HASH) where offered;
 * --test-restore also decrypts, decompresses and walks the content. Exit code 1 when any object fails.
 */
import type { Command } from 'commander';
import { listSets } from '../../app/list-sets.ts';
import { setsFolder } from '../../domain/index.ts';
import { readManifest, verifySet, type ObjectCheck } from '../../app/verify-set.ts';
import { addConfigOption } from '../config-option.ts';
import { jobDestination } from '../compose.ts';
import { addDecryptionOptions, requireDecryption, resolveDecryption } from '../decryption-option.ts';
import { formatBytes } from '../progress.ts';
import { UsageError } from '../ftp-url.ts';
import type { CliContext } from '../context.ts';

export class VerificationFailedError extends Error {
  override name = 'VerificationFailedError';
}

interface VerifyOpts {
  config?: string;
  all?: boolean;
  json?: boolean;
  serverHash?: boolean;
  testRestore?: boolean;
  identity?: string[];
  passphraseFile?: string;
}

export function registerVerify(program: Command, ctx: CliContext): void {
  addDecryptionOptions(
    addConfigOption(
      program
        .command('verify')
        .description("check a job's set against its manifest: every object's size and sha256")
        .argument('<job>')
        .argument('[set]', 'a set name, or latest (the newest complete set)', 'latest')
        .option('--all', 'verify every complete set of the job')
        .option(
          '--server-hash',
          "trust the server's SHA-256 of each object (FTP HASH) instead of downloading it; objects it cannot hash are downloaded",
        )
        .option(
          '--test-restore',
          'also decrypt, decompress and read every object: walk the archive, check the dump is complete',
        )
        .option('--json', 'print JSON'),
    ),
  ).action(async (name: string, which: string, opts: VerifyOpts) => {
    if (opts.serverHash === true && opts.testRestore === true) {
      throw new UsageError('--server-hash and --test-restore exclude each other: a test restore downloads');
    }
    const keys = opts.testRestore === true ? await resolveDecryption(opts, ctx) : undefined;
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
        const setPath = `${setsFolder(dest.root, job.name)}/${set.name}`;
        const manifest = await readManifest(store, setPath);
        if (opts.testRestore === true && keys === undefined && manifest.objects.some((o) => o.encrypted)) {
          requireDecryption(undefined, `set ${set.name}`);
        }
        let lastLog = 0;
        const { checks } = await verifySet(store, setPath, {
          manifest,
          serverHash: opts.serverHash === true,
          testRestore: opts.testRestore === true,
          keys,
          onProgress: (object, bytes) => {
            const now = Date.now();
            if (now - lastLog < 10_000) return;
            lastLog = now;
            ctx.log.info(`${set.name} ${object}: ${formatBytes(bytes)} read`);
          },
        });
        report.push({ set: set.name, objects: checks });
        for (const c of checks) {
          ctx.log.info(
            c.ok
              ? `${set.name} ${c.name}: OK (${formatBytes(c.size)}, sha256 ${c.sha256}; ${c.how}${c.content !== undefined ? `; ${c.content}` : ''})`
              : `${set.name} ${c.name}: FAILED — ${c.problem ?? ''} (${c.how})`,
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
