/**
 * The `directory` source: a folder as a tar stream (tar-stream `pack()`), like `tar -C <path> -cf - .`.
 *
 * - Entries are named `./`, `./a/`, `./a/file`; folders are walked depth-first with names sorted
 *   byte-wise, so the same tree always gives the same archive.
 * - Regular files, folders and symlinks (stored as links, never followed) keep mode, mtime (whole
 *   seconds) and numeric uid/gid; owner names are not stored. Hard links are stored as separate files.
 *   Sockets, FIFOs and devices are skipped with a warning. A name that is not valid UTF-8 is skipped
 *   with a warning (tar-stream writes names as UTF-8).
 * - PAX headers: tar-stream writes `path`/`linkpath` records itself for names that do not fit ustar
 *   (over 100 bytes, or not ASCII); we add `size` for files of 8 GiB or more (the ustar field holds 11
 *   octal digits), `uid`/`gid` above 0o777777 and `mtime` outside 1970‥2038 (tar-stream's limits).
 * - A file that shrinks or grows while it is read never corrupts the archive: its header carries the
 *   size from lstat; a shorter file is padded with zeros, a longer one is cut; either way the warning
 *   "file changed while reading: <path>" is added, as GNU tar does.
 * - File-system calls are synchronous, in time slices of a few milliseconds between which the walk
 *   yields to the event loop (and it waits whenever the consumer is behind). Measured on a 2-core VM,
 *   10,000 small files: ~0.5 s this way, 1.2–1.9 s with async calls (one libuv thread-pool round trip
 *   per lstat/open/read/close, even with a look-ahead of 64). GNU tar works the same way; the price is
 *   that a hung network mount stalls the process, as it would stall tar.
 * - Memory stays flat: the names of the folders on the current path, file contents streamed in
 *   512 KiB reads with back-pressure from the tar entry stream, and a gate that stops the walk while
 *   the consumer is behind.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import ignore, { type Ignore } from 'ignore';
import { readBufferPool } from '../pipeline/index.ts';
import { nodeDirectoryFs, type DirectoryFs, type EntryStats, type ReadableFile } from './directory-fs.ts';
import { buildTarHeader, paddingAfter, TarOutput } from './tar-output.ts';
import { WarningList, type BackupSource, type DirectorySourceSummary, type SourceRun } from './types.ts';

export interface DirectorySourceOptions {
  /** Names the object (`files-<label>.tar…`) and the summary. */
  label: string;
  /** The folder to archive (a symlink here is followed; symlinks inside are not). */
  path: string;
  /**
   * gitignore-style patterns, relative to `path`; folders are matched with a trailing `/` (so `cache/`
   * matches folders only). Case-sensitive.
   */
  exclude?: string[];
  /** A sub-folder holding a file (or anything) of this name is left out entirely (root excepted). */
  excludeIfPresent?: string;
  /** What an unreadable file or folder does: skip it with a warning (default) or fail the source. */
  onUnreadable?: 'warn' | 'fail';
  onWarning?: (message: string) => void;
  /** Test seam: replaces some of the file-system calls. */
  fs?: Partial<DirectoryFs>;
  /** Read size for file contents (default 512 KiB). */
  chunkSize?: number;
}

/**
 * 512 KiB reads: every read is one compression call and one slice of a compressor output buffer (1 MiB,
 * room for one read's output; see createCompressor). Measured on a 902 MB site: process CPU 4.9 → 4.4 s
 * and machine CPU 9.2 → 8.1 s against 256 KiB reads (128 KiB: 5.6 s, 11.3 s).
 */
const DEFAULT_CHUNK = 512 * 1024;
/** Paths tested against one `ignore` instance before it is replaced (its result cache grows per path). */
const IGNORE_CACHE_LIMIT = 20_000;
/** Longest stretch of synchronous file-system work before the walk yields to the event loop. */
const SLICE_MS = 4;

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function kindOf(stats: EntryStats): string {
  if (stats.isSocket()) return 'socket';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isBlockDevice()) return 'block device';
  if (stats.isCharacterDevice()) return 'character device';
  return 'special file';
}

function exists(walkerFs: DirectoryFs, path: string): boolean {
  try {
    walkerFs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Strict UTF-8: invalid bytes throw instead of becoming U+FFFD, and a leading BOM is kept. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes a raw name; undefined when it is not valid UTF-8 (it would not survive the round trip). */
function decodeName(raw: Buffer): string | undefined {
  try {
    return utf8.decode(raw);
  } catch {
    return undefined;
  }
}

interface Settings {
  label: string;
  root: string;
  patterns: string[];
  marker: string | undefined;
  onUnreadable: 'warn' | 'fail';
  onWarning: ((message: string) => void) | undefined;
  fs: DirectoryFs;
  chunkSize: number;
}

export function createDirectorySource(opts: DirectorySourceOptions): BackupSource {
  if (opts.label.trim() === '') throw new Error('a directory source needs a label');
  if (opts.path === '' || !isAbsolute(opts.path)) {
    throw new Error(`directory source "${opts.label}": path must be absolute, got "${opts.path}"`);
  }
  const marker = opts.excludeIfPresent;
  if (marker !== undefined && (marker === '' || marker.includes('/') || marker === '.' || marker === '..')) {
    throw new Error(
      `directory source "${opts.label}": excludeIfPresent must be a plain file name, got "${marker}"`,
    );
  }
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`bad chunkSize ${chunkSize}`);
  const settings: Settings = {
    label: opts.label,
    root: resolve(opts.path),
    patterns: [...(opts.exclude ?? [])],
    marker,
    onUnreadable: opts.onUnreadable ?? 'warn',
    onWarning: opts.onWarning,
    fs: { ...nodeDirectoryFs, ...opts.fs },
    chunkSize,
  };
  return {
    kind: 'directory',
    id: opts.label,
    open: (signal) => openRun(settings, signal),
  };
}

function openRun(settings: Settings, signal: AbortSignal | undefined): SourceRun {
  // One output buffer holds a read and its header (the same size as the read pool's buffers); at least
  // 64 KiB when a test asks for tiny reads.
  const output = new TarOutput(Math.max(settings.chunkSize + 1, 64 * 1024));
  const stream = output.stream;
  let failure: Error | undefined;
  const fail = (err: unknown): void => {
    failure ??= asError(err);
    if (!stream.destroyed) stream.destroy(failure);
  };
  const onAbort = (): void => {
    fail(signal?.reason ?? new Error('aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const walker = new TarWalker(settings, output, () => {
    if (failure !== undefined) return failure;
    return stream.destroyed
      ? new Error(`directory source "${settings.label}": output stream closed`)
      : undefined;
  });
  const walking = walker.run();
  walking.catch(fail);
  const flowing = finished(stream);
  flowing.catch(fail);
  if (signal?.aborted === true) onAbort();

  const done = Promise.allSettled([walking, flowing]).then(([walked, flowed]) => {
    signal?.removeEventListener('abort', onAbort);
    if (failure !== undefined) throw failure;
    if (walked.status === 'rejected') throw asError(walked.reason);
    if (flowed.status === 'rejected') throw asError(flowed.reason);
    return walked.value;
  });
  return { stream, done };
}

interface Frame {
  abs: string;
  rel: string;
  names: string[];
  /** Next name to archive. */
  index: number;
}

class TarWalker {
  private readonly settings: Settings;
  private readonly out: TarOutput;
  private readonly stopped: () => Error | undefined;
  private readonly warnings: WarningList;
  private matcher: Ignore | undefined;
  private matcherUses = 0;
  private files = 0;
  private dirs = 0;
  private symlinks = 0;
  private bytes = 0;
  private excluded = 0;
  private sliceStart = performance.now();

  constructor(settings: Settings, out: TarOutput, stopped: () => Error | undefined) {
    this.settings = settings;
    this.out = out;
    this.stopped = stopped;
    this.warnings = new WarningList(settings.onWarning);
  }

  async run(): Promise<DirectorySourceSummary> {
    const { root, label, fs: walkerFs } = this.settings;
    let rootStats: EntryStats;
    let rootNames: string[];
    try {
      rootStats = walkerFs.stat(root);
      if (!rootStats.isDirectory()) throw new Error('not a folder');
      rootNames = this.decodeNames(root, walkerFs.readdir(root));
    } catch (err) {
      throw new Error(`directory source "${label}": cannot read ${root}: ${asError(err).message}`, {
        cause: err,
      });
    }
    this.out.header(buildTarHeader('./', rootStats, 'directory'));
    const stack: Frame[] = [{ abs: root, rel: '', names: rootNames, index: 0 }];
    while (stack.length > 0) {
      const wait = this.pace();
      if (wait !== undefined) await wait;
      this.checkStopped();
      const frame = stack[stack.length - 1];
      if (frame === undefined) break;
      const name = frame.names[frame.index++];
      if (name === undefined) {
        stack.pop();
        continue;
      }
      const abs = join(frame.abs, name);
      const rel = frame.rel === '' ? name : `${frame.rel}/${name}`;
      let stats: EntryStats;
      try {
        stats = walkerFs.lstat(abs);
      } catch (err) {
        this.unreadable(abs, err, 'stat');
        continue;
      }
      if (stats.isDirectory()) {
        const child = this.enterFolder(abs, rel, stats);
        if (child !== undefined) stack.push(child);
      } else if (this.isExcluded(rel)) {
        continue;
      } else if (stats.isFile()) {
        const more = this.addFile(abs, rel, stats);
        if (more !== undefined) await more;
      } else if (stats.isSymbolicLink()) {
        this.addSymlink(abs, rel, stats);
      } else {
        this.warn(`${abs}: ${kindOf(stats)} skipped`);
      }
    }
    this.checkStopped();
    this.out.finish();
    return {
      kind: 'directory',
      label,
      path: root,
      files: this.files,
      dirs: this.dirs,
      symlinks: this.symlinks,
      bytes: this.bytes,
      excluded: this.excluded,
      warnings: this.warnings.list(),
    };
  }

  /**
   * Undefined while the walk may go on at once; otherwise a promise that settles once the consumer
   * caught up, or after a yield to the event loop when a slice of synchronous work is over. The caller
   * checks checkStopped() afterwards.
   */
  private pace(): Promise<void> | undefined {
    const gate = this.out.gate();
    const now = performance.now();
    if (gate === undefined && now - this.sliceStart < SLICE_MS) return undefined;
    return (gate ?? new Promise<void>((resolve) => setImmediate(resolve))).then(() => {
      this.sliceStart = performance.now();
    });
  }

  private checkStopped(): void {
    const reason = this.stopped();
    if (reason !== undefined) throw reason;
  }

  private warn(message: string): void {
    this.warnings.add(message);
  }

  /** Records an fs failure on one entry: a warning, or (onUnreadable 'fail') the end of the source. */
  private unreadable(abs: string, err: unknown, action: string): void {
    const code = errorCode(err);
    if (code === 'ENOENT') {
      // removed between readdir and now: not a permission problem, GNU tar only warns too
      this.warn(`${abs}: removed before it could be read`);
      return;
    }
    const message = `${abs}: cannot ${action}: ${code ?? asError(err).message}`;
    if (this.settings.onUnreadable === 'fail') {
      throw new Error(`directory source "${this.settings.label}": ${message}`, { cause: err });
    }
    this.warn(`${message} (skipped)`);
  }

  /** Whether an exclude pattern matches `relPath` (folders with a trailing '/'); counts it. */
  private isExcluded(relPath: string): boolean {
    if (this.settings.patterns.length === 0) return false;
    if (this.matcher === undefined || this.matcherUses >= IGNORE_CACHE_LIMIT) {
      this.matcher = ignore({ ignorecase: false, allowRelativePaths: true }).add(this.settings.patterns);
      this.matcherUses = 0;
    }
    this.matcherUses++;
    if (!this.matcher.ignores(relPath)) return false;
    this.excluded++;
    return true;
  }

  /** Sorted, decoded names of a folder; names that are not UTF-8 are reported and left out. */
  private decodeNames(abs: string, raw: Buffer[]): string[] {
    const sorted = [...raw].sort((a, b) => Buffer.compare(a, b));
    const names: string[] = [];
    for (const entry of sorted) {
      const name = decodeName(entry);
      if (name === undefined) {
        this.warn(`${join(abs, entry.toString('utf8'))}: name is not valid UTF-8 (skipped)`);
      } else {
        names.push(name);
      }
    }
    return names;
  }

  private enterFolder(abs: string, rel: string, stats: EntryStats): Frame | undefined {
    if (this.isExcluded(`${rel}/`)) return undefined;
    const { marker, fs: walkerFs } = this.settings;
    if (marker !== undefined && exists(walkerFs, join(abs, marker))) {
      this.excluded++;
      return undefined;
    }
    let raw: Buffer[];
    try {
      raw = walkerFs.readdir(abs);
    } catch (err) {
      this.unreadable(abs, err, 'list folder');
      return undefined;
    }
    const names = this.decodeNames(abs, raw);
    this.out.header(buildTarHeader(`./${rel}/`, stats, 'directory'));
    this.dirs++;
    return { abs, rel, names, index: 0 };
  }

  private addSymlink(abs: string, rel: string, stats: EntryStats): void {
    let target: Buffer;
    try {
      target = this.settings.fs.readlink(abs);
    } catch (err) {
      this.unreadable(abs, err, 'read symlink');
      return;
    }
    const linkname = decodeName(target);
    if (linkname === undefined) {
      this.warn(`${abs}: symlink target is not valid UTF-8 (skipped)`);
      return;
    }
    this.out.header(buildTarHeader(`./${rel}`, stats, 'symlink', linkname));
    this.symlinks++;
  }

  /**
   * Archives one file. A file smaller than half a read is read in place, right after its header, into
   * the output buffer (one read asking for one byte more than lstat said: a file that grew shows it at
   * no extra cost); a bigger one in reads of the chunk size, waiting for the consumer between reads
   * (the returned promise; undefined when the file was archived at once).
   */
  private addFile(abs: string, rel: string, stats: EntryStats): Promise<void> | undefined {
    let file: ReadableFile;
    try {
      file = this.settings.fs.open(abs);
    } catch (err) {
      if (errorCode(err) === 'ELOOP') {
        // replaced by a symlink since lstat (O_NOFOLLOW refused it)
        this.warn(`file changed while reading: ${abs} (skipped)`);
        return undefined;
      }
      this.unreadable(abs, err, 'open file');
      return undefined;
    }
    let closeNow = true;
    try {
      this.out.header(buildTarHeader(`./${rel}`, stats, 'file'));
      if (stats.size * 2 < this.settings.chunkSize) {
        this.copySmall(file, stats.size, abs);
      } else {
        closeNow = false;
        return this.copyContent(file, stats.size, abs).finally(() => closeQuietly(file));
      }
    } finally {
      if (closeNow) closeQuietly(file);
    }
    return undefined;
  }

  private counted(size: number): void {
    this.files++;
    this.bytes += size;
  }

  /** A small file straight into the output buffer: exactly `size` bytes, then the padding. */
  private copySmall(file: ReadableFile, size: number, abs: string): void {
    const padded = size + paddingAfter(size);
    const [buffer, at] = this.out.reserve(Math.max(padded, size + 1));
    let got = 0;
    let readError: unknown;
    try {
      for (;;) {
        const n = file.read(buffer, at + got, size + 1 - got, got);
        if (n === 0) break;
        got += n;
        if (got > size) break;
      }
    } catch (err) {
      readError = err;
    }
    const kept = Math.min(got, size);
    buffer.fill(0, at + kept, at + padded);
    this.out.commit(padded);
    this.report(abs, size, kept, readError, got !== size);
    this.counted(size);
  }

  /**
   * Writes exactly `size` bytes of `file` into the entry: short reads are padded with zeros, extra
   * bytes are cut, and either case is reported as a changed file.
   */
  private async copyContent(file: ReadableFile, size: number, abs: string): Promise<void> {
    const { chunkSize } = this.settings;
    let position = 0;
    let changed = false;
    let readError: unknown;
    while (position < size) {
      const remaining = size - position;
      // the last read asks for one byte more than expected: a file that grew shows it at no extra cost
      const want = remaining <= chunkSize ? remaining + 1 : chunkSize;
      const buffer = readBufferPool(chunkSize + 1).take();
      let got: number;
      try {
        got = file.read(buffer, 0, want, position);
      } catch (err) {
        readError = err;
        break;
      }
      if (got === 0) {
        changed = true; // shrank
        break;
      }
      if (got > remaining) {
        changed = true; // grew
        got = remaining;
      }
      this.out.bytes(got === buffer.length ? buffer : buffer.subarray(0, got));
      position += got;
      const wait = this.out.gate();
      if (wait !== undefined) await wait;
      this.checkStopped();
    }
    this.report(abs, size, position, readError, changed);
    this.out.zeros(size - position + paddingAfter(size));
    this.counted(size);
  }

  /** The warning (or, onUnreadable 'fail', the error) for a file that could not be read as it was. */
  private report(abs: string, size: number, read: number, readError: unknown, changed: boolean): void {
    if (readError !== undefined) {
      const message = `${abs}: read error after ${read} of ${size} bytes: ${errorCode(readError) ?? asError(readError).message}`;
      if (this.settings.onUnreadable === 'fail') {
        throw new Error(`directory source "${this.settings.label}": ${message}`, { cause: readError });
      }
      this.warn(`${message} (padded with zeros)`);
    } else if (changed) {
      this.warn(`file changed while reading: ${abs}`);
    }
  }
}

function closeQuietly(file: ReadableFile): void {
  try {
    file.close();
  } catch {
    // nothing left to do with it
  }
}
