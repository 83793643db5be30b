/**
 * bench/upload: the same file (default 1 GB) to the same ProFTPD (variant a, TLS 1.3) with
 * `ftps-backup put`, `curl --ssl-reqd -T`, lftp (`set ftp:ssl-force true; set ftp:ssl-protect-data true;
 * put`) and basic-ftp, alternating, several runs. Every tool starts from the same state: its earlier
 * upload is removed from the server and `sync` runs before each measurement (untimed), so no tool pays
 * for another's disk writeback. Prints median MB/s, CPU seconds, peak RSS, and the ratios. Every
 * upload's size is checked on the server's disk.
 *
 *   npm run bench -- upload            (BENCH_SIZE_MB=1000 BENCH_RUNS=3)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProftpd } from '../test/harness/index.ts';
import { MB, measure, median, type Measurement } from './measure.ts';

const sizeMb = Number(process.env.BENCH_SIZE_MB ?? 1000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const root = new URL('..', import.meta.url).pathname;

export async function benchUpload(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ftps-bench-'));
  const server = await startProftpd('a');
  try {
    const info = server.info;
    const file = join(work, 'payload.bin');
    const fd = openSync(file, 'w');
    for (let i = 0; i < sizeMb; i++) writeSync(fd, randomBytes(MB)); // incompressible, like a backup
    closeSync(fd);
    const bytes = statSync(file).size;
    const curlCfg = join(work, 'curl.cfg');
    writeFileSync(curlCfg, `user = "${info.user}:${info.password}"\n`, { mode: 0o600 });
    // lftp reads the password from LFTP_PASSWORD (open --env-password), never from its command line.
    const lftpScript = join(work, 'put.lftp');
    writeFileSync(
      lftpScript,
      [
        'set ftp:ssl-force true',
        'set ftp:ssl-protect-data true',
        `set ssl:ca-file "${info.caFile}"`,
        'set net:max-retries 1',
        `open --env-password -u ${info.user} ftp://${info.host}:${info.port}`,
        `put "${file}" -o lftp.bin`,
        '',
      ].join('\n'),
    );
    const env = { ...process.env, FTPS_PASSWORD: info.password, LFTP_PASSWORD: info.password };
    const base = `${info.host}:${info.port}`;
    const tools: Record<string, () => Promise<Measurement>> = {
      'ftps-backup': () =>
        measure(
          join(root, 'bin/ftps-backup.js'),
          ['put', file, `ftpes://${info.user}@${base}/fb.bin`, '--ca-file', info.caFile],
          env,
        ),
      curl: () =>
        measure(
          'curl',
          ['-sS', '--ssl-reqd', '--cacert', info.caFile, '-K', curlCfg, '-T', file, `ftp://${base}/curl.bin`],
          env,
        ),
      lftp: () => measure('lftp', ['-f', lftpScript], env),
      'basic-ftp': () =>
        measure(
          process.execPath,
          [
            join(root, 'bench/basic-ftp-put.ts'),
            info.host,
            String(info.port),
            info.user,
            info.caFile,
            file,
            'bf.bin',
          ],
          env,
        ),
    };
    const remoteName: Record<string, string> = {
      'ftps-backup': 'fb.bin',
      curl: 'curl.bin',
      lftp: 'lftp.bin',
      'basic-ftp': 'bf.bin',
    };
    const results: Record<string, { mbps: number[]; rss: number[]; cpu: number[]; failures: string[] }> = {};
    const transferOnly: number[] = [];
    for (const name of Object.keys(tools)) results[name] = { mbps: [], rss: [], cpu: [], failures: [] };
    for (let run = 1; run <= runs; run++) {
      for (const [name, fn] of Object.entries(tools)) {
        const target = join(info.home, remoteName[name]!);
        rmSync(target, { force: true });
        execFileSync('sync');
        const m = await fn();
        const got = (() => {
          try {
            return statSync(target).size;
          } catch {
            return -1;
          }
        })();
        const r = results[name]!;
        if (m.code !== 0 || got !== bytes) {
          r.failures.push(
            `run ${run}: exit ${String(m.code)}, ${got} of ${bytes} bytes on the server; ${m.stderr.trim().split('\n').at(-1) ?? ''}`,
          );
        } else {
          r.mbps.push(bytes / MB / m.seconds);
          r.rss.push(m.peakRssBytes);
          r.cpu.push(m.cpuSeconds);
          const t = /\(transfer (\d+) ms, verification (\d+) ms\)/.exec(m.stderr);
          if (name === 'ftps-backup' && t !== null) transferOnly.push(bytes / MB / (Number(t[1]) / 1000));
        }
        console.log(
          `run ${run} ${name.padEnd(12)} ${(bytes / MB / m.seconds).toFixed(1).padStart(7)} MB/s  CPU ${m.cpuSeconds.toFixed(2)} s  peak RSS ${(m.peakRssBytes / MB).toFixed(1)} MB  exit ${String(m.code)}`,
        );
      }
    }
    console.log(
      `\nupload of ${(bytes / MB).toFixed(0)} MB to ProFTPD 1.3.8 (TLS 1.3, loopback), ${runs} runs each, alternating`,
    );
    console.log('tool          median MB/s   median CPU s   median peak RSS   failures');
    for (const [name, r] of Object.entries(results)) {
      const mb = r.mbps.length > 0 ? median(r.mbps).toFixed(1) : 'n/a';
      const cpu = r.cpu.length > 0 ? median(r.cpu).toFixed(2) : 'n/a';
      const rss = r.rss.length > 0 ? `${(median(r.rss) / MB).toFixed(1)} MB` : 'n/a';
      console.log(
        `${name.padEnd(13)} ${mb.padStart(11)}   ${cpu.padStart(12)}   ${rss.padStart(15)}   ${r.failures.length}`,
      );
      for (const f of r.failures) console.log(`    ${f}`);
    }
    if (transferOnly.length > 0) {
      console.log(
        `ftps-backup without its verification step (SIZE + the server's SHA-256 of the whole file, which curl, lftp and basic-ftp don't do): median ${median(transferOnly).toFixed(1)} MB/s from first byte to the final 226`,
      );
    }
    const fb = results['ftps-backup']!.mbps;
    for (const other of ['curl', 'lftp', 'basic-ftp']) {
      const o = results[other]!.mbps;
      if (fb.length > 0 && o.length > 0)
        console.log(`ratio ftps-backup / ${other}: ${(median(fb) / median(o)).toFixed(2)}x`);
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
