/**
 * runJob against the local store: publication order and cleanup rules that need no FTP server — stale
 * incomplete sets of earlier runs are removed after a success, foreign files and folders never are, and a
 * failing source publishes nothing and triggers no cleanup; with encryption, objects are age files whose
 * manifest sha256 is that of the stored bytes (streamed and spooled).
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runJob, SourceFailedError, type RunJobInput } from '../../src/app/run-job.ts';
import { localStoreFactory } from '../../src/storage/local.ts';
import {
  ageRecipients,
  createDecompressor,
  createDecryptor,
  generateX25519Identity,
  parseIdentities,
} from '../../src/pipeline/index.ts';
import type { BackupSource, SourceSummary } from '../../src/sources/types.ts';

const base = mkdtempSync(join(tmpdir(), 'runjob-local-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const summary: SourceSummary = {
  kind: 'directory',
  label: 'x',
  path: '/x',
  files: 1,
  dirs: 0,
  symlinks: 0,
  bytes: 5,
  excluded: 0,
  warnings: [],
};

function fixedSource(data: string, fail?: Error): BackupSource {
  return {
    kind: 'directory',
    id: 'x',
    open: () => {
      const stream = Readable.from([Buffer.from(data)]);
      const done =
        fail === undefined
          ? new Promise<SourceSummary>((r) => stream.on('end', () => r(summary)))
          : Promise.reject(fail);
      done.catch(() => {});
      return { stream, done };
    },
  };
}

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

function input(dest: string, objects: RunJobInput['objects'], now: Date): RunJobInput {
  return {
    job: 'blog',
    host: 'h',
    toolVersion: 't',
    root: '/',
    objects,
    compression: { algorithm: 'zstd', level: 3 },
    stores: localStoreFactory(dest),
    parallel: 2,
    replayWindowBytes: 1 << 20,
    retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
    log: quiet,
    now: () => now,
  };
}

describe('runJob on a local folder', () => {
  it('removes stale incomplete sets of earlier runs after a success, never foreign entries or complete sets', async () => {
    const dest = join(base, 'a');
    const job = join(dest, 'blog');
    mkdirSync(join(job, '20260101T000000Z'), { recursive: true });
    writeFileSync(join(job, '20260101T000000Z', 'files-site.tar.zst.partial'), 'half');
    mkdirSync(join(job, '20260102T000000Z'));
    writeFileSync(join(job, '20260102T000000Z', 'manifest.json'), '{}');
    // One hour old: within retention's 24 h grace (a run may still be writing it), so left alone too.
    mkdirSync(join(job, '20261122T020000Z'));
    writeFileSync(join(job, '20261122T020000Z', 'db-shop.sql.zst.partial'), 'half');
    mkdirSync(join(job, 'notes-by-the-admin'));
    writeFileSync(join(job, 'README.txt'), 'mine');
    const r = await runJob(
      input(
        dest,
        [
          { name: 'files-site.tar.zst', source: fixedSource('hello') },
          { name: 'files-b.tar.zst', source: fixedSource('world') },
        ],
        new Date('2026-11-22T03:00:00Z'),
      ),
    );
    expect(r.removedStale).toEqual(['20260101T000000Z']);
    expect(readdirSync(job).sort()).toEqual([
      '20260102T000000Z',
      '20261122T020000Z',
      '20261122T030000Z',
      'README.txt',
      'notes-by-the-admin',
    ]);
    expect(readdirSync(join(job, '20261122T030000Z')).sort()).toEqual([
      'files-b.tar.zst',
      'files-site.tar.zst',
      'manifest.json',
    ]);
  });

  it('publishes nothing and cleans nothing when a source fails', async () => {
    const dest = join(base, 'b');
    const job = join(dest, 'blog');
    mkdirSync(join(job, '20260101T000000Z'), { recursive: true });
    writeFileSync(join(job, '20260101T000000Z', 'db-wp.sql.zst.partial'), 'half');
    const err = await runJob(
      input(
        dest,
        [
          { name: 'files-site.tar.zst', source: fixedSource('hello') },
          { name: 'db-wp.sql.zst', source: fixedSource('x', new Error('mysqldump exited with status 2')) },
        ],
        new Date('2026-11-22T04:00:00Z'),
      ),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceFailedError);
    expect((err as Error).message).toContain('mysqldump exited with status 2');
    expect(readdirSync(job)).toEqual(['20260101T000000Z']);
  });
});

describe('runJob with age encryption', () => {
  it.each([false, true])('encrypts each object after compression (spool: %s)', async (spool) => {
    const dest = join(base, `age-${String(spool)}`);
    const me = generateX25519Identity();
    const r = await runJob({
      ...input(dest, [{ name: 'files-site.tar.zst.age', source: fixedSource('hello age') }], new Date()),
      encryption: { recipients: ageRecipients({ recipients: [me.recipient] }) },
      ...(spool ? { spool: { dir: join(base, `spool-${String(spool)}`), minFreeBytes: 0 } } : {}),
    });
    expect(r.manifest.objects.map((o) => [o.name, o.encrypted])).toEqual([['files-site.tar.zst.age', true]]);
    const stored = join(dest, 'blog', r.setName, 'files-site.tar.zst.age');
    expect(createHash('sha256').update(readFileSync(stored)).digest('hex')).toBe(
      r.manifest.objects[0]?.sha256,
    );
    const plain: Buffer[] = [];
    await pipeline(
      createReadStream(stored),
      createDecryptor({ identities: parseIdentities(me.identity, 'key') }),
      createDecompressor('zstd'),
      async (source: AsyncIterable<Buffer>) => {
        for await (const c of source) plain.push(c);
      },
    );
    expect(Buffer.concat(plain).toString()).toBe('hello age');
  });
});
