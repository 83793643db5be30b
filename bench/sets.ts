/**
 * bench/sets: `ftps-backup list` and `prune` over many sets of one job on ProFTPD (TLS 1.3, loopback).
 * The sets are written straight into the server's folder (one an hour going back from now, each with a
 * site archive and manifest.json; every 50th set has no manifest). Measured: `list`,
 * `prune --dry-run`, then `prune` removing what keepDaily 7 + keepMonthly 12 does not keep (the sets are
 * written again before each prune run). Prints seconds, CPU seconds and peak RSS of the ftps-backup
 * process.
 *
 *   npm run bench -- sets      (BENCH_SETS=2000, BENCH_RUNS=3)
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProftpd } from '../test/harness/index.ts';
import { writeBackupConfig } from '../test/support/backup-config.ts';
import { createHash } from 'node:crypto';
import { formatSetName, serializeManifest, type Manifest } from '../src/domain/index.ts';
import { measure, median, type Measurement } from './measure.ts';

const setCount = Number(process.env.BENCH_SETS ?? 2000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const root = new URL('..', import.meta.url).pathname;

/** A manifest like the ones runs write (prune reads the newest ones for their warnings). */
function manifestFor(setName: string, time: Date, content: string): string {
  const manifest: Manifest = {
    version: 1,
    job: 'many',
    host: 'bench',
    setName,
    startedAt: time.toISOString(),
    finishedAt: time.toISOString(),
    toolVersion: 'bench',
    objects: [
      {
        name: 'files-site.tar.zst',
        size: Buffer.byteLength(content),
        sha256: createHash('sha256').update(content).digest('hex'),
        compression: 'zstd',
        encrypted: false,
        source: {
          kind: 'directory',
          label: 'site',
          path: '/srv/site',
          files: 1,
          dirs: 0,
          symlinks: 0,
          bytes: 1,
          excluded: 0,
        },
      },
    ],
    warnings: [],
  };
  return serializeManifest(manifest);
}

export async function benchSets(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ftps-bench-sets-'));
  const ftp = await startProftpd('a');
  try {
    const jobDir = join(ftp.info.home, 'backups', 'many');
    const owner = statSync(ftp.info.home);
    const writeSets = (): void => {
      rmSync(join(ftp.info.home, 'backups'), { recursive: true, force: true });
      mkdirSync(jobDir, { recursive: true });
      chownSync(join(ftp.info.home, 'backups'), owner.uid, owner.gid);
      chownSync(jobDir, owner.uid, owner.gid);
      const start = Date.now() - 3_600_000;
      for (let i = 0; i < setCount; i++) {
        const time = new Date(start - i * 3_600_000);
        const name = formatSetName(time);
        const d = join(jobDir, name);
        mkdirSync(d);
        const content = `site of set ${i}\n`;
        const files: Record<string, string> = { 'files-site.tar.zst': content };
        if (i % 50 !== 49) files['manifest.json'] = manifestFor(name, time, content);
        for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
        for (const p of [d, ...Object.keys(files).map((f) => join(d, f))]) chownSync(p, owner.uid, owner.gid);
      }
      execFileSync('sync');
    };
    writeSets();
    const cfg = await writeBackupConfig(work, ftp.info, undefined, [
      { name: 'many', site: work, root: '/backups' },
    ]);
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace(
        'retention: { keepLast: 5 }',
        'retention: { keepDaily: 7, keepMonthly: 12 }',
      ),
    );
    const env = { ...process.env, TEST_FTPS_PASSWORD: ftp.info.password };
    const cli = join(root, 'bin/ftps-backup.js');
    const tools: Record<string, { args: string[]; fresh: boolean }> = {
      list: { args: ['list', 'many', '-c', cfg], fresh: false },
      'prune --dry-run': { args: ['prune', 'many', '-c', cfg, '--dry-run'], fresh: false },
      prune: { args: ['prune', 'many', '-c', cfg], fresh: true },
    };
    const res: Record<string, Measurement[]> = {};
    for (let run = 1; run <= runs; run++) {
      for (const [name, t] of Object.entries(tools)) {
        if (t.fresh) writeSets();
        const m = await measure(cli, t.args, env);
        if (m.code !== 0) throw new Error(`${name} failed (exit ${String(m.code)}): ${m.stderr.slice(-500)}`);
        (res[name] ??= []).push(m);
        console.log(
          `run ${run} ${name.padEnd(16)} ${m.seconds.toFixed(2).padStart(7)} s  CPU ${m.cpuSeconds.toFixed(2)} s  peak RSS ${(m.peakRssBytes / 1e6).toFixed(1)} MB`,
        );
      }
    }
    console.log(`\n${setCount} sets of one job on ProFTPD (TLS 1.3, loopback), ${runs} runs each (median)`);
    for (const [name, ms] of Object.entries(res)) {
      console.log(
        `${name.padEnd(16)} ${median(ms.map((m) => m.seconds))
          .toFixed(2)
          .padStart(7)} s   CPU ${median(ms.map((m) => m.cpuSeconds)).toFixed(2)} s`,
      );
    }
  } finally {
    await ftp.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
