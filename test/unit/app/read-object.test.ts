import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { EncryptedObjectError, ObjectMismatchError, readObject } from '../../../src/app/read-object.ts';
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
});
