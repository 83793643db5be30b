/**
 * A WordPress `wp-content/uploads`-shaped tree for the benchmarks, generated deterministically (the same
 * options give the same names, sizes, bytes and mtimes on every machine): year/month folders, and per
 * uploaded image one original of tens of KB plus thumbnails of a few hundred bytes to about 1.4 KB
 * (`photo-123.jpg`, `photo-123-150x150.jpg`, …). Contents are slices of a keyed AES-CTR stream (as
 * incompressible as JPEG data, and never repeated within zstd's window).
 *
 * Options from the environment (bench/backup reads them): BENCH_UPLOADS_FILES (default 300000),
 * BENCH_UPLOADS_THUMBS (thumbnails per image, default 5), BENCH_UPLOADS_THUMB_BYTES (default 200-1400),
 * BENCH_UPLOADS_ORIGINAL_BYTES (default 8000-40000).
 */
import { createCipheriv } from 'node:crypto';
import { closeSync, mkdirSync, openSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface UploadsSpec {
  files: number;
  thumbsPerImage: number;
  thumbBytes: [number, number];
  originalBytes: [number, number];
}

function range(text: string | undefined, fallback: [number, number]): [number, number] {
  if (text === undefined) return fallback;
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (m === null || Number(m[1]) > Number(m[2])) throw new Error(`expected MIN-MAX bytes, got "${text}"`);
  return [Number(m[1]), Number(m[2])];
}

export function uploadsSpecFromEnv(env: NodeJS.ProcessEnv = process.env): UploadsSpec {
  return {
    files: Number(env.BENCH_UPLOADS_FILES ?? 300_000),
    thumbsPerImage: Number(env.BENCH_UPLOADS_THUMBS ?? 5),
    thumbBytes: range(env.BENCH_UPLOADS_THUMB_BYTES, [200, 1400]),
    originalBytes: range(env.BENCH_UPLOADS_ORIGINAL_BYTES, [8000, 40_000]),
  };
}

/** xorshift32: deterministic sizes and names. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const THUMB_SIZES = ['150x150', '300x200', '768x512', '1024x683', '100x100', '1536x1024', '2048x1365'];

/** Writes the tree under `root` (created); returns the number of files and their bytes. */
export function makeUploadsSite(root: string, spec: UploadsSpec): { files: number; bytes: number } {
  const random = prng(20_261_203);
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(1 << 20);
  let pool = cipher.update(zeros);
  let poolAt = 0;
  const take = (n: number): Buffer => {
    if (poolAt + n > pool.length) {
      pool = cipher.update(n > zeros.length ? Buffer.alloc(n) : zeros);
      poolAt = 0;
    }
    const out = pool.subarray(poolAt, poolAt + n);
    poolAt += n;
    return out;
  };
  const size = ([min, max]: [number, number]): number => min + Math.floor(random() * (max - min + 1));
  const perImage = 1 + spec.thumbsPerImage;
  const images = Math.ceil(spec.files / perImage);
  // About 400 images a month, from January 2015 on.
  const months = Math.max(1, Math.ceil(images / 400));
  let files = 0;
  let bytes = 0;
  let folder = '';
  const start = Date.UTC(2015, 0, 1) / 1000;
  for (let i = 0; i < images && files < spec.files; i++) {
    const month = Math.floor((i * months) / images);
    const dir = join(root, String(2015 + Math.floor(month / 12)), String((month % 12) + 1).padStart(2, '0'));
    if (dir !== folder) {
      mkdirSync(dir, { recursive: true });
      folder = dir;
    }
    const mtime = start + month * 30 * 86_400 + Math.floor(random() * 30 * 86_400);
    const base = `image-${i}`;
    const names = [`${base}.jpg`];
    for (let t = 0; t < spec.thumbsPerImage; t++)
      names.push(`${base}-${THUMB_SIZES[t % THUMB_SIZES.length]}.jpg`);
    for (const [k, name] of names.entries()) {
      if (files >= spec.files) break;
      const n = size(k === 0 ? spec.originalBytes : spec.thumbBytes);
      const path = join(dir, name);
      const fd = openSync(path, 'w', 0o644);
      writeSync(fd, take(n));
      closeSync(fd);
      utimesSync(path, mtime, mtime);
      files++;
      bytes += n;
    }
  }
  return { files, bytes };
}
