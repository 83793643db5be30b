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
