/**
 * Real ProFTPD behind our own fault proxy (test/faults/fault-proxy.ts): data connections cut with FIN
 * (ProFTPD then answers 226 early) or RST in the middle of an object, on a server with AllowStoreRestart
 * (variant a: the upload resumes at the server's size from the replay window) and without it (variant d:
 * the object starts again from byte 0 with its source run again). Every run must end byte-exact on the
 * server's disk (checked with zstd and tar) and the log must say which recovery ran. The 20-cut sweep is
 * test/faults/sweep.ts (not in CI).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../src/app/run-job.ts';
import { createDirectorySource } from '../../src/sources/index.ts';
import { ftpsStoreFactory } from '../../src/storage/ftps.ts';
import { useFtpServer } from '../harness/vitest.ts';
import type { FtpServerInfo } from '../harness/index.ts';
import { clientOptions, testLog } from '../support/ftp-client.ts';
import { sha256OfFile, writePatternFile } from '../support/pattern.ts';
import { PROXY_HOST, startFaultProxy, type Fault } from '../faults/fault-proxy.ts';

const work = mkdtempSync(join(tmpdir(), 'fault-proxy-'));
const SIZE = 12_000_000;
const site = join(work, 'site');
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  mkdirSync(site);
  await writePatternFile(join(site, 'big.bin'), 'proxy', SIZE);
});

/** One backup of the site through the proxy with `fault`; returns the log lines and what fired. */
async function backupThrough(info: FtpServerInfo, job: string, fault: Fault) {
  const proxy = await startFaultProxy({ controlPort: info.port, passive: info.passive, faults: [fault] });
  const log = testLog();
  let runs = 0;
  const directory = createDirectorySource({ label: 'site', path: site });
  try {
    const result = await runJob({
      job,
      host: 'test',
      toolVersion: '0.0.0-test',
      root: '/backups',
      objects: [
        {
          name: 'files-site.tar.zst',
          source: { ...directory, open: (signal) => (runs++, directory.open(signal)) },
        },
      ],
      compression: { algorithm: 'zstd', level: 1 },
      stores: ftpsStoreFactory(
        clientOptions(info, {
          host: PROXY_HOST,
          tls: { fingerprint256: info.fingerprint256 },
          log: log.logger,
        }),
      ),
      parallel: 1,
      replayWindowBytes: 8 * 1024 * 1024,
      retry: { attempts: 6, initialDelayMs: 50, maxDelayMs: 200 },
      log: { error: log.logger.warn, warn: log.logger.warn, info: log.logger.info, debug: log.logger.debug },
    });
    const stored = join(info.home, 'backups', job, result.setName, 'files-site.tar.zst');
    const out = join(work, `${job}-out`);
    mkdirSync(out);
    execFileSync('sh', ['-c', 'zstd -dc "$1" | tar -xf - -C "$2"', 'sh', stored, out]);
    const exact =
      (await sha256OfFile(join(out, 'big.bin'))).sha256 ===
      (await sha256OfFile(join(site, 'big.bin'))).sha256;
    return { exact, lines: log.lines, fired: proxy.fired, runs };
  } finally {
    await proxy.close();
  }
}

describe('ProFTPD (a) with AllowStoreRestart behind the fault proxy', () => {
  const server = useFtpServer('proftpd', 'a');
  it.each(['fin', 'rst'] as const)(
    'a data connection cut with %s mid-object resumes at the server size',
    async (how) => {
      const r = await backupThrough(server(), `a-${how}`, {
        kind: 'data',
        nth: 1,
        afterBytes: 3_000_000,
        how,
      });
      expect(r.fired).toHaveLength(1);
      expect(r.exact).toBe(true);
      expect(r.lines.some((l) => /resume at \d+ with REST\+STOR/.test(l))).toBe(true);
      expect(r.runs).toBe(1);
    },
  );
});

describe('ProFTPD (d) without AllowStoreRestart behind the fault proxy', () => {
  const server = useFtpServer('proftpd', 'd');
  it('a data connection cut mid-object: the source runs again and the object is uploaded from byte 0', async () => {
    const r = await backupThrough(server(), 'd-fin', {
      kind: 'data',
      nth: 1,
      afterBytes: 3_000_000,
      how: 'fin',
    });
    expect(r.fired).toHaveLength(1);
    expect(r.exact).toBe(true);
    expect(r.lines.some((l) => l.includes('source re-run'))).toBe(true);
    expect(r.runs).toBe(2);
  });
});
