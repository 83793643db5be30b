/** Shared by test/integration/fault-proxy.test.ts and the sweep (test/faults/sweep.ts). */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from '../../src/app/run-job.ts';
import { createDirectorySource } from '../../src/sources/index.ts';
import { ftpsStoreFactory } from '../../src/storage/ftps.ts';
import type { FtpServerInfo } from '../harness/index.ts';
import { clientOptions, testLog } from '../support/ftp-client.ts';
import { sha256OfFile } from '../support/pattern.ts';
import { PROXY_HOST, startFaultProxy, type Fault } from './fault-proxy.ts';

/**
 * One backup of the folder `site` (holding big.bin) to `info` through the fault proxy with `fault`: whether
 * the stored object is byte-exact (zstd + tar on the server's disk), the log lines, what fired, how often
 * the source ran.
 */
export async function backupThroughProxy(
  info: FtpServerInfo,
  job: string,
  fault: Fault,
  site: string,
  work: string,
  replayWindowBytes = 8 * 1024 * 1024,
): Promise<{ exact: boolean; lines: string[]; fired: string[]; runs: number; error?: string }> {
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
      replayWindowBytes,
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
