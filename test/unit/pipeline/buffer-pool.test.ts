import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BufferPool, createCompressor, readBufferPool } from '../../../src/pipeline/index.ts';

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
