/**
 * The tar side of the directory source: the header of each entry (buildTarHeader: ustar fields, PAX
 * records where ustar ends) and TarOutput, which encodes them (POSIX ustar, PAX extended headers) and
 * writes the archive into a Node Readable with back-pressure all the way to the walker.
 */
import { Readable } from 'node:stream';
import type { Header } from 'tar-stream';
import { readBufferPool, recycleReadBuffer } from '../pipeline/index.ts';
import type { EntryStats } from './directory-fs.ts';

/** tar-stream writes uid/gid as 6 octal digits. */
const MAX_USTAR_ID = 0o777777;
/** The ustar size field holds 11 octal digits: 8 GiB − 1. */
export const MAX_USTAR_SIZE = 8 ** 11 - 1;
/** tar-stream truncates mtime seconds with `| 0` (signed 32 bits). */
const MAX_USTAR_MTIME = 2 ** 31 - 1;

export type TarHeader = Partial<Header> & { name: string; pax?: Record<string, string> };
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

const BLOCK = 512;
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
const TYPE_FLAGS: Record<string, number> = { file: 0x30, symlink: 0x32, directory: 0x35, 'pax-header': 0x78 };

/** Bytes after `size` up to the next 512-byte boundary. */
export function paddingAfter(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** One PAX record: "<length> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(body);
  let length = bytes + String(bytes).length;
  if (String(length).length !== String(bytes).length) length = bytes + String(length).length;
  return `${length}${body}`;
}

/** `value` as zero-padded octal digits filling `width` − 1 bytes, then NUL (POSIX ustar numbers). */
function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  block.write(digits.padStart(width - 1, '0'), offset, width - 1, 'latin1');
  block[offset + width - 1] = 0;
}

/**
 * Splits an ASCII name into ustar's name (100 bytes) and prefix (155 bytes) at a '/'; undefined when it
 * cannot be split so (then a PAX path record carries it).
 */
function splitName(name: string): { name: string; prefix: string } | undefined {
  if (name.length <= 100) return { name, prefix: '' };
  for (let cut = name.indexOf('/'); cut !== -1 && cut <= 155; cut = name.indexOf('/', cut + 1)) {
    if (name.length - cut - 1 <= 100 && cut > 0)
      return { name: name.slice(cut + 1), prefix: name.slice(0, cut) };
  }
  return undefined;
}

/** Names are checked for NUL elsewhere (they come from readdir); here only bytes above 0x7f matter. */
const isAscii = (text: string): boolean => Buffer.byteLength(text) === text.length;

/** Writes one ustar header block at `offset` (the 512 bytes must be zero). */
function writeUstar(
  block: Buffer,
  offset: number,
  header: TarHeader,
  name: string,
  prefix: string,
  linkname: string,
  size: number,
  type: string,
): void {
  block.write(name, offset, 100, 'latin1');
  writeOctal(block, offset + 100, 8, (header.mode ?? 0) & 0o7777);
  writeOctal(block, offset + 108, 8, header.uid ?? 0);
  writeOctal(block, offset + 116, 8, header.gid ?? 0);
  if (size <= MAX_USTAR_SIZE) writeOctal(block, offset + 124, 12, size);
  else {
    // GNU's base-256 form (the PAX size record is what readers use)
    block[offset + 124] = 0x80;
    let rest = size;
    for (let i = 11; i > 0; i--) {
      block[offset + 124 + i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }
  writeOctal(block, offset + 136, 12, Math.floor((header.mtime?.getTime() ?? 0) / 1000));
  block[offset + 156] = TYPE_FLAGS[type] ?? 0x30;
  if (linkname !== '') block.write(linkname, offset + 157, 100, 'latin1');
  block.write('ustar\u000000', offset + 257, 8, 'latin1');
  if (prefix !== '') block.write(prefix, offset + 345, 155, 'latin1');
  let sum = 8 * 0x20; // the checksum field counts as spaces
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[offset + i] as number;
  block.write(sum.toString(8).padStart(6, '0'), offset + 148, 6, 'latin1');
  block[offset + 154] = 0;
  block[offset + 155] = 0x20;
}

/**
 * The tar bytes of the directory source, written straight into 512 KiB buffers of the shared read pool
 * (compression gives them back): headers, and the contents of small files read in place after their
 * header (see reserve()). A big file's reads are pushed as they are. No stream or promise per entry: on
 * a tree of small files those cost more than the file-system calls themselves (tar-stream's pack made
 * an entry stream, a callback and three pushes per file).
 *
 * Back-pressure: gate() returns a promise while the consumer holds more than its high-water mark.
 */
export class TarOutput {
  readonly stream: Readable;
  private readonly size: number;
  private buffer: Buffer | undefined;
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(bufferSize: number) {
    this.size = bufferSize;
    this.stream = new Readable({
      read: () => this.release(),
      destroy: (err, callback) => {
        this.release();
        callback(err);
      },
    });
  }

  /** Resolves at once while the consumer keeps up (undefined), otherwise when it asks for more. */
  gate(): Promise<void> | undefined {
    if (this.stream.destroyed || this.stream.readableLength < this.stream.readableHighWaterMark)
      return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Writes the header of an entry (with a PAX extended header first when ustar cannot hold it). */
  header(header: TarHeader): void {
    const type = header.type ?? 'file';
    const size = type === 'file' ? (header.size ?? 0) : 0;
    const linkname = header.linkname ?? '';
    const split = isAscii(header.name) ? splitName(header.name) : undefined;
    const records: string[] = [];
    if (split === undefined) records.push(paxRecord('path', header.name));
    if (linkname !== '' && (linkname.length > 100 || !isAscii(linkname)))
      records.push(paxRecord('linkpath', linkname));
    const extra: Record<string, string> = header.pax ?? {};
    for (const [key, value] of Object.entries(extra)) records.push(paxRecord(key, value));
    const name = split?.name ?? 'PaxHeader/entry';
    const prefix = split?.prefix ?? '';
    const link =
      linkname !== '' && linkname.length <= 100 && isAscii(linkname)
        ? linkname
        : linkname === ''
          ? ''
          : 'PaxHeader/link';
    if (records.length > 0) {
      const pax = Buffer.from(records.join(''), 'utf8');
      const [block, at] = this.reserve(BLOCK);
      writeUstar(
        block,
        at,
        { ...header, mode: header.mode ?? 0o644 },
        'PaxHeader',
        '',
        '',
        pax.length,
        'pax-header',
      );
      this.commit(BLOCK);
      this.bytes(pax);
      this.zeros(paddingAfter(pax.length));
    }
    const [block, at] = this.reserve(BLOCK);
    writeUstar(block, at, header, name, prefix, link, size, type);
    this.commit(BLOCK);
  }

  /**
   * At least `length` writable bytes at the end of the current buffer (a new buffer when they do not
   * fit): [buffer, offset]. Nothing is output until commit(). The bytes are zero only for header blocks.
   */
  reserve(length: number): [Buffer, number] {
    if (this.buffer === undefined || this.used + length > this.buffer.length) {
      this.flush();
      if (length > this.size) throw new RangeError(`reserve(${length}) exceeds the buffer size`);
      this.buffer = readBufferPool(this.size).take();
    }
    if (length === BLOCK) this.buffer.fill(0, this.used, this.used + BLOCK);
    return [this.buffer, this.used];
  }

  /** Outputs `length` bytes written at the offset reserve() returned. */
  commit(length: number): void {
    this.used += length;
  }

  /** Outputs `length` zero bytes. */
  zeros(length: number): void {
    for (let left = length; left > 0;) {
      const n = Math.min(left, this.size);
      const [buffer, at] = this.reserve(n);
      buffer.fill(0, at, at + n);
      this.commit(n);
      left -= n;
    }
  }

  /**
   * Outputs `chunk`: copied when small (a read-pool buffer then goes back to its pool at once), otherwise
   * pushed as it is, after what is buffered.
   */
  bytes(chunk: Buffer): void {
    if (chunk.length * 4 < this.size) {
      const [buffer, at] = this.reserve(chunk.length);
      chunk.copy(buffer, at);
      this.commit(chunk.length);
      recycleReadBuffer(chunk);
      return;
    }
    this.flush();
    if (!this.stream.destroyed) this.stream.push(chunk);
  }

  /** Hands what is buffered to the stream. */
  flush(): void {
    const buffer = this.buffer;
    if (buffer === undefined || this.used === 0) return;
    this.buffer = undefined;
    const used = this.used;
    this.used = 0;
    if (!this.stream.destroyed) this.stream.push(used === buffer.length ? buffer : buffer.subarray(0, used));
  }

  /** Writes the end-of-archive blocks and ends the stream. */
  finish(): void {
    this.bytes(END_OF_ARCHIVE);
    this.flush();
    if (!this.stream.destroyed) this.stream.push(null);
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
