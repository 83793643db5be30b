/**
 * Deterministic incompressible test data of any size, replayable from any offset without a file: the
 * AES-128-CTR keystream of a seed (the counter is the block number, so offset n starts at block n/16).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

const CHUNK = 1 << 20;

function keyFor(seed: string): Buffer {
  return createHash('sha256').update(seed).digest().subarray(0, 16);
}

function ivForBlock(block: bigint): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(block & 0xffffffffffffffffn, 8);
  return iv;
}

/** The bytes [offset, size) of the pattern, in 1 MiB chunks; optional pacing (bytes per second). */
export function patternStream(seed: string, size: number, offset = 0, bytesPerSecond?: number): Readable {
  const key = keyFor(seed);
  async function* gen(): AsyncGenerator<Buffer> {
    const cipher = createCipheriv('aes-128-ctr', key, ivForBlock(BigInt(Math.floor(offset / 16))));
    let skip = offset % 16;
    let pos = offset;
    const zeros = Buffer.alloc(CHUNK + 16);
    const started = Date.now();
    while (pos < size) {
      const n = Math.min(CHUNK, size - pos);
      let out = cipher.update(zeros.subarray(0, n + skip));
      if (skip > 0) {
        out = out.subarray(skip);
        skip = 0;
      }
      pos += out.length;
      yield out;
      if (bytesPerSecond !== undefined) {
        const due = started + ((pos - offset) / bytesPerSecond) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
  return Readable.from(gen(), { objectMode: false });
}

export function patternSource(
  seed: string,
  size: number,
  bytesPerSecond?: number,
): { open: (offset: number) => Readable } {
  return { open: (offset) => patternStream(seed, size, offset, bytesPerSecond) };
}

export async function sha256OfStream(
  stream: AsyncIterable<Buffer>,
): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    h.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: h.digest('hex'), bytes };
}

const patternHashes = new Map<string, Promise<{ sha256: string; bytes: number }>>();

/** sha256 of the whole pattern (cached per seed and size). */
export function patternSha256(seed: string, size: number): Promise<{ sha256: string; bytes: number }> {
  const k = `${seed}:${size}`;
  let p = patternHashes.get(k);
  if (p === undefined) {
    p = sha256OfStream(patternStream(seed, size));
    patternHashes.set(k, p);
  }
  return p;
}

export function sha256OfFile(path: string): Promise<{ sha256: string; bytes: number }> {
  return sha256OfStream(createReadStream(path, { highWaterMark: CHUNK }));
}

/** Size of the big transfers: 1 GB by default (FTPS_TEST_BIG_MB to change it locally). */
export const BIG = Number(process.env.FTPS_TEST_BIG_MB ?? 1000) * 1_000_000;

/** Writes `size` bytes of the pattern to a file, streaming (no big buffers in the test process). */
export async function writePatternFile(path: string, seed: string, size: number): Promise<void> {
  const { createWriteStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  await pipeline(patternStream(seed, size), createWriteStream(path));
}
