/**
 * Compression stages: zstd (Node's built-in zlib binding, no native add-on), gzip, or none.
 *
 * All of them are ordinary Node Transforms, so `pipeline()` back-pressure bounds memory: zlib holds at
 * most its window plus one highWaterMark of input and output at a time.
 */
import { PassThrough, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { recycleReadBuffer } from './buffer-pool.ts';

export type CompressionAlgorithm = 'zstd' | 'gzip' | 'none';

export const COMPRESSION_ALGORITHMS: readonly CompressionAlgorithm[] = ['zstd', 'gzip', 'none'];

/** Default levels: zstd's own default (3) and gzip's (6). */
export const DEFAULT_COMPRESSION_LEVEL = { zstd: 3, gzip: 6 } as const;

/** Accepted levels. Zstd's negative "fast" levels are not offered: level 1 is already faster than the uplink. */
export const COMPRESSION_LEVEL_RANGE = { zstd: { min: 1, max: 22 }, gzip: { min: 0, max: 9 } } as const;

/** File-name suffix for an object compressed with `algorithm` ('.zst', '.gz', ''). */
export function compressionSuffix(algorithm: CompressionAlgorithm): string {
  switch (algorithm) {
    case 'zstd':
      return '.zst';
    case 'gzip':
      return '.gz';
    case 'none':
      return '';
  }
}

function checkLevel(algorithm: 'zstd' | 'gzip', level: number): number {
  const { min, max } = COMPRESSION_LEVEL_RANGE[algorithm];
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new RangeError(
      `${algorithm} compression level must be an integer from ${min} to ${max}, got ${level}`,
    );
  }
  return level;
}

/**
 * A Transform that compresses with `algorithm`. `level` defaults to 3 (zstd) or 6 (gzip) and is ignored
 * for 'none' (a PassThrough). Throws a RangeError for a level outside the algorithm's range.
 */
export function createCompressor(algorithm: CompressionAlgorithm, level?: number): Transform {
  const compressor = zlibCompressor(algorithm, level);
  if (compressor === undefined) return new PassThrough();
  // Read buffers of the sources go back to their pool once zlib has consumed them (buffer-pool.ts).
  const z = compressor as unknown as { _transform: TransformMethod };
  const transform = z._transform.bind(compressor);
  z._transform = (chunk, encoding, callback) =>
    transform(chunk, encoding, (err) => {
      recycleReadBuffer(chunk);
      callback(err);
    });
  return compressor;
}

type TransformMethod = (
  chunk: Buffer,
  encoding: BufferEncoding,
  callback: (err?: Error | null) => void,
) => void;

function zlibCompressor(algorithm: CompressionAlgorithm, level?: number): Transform | undefined {
  switch (algorithm) {
    case 'zstd': {
      const l = checkLevel('zstd', level ?? DEFAULT_COMPRESSION_LEVEL.zstd);
      return zlib.createZstdCompress({
        // 256 KiB output chunks instead of zlib's 16 KiB: 16× fewer callbacks, stream hops and TLS writes
        // (measured: a 100 MB backup to ProFTPD took 3.2 s with 16 KiB chunks, 2.0 s with 256 KiB)
        chunkSize: 256 * 1024,
        params: {
          [zlib.constants.ZSTD_c_compressionLevel]: l,
          // a checksum per frame lets `zstd -t` and restores detect corruption
          [zlib.constants.ZSTD_c_checksumFlag]: 1,
        },
      });
    }
    case 'gzip':
      return zlib.createGzip({
        chunkSize: 256 * 1024,
        level: checkLevel('gzip', level ?? DEFAULT_COMPRESSION_LEVEL.gzip),
      });
    case 'none':
      return undefined;
  }
}

/** The inverse of createCompressor (used by restore and verification). */
export function createDecompressor(algorithm: CompressionAlgorithm): Transform {
  switch (algorithm) {
    case 'zstd':
      return zlib.createZstdDecompress();
    case 'gzip':
      return zlib.createGunzip();
    case 'none':
      return new PassThrough();
  }
}
