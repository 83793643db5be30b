/**
 * bench/backup: one site and one database backed up to the same ProFTPD (TLS 1.3, loopback) by
 * `ftps-backup run` and by shell pipelines measured in the same run:
 *   zstd: mariadb-dump | zstd -3 | curl -T -   and   tar -I 'zstd -3' -cf - | curl -T -
 *   gzip: the same with gzip -6
 * and the same job encrypted with age to one X25519 recipient (`ftps-backup run (age)`), reported with its
 * ratio to the unencrypted run (target: at most 30% slower).
 * Prints seconds, MB/s (of source bytes), peak RSS, and the ratios. The site's big files are random
 * (incompressible media, like photos and videos).
 *
 *   npm run bench -- backup     (BENCH_SITE_MB=200, BENCH_RUNS=3)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariadb, startProftpd, writeMariadbDefaultsFile } from '../test/harness/index.ts';
import { makeSite } from '../test/support/site.ts';
import { makeWordpressDb } from '../test/support/wordpress-db.ts';
import { writeBackupConfig } from '../test/support/backup-config.ts';
import { generateX25519Identity } from '../src/pipeline/index.ts';
import { MB, measure, median, type Measurement } from './measure.ts';

const siteMb = Number(process.env.BENCH_SITE_MB ?? 200);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const root = new URL('..', import.meta.url).pathname;

export async function benchBackup(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ftps-bench-backup-'));
  const [ftp, db] = await Promise.all([startProftpd('a'), startMariadb()]);
  try {
    const site = join(work, 'site');
    const bigFiles = Math.max(1, Math.round((siteMb * 0.9) / 50));
    await makeSite(site, {
      smallFiles: 2000,
      bigFiles,
      bigFileBytes: Math.round((siteMb * 0.9 * MB) / bigFiles),
    });
    await makeWordpressDb(db.info, 'wp', 20_000);
    const siteBytes = Number(execFileSync('du', ['-sb', '--exclude=cache', site]).toString().split('\t')[0]);
    const cfg = await writeBackupConfig(work, ftp.info, db.info, [
      { name: 'bench', site, exclude: ['wp-content/cache/**'], databases: ['wp'] },
      {
        name: 'bench-age',
        site,
        exclude: ['wp-content/cache/**'],
        databases: ['wp'],
        extra: [`encryption: { recipients: [${generateX25519Identity().recipient}] }`],
      },
    ]);
    const myCnf = await writeMariadbDefaultsFile(db.info, 'backup', { dir: work });
    const curlCfg = join(work, 'curl.cfg');
    writeFileSync(curlCfg, `user = "${ftp.info.user}:${ftp.info.password}"\n`, { mode: 0o600 });
    const url = `ftp://${ftp.info.host}:${ftp.info.port}`;
    const curl = `curl -sS --ssl-reqd --cacert '${ftp.info.caFile}' -K '${curlCfg}' -T -`;
    const dump = `mariadb-dump --defaults-extra-file='${myCnf}' --single-transaction --quick --routines --triggers --events --hex-blob --default-character-set=utf8mb4 --databases wp`;
    const pipelineFor = (z: string, ext: string): string =>
      `set -e; ${dump} | ${z} | ${curl} '${url}/sh-db.sql.${ext}'; tar -I '${z}' -cf - --exclude=./wp-content/cache -C '${site}' . | ${curl} '${url}/sh-site.tar.${ext}'`;
    const env = {
      ...process.env,
      TEST_FTPS_PASSWORD: ftp.info.password,
      TEST_MYSQL_PASSWORD: db.info.password,
    };
    const tools: Record<string, () => Promise<Measurement>> = {
      'ftps-backup run': () => measure(join(root, 'bin/ftps-backup.js'), ['run', 'bench', '-c', cfg], env),
      'ftps-backup run (age)': () =>
        measure(join(root, 'bin/ftps-backup.js'), ['run', 'bench-age', '-c', cfg], env),
      'zstd pipeline': () => measure('sh', ['-c', pipelineFor('zstd -3 -q', 'zst')], env),
      'gzip pipeline': () => measure('sh', ['-c', pipelineFor('gzip -6', 'gz')], env),
    };
    const res: Record<string, Measurement[]> = {};
    for (let run = 1; run <= runs; run++) {
      for (const [name, fn] of Object.entries(tools)) {
        const m = await fn();
        if (m.code !== 0) throw new Error(`${name} failed (exit ${String(m.code)}): ${m.stderr.slice(-500)}`);
        // Untimed: what this tool uploaded goes, and its writes reach the disk, so the next tool
        // neither pays for the previous one's disk writeback nor fills the disk at 5 GB.
        for (const entry of readdirSync(ftp.info.home))
          rmSync(join(ftp.info.home, entry), { recursive: true });
        execFileSync('sync');
        (res[name] ??= []).push(m);
        console.log(
          `run ${run} ${name.padEnd(21)} ${m.seconds.toFixed(2).padStart(7)} s  peak RSS ${(m.peakRssBytes / MB).toFixed(1)} MB (tree ${(m.treePeakRssBytes / MB).toFixed(1)} MB)  machine CPU ${m.machineCpuSeconds.toFixed(1)} s`,
        );
      }
    }
    console.log(
      `\nbackup of a ${(siteBytes / MB).toFixed(0)} MB site (random media + 2000 small files) and a WordPress-like database to ProFTPD (TLS 1.3, loopback), ${runs} runs each`,
    );
    console.log(
      `${'tool'.padEnd(21)} median s   site MB/s   peak RSS (process)   peak RSS (sum over the process tree)`,
    );
    const med: Record<string, number> = {};
    for (const [name, ms] of Object.entries(res)) {
      med[name] = median(ms.map((m) => m.seconds));
      console.log(
        `${name.padEnd(21)} ${med[name].toFixed(2).padStart(8)}   ${(siteBytes / MB / med[name]).toFixed(1).padStart(9)}   ${(median(ms.map((m) => m.peakRssBytes)) / MB).toFixed(1).padStart(15)} MB   ${(median(ms.map((m) => m.treePeakRssBytes)) / MB).toFixed(1).padStart(10)} MB`,
      );
    }
    const fb = med['ftps-backup run']!;
    console.log(
      `speed vs zstd pipeline: ${(med['zstd pipeline']! / fb).toFixed(2)}x (>= 1 means ftps-backup is at least as fast)`,
    );
    console.log(`speed vs gzip pipeline: ${(med['gzip pipeline']! / fb).toFixed(2)}x`);
    const age = med['ftps-backup run (age)']!;
    console.log(
      `encrypted (age) vs unencrypted run: ${(age / fb).toFixed(2)}x the time (${(((age - fb) / fb) * 100).toFixed(0)}% slower; target <= 30%)`,
    );
  } finally {
    await Promise.all([ftp.stop(), db.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}
