/**
 * Compression stages: zstd (Node's built-in zlib binding, no native add-on), gzip, or none.
 *
 * All of them are ordinary Node Transforms, so `pipeline()` back-pressure bounds memory: zlib holds at
 * most its window plus one highWaterMark of input and output at a time.
 */
import { PassThrough, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { compressorOutputPool, recycleReadBuffer } from './buffer-pool.ts';

import {
  DEFAULT_COMPRESSION_LEVEL,
  compressionLevelProblem,
  type CompressionAlgorithm,
} from '../domain/index.ts';

export type { CompressionAlgorithm } from '../domain/index.ts';

function checkLevel(algorithm: 'zstd' | 'gzip', level: number): number {
  const problem = compressionLevelProblem(algorithm, level);
  if (problem !== undefined) throw new RangeError(`${algorithm} compression: ${problem}`);
  return level;
}

/**
 * A Transform that compresses with `algorithm`. `level` defaults to 3 (zstd) or 6 (gzip) and is ignored
 * for 'none' (a PassThrough). Throws a RangeError for a level outside the algorithm's range.
 */
export function createCompressor(algorithm: CompressionAlgorithm, level?: number): Transform {
  const compressor = zlibCompressor(algorithm, level);
  if (compressor === undefined) return new PassThrough();
  if (algorithm === 'zstd' && (level ?? DEFAULT_COMPRESSION_LEVEL.zstd) <= INLINE_MAX_ZSTD_LEVEL) {
    compressOnCallingThread(compressor);
  }
  // Read buffers of the sources go back to their pool once zlib has consumed them (buffer-pool.ts).
  const z = compressor as unknown as { _transform: TransformMethod };
  const transform = z._transform.bind(compressor);
  z._transform = (chunk, encoding, callback) =>
    transform(chunk, encoding, (err) => {
      recycleReadBuffer(chunk);
      callback(err);
    });
  lendOutputBuffers(compressor);
  return compressor;
}

/**
 * The highest zstd level compressed on the calling thread (see compressOnCallingThread): zstd's fast
 * levels compress 512 KiB in about half a millisecond, no more than handing the chunk to a thread of
 * libuv's pool and being woken with the result costs on a small or busy machine. Higher levels, and gzip,
 * take long enough per chunk that overlapping them with the upload pays.
 */
export const INLINE_MAX_ZSTD_LEVEL = 5;

const inline = new WeakSet<Transform>();

/** Whether `compressor` compresses on the calling thread (for tests). */
export function compressesInline(compressor: Transform): boolean {
  return inline.has(compressor);
}

interface ZlibInternals {
  _handle: { writeSync?: unknown } | null;
  _writeState?: unknown;
  _outBuffer?: unknown;
  _outOffset?: unknown;
  _chunkSize?: unknown;
  _defaultFlushFlag?: unknown;
  _finishFlushFlag?: unknown;
  bytesWritten: number;
  _transform: TransformMethod;
}

/**
 * Makes a zlib stream compress each chunk right away on the calling thread (the binding's writeSync, as
 * Node's own zlib.*Sync functions do) instead of on libuv's thread pool. Measured with ProFTPD on the same
 * 2 cores, 5 interleaved rounds each: a 182 MB site 2.06 → 1.64 s (CPU 1.67 → 1.40 s), 902 MB 4.16 →
 * 3.65 s, and encrypted 5.03 → 4.36 s: on a busy machine every hand-over to the pool and back (two
 * thread wake-ups per chunk) cost more than it saved. Output goes where the asynchronous path writes it
 * (`_outBuffer` at `_outOffset`, lent by compressorOutputPool; a full buffer is replaced from the pool), so
 * lendOutputBuffers works the same. Relies on internals present since Node 0.10 and checked first: on a
 * zlib without them nothing changes.
 */
function compressOnCallingThread(compressor: Transform): void {
  const z = compressor as unknown as ZlibInternals;
  const handle = z._handle;
  const state = z._writeState;
  if (
    handle === null ||
    typeof handle.writeSync !== 'function' ||
    !(state instanceof Uint32Array) ||
    !Buffer.isBuffer(z._outBuffer) ||
    typeof z._outOffset !== 'number' ||
    z._chunkSize !== compressorOutputPool.size ||
    typeof z._defaultFlushFlag !== 'number' ||
    typeof z._finishFlushFlag !== 'number'
  ) {
    return;
  }
  const writeSync = handle.writeSync as (
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ) => void;
  const defaultFlush = z._defaultFlushFlag;
  const finishFlush = z._finishFlushFlag;
  z._transform = (chunk, _encoding, callback) => {
    // the last chunk (the empty one _flush sends) ends the frame
    const last = compressor.writableEnded && compressor.writableLength === chunk.byteLength;
    const flush = last ? finishFlush : defaultFlush;
    let inOffset = 0;
    let inLength = chunk.byteLength;
    for (;;) {
      const out = z._outBuffer as Buffer;
      const offset = z._outOffset as number;
      const room = out.length - offset;
      // errors arrive through the handle's onerror, which destroys the stream
      writeSync.call(handle, flush, chunk, inOffset, inLength, out, offset, room);
      if (compressor.destroyed) {
        callback(compressor.errored ?? new Error('compression failed'));
        return;
      }
      const roomAfter = state[0] as number;
      const inAfter = state[1] as number;
      z.bytesWritten += inLength - inAfter;
      const produced = room - roomAfter;
      if (produced > 0) {
        z._outOffset = offset + produced;
        compressor.push(out.subarray(offset, offset + produced));
      }
      if (roomAfter > 0) break;
      // the output buffer is full and zstd has more: go on in a fresh one
      nextOutputBuffer(z);
      inOffset += inLength - inAfter;
      inLength = inAfter;
    }
    callback();
  };
  inline.add(compressor);
}

/** Gives the compressor a fresh output buffer from compressorOutputPool and retires the one it had. */
function nextOutputBuffer(z: { _outBuffer?: unknown; _outOffset?: unknown }): void {
  const current = z._outBuffer as Buffer;
  z._outBuffer = compressorOutputPool.take();
  z._outOffset = 0;
  compressorOutputPool.retire(current);
}

/** Output space kept free beyond the input's length: zstd may also emit a block it held back. */
const OUTPUT_HEADROOM = 256 * 1024;

/**
 * Lends the compressor its output buffers from compressorOutputPool, so compressed bytes land in reused
 * memory instead of a fresh allocation each (see SlicePool). This works through two fields of Node's
 * zlib streams, `_outBuffer` and `_outOffset`: the buffer and offset the next write goes to, read when a
 * write starts (Node ≥ 0.10 to 24). They are checked first; on a zlib that does not have them as
 * expected nothing is lent and the stream allocates as usual. Between two writes (the only time this
 * runs) no write is under way, so swapping the buffer cannot move output that is being written.
 */
function lendOutputBuffers(compressor: Transform): void {
  const pool = compressorOutputPool;
  const z = compressor as unknown as {
    _outBuffer?: unknown;
    _outOffset?: unknown;
    _chunkSize?: unknown;
    _transform: TransformMethod;
  };
  if (!Buffer.isBuffer(z._outBuffer) || typeof z._outOffset !== 'number' || z._chunkSize !== pool.size) {
    return;
  }
  const transform = z._transform.bind(compressor);
  z._transform = (chunk, encoding, callback) => {
    if (pool.size - (z._outOffset as number) < chunk.length + OUTPUT_HEADROOM) nextOutputBuffer(z);
    transform(chunk, encoding, callback);
  };
  const push = compressor.push.bind(compressor);
  compressor.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk instanceof Uint8Array) pool.pushed(chunk);
    return push(chunk, encoding);
  };
  // no output after the end: the last buffer comes back once its slices are released
  compressor.once('close', () => {
    if (Buffer.isBuffer(z._outBuffer)) pool.retire(z._outBuffer);
  });
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
        // Output buffers of 1 MiB (lent by compressorOutputPool), each write's output one slice of
        // them: far fewer callbacks, stream hops and TLS writes than zlib's 16 KiB (measured: a 100 MB
        // backup to ProFTPD took 3.2 s with 16 KiB chunks, 2.0 s with 256 KiB)
        chunkSize: compressorOutputPool.size,
        params: {
          [zlib.constants.ZSTD_c_compressionLevel]: l,
          // a checksum per frame lets `zstd -t` and restores detect corruption
          [zlib.constants.ZSTD_c_checksumFlag]: 1,
        },
      });
    }
    case 'gzip':
      return zlib.createGzip({
        chunkSize: compressorOutputPool.size,
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
