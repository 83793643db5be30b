/**
 * `ftps-backup quickstart`: the zero-setup tour. Writes a configuration with a `local` destination in a
 * temp folder, backs up the bundled sample site, lists the set, verifies it (sha256 of every object
 * against the manifest) and extracts it again to compare with the original — printing each step.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { extract } from 'tar-stream';
import { runJob } from '../../app/run-job.ts';
import { listSets } from '../../app/list-sets.ts';
import { verifySet } from '../../app/verify-set.ts';
import { loadConfig } from '../../config/index.ts';
import { createDecompressor } from '../../pipeline/index.ts';
import { LocalStore } from '../../storage/local.ts';
import { runJobInput } from '../compose.ts';
import { formatBytes } from '../progress.ts';
import type { CliContext } from '../context.ts';

/**
 * The sample site shipped with the package (examples/sample-site), found by going up from this file:
 * three levels from the sources, one from the bundle in dist/.
 */
export function sampleSite(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const site = join(dir, 'examples', 'sample-site');
    if (existsSync(join(dir, 'package.json')) && existsSync(site)) return site;
    if (dirname(dir) === dir) {
      throw new Error(
        `the sample site (examples/sample-site) is missing from this installation of ftps-backup (${fileURLToPath(import.meta.url)})`,
      );
    }
  }
}

export function registerQuickstart(program: Command, ctx: CliContext): void {
  program
    .command('quickstart')
    .description('back up the bundled sample site to a local folder, list, verify and extract it')
    .option('--dir <folder>', 'work in this folder instead of a new temp folder')
    .action(async (opts: { dir?: string }) => {
      const say = (s: string): void => void ctx.stdout.write(`${s}\n`);
      const site = sampleSite();
      const work = opts.dir ?? (await mkdtemp(join(tmpdir(), 'ftps-backup-quickstart-')));
      const configFile = join(work, 'config.yaml');
      await writeFile(
        configFile,
        [
          '# Written by `ftps-backup quickstart`: a local destination, one job backing up the sample site.',
          'destinations:',
          '  disk:',
          '    type: local',
          `    path: ${JSON.stringify(join(work, 'backups'))}`,
          'jobs:',
          '  - name: sample-blog',
          '    destination: disk',
          '    sources:',
          '      - type: directory',
          '        label: site',
          `        path: ${JSON.stringify(site)}`,
          '        exclude: ["wp-content/cache/**"]',
          '    retention: { keepLast: 3 }',
          `state: { dir: ${JSON.stringify(join(work, 'state'))} }`,
          '',
        ].join('\n'),
      );
      say(`1. configuration written: ${configFile}`);
      const config = await loadConfig(configFile, { env: ctx.env });
      const job = config.jobs[0]!;
      const input = await runJobInput(config, job, ctx.env, ctx.log, ctx.redactor!);
      const result = await runJob(input);
      say(
        `2. backed up ${site}: set ${result.setName}, ${formatBytes(result.bytes)} in ${result.objects.length} object(s)`,
      );
      const store = new LocalStore(join(work, 'backups'));
      const sets = await listSets(
        { description: store.description, open: () => Promise.resolve(store) },
        '/',
        job.name,
      );
      for (const s of sets)
        say(`3. listed: ${s.name} ${formatBytes(s.bytes)} ${s.complete ? 'complete' : 'INCOMPLETE'}`);
      const { checks } = await verifySet(store, result.setPath);
      for (const c of checks)
        say(
          `4. verified ${c.name}: ${c.ok ? `OK (sha256 ${c.sha256.slice(0, 16)}…)` : `FAILED: ${c.problem}`}`,
        );
      if (checks.some((c) => !c.ok)) throw new Error('verification failed');
      const compared = await compareWithOriginal(store, result.setPath, result.objects[0]!.name, site);
      say(
        `5. extracted and compared with the original: ${compared} files identical, excluded cache left out`,
      );
      say(
        `done. Everything is in ${work} (backups/, config.yaml). Try: ftps-backup list sample-blog -c ${configFile}`,
      );
    });
}

/** Reads the tar back from the store and compares every file with the sample site on disk. */
async function compareWithOriginal(
  store: LocalStore,
  setPath: string,
  objectName: string,
  site: string,
): Promise<number> {
  const ex = extract();
  let files = 0;
  const mismatches: string[] = [];
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') {
        files++;
        readFile(join(site, header.name)).then(
          (orig) => {
            if (!orig.equals(Buffer.concat(chunks))) mismatches.push(header.name);
            next();
          },
          () => {
            mismatches.push(header.name);
            next();
          },
        );
      } else next();
    });
  });
  const decompress = createDecompressor(
    objectName.endsWith('.zst') ? 'zstd' : objectName.endsWith('.gz') ? 'gzip' : 'none',
  );
  const done = pipeline(decompress, ex);
  await store.get(`${setPath}/${objectName}`, decompress);
  decompress.end();
  await done;
  const expected = await countFiles(site, (p) => !p.startsWith('wp-content/cache/'));
  if (mismatches.length > 0 || files !== expected) {
    throw new Error(
      `the extracted archive differs from the original (${files} of ${expected} files; different: ${mismatches.join(', ')})`,
    );
  }
  return files;
}

async function countFiles(root: string, keep: (rel: string) => boolean): Promise<number> {
  let n = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir)) {
      const p = join(dir, e);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p);
      else if (st.isFile() && keep(relative(root, p))) n++;
    }
  };
  await walk(root);
  return n;
}
