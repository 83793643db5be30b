import { ChunkSealer, SEAL_PIECE_BYTES } from './age/payload.ts';

/**
 * Read buffers that compression hands back once it has consumed them. A backup streams every byte
 * through two fresh allocations (the read buffer and the compressor's output); V8 answers that external
 * memory churn with a full mark-compact every few tens of MB. Reusing the read buffers halves the churn:
 * measured on a 272 MB site, 40 → 26 full GCs and about 14% less CPU time.
 *
 * Safe by construction: a buffer comes back only through give(), which the compressor calls after zlib
 * finished with the chunk (zlib drops its reference before it calls back); only buffers of this pool
 * are taken back, each at most once while it is free. A chunk that never reaches a compressor (no
 * compression: it goes on to the replay window) is simply never given back and is collected as before.
 */
export class BufferPool {
  readonly size: number;
  private readonly max: number;
  private readonly free: Buffer[] = [];
  private readonly isFree = new WeakSet<ArrayBufferLike>();
  private readonly owned = new WeakSet<ArrayBufferLike>();

  constructor(size: number, max = 16) {
    this.size = size;
    this.max = max;
  }

  /** A buffer of `size` bytes, reused or new (its own ArrayBuffer, never Node's shared slab). */
  take(): Buffer {
    const b = this.free.pop();
    if (b !== undefined) {
      this.isFree.delete(b.buffer);
      return b;
    }
    const fresh = Buffer.allocUnsafeSlow(this.size);
    this.owned.add(fresh.buffer);
    return fresh;
  }

  /** Takes back the buffer under `chunk` (any view of it) if it is ours, not already free, and there is room. */
  give(chunk: Uint8Array): void {
    const ab = chunk.buffer;
    if (!this.owned.has(ab) || this.isFree.has(ab) || this.free.length >= this.max) return;
    this.isFree.add(ab);
    this.free.push(Buffer.from(ab, 0, this.size));
  }

  /** Buffers waiting to be reused (for tests). */
  get available(): number {
    return this.free.length;
  }
}

const pools = new Map<number, BufferPool>();

/** The process-wide pool of read buffers of `size` bytes (sources take, compressors give back). */
export function readBufferPool(size: number): BufferPool {
  let pool = pools.get(size);
  if (pool === undefined) {
    pool = new BufferPool(size);
    pools.set(size, pool);
  }
  return pool;
}

/** Gives `chunk` back to whichever read pool owns it (a no-op for any other buffer). */
export function recycleReadBuffer(chunk: Uint8Array): void {
  for (const pool of pools.values()) pool.give(chunk);
}

/**
 * Output buffers lent to a compressor and handed back slice by slice.
 *
 * Node's zlib streams write their output into one buffer and push slices of it; when it is full they
 * allocate the next one. Every compressed byte is a fresh allocation, and with our capped heap V8 pays
 * for that churn with a full collection every few tens of MB. This pool lends the compressor its output
 * buffers instead (see createCompressor) and takes a buffer back once (1) the compressor moved on to
 * another buffer and (2) every slice it pushed from it was released by the last stage that used it (the
 * upload, once the socket took the slice; the encryptor, once it sealed it). Measured on a 362 MB
 * site compressed with zstd: 15 → 1 full collections, about 25% less CPU, peak RSS 20 MB lower.
 *
 * Safe by construction: the pool counts the bytes pushed from a lent buffer and the bytes released (so a
 * slice a later stage split in two comes back only when both parts did), the same Buffer object released
 * twice counts once, and a buffer whose bytes are not all released (a failed attempt, a stage that
 * joined slices or never releases) is simply left to the garbage collector.
 */
export class SlicePool {
  readonly size: number;
  private readonly max: number;
  private readonly free: ArrayBuffer[] = [];
  /** Lent buffers: bytes pushed in slices and not yet released, and whether the compressor moved on. */
  private readonly lent = new WeakMap<ArrayBufferLike, { bytes: number; retired: boolean }>();
  private readonly released = new WeakSet<Uint8Array>();

  constructor(size: number, max = 8) {
    this.size = size;
    this.max = max;
  }

  /** A buffer of `size` bytes to write output into. */
  take(): Buffer {
    const ab = this.free.pop() ?? new ArrayBuffer(this.size);
    this.lent.set(ab, { bytes: 0, retired: false });
    return Buffer.from(ab);
  }

  /** Counts a slice the compressor pushed (ignored unless it lies in a lent buffer). */
  pushed(slice: Uint8Array): void {
    const state = this.lent.get(slice.buffer);
    if (state !== undefined) state.bytes += slice.length;
  }

  /** The compressor writes no more into `buffer` (any buffer: ignored unless lent). */
  retire(buffer: Uint8Array): void {
    const state = this.lent.get(buffer.buffer);
    if (state === undefined) return;
    state.retired = true;
    this.settle(buffer.buffer, state);
  }

  /** The last stage is done with `slice` (any buffer: ignored unless pushed from a lent buffer). */
  release(slice: Uint8Array): void {
    const state = this.lent.get(slice.buffer);
    if (state === undefined || this.released.has(slice) || slice.length > state.bytes) return;
    this.released.add(slice);
    state.bytes -= slice.length;
    this.settle(slice.buffer, state);
  }

  /** Buffers waiting to be lent again (for tests). */
  get available(): number {
    return this.free.length;
  }

  private settle(ab: ArrayBufferLike, state: { bytes: number; retired: boolean }): void {
    if (!state.retired || state.bytes > 0) return;
    this.lent.delete(ab);
    if (this.free.length < this.max && ab instanceof ArrayBuffer) this.free.push(ab);
  }
}

/** Compressor output buffers (see createCompressor). */
export const compressorOutputPool = new SlicePool(1024 * 1024);

/** age encryptor output buffers: room for sealing SEAL_PIECE_BYTES at once (see age/stream.ts). */
export const encryptorOutputPool = new SlicePool(ChunkSealer.maxOutput(SEAL_PIECE_BYTES));

/**
 * The last stage is done with `chunk`: gives it back to whichever pool it came from (a read buffer, or a
 * slice of a compressor's output buffer); a no-op for any other buffer.
 */
export function releaseChunk(chunk: Uint8Array): void {
  recycleReadBuffer(chunk);
  compressorOutputPool.release(chunk);
  encryptorOutputPool.release(chunk);
}
