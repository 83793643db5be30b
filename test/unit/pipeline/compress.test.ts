import { createHash, randomBytes } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { compressesInline, INLINE_MAX_ZSTD_LEVEL } from '../../../src/pipeline/compress.ts';
import { createCompressor, createDecompressor, DigestStream } from '../../../src/pipeline/index.ts';

const MiB = 1024 * 1024;

/** Runs a (small) input through one stage and collects the output. */
async function collect(input: Buffer, stage: Transform): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from([input]),
    stage,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(parts);
}

const TEXT = Buffer.from("INSERT INTO `posts` VALUES (1,'Hello world','2026-01-01');\n".repeat(2000));

describe('createCompressor / createDecompressor', () => {
  it.each(['zstd', 'gzip', 'none'] as const)('%s round-trips a small input', async (algorithm) => {
    const packed = await collect(TEXT, createCompressor(algorithm));
    const unpacked = await collect(packed, createDecompressor(algorithm));
    expect(unpacked.equals(TEXT)).toBe(true);
    if (algorithm === 'none') expect(packed.equals(TEXT)).toBe(true);
    else expect(packed.length).toBeLessThan(TEXT.length / 10);
  });

  it('writes real zstd and gzip frames (magic numbers)', async () => {
    const zst = await collect(TEXT, createCompressor('zstd'));
    expect(zst.subarray(0, 4).toString('hex')).toBe('28b52ffd');
    const gz = await collect(TEXT, createCompressor('gzip'));
    expect(gz.subarray(0, 2).toString('hex')).toBe('1f8b');
  });

  it('honours the level', async () => {
    // varied rows (deterministic: with random bytes in it, level 19 once came out no smaller than level 1)
    const rows: string[] = [];
    for (let i = 0; i < 5000; i++)
      rows.push(`(${i},'post ${(i * 7919) % 10007}','2026-${1 + (i % 12)}-${1 + (i % 28)}'),`);
    const input = Buffer.from(rows.join('\n'));
    const fast = await collect(input, createCompressor('zstd', 1));
    const strong = await collect(input, createCompressor('zstd', 19));
    expect(strong.length).toBeLessThan(fast.length);
    const quick = await collect(input, createCompressor('gzip', 1));
    const best = await collect(input, createCompressor('gzip', 9));
    expect(best.length).toBeLessThan(quick.length);
    expect(best.length).toBeLessThan(input.length / 4);
  });

  it('compresses zstd up to level 5 on the calling thread, higher levels and gzip on the thread pool', () => {
    expect(compressesInline(createCompressor('zstd'))).toBe(true);
    expect(compressesInline(createCompressor('zstd', INLINE_MAX_ZSTD_LEVEL))).toBe(true);
    expect(compressesInline(createCompressor('zstd', INLINE_MAX_ZSTD_LEVEL + 1))).toBe(false);
    expect(compressesInline(createCompressor('gzip'))).toBe(false);
  });

  it.each([1, 3, 19])(
    'zstd level %i round-trips writes of every size, including one larger than an output buffer',
    async (level) => {
      // incompressible 3 MiB in one write: its output fills more than one 1 MiB buffer
      const input = [randomBytes(3 * MiB), TEXT, randomBytes(10), Buffer.alloc(0), randomBytes(700_000)];
      const parts: Buffer[] = [];
      await pipeline(
        Readable.from(input),
        createCompressor('zstd', level),
        new Writable({
          write(chunk: Buffer, _enc, cb) {
            parts.push(Buffer.from(chunk));
            cb();
          },
        }),
      );
      const back = await collect(Buffer.concat(parts), createDecompressor('zstd'));
      expect(back.equals(Buffer.concat(input))).toBe(true);
    },
  );

  it('rejects levels outside the range', () => {
    expect(() => createCompressor('zstd', 0)).toThrow(RangeError);
    expect(() => createCompressor('zstd', 23)).toThrow(/1 to 22/);
    expect(() => createCompressor('gzip', 10)).toThrow(/1 to 9/);
    expect(() => createCompressor('gzip', 0)).toThrow(/1 to 9/);
    expect(() => createCompressor('gzip', 2.5)).toThrow(RangeError);
    expect(() => createCompressor('none', 99)).not.toThrow();
  });

  describe.each(['zstd', 'gzip', 'none'] as const)('%s with 64 MiB and a slow consumer', (algorithm) => {
    it(
      'round-trips byte-exact and keeps the producer close to the consumer',
      { timeout: 60_000 },
      async () => {
        const digest = new DigestStream();
        const compressor = createCompressor(algorithm, algorithm === 'gzip' ? 1 : undefined);
        const run = await pumpThrough([compressor, digest, createDecompressor(algorithm)]);
        const compressedBytes = (await digest.digest()).bytes;

        expect(run.consumed).toBe(run.total);
        expect(run.sinkSha256).toBe(run.sourceSha256);
        // without back-pressure the producer would run ~64 MiB ahead; with it, a few buffers at most
        expect(run.maxLead).toBeLessThan(8 * MiB);
        if (algorithm === 'none') expect(compressedBytes).toBe(run.total);
        else expect(compressedBytes).toBeLessThan(run.total * 0.6);
      },
    );
  });

  it(
    '(control) the lead measurement catches a stage that ignores back-pressure',
    { timeout: 30_000 },
    async () => {
      const held: Buffer[] = [];
      const hoarder = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          held.push(chunk);
          cb();
        },
        flush(cb) {
          for (const chunk of held) this.push(chunk);
          cb();
        },
      });
      const run = await pumpThrough([hoarder], 16 * MiB);
      expect(run.sinkSha256).toBe(run.sourceSha256);
      expect(run.maxLead).toBeGreaterThanOrEqual(15 * MiB);
    },
  );
});

interface PumpResult {
  total: number;
  consumed: number;
  maxLead: number;
  sourceSha256: string;
  sinkSha256: string;
}

/**
 * Streams `total` bytes (half random, half repetitive, generated lazily) through `stages` into a slow
 * sink, and records how far the producer ever ran ahead of the consumer.
 */
async function pumpThrough(stages: Transform[], total = 64 * MiB): Promise<PumpResult> {
  const chunkSize = 64 * 1024;
  const sourceHash = createHash('sha256');
  const sinkHash = createHash('sha256');
  let produced = 0;
  let consumed = 0;
  let maxLead = 0;
  let chunkNo = 0;
  const repetitive = Buffer.alloc(chunkSize, 'wp-content/uploads/2026/11/photo.jpg ');
  const source = new Readable({
    highWaterMark: chunkSize,
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const chunk = chunkNo++ % 2 === 0 ? randomBytes(chunkSize) : Buffer.from(repetitive);
      produced += chunk.length;
      sourceHash.update(chunk);
      this.push(chunk);
    },
  });
  const sink = new Writable({
    highWaterMark: chunkSize,
    write(chunk: Buffer, _enc, cb) {
      consumed += chunk.length;
      sinkHash.update(chunk);
      maxLead = Math.max(maxLead, produced - consumed);
      // a slow consumer: about every 16th chunk waits for a timer, so an eager producer could race ahead
      if (consumed % (16 * chunkSize) < chunk.length) setTimeout(cb, 1);
      else cb();
    },
  });
  await pipeline([source, ...stages, sink]);
  return {
    total,
    consumed,
    maxLead,
    sourceSha256: sourceHash.digest('hex'),
    sinkSha256: sinkHash.digest('hex'),
  };
}
