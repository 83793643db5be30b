/**
 * Turns a live stream (a dump piped through compression) into a ReplayableSource for the store: every
 * chunk handed to an upload attempt is first kept in a bounded ReplayWindow, so after a drop the next
 * attempt can start at the server's partial size without running the dump again — as long as that
 * offset is still inside the window. Views are independent: destroying one (a failed attempt) never
 * destroys the live stream.
 */
import { Readable } from 'node:stream';
import { ReplayWindow } from '../pipeline/index.ts';
import type { ReplayableSource } from '../storage/types.ts';

export class LiveReplaySource implements ReplayableSource {
  private readonly iterator: AsyncIterator<Buffer>;
  private readonly window: ReplayWindow;
  private finished = false;
  private pending: Promise<void> | undefined;
  /** Each open() starts a new generation; views of older generations stop at their next step. */
  private generation = 0;

  constructor(live: Readable, windowBytes: number) {
    this.iterator = (live as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    this.window = new ReplayWindow(windowBytes);
  }

  /** Pulls the next live chunk into the window; one pull in flight, shared by whoever waits. */
  private pull(): Promise<void> {
    this.pending ??= this.iterator.next().then((next) => {
      this.pending = undefined;
      if (next.done === true) this.finished = true;
      else this.window.push(Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value));
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
          for (const chunk of self.window.readFrom(pos)) {
            pos += chunk.length;
            yield chunk;
            if (generation !== self.generation) return;
          }
        } else if (self.finished) {
          return;
        } else {
          // never `for await` over the live stream: leaving that loop would end it
          await self.pull();
        }
      }
    }
    return Readable.from(view(), { objectMode: false });
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
