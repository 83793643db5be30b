/**
 * ReplayWindow keeps the most recent `capacity` bytes written through an upload, so that after a dropped
 * connection the upload can resume at the server's partial size without running the source again.
 *
 * Chunks are kept by reference (never copied): a caller must not modify a Buffer after pushing it.
 * Dropping the oldest bytes either discards whole chunks or keeps a `subarray` of the oldest one.
 */

/** Past this many dropped slots at the head, the arrays are compacted (amortised O(1) per push). */
const COMPACT_AFTER = 1024;

const EMPTY = Buffer.alloc(0);

export class ReplayWindow {
  readonly capacity: number;
  /** Kept chunks; live ones are chunks[head..]. */
  private chunks: Buffer[] = [];
  /** Absolute offset of the first byte of each kept chunk (parallel to `chunks`). */
  private offsets: number[] = [];
  private head = 0;
  private total = 0;
  private kept = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`ReplayWindow capacity must be a non-negative integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Absolute offset of the oldest byte still kept (equals `end` when nothing is kept). */
  get start(): number {
    return this.total - this.kept;
  }

  /** Total bytes pushed so far (the absolute offset just past the newest byte). */
  get end(): number {
    return this.total;
  }

  /** Bytes currently kept. */
  get size(): number {
    return this.kept;
  }

  push(chunk: Buffer): void {
    const length = chunk.length;
    if (length === 0) return;
    this.total += length;
    if (length >= this.capacity) {
      // this chunk alone fills the window: everything older goes
      this.chunks = [];
      this.offsets = [];
      this.head = 0;
      this.kept = this.capacity;
      if (this.capacity > 0) {
        this.chunks.push(chunk.subarray(length - this.capacity));
        this.offsets.push(this.total - this.capacity);
      }
      return;
    }
    this.chunks.push(chunk);
    this.offsets.push(this.total - length);
    this.kept += length;
    let excess = this.kept - this.capacity;
    while (excess > 0) {
      const oldest = this.chunks[this.head];
      if (oldest === undefined) throw new Error('ReplayWindow: internal accounting error');
      if (oldest.length <= excess) {
        this.chunks[this.head] = EMPTY; // release the reference now
        this.head++;
        this.kept -= oldest.length;
        excess -= oldest.length;
      } else {
        this.chunks[this.head] = oldest.subarray(excess);
        this.offsets[this.head] = (this.offsets[this.head] ?? 0) + excess;
        this.kept -= excess;
        excess = 0;
      }
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
  }

  /** True when every byte from `offset` to `end` is still kept (always true for `offset === end`). */
  canReplayFrom(offset: number): boolean {
    return Number.isSafeInteger(offset) && offset >= this.start && offset <= this.total;
  }

  /**
   * The kept bytes from `offset` to `end`, as slices of the pushed chunks (no copy). Throws a RangeError
   * when `offset` is outside the window.
   */
  readFrom(offset: number): Buffer[] {
    if (!this.canReplayFrom(offset)) {
      throw new RangeError(
        `offset ${offset} is outside the replay window [${this.start}, ${this.total}] (capacity ${this.capacity})`,
      );
    }
    if (offset === this.total) return [];
    // binary search for the last chunk starting at or before `offset`
    let lo = this.head;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.offsets[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    const out: Buffer[] = [];
    for (let i = lo; i < this.chunks.length; i++) {
      const chunk = this.chunks[i];
      const at = this.offsets[i];
      if (chunk === undefined || at === undefined) break;
      out.push(i === lo ? chunk.subarray(offset - at) : chunk);
    }
    return out;
  }
}
