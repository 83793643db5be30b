/**
 * bench/small-files: backup AND restore of a WordPress uploads-shaped tree (bench/uploads-site.ts:
 * year/month folders, 300,000 files by default, a few hundred bytes to tens of KB) against ProFTPD
 * (TLS 1.3, loopback), zstd level 3 on both sides, each tool measured in the same run:
 *   backup:  `ftps-backup run`                 vs  tar -cf - | zstd -3 | curl --ssl-reqd -T -
 *   restore: `ftps-backup restore … --to <dir>`  vs  curl --ssl-reqd <the same object> | zstd -d | tar -x
 * Both restores read the set ftps-backup just wrote. Every measurement starts from the same state: the
 * server holds no earlier upload of the tool, each restore goes into a new empty folder (all removed at
 * the end: deleting 300,000 files takes minutes on a busy disk), and `sync` runs before it (untimed), so
 * no tool pays for another's disk writeback. Prints wall seconds, CPU seconds (user+sys,
 * the pipeline's stages summed), CPU µs per file, peak RSS, and the ratios (>= 1: ftps-backup is at
 * least as fast).
 *
 *   npm run bench -- small-files     (BENCH_RUNS=3, BENCH_DATA_DIR=<tmp>, and the BENCH_UPLOADS_*
 *                                     options of bench/uploads-site.ts)
 * The tree is generated once per spec under BENCH_DATA_DIR (1.4 GB for the default) and reused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProftpd } from '../test/harness/index.ts';
import { writeBackupConfig } from '../test/support/backup-config.ts';
import { MB, measure, median, type Measurement } from './measure.ts';
import { makeUploadsSite, uploadsSpecFromEnv } from './uploads-site.ts';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const dataDir = process.env.BENCH_DATA_DIR ?? tmpdir();
const root = new URL('..', import.meta.url).pathname;

/** The generated tree for the spec in the environment, made on first use. */
function uploadsTree(): { path: string; files: number; bytes: number } {
  const spec = uploadsSpecFromEnv();
  const key = JSON.stringify(spec);
  const path = join(
    dataDir,
    `uploads-${spec.files}-${spec.thumbsPerImage}-${spec.thumbBytes.join('-')}-${spec.originalBytes.join('-')}`,
  );
  const marker = join(dataDir, `${path.split('/').pop()}.done`);
  if (existsSync(marker)) {
    const made = JSON.parse(readFileSync(marker, 'utf8')) as { spec: string; files: number; bytes: number };
    if (made.spec === key) return { path, files: made.files, bytes: made.bytes };
  }
  rmSync(path, { recursive: true, force: true });
  console.log(`generating ${spec.files} files under ${path} …`);
  const made = makeUploadsSite(path, spec);
  writeFileSync(marker, JSON.stringify({ spec: key, ...made }));
  return { path, ...made };
}

function clear(folder: string): void {
  if (existsSync(folder))
    for (const entry of readdirSync(folder)) rmSync(join(folder, entry), { recursive: true });
}

export async function benchSmallFiles(): Promise<void> {
  const tree = uploadsTree();
  const work = join(dataDir, `ftps-bench-small-files-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const ftp = await startProftpd('a');
  try {
    const cfg = await writeBackupConfig(work, ftp.info, undefined, [{ name: 'uploads', site: tree.path }]);
    const curlCfg = join(work, 'curl.cfg');
    writeFileSync(curlCfg, `user = "${ftp.info.user}:${ftp.info.password}"\n`, { mode: 0o600 });
    const url = `ftp://${ftp.info.host}:${ftp.info.port}`;
    const curl = `curl -sS --ssl-reqd --cacert '${ftp.info.caFile}' -K '${curlCfg}'`;
    const env = { ...process.env, TEST_FTPS_PASSWORD: ftp.info.password };
    const cli = join(root, 'bin/ftps-backup.js');
    let restores = 0;
    const freshFolder = (): string => {
      const folder = join(work, `restore-${++restores}`);
      mkdirSync(folder);
      return folder;
    };
    const settle = (): void => {
      execFileSync('sync');
    };
    const res: Record<string, Measurement[]> = {};
    const record = (name: string, m: Measurement): void => {
      if (m.code !== 0) throw new Error(`${name} failed (exit ${String(m.code)}): ${m.stderr.slice(-500)}`);
      (res[name] ??= []).push(m);
      console.log(
        `${name.padEnd(24)} ${m.seconds.toFixed(2).padStart(7)} s  CPU ${m.cpuSeconds.toFixed(2).padStart(6)} s (${((m.cpuSeconds / tree.files) * 1e6).toFixed(0)} µs/file)  peak RSS ${(m.peakRssBytes / MB).toFixed(1)} MB`,
      );
    };
    for (let run = 1; run <= runs; run++) {
      console.log(`run ${run}`);
      clear(ftp.info.home);
      settle();
      record('ftps-backup run', await measure(cli, ['run', 'uploads', '-c', cfg], env));
      const setDir = join(ftp.info.home, 'backups', 'uploads');
      const set = readdirSync(setDir).sort().at(-1) as string;
      const ours = freshFolder();
      settle();
      record('ftps-backup restore', await measure(cli, ['restore', 'uploads', '-c', cfg, '--to', ours], env));
      const restored = Number(execFileSync('sh', ['-c', `find '${ours}' -type f | wc -l`]).toString());
      if (restored !== tree.files) throw new Error(`ftps-backup restored ${restored} of ${tree.files} files`);
      const theirs = freshFolder();
      settle();
      record(
        'shell restore',
        await measure(
          'sh',
          [
            '-c',
            `set -e; ${curl} '${url}/backups/uploads/${set}/files-site.tar.zst' | zstd -d -q | tar -xf - -C '${theirs}'`,
          ],
          env,
        ),
      );
      clear(ftp.info.home);
      settle();
      record(
        'shell backup',
        await measure(
          'sh',
          [
            '-c',
            `set -e; tar -cf - -C '${tree.path}' . | zstd -3 -q | ${curl} -T - '${url}/sh-site.tar.zst'`,
          ],
          env,
        ),
      );
    }
    console.log(
      `\n${tree.files} files (${(tree.bytes / MB).toFixed(0)} MB of content, uploads-shaped) to and from ProFTPD (TLS 1.3, loopback), zstd -3, ${runs} runs each (medians)`,
    );
    console.log(`${'tool'.padEnd(24)} wall s   CPU s   CPU µs/file   peak RSS`);
    const med: Record<string, number> = {};
    for (const [name, ms] of Object.entries(res)) {
      med[name] = median(ms.map((m) => m.seconds));
      const cpu = median(ms.map((m) => m.cpuSeconds));
      console.log(
        `${name.padEnd(24)} ${med[name].toFixed(2).padStart(6)}  ${cpu.toFixed(2).padStart(6)}  ${((cpu / tree.files) * 1e6).toFixed(0).padStart(11)}   ${(median(ms.map((m) => m.peakRssBytes)) / MB).toFixed(1)} MB`,
      );
    }
    console.log(
      `backup speed vs the shell pipeline: ${(med['shell backup']! / med['ftps-backup run']!).toFixed(2)}x; restore: ${(med['shell restore']! / med['ftps-backup restore']!).toFixed(2)}x (>= 1: ftps-backup at least as fast)`,
    );
  } finally {
    await ftp.stop();
    execFileSync('rm', ['-rf', work]);
  }
}
