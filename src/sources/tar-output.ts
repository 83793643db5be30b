/**
 * The tar side of the directory source: headers for tar-stream (with the PAX records it does not
 * write itself) and the bridge that moves tar-stream's output (a streamx Readable) into a Node
 * Readable with back-pressure all the way to the walker.
 */
import { Readable } from 'node:stream';
import type { Header, Pack } from 'tar-stream';
import type { EntryStats } from './directory-fs.ts';

/** tar-stream writes uid/gid as 6 octal digits. */
const MAX_USTAR_ID = 0o777777;
/** The ustar size field holds 11 octal digits: 8 GiB − 1. */
export const MAX_USTAR_SIZE = 8 ** 11 - 1;
/** tar-stream truncates mtime seconds with `| 0` (signed 32 bits). */
const MAX_USTAR_MTIME = 2 ** 31 - 1;
/** Pack output pieces smaller than this are joined (copied) into chunks of about JOIN_TARGET. */
const JOIN_BELOW = 16 * 1024;
const JOIN_TARGET = 64 * 1024;

export type TarHeader = Partial<Header> & { name: string };
type EntryType = 'file' | 'directory' | 'symlink';

/**
 * The tar header for one entry, with the PAX records tar-stream does not write itself. `name` is the
 * archive name ('./a/b'); folders get a trailing '/'.
 */
export function buildTarHeader(
  name: string,
  stats: Pick<EntryStats, 'mode' | 'uid' | 'gid' | 'size' | 'mtimeMs'>,
  type: EntryType,
  linkname?: string,
): TarHeader {
  const pax: Record<string, string> = {};
  const size = type === 'file' ? stats.size : 0;
  if (size > MAX_USTAR_SIZE) pax.size = String(size);
  let uid = stats.uid;
  let gid = stats.gid;
  if (uid > MAX_USTAR_ID) {
    pax.uid = String(uid);
    uid = 0;
  }
  if (gid > MAX_USTAR_ID) {
    pax.gid = String(gid);
    gid = 0;
  }
  let seconds = Math.floor(stats.mtimeMs / 1000);
  if (seconds < 0 || seconds > MAX_USTAR_MTIME) {
    pax.mtime = String(seconds);
    seconds = seconds < 0 ? 0 : MAX_USTAR_MTIME;
  }
  const header: TarHeader = {
    name: type === 'directory' && !name.endsWith('/') ? `${name}/` : name,
    type,
    mode: stats.mode & 0o7777,
    uid,
    gid,
    size,
    mtime: new Date(seconds * 1000),
  };
  if (linkname !== undefined) header.linkname = linkname;
  if (Object.keys(pax).length > 0) header.pax = pax;
  return header;
}

/**
 * Moves the tar bytes from tar-stream's pack (a streamx Readable) into a Node Readable and tells the
 * walker when to wait. File contents already wait for the consumer (an entry's writes wait for the
 * pack to drain), but folder and symlink headers do not: without the gate a tree of a million empty
 * entries would pile up in memory in front of a slow consumer.
 */
export class PackBridge {
  readonly stream: Readable;
  private readonly pack: Pack;
  private waiters: (() => void)[] = [];

  constructor(pack: Pack) {
    this.pack = pack;
    this.stream = new Readable({
      read: () => {
        // the consumer wants data: give it what the pack holds; if none, the walker must produce some
        if (!this.pump(true)) this.release();
      },
      destroy: (err, callback) => {
        this.release();
        if (!this.pack.destroyed) this.pack.destroy(err ?? new Error('tar output closed'));
        callback(err);
      },
    });
    let ended = false;
    pack.on('readable', () => this.pump());
    pack.on('end', () => {
      ended = true;
      this.stream.push(null);
    });
    pack.on('error', (err) => this.stream.destroy(err));
    pack.on('close', () => {
      this.release();
      if (!ended && !this.stream.destroyed) this.stream.destroy(new Error('tar output closed'));
    });
  }

  /** Resolves at once while the consumer keeps up, otherwise when it asks for more. */
  gate(): Promise<void> | undefined {
    this.pump();
    if (this.stream.destroyed || this.stream.readableLength < this.stream.readableHighWaterMark) {
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Hands what the pack holds to the Node stream, as far as the consumer wants it; true if any was
   * pushed.
   * Small pieces (512-byte headers, padding, small files) are joined into chunks of up to 64 KiB: every
   * later stage (compression, hashing, upload) pays per chunk.
   */
  private pump(asked = false): boolean {
    if (this.stream.destroyed) return false;
    let pushed = false;
    let small: Buffer[] = [];
    let smallBytes = 0;
    const flushSmall = (): boolean => {
      if (smallBytes === 0) return true;
      const joined = small.length === 1 ? (small[0] as Buffer) : Buffer.concat(small, smallBytes);
      small = [];
      smallBytes = 0;
      pushed = true;
      return this.stream.push(joined);
    };
    let more = true;
    // Unasked (a 'readable' event, the gate), never take more from the pack than the consumer has
    // room for: the pack's own buffer is what makes tar-stream (and so the walker) wait. Asked (Node's
    // read(), which may come with a full buffer when the consumer takes it all), hand over until push()
    // says stop — Node calls read() again only after a push.
    while (more && (asked || this.stream.readableLength + smallBytes < this.stream.readableHighWaterMark)) {
      const chunk = this.pack.read() as Buffer | null;
      if (chunk === null) break;
      if (chunk.length >= JOIN_BELOW) {
        more = flushSmall();
        pushed = true;
        more = this.stream.push(chunk) && more;
      } else {
        small.push(chunk);
        smallBytes += chunk.length;
        if (smallBytes >= JOIN_TARGET) more = flushSmall();
      }
    }
    flushSmall();
    if (this.stream.readableLength < this.stream.readableHighWaterMark) this.release();
    return pushed;
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
