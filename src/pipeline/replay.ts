/**
 * ReplayWindow keeps the most recent `capacity` bytes written through an upload, so that after a dropped
 * connection the upload can resume at the server's partial size without running the source again.
 *
 * The bytes are copied into a ring of fixed segments owned by the window (allocated as it fills, never
 * more than `capacity` rounded up to a segment). Keeping the pushed chunks themselves instead would make
 * every chunk of the stream live until `capacity` more bytes went by: each one would survive V8's young
 * generation and cost a full collection to free (measured on a 362 MB site with a 32 MiB window: the
 * copy is far cheaper than the collections it saves). A caller may reuse a chunk once push() returned.
 */

/** Ring segment size: big enough for few copies per chunk, small enough that a small object stays small. */
const SEGMENT_BYTES = 1 << 20;

export class ReplayWindow {
  readonly capacity: number;
  private readonly segmentBytes: number;
  private readonly ringBytes: number;
  private readonly segments: Buffer[] = [];
  private total = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`ReplayWindow capacity must be a non-negative integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.segmentBytes = Math.max(1, Math.min(SEGMENT_BYTES, capacity));
    this.ringBytes = Math.ceil(capacity / this.segmentBytes) * this.segmentBytes;
  }

  /** Absolute offset of the oldest byte still kept (equals `end` when nothing is kept). */
  get start(): number {
    return this.total - this.size;
  }

  /** Total bytes pushed so far (the absolute offset just past the newest byte). */
  get end(): number {
    return this.total;
  }

  /** Bytes currently kept. */
  get size(): number {
    return Math.min(this.total, this.capacity);
  }

  /** Bytes of memory the window holds (its allocated segments). */
  get allocated(): number {
    return this.segments.length * this.segmentBytes;
  }

  /** Copies the newest `capacity` bytes of `chunk` into the window. */
  push(chunk: Uint8Array): void {
    const length = chunk.length;
    const keep = Math.min(length, this.capacity);
    let at = this.total + length - keep; // absolute offset of the first byte to keep
    let from = length - keep;
    this.total += length;
    while (from < length) {
      const ring = at % this.ringBytes;
      const index = Math.floor(ring / this.segmentBytes);
      const within = ring - index * this.segmentBytes;
      const segment = this.segment(index);
      const n = Math.min(length - from, this.segmentBytes - within);
      segment.set(chunk.subarray(from, from + n), within);
      from += n;
      at += n;
    }
  }

  private segment(index: number): Buffer {
    let s = this.segments[index];
    if (s === undefined) {
      // segments fill in order, so a missing one is always the next
      s = Buffer.allocUnsafeSlow(this.segmentBytes);
      this.segments[index] = s;
    }
    return s;
  }

  /** True when every byte from `offset` to `end` is still kept (always true for `offset === end`). */
  canReplayFrom(offset: number): boolean {
    return Number.isSafeInteger(offset) && offset >= this.start && offset <= this.total;
  }

  /**
   * The kept bytes from `offset` to `end`, as views of the window's own memory: valid only until the
   * next push() (copy them to keep them longer). Throws a RangeError when `offset` is outside the window.
   */
  readFrom(offset: number): Buffer[] {
    if (!this.canReplayFrom(offset)) {
      throw new RangeError(
        `offset ${offset} is outside the replay window [${this.start}, ${this.total}] (capacity ${this.capacity})`,
      );
    }
    const out: Buffer[] = [];
    let at = offset;
    while (at < this.total) {
      const ring = at % this.ringBytes;
      const index = Math.floor(ring / this.segmentBytes);
      const within = ring - index * this.segmentBytes;
      const n = Math.min(this.total - at, this.segmentBytes - within);
      out.push(this.segment(index).subarray(within, within + n));
      at += n;
    }
    return out;
  }
}
