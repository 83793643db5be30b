/**
 * Real ProFTPD behind our own fault proxy (test/faults/fault-proxy.ts): data connections cut with FIN
 * (ProFTPD then answers 226 early) or RST in the middle of an object, on a server with AllowStoreRestart
 * (variant a: the upload resumes at the server's size from the replay window) and without it (variant d:
 * the object starts again from byte 0 with its source run again). Every run must end byte-exact on the
 * server's disk (checked with zstd and tar) and the log must say which recovery ran. The 20-cut sweep is
 * test/faults/sweep.ts (not in CI).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import type { FtpServerInfo } from '../harness/index.ts';
import { writePatternFile } from '../support/pattern.ts';
import type { Fault } from '../faults/fault-proxy.ts';
import { backupThroughProxy } from '../faults/backup-through.ts';

const work = mkdtempSync(join(tmpdir(), 'fault-proxy-'));
const SIZE = 12_000_000;
const site = join(work, 'site');
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  mkdirSync(site);
  await writePatternFile(join(site, 'big.bin'), 'proxy', SIZE);
});

const backupThrough = (info: FtpServerInfo, job: string, fault: Fault, windowBytes?: number) =>
  backupThroughProxy(info, job, fault, site, work, windowBytes);

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
    // A 1 MiB window: at the cut (3 MB sent) it no longer holds byte 0, so only a source re-run can go on.
    const r = await backupThrough(
      server(),
      'd-fin',
      { kind: 'data', nth: 1, afterBytes: 3_000_000, how: 'fin' },
      1024 * 1024,
    );
    expect(r.fired).toHaveLength(1);
    expect(r.exact).toBe(true);
    expect(r.lines.some((l) => l.includes('source re-run'))).toBe(true);
    expect(r.runs).toBe(2);
  });
});
