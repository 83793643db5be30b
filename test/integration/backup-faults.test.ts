/**
 * Faults during a backup, on real servers: the connection cut at several offsets of a 500 MB object (the
 * set completes and matches, the source ran once: resumed from the replay window), the dump client
 * killed mid-stream (nothing published, earlier sets untouched), a full disk on the server (clear error,
 * the partial removed), and whole jobs through ProFTPD's renegotiation and session-expiry variants.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chownSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJob, SourceFailedError, type RunJobInput } from '../../src/app/run-job.ts';
import { createDirectorySource, createMysqlSource } from '../../src/sources/index.ts';
import type { BackupSource } from '../../src/sources/types.ts';
import { ftpsStoreFactory } from '../../src/storage/ftps.ts';
import { mariadbQuery } from '../harness/mariadb.ts';
import { useFtpServer, useMariadb } from '../harness/vitest.ts';
import type { FtpServerInfo } from '../harness/index.ts';
import { clientOptions, testLog } from '../support/ftp-client.ts';
import { sha256OfFile, writePatternFile } from '../support/pattern.ts';
import { makeWordpressDb } from '../support/wordpress-db.ts';

const work = mkdtempSync(join(tmpdir(), 'backup-faults-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Counts how often the source ran. */
function counted(source: BackupSource): { source: BackupSource; runs: () => number } {
  let runs = 0;
  return {
    runs: () => runs,
    source: {
      kind: source.kind,
      id: source.id,
      open: (signal) => {
        runs++;
        return source.open(signal);
      },
    },
  };
}

function input(
  info: FtpServerInfo,
  job: string,
  objects: RunJobInput['objects'],
  extra: Partial<RunJobInput> = {},
  log = testLog(),
): RunJobInput {
  return {
    job,
    host: 'test',
    toolVersion: '0.0.0-test',
    root: '/backups',
    objects,
    compression: { algorithm: 'zstd', level: 1 },
    stores: ftpsStoreFactory(clientOptions(info, { log: log.logger })),
    parallel: 1,
    replayWindowBytes: 64 * 1024 * 1024,
    retry: { attempts: 6, initialDelayMs: 100, maxDelayMs: 500 },
    log: { error: log.logger.warn, warn: log.logger.warn, info: log.logger.info, debug: log.logger.debug },
    ...extra,
  };
}

function killSessions(masterPid: number): number {
  const children = readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  for (const pid of children) process.kill(Number(pid), 'SIGKILL');
  return children.length;
}

describe('ProFTPD (a): cuts, a killed dump, a full disk', () => {
  const server = useFtpServer('proftpd', 'a');
  const db = useMariadb();

  it('finishes a 500 MB object cut at three offsets, resuming from the replay window without re-running the source', async () => {
    const siteDir = join(work, 'big-site');
    mkdirSync(siteDir);
    const size = 500_000_000;
    // A 500 MB incompressible file, written from the test pattern.
    await writePatternFile(join(siteDir, 'big.bin'), 'cuts', size);
    const { source, runs } = counted(createDirectorySource({ label: 'big', path: siteDir }));
    const cuts = [100_000_000, 250_000_000, 400_000_000];
    let killed = 0;
    const result = await runJob(
      input(server(), 'cuts', [{ name: 'files-big.tar.zst', source }], {
        onObjectProgress: (_n, bytes) => {
          if (killed < cuts.length && bytes > cuts[killed]!) {
            if (killSessions(server().pid) > 0) killed++;
          }
        },
      }),
    );
    expect(killed).toBe(3);
    expect(runs()).toBe(1);
    const setDir = join(server().home, 'backups', 'cuts', result.setName);
    expect(readdirSync(setDir).sort()).toEqual(['files-big.tar.zst', 'manifest.json']);
    const obj = result.objects[0]!;
    expect(await sha256OfFile(join(setDir, 'files-big.tar.zst'))).toEqual({
      sha256: obj.sha256,
      bytes: obj.size,
    });
    // And the content is the file: decompress and untar with the standard tools.
    const out = join(work, 'cuts-out');
    mkdirSync(out);
    execFileSync('sh', [
      '-c',
      `zstd -dc "$1" | tar -xf - -C "$2"`,
      'sh',
      join(setDir, 'files-big.tar.zst'),
      out,
    ]);
    expect((await sha256OfFile(join(out, 'big.bin'))).sha256).toBe(
      (await sha256OfFile(join(siteDir, 'big.bin'))).sha256,
    );
    rmSync(siteDir, { recursive: true, force: true });
  });

  it('publishes nothing when the dump client is killed mid-stream, and leaves earlier sets alone', async () => {
    await makeWordpressDb(db(), 'bigdb', 200);
    await mariadbQuery(
      db(),
      'CREATE TABLE bigdb.filler (id INT PRIMARY KEY, b LONGBLOB); ' +
        Array.from(
          { length: 60 },
          (_, i) =>
            `INSERT INTO bigdb.filler VALUES (${i}, RANDOM_BYTES(1024)); UPDATE bigdb.filler SET b = REPEAT(RANDOM_BYTES(1024), 1024) WHERE id = ${i};`,
        ).join(' '),
      { as: 'root' },
    );
    const info = db();
    const mysql = () =>
      createMysqlSource({
        host: info.host,
        port: info.port,
        user: info.user,
        password: info.password,
        database: 'bigdb',
      });
    // A good run first: the earlier set.
    const good = await runJob(input(server(), 'dbjob', [{ name: 'db-bigdb.sql.zst', source: mysql() }]));
    const jobDir = join(server().home, 'backups', 'dbjob');
    expect(readdirSync(jobDir)).toEqual([good.setName]);
    const goodManifest = readFileSync(join(jobDir, good.setName, 'manifest.json'), 'utf8');
    // Then a run whose dump is killed after its first megabytes.
    const inner = mysql();
    const killing: BackupSource = {
      kind: inner.kind,
      id: inner.id,
      open: (signal) => {
        const run = inner.open(signal);
        let seen = 0;
        let done = false;
        run.stream.on('data', (c: Buffer) => {
          seen += c.length;
          if (!done && seen > 2_000_000) {
            done = true;
            const dump = ourChildren().find((c2) => c2.cmd.includes('dump'));
            if (dump !== undefined) process.kill(dump.pid, 'SIGKILL');
          }
        });
        return run;
      },
    };
    await new Promise((r) => setTimeout(r, 1100)); // a new set name (seconds)
    const err = await runJob(input(server(), 'dbjob', [{ name: 'db-bigdb.sql.zst', source: killing }])).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceFailedError);
    expect((err as Error).message).toMatch(/bigdb/);
    expect((err as Error).message).toMatch(/SIGKILL|signal|killed/i);
    expect(readdirSync(jobDir)).toEqual([good.setName]);
    expect(readFileSync(join(jobDir, good.setName, 'manifest.json'), 'utf8')).toBe(goodManifest);
  });

  it('fails clearly on a full disk and removes the partial', async () => {
    const jobDir = join(server().home, 'backups', 'full');
    mkdirSync(jobDir, { recursive: true });
    const owner = statSync(server().home);
    chownSync(jobDir, owner.uid, owner.gid);
    execFileSync('mount', [
      '-t',
      'tmpfs',
      '-o',
      `size=20m,uid=${owner.uid},gid=${owner.gid},mode=0755`,
      'tmpfs',
      jobDir,
    ]);
    try {
      const siteDir = join(work, 'full-site');
      mkdirSync(siteDir);
      await writePatternFile(join(siteDir, 'big.bin'), 'big.bin', 40_000_000);
      const err = await runJob(
        input(
          server(),
          'full',
          [{ name: 'files-x.tar', source: createDirectorySource({ label: 'x', path: siteDir }) }],
          { compression: { algorithm: 'none' } },
        ),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/\b(552|452|451)\b/);
      expect((err as Error).message).toMatch(/space|full|quota|exceeded|write/i);
      // Nothing left: the failed set's partial object is gone.
      expect(readdirSync(jobDir)).toEqual([]);
    } finally {
      execFileSync('umount', [jobDir]);
    }
  });
});

describe('ProFTPD (d): spooled object, restarts refused', () => {
  const server = useFtpServer('proftpd', 'd');
  it('uploads again from the spool file after a cut (451 on resume), the source ran once, the spool is emptied', async () => {
    const siteDir = join(work, 'spool-site');
    mkdirSync(siteDir);
    await writePatternFile(join(siteDir, 'a.bin'), 'a.bin', 150_000_000);
    const spoolDir = join(work, 'spool');
    const { source, runs } = counted(createDirectorySource({ label: 's', path: siteDir }));
    let killed = false;
    const log = testLog();
    const result = await runJob(
      input(
        server(),
        'spooled',
        [{ name: 'files-s.tar.zst', source }],
        {
          spool: { dir: spoolDir, minFreeBytes: 1 },
          onObjectProgress: (_n, bytes) => {
            if (!killed && bytes > 60_000_000) killed = killSessions(server().pid) > 0;
          },
        },
        log,
      ),
    );
    expect(killed).toBe(true);
    expect(log.lines.some((l) => l.includes('refused to resume at byte'))).toBe(true);
    expect(log.lines.some((l) => l.includes('uploading again from byte 0, the source replayed'))).toBe(true);
    expect(runs()).toBe(1); // the spool file replays from 0: the source ran once
    expect(result.objects[0]!.attempts).toBeGreaterThanOrEqual(2);
    const setDir = join(server().home, 'backups', 'spooled', result.setName);
    expect((await sha256OfFile(join(setDir, 'files-s.tar.zst'))).sha256).toBe(result.objects[0]!.sha256);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('refuses to spool without enough free space, before running the source', async () => {
    const { source, runs } = counted(createDirectorySource({ label: 's', path: work }));
    const err = await runJob(
      input(server(), 'nospace', [{ name: 'files-s.tar.zst', source }], {
        spool: { dir: join(work, 'spool2'), minFreeBytes: Number.MAX_SAFE_INTEGER },
      }),
    ).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/spool folder .* MiB free, less than/);
    expect(runs()).toBe(0);
  });
});

describe.each([
  ['b', 'data renegotiation every 2 MB'],
  ['b2', 'control and data renegotiation'],
  ['c', 'TLS session expiring after 4 s'],
] as const)('ProFTPD (%s): %s', (variant, _what) => {
  const server = useFtpServer('proftpd', variant);
  it('carries a whole job through', async () => {
    const siteDir = join(work, `site-${variant}`);
    mkdirSync(siteDir);
    await writePatternFile(join(siteDir, 'a.bin'), 'a.bin', 60_000_000);
    writeFileSync(join(siteDir, 'b.txt'), 'hello\n');
    const result = await runJob(
      input(
        server(),
        `job-${variant}`,
        [{ name: 'files-s.tar.zst', source: createDirectorySource({ label: 's', path: siteDir }) }],
        { parallel: 2 },
      ),
    );
    const setDir = join(server().home, 'backups', `job-${variant}`, result.setName);
    expect(readdirSync(setDir).sort()).toEqual(['files-s.tar.zst', 'manifest.json']);
    expect((await sha256OfFile(join(setDir, 'files-s.tar.zst'))).sha256).toBe(result.objects[0]!.sha256);
  });
});

function ourChildren(): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    for (const pid of readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)) {
      out.push({ pid: Number(pid), cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    }
  }
  return out;
}
