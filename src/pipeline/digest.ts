/**
 * A pass-through stage that counts bytes and computes SHA-256 while the data flows, so every object's
 * size and hash are known when its upload ends, without reading it again.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface DigestResult {
  bytes: number;
  /** Lower-case hex. */
  sha256: string;
}

export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private hex: string | undefined;
  private settle: { resolve: (r: DigestResult) => void; reject: (e: Error) => void } | undefined;
  private readonly result: Promise<DigestResult>;

  constructor() {
    super();
    this.result = new Promise<DigestResult>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // digest() may never be called (a failed attempt): its rejection must not be reported as unhandled
    this.result.catch(() => {});
  }

  /** Bytes that have passed so far (final after the stream ended). */
  get bytes(): number {
    return this.count;
  }

  /** Hex SHA-256 of everything that passed; throws until the stream has flushed. */
  get sha256(): string {
    if (this.hex === undefined) throw new Error('DigestStream: sha256 is known only after the stream ended');
    return this.hex;
  }

  /** Resolves when the stream flushes (all input seen); rejects if it is destroyed first. */
  digest(): Promise<DigestResult> {
    return this.result;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.hex = this.hash.digest('hex');
    this.settle?.resolve({ bytes: this.count, sha256: this.hex });
    this.settle = undefined;
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.settle !== undefined) {
      this.settle.reject(error ?? new Error('DigestStream destroyed before the end of its input'));
      this.settle = undefined;
    }
    callback(error);
  }
}
