/**
 * Turns a live stream (a dump piped through compression) into a ReplayableSource for the store: every
 * chunk handed to an upload attempt is also copied into a bounded ReplayWindow, so after a drop the next
 * attempt can start at the server's partial size without running the dump again — as long as that
 * offset is still inside the window. Views are independent: destroying one (a failed attempt) never
 * destroys the live stream.
 *
 * The live stream should be in object mode on its readable side (see liveOutput()): a byte-mode
 * Readable's iterator joins whatever is buffered into one new Buffer at every step, a copy of the whole
 * stream for nothing.
 */
import { PassThrough, Readable } from 'node:stream';
import { releaseChunk, ReplayWindow, type DigestResult, type DigestStream } from '../pipeline/index.ts';
import type { ReplayableSource } from '../storage/types.ts';

export class LiveReplaySource implements ReplayableSource {
  private readonly iterator: AsyncIterator<Buffer>;
  private readonly window: ReplayWindow;
  private finished = false;
  private pending: Promise<Buffer | undefined> | undefined;
  /** Each open() starts a new generation; views of older generations stop at their next step. */
  private generation = 0;

  /** Size and SHA-256 of the live stream, when the stage that hashed it was given. */
  readonly digest: (() => Promise<DigestResult>) | undefined;

  /** `produced`: the stage that hashed the live stream (its digest stands in for hashing it again). */
  constructor(live: Readable, windowBytes: number, produced?: DigestStream) {
    this.iterator = (live as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    this.window = new ReplayWindow(windowBytes);
    this.digest = produced === undefined ? undefined : () => produced.digest();
  }

  /**
   * The upload has written `chunk`: read buffers and compressor output go back to their pools (the window
   * keeps its own copy, and replays send copies).
   */
  release(chunk: Buffer): void {
    releaseChunk(chunk);
  }

  /**
   * Pulls the next live chunk and copies it into the window; resolves with the chunk itself, or
   * undefined at the end. One pull in flight, shared by whoever waits.
   */
  private pull(): Promise<Buffer | undefined> {
    this.pending ??= this.iterator.next().then((next) => {
      this.pending = undefined;
      if (next.done === true) {
        this.finished = true;
        return undefined;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      this.window.push(chunk);
      return chunk;
    });
    return this.pending;
  }

  open(offset: number): Readable | undefined {
    if (!this.window.canReplayFrom(offset)) return undefined;
    const generation = ++this.generation;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    async function* view(): AsyncGenerator<Buffer> {
      let pos = offset;
      while (generation === self.generation) {
        if (pos < self.window.end) {
          // a replay: copies, because the window's memory is overwritten as the stream goes on
          for (const view of self.window.readFrom(pos)) {
            const chunk = Buffer.from(view);
            pos += chunk.length;
            yield chunk;
            if (generation !== self.generation) return;
          }
        } else if (self.finished) {
          return;
        } else {
          // never `for await` over the live stream: leaving that loop would end it
          const chunk = await self.pull();
          if (chunk === undefined || generation !== self.generation) continue;
          if (pos !== self.window.end - chunk.length) {
            // another view pulled meanwhile (it belongs to an older attempt): replay from the window
            continue;
          }
          pos += chunk.length;
          yield chunk;
        }
      }
    }
    // object mode: each chunk reaches the upload as it is (a byte-mode Readable would join small ones)
    return Readable.from(view(), { objectMode: true, highWaterMark: 2 });
  }

  /** The offsets open() can start at now: what the window still holds, up to the newest byte. */
  replayable(): { from: number; to: number } {
    return { from: this.window.start, to: this.window.end };
  }

  /** Ends the live stream early (after a failure). */
  async abandon(): Promise<void> {
    this.generation++;
    if (!this.finished) {
      this.finished = true;
      await this.iterator.return?.();
    }
  }
}

/**
 * The stream between the encoding stages and a LiveReplaySource: bytes in, one Buffer per chunk out
 * (object mode), at most `chunks` chunks (of up to about 512 KiB) buffered on the readable side.
 */
export function liveOutput(chunks = 2): PassThrough {
  return new PassThrough({
    readableObjectMode: true,
    readableHighWaterMark: chunks,
    writableHighWaterMark: 1 << 20,
  });
}
