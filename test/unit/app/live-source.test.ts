import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LiveReplaySource, liveOutput } from '../../../src/app/live-source.ts';
import { DigestStream, readBufferPool } from '../../../src/pipeline/index.ts';

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** A live output fed with `chunks` (object mode, as run-job builds it). */
function live(chunks: Buffer[]): PassThrough {
  const out = liveOutput();
  void pipeline(Readable.from(chunks, { objectMode: false }), out);
  return out;
}

async function readAll(stream: Readable, limit = Infinity): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    parts.push(Buffer.from(chunk));
    n += chunk.length;
    if (n >= limit) break;
  }
  return Buffer.concat(parts);
}

describe('LiveReplaySource', () => {
  it('streams chunks bigger than its whole window (the window only limits resuming)', async () => {
    const chunks = [bytes(100, 1), bytes(250, 2), bytes(7, 3)];
    const source = new LiveReplaySource(live(chunks), 10);
    const got = await readAll(source.open(0)!);
    expect(got.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('hands each live chunk on as it is, in object mode (no joining)', async () => {
    const chunks = [bytes(10, 1), bytes(20, 2), bytes(30, 3)];
    const source = new LiveReplaySource(live(chunks), 1000);
    const seen: number[] = [];
    for await (const chunk of source.open(0)! as AsyncIterable<Buffer>) seen.push(chunk.length);
    expect(seen).toEqual([10, 20, 30]);
  });

  it('resumes inside its window with the exact bytes, then goes on with the live stream', async () => {
    const chunks = Array.from({ length: 20 }, (_, i) => bytes(1000, i));
    const all = Buffer.concat(chunks);
    const source = new LiveReplaySource(live(chunks), 8000);
    // a first attempt that reads 12 chunks and fails
    const first = await readAll(source.open(0)!, 12_000);
    expect(first.equals(all.subarray(0, 12_000))).toBe(true);
    expect(source.open(3_000)).toBeUndefined(); // before the window: the source must run again
    const rest = await readAll(source.open(10_000)!);
    expect(rest.equals(all.subarray(10_000))).toBe(true);
  });

  it('replays copies: reusing a chunk after it was released does not change what a resume sends', async () => {
    const pool = readBufferPool(4096);
    const a = pool.take();
    a.fill(0xaa);
    const b = pool.take();
    b.fill(0xbb);
    const source = new LiveReplaySource(live([a, b]), 1 << 20);
    const seen: Buffer[] = [];
    for await (const chunk of source.open(0)! as AsyncIterable<Buffer>) {
      seen.push(chunk);
      source.release(chunk);
    }
    expect(seen[0]).toBe(a);
    expect(pool.available).toBeGreaterThanOrEqual(2);
    // the pool hands the buffers out again and they are overwritten...
    pool.take().fill(1);
    pool.take().fill(2);
    // ...but a resume from 0 sends what was produced
    const again = await readAll(source.open(0)!);
    expect(again.equals(Buffer.concat([Buffer.alloc(4096, 0xaa), Buffer.alloc(4096, 0xbb)]))).toBe(true);
  });

  it('offers the digest of the stage that hashed the stream, and none without one', async () => {
    const chunks = [bytes(5000, 9), bytes(3, 4)];
    const digest = new DigestStream();
    const out = liveOutput();
    void pipeline(Readable.from(chunks, { objectMode: false }), digest, out);
    const source = new LiveReplaySource(out, 100, digest);
    await readAll(source.open(0)!);
    const expected = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
    await expect(source.digest?.()).resolves.toEqual({ bytes: 5003, sha256: expected });
    expect(new LiveReplaySource(live([]), 10).digest).toBeUndefined();
  });
});
