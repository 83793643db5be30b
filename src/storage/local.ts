/**
 * The local-folder store: the same contract as FTPS, for a mounted disk or the quick start. Writes go to
 * the named file and are fsynced; put verifies by re-reading the file's size and sha256.
 */
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Writable } from 'node:stream';
import type {
  PutResult,
  RemoteStore,
  ReplayableSource,
  StoreEntry,
  StoreFactory,
  StoreHash,
} from './types.ts';
import { TooLargeError } from './types.ts';

export class LocalStore implements RemoteStore {
  readonly description: string;
  private readonly base: string;

  constructor(base: string) {
    this.base = resolve(base);
    this.description = `local:${this.base}`;
  }

  /** Maps a store path into the base folder; `..` can never leave it. */
  private real(path: string): string {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) throw new Error(`refusing a path with "..": ${path}`);
    return join(this.base, ...parts);
  }

  async mkdirp(path: string): Promise<void> {
    await mkdir(this.real(path), { recursive: true });
  }

  async list(path: string): Promise<StoreEntry[]> {
    let dirents;
    try {
      dirents = await readdir(this.real(path), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: StoreEntry[] = [];
    for (const d of dirents) {
      if (d.isDirectory()) out.push({ name: d.name, type: 'dir' });
      else if (d.isFile())
        out.push({ name: d.name, type: 'file', size: (await stat(join(d.parentPath, d.name))).size });
      else out.push({ name: d.name, type: 'other' });
    }
    return out;
  }

  listSmall(path: string): Promise<StoreEntry[]> {
    return this.list(path);
  }

  async put(
    path: string,
    source: ReplayableSource,
    onProgress?: (bytes: number) => void,
  ): Promise<PutResult> {
    const file = this.real(path);
    await mkdir(dirname(file), { recursive: true });
    const input = source.open(0);
    if (input === undefined) throw new Error(`the source of ${path} cannot be read`);
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        onProgress?.(bytes);
        cb(null, chunk);
      },
    });
    await pipeline(input, tap, createWriteStream(file));
    const fh = await open(file, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const sha256 = hash.digest('hex');
    // Verify what landed on the disk, as the FTPS store verifies with SIZE/HASH.
    const check = createHash('sha256');
    let onDisk = 0;
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      check.update(chunk);
      onDisk += chunk.length;
    }
    if (onDisk !== bytes || check.digest('hex') !== sha256) {
      throw new Error(
        `verification of ${file} failed: wrote ${bytes} bytes, read back ${onDisk} with a different hash`,
      );
    }
    return { bytes, sha256, verified: 'local sha256', resumedFrom: [] };
  }

  async get(
    path: string,
    sink: Writable,
    onProgress?: (bytes: number) => void,
    maxBytes?: number,
    offset = 0,
  ): Promise<number> {
    let bytes = offset;
    for await (const chunk of createReadStream(this.real(path), { start: offset }) as AsyncIterable<Buffer>) {
      if (maxBytes !== undefined && bytes + chunk.length > maxBytes) {
        throw new TooLargeError(path, maxBytes);
      }
      bytes += chunk.length;
      onProgress?.(bytes);
      if (!sink.write(chunk)) await once(sink, 'drain'); // rejects when the sink fails
    }
    return bytes - offset;
  }

  async size(path: string): Promise<number | undefined> {
    try {
      const st = await stat(this.real(path));
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  }

  async hash(path: string): Promise<StoreHash | undefined> {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(this.real(path)) as AsyncIterable<Buffer>) h.update(chunk);
    return { algorithm: 'SHA-256', hex: h.digest('hex') };
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(this.real(from), this.real(to));
  }

  async remove(path: string): Promise<void> {
    await rm(this.real(path));
  }

  async removeTree(path: string): Promise<void> {
    await rm(this.real(path), { recursive: true, force: true });
  }

  async close(): Promise<void> {}
}

export function localStoreFactory(base: string): StoreFactory {
  return { description: `local:${resolve(base)}`, open: () => Promise.resolve(new LocalStore(base)) };
}
