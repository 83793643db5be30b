import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ageRecipients,
  BufferPool,
  compressorOutputPool,
  createCompressor,
  createDecryptor,
  createEncryptor,
  encryptorOutputPool,
  generateX25519Identity,
  parseIdentities,
  readBufferPool,
  releaseChunk,
  SlicePool,
} from '../../../src/pipeline/index.ts';

describe('BufferPool', () => {
  it('hands a given-back buffer out again, once, and only its own buffers', () => {
    const pool = new BufferPool(1024, 2);
    const a = pool.take();
    expect(a.length).toBe(1024);
    pool.give(a.subarray(0, 10)); // any view of it
    pool.give(a); // already free: ignored
    expect(pool.available).toBe(1);
    pool.give(Buffer.alloc(1024)); // not ours
    expect(pool.available).toBe(1);
    const b = pool.take();
    expect(b.buffer).toBe(a.buffer);
    expect(pool.available).toBe(0);
    const c = pool.take();
    expect(c.buffer).not.toBe(a.buffer);
    for (const x of [b, c, pool.take()]) pool.give(x);
    expect(pool.available).toBe(2); // bounded
  });

  it('a compressor gives the read buffers back only after consuming them, and the output is exact', async () => {
    const pool = readBufferPool(64 * 1024 + 1);
    const expected: Buffer[] = [];
    const distinct = new Set<ArrayBufferLike>();
    function* chunks(): Generator<Buffer> {
      for (let i = 0; i < 64; i++) {
        const b = pool.take();
        distinct.add(b.buffer);
        b.fill(i % 251, 0, 64 * 1024);
        const view = b.subarray(0, 64 * 1024);
        expected.push(Buffer.from(view)); // a copy, to compare with
        yield view;
      }
    }
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunks()),
      // lets the source run ahead of zlib, as the tar walker does, so early reuse would show
      new PassThrough({ highWaterMark: 1 << 20 }),
      createCompressor('zstd'),
      new Writable({
        write(c: Buffer, _e, cb) {
          out.push(c);
          cb();
        },
      }),
    );
    expect(zstdDecompressSync(Buffer.concat(out)).equals(Buffer.concat(expected))).toBe(true);
    // buffers came back and were filled again while the stream went on: had one come back before zlib
    // was done with it, the output above would not match
    expect(distinct.size).toBeLessThan(64);
  });
});

describe('SlicePool', () => {
  it('takes a buffer back only when it is retired and every pushed slice was released, once', () => {
    const pool = new SlicePool(1024, 4);
    const a = pool.take();
    const s1 = a.subarray(0, 100);
    const s2 = a.subarray(100, 300);
    pool.pushed(s1);
    pool.pushed(s2);
    pool.release(s1);
    pool.release(s1); // the same slice twice: counted once
    pool.retire(a);
    expect(pool.available).toBe(0); // s2 is still out
    pool.release(Buffer.alloc(10)); // not ours: ignored
    pool.release(s2);
    expect(pool.available).toBe(1);
    expect(pool.take().buffer).toBe(a.buffer);
  });

  it('takes a buffer back only when every byte of a slice that was split later came back', () => {
    const pool = new SlicePool(1024);
    const a = pool.take();
    const s = a.subarray(0, 300);
    pool.pushed(s);
    pool.retire(a);
    pool.release(s.subarray(0, 100)); // a stage split the slice and released the first part
    expect(pool.available).toBe(0);
    pool.release(s.subarray(100));
    expect(pool.available).toBe(1);
  });

  it('never takes back a buffer the compressor may still write into (not retired)', () => {
    const pool = new SlicePool(1024);
    const a = pool.take();
    const s = a.subarray(0, 10);
    pool.pushed(s);
    pool.release(s);
    expect(pool.available).toBe(0);
    pool.retire(a);
    expect(pool.available).toBe(1);
  });
});

/**
 * The end of a pipeline that holds the last 6 slices (as the stages after compression or encryption do)
 * and releases older ones: a buffer reused while a held slice lies in it would change that slice before
 * its release, which every write checks.
 */
class HoldingSink {
  private readonly received: { chunk: Buffer; copy: Buffer }[] = [];
  private readonly held: { chunk: Buffer; copy: Buffer }[] = [];
  private readonly buffers = new Set<ArrayBufferLike>();
  readonly sink = new Writable({
    write: (chunk: Buffer, _e, cb) => {
      const entry = { chunk, copy: Buffer.from(chunk) };
      this.received.push(entry);
      this.buffers.add(chunk.buffer);
      this.held.push(entry);
      while (this.held.length > 6) {
        const old = this.held.shift()!;
        expect(old.chunk.equals(old.copy)).toBe(true);
        releaseChunk(old.chunk);
      }
      cb();
    },
  });

  /** The slices still held are unchanged. */
  checkHeld(): void {
    for (const e of this.held) expect(e.chunk.equals(e.copy)).toBe(true);
  }

  /** Everything received, as it was when it arrived. */
  bytes(): Buffer {
    return Buffer.concat(this.received.map((e) => e.copy));
  }

  /** The output went through far fewer buffers than slices (they were reused); then releases the rest. */
  checkReused(): void {
    expect(this.received.length).toBeGreaterThan(20);
    expect(this.buffers.size).toBeLessThan(this.received.length / 2);
    for (const e of this.held) releaseChunk(e.chunk);
  }
}

for (const algorithm of ['zstd', 'gzip'] as const) {
  describe(`${algorithm} compressor output buffers`, () => {
    it('are reused only after every slice came back, and the output is exact', async () => {
      // compressible and incompressible stretches, in uneven chunks
      const input: Buffer[] = [];
      for (let i = 0; i < 48; i++) {
        input.push(i % 3 === 0 ? Buffer.alloc(200_000 + i * 1000, i) : randomBytes(150_000 + i * 2000));
      }
      const out = new HoldingSink();
      await pipeline(Readable.from(input), createCompressor(algorithm), out.sink);
      out.checkHeld();
      const back = algorithm === 'zstd' ? zstdDecompressSync(out.bytes()) : gunzipSync(out.bytes());
      expect(back.equals(Buffer.concat(input))).toBe(true);
      out.checkReused();
      expect(compressorOutputPool.available).toBeGreaterThan(0);
    });
  });
}

describe('age encryptor output buffers', () => {
  it('are reused only after every slice came back, and the output decrypts to the input', async () => {
    const me = generateX25519Identity();
    // pieces smaller than a chunk, around it, and over the 1 MiB the encryptor seals at once
    const sizes = [1000, 65_536, 65_537, 300_000, 1_500_000, 7, 2_097_152, 640_000];
    const input: Buffer[] = [];
    for (let i = 0; i < 24; i++) input.push(randomBytes(sizes[i % sizes.length]!));
    const out = new HoldingSink();
    await pipeline(
      Readable.from(input),
      createEncryptor(ageRecipients({ recipients: [me.recipient] })),
      out.sink,
    );
    out.checkHeld();
    const plain: Buffer[] = [];
    await pipeline(
      Readable.from([out.bytes()]),
      createDecryptor({ identities: parseIdentities(me.identity, 'key.txt') }),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          plain.push(chunk);
          cb();
        },
      }),
    );
    expect(Buffer.concat(plain).equals(Buffer.concat(input))).toBe(true);
    out.checkReused();
    expect(encryptorOutputPool.available).toBeGreaterThan(0);
  });
});
