import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ContentLimitError,
  EncryptedObjectError,
  ObjectMismatchError,
  readObject,
} from '../../../src/app/read-object.ts';
import type { ManifestObject } from '../../../src/domain/index.ts';
import {
  ageRecipients,
  createCompressor,
  createEncryptor,
  generateX25519Identity,
  parseIdentities,
  type Recipient,
} from '../../../src/pipeline/index.ts';
import { LocalStore } from '../../../src/storage/local.ts';

const base = mkdtempSync(join(tmpdir(), 'read-object-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const store = new LocalStore(base);
const plain = Buffer.concat([randomBytes(300_000), Buffer.alloc(300_000, 'a')]);
const me = generateX25519Identity();

async function storeObject(name: string, to?: Recipient[]): Promise<ManifestObject> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from([plain]),
    createCompressor('zstd'),
    ...(to !== undefined ? [createEncryptor(to)] : []),
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  const stored = Buffer.concat(chunks);
  writeFileSync(join(base, name), stored);
  return {
    name,
    size: stored.length,
    sha256: createHash('sha256').update(stored).digest('hex'),
    compression: 'zstd',
    encrypted: to !== undefined,
    source: { kind: 'mysql', database: 'x', tables: 1 },
  };
}

function collector(): { sink: Writable; data: () => Buffer } {
  const chunks: Buffer[] = [];
  return {
    sink: new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
    data: () => Buffer.concat(chunks),
  };
}

describe('readObject', () => {
  it('streams the plain content and returns the stored size and sha256', async () => {
    const o = await storeObject('db-x.sql.zst');
    const c = collector();
    const r = await readObject(store, '', o, undefined, c.sink);
    expect(c.data().equals(plain)).toBe(true);
    expect(r).toEqual({ bytes: o.size, sha256: o.sha256 });
  });

  it('decrypts an encrypted object with the identity, and refuses it without one', async () => {
    const o = await storeObject('db-x.sql.zst.age', ageRecipients({ recipients: [me.recipient] }));
    const c = collector();
    await readObject(store, '', o, { identities: parseIdentities(me.identity, 'k') }, c.sink);
    expect(c.data().equals(plain)).toBe(true);
    await expect(readObject(store, '', o, undefined, collector().sink)).rejects.toThrow(EncryptedObjectError);
  });

  it('names a flipped byte as a sha256 mismatch, even though decompression fails first', async () => {
    const o = await storeObject('flipped.sql.zst');
    const bytes = readFileSync(join(base, o.name));
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = (bytes[mid] ?? 0) ^ 0x01;
    writeFileSync(join(base, o.name), bytes);
    const err = await readObject(store, '', o, undefined, collector().sink).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectMismatchError);
    expect((err as ObjectMismatchError).object).toBe('flipped.sql.zst');
    expect((err as Error).message).toMatch(/sha256 [0-9a-f]{64} differs from the manifest's/);
  });

  it('reports a truncated object by its size', async () => {
    const o = await storeObject('cut.sql.zst');
    const bytes = readFileSync(join(base, o.name));
    writeFileSync(join(base, o.name), bytes.subarray(0, bytes.length - 10));
    await expect(readObject(store, '', o, undefined, collector().sink)).rejects.toThrow(
      `cut.sql.zst: ${o.size - 10} bytes stored, the manifest says ${o.size}`,
    );
  });

  it("passes on the consumer's own error when the object is intact", async () => {
    const o = await storeObject('consumer.sql.zst');
    const failing = new Writable({
      write(_c, _e, cb) {
        cb(new Error('disk full'));
      },
    });
    await expect(readObject(store, '', o, undefined, failing)).rejects.toThrow('disk full');
  });

  it('says an object that is missing cannot be read', async () => {
    const o = await storeObject('gone.sql.zst');
    rmSync(join(base, o.name));
    await expect(readObject(store, '', o, undefined, collector().sink)).rejects.toThrow(
      /gone\.sql\.zst: cannot be read/,
    );
  });

  it('stops a stored object longer than the manifest says at its size', async () => {
    const o = await storeObject('long.sql.zst');
    writeFileSync(
      join(base, o.name),
      Buffer.concat([readFileSync(join(base, o.name)), Buffer.alloc(5_000_000)]),
    );
    let seen = 0;
    const err = await readObject(store, '', o, undefined, collector().sink, (n) => (seen = n)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ObjectMismatchError);
    expect((err as Error).message).toBe(
      `long.sql.zst: cannot be read: /long.sql.zst holds more than the ${o.size} bytes expected of it`,
    );
    expect(seen).toBeLessThanOrEqual(o.size);
  });

  it('stops a decompression bomb whose sha256 matches at the content size the manifest records', async () => {
    const o = { ...(await storeObject('bomb.sql.zst')), contentBytes: 1000 };
    const c = collector();
    const err = await readObject(store, '', o, undefined, c.sink).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentLimitError);
    expect((err as Error).message).toBe(
      'bomb.sql.zst decodes to more than 1000 bytes (the content size the manifest records): refusing the rest',
    );
    expect(c.data().length).toBeLessThanOrEqual(1000);
  });

  it('passes content of exactly the recorded size', async () => {
    const o = { ...(await storeObject('exact.sql.zst')), contentBytes: plain.length };
    const c = collector();
    await readObject(store, '', o, undefined, c.sink);
    expect(c.data().equals(plain)).toBe(true);
  });
});
