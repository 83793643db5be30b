/**
 * src/storage — the RemoteStore port and its adapters: the FTPS store (over src/ftp), the local-folder
 * store (a mounted disk, or the zero-setup quick start). May import src/ftp and src/domain only. One
 * contract test suite (test/integration/storage-contract.test.ts) runs against every adapter.
 *
 * Paths are absolute POSIX paths inside the store ('/backups/blog/20261122T031500Z/db-wp.sql.zst').
 */
import type { Readable, Writable } from 'node:stream';

/** An object longer than the `maxBytes` a get() was given (nothing past the limit was written). */
export class TooLargeError extends Error {
  override name = 'TooLargeError';
  readonly limit: number;
  constructor(path: string, limit: number, options?: ErrorOptions) {
    super(`${path} holds more than the ${limit} bytes expected of it`, options);
    this.limit = limit;
  }
}

/** Content that can be read again from a byte offset; bytes at one offset are the same on every call. */
export interface ReplayableSource {
  open(offset: number): Readable | undefined;
  /** Gets back each chunk of an open() stream once the store no longer needs it (its memory may be reused). */
  release?(chunk: Buffer): void;
  /** Size and SHA-256 of the whole content as produced, known once an open() stream ended (see src/ftp). */
  digest?(): Promise<{ bytes: number; sha256: string }>;
  /** The offsets open() can start at now; undefined: none. Without it: any offset (a file, a buffer). */
  replayable?(): { from: number; to: number } | undefined;
}

/** What the attempts of one put share (src/storage/retrying.ts makes it; a store keeps its memory there). */
export interface PutAttempt {
  /** The FTP client's UploadState: what was sent and hashed so far. */
  state: unknown;
  /** The content can be produced again from byte 0 by running its source again. */
  sourceRestartable: boolean;
}

export interface StoreEntry {
  name: string;
  type: 'file' | 'dir' | 'other';
  size?: number | undefined;
}

export interface StoreHash {
  /** 'SHA-256', 'SHA-1' or 'MD5'. */
  algorithm: string;
  /** Lower-case hex. */
  hex: string;
}

export interface PutResult {
  bytes: number;
  sha256: string;
  /** How the store checked what it wrote ('size+SHA-256', 'size', 'local sha256'). */
  verified: string;
  resumedFrom: number[];
}

export interface RemoteStore {
  /** A short description for logs: 'ftps://user@host:21/root' or 'local:/mnt/backup'. */
  readonly description: string;
  mkdirp(path: string): Promise<void>;
  /** Entries of a folder; a missing folder lists as empty. */
  list(path: string): Promise<StoreEntry[]>;
  /**
   * Like list, for a folder that holds few entries (a set): the store may read it more cheaply (the
   * FTPS store asks over the control connection where the server allows it, see FtpsClient.listSmall).
   */
  listSmall(path: string): Promise<StoreEntry[]>;
  /**
   * Writes `path` (replacing it) and verifies it: ONE attempt. With `attempt` (the same object for every
   * attempt of one object), a later attempt resumes where the store can (see src/storage/retrying.ts).
   */
  put(
    path: string,
    source: ReplayableSource,
    onProgress?: (bytes: number) => void,
    attempt?: PutAttempt,
  ): Promise<PutResult>;
  /**
   * Streams the object from byte `offset` (default 0) into `sink` (which is not ended); onProgress gets
   * the absolute position. With `maxBytes` (what is expected of it), a longer object fails the call
   * before any byte past the limit reaches the sink: what a server sends is bounded before use.
   */
  get(
    path: string,
    sink: Writable,
    onProgress?: (bytes: number) => void,
    maxBytes?: number,
    offset?: number,
  ): Promise<number>;
  size(path: string): Promise<number | undefined>;
  /**
   * The store's own hash of an object without downloading it: the FTPS server's HASH (or XSHA256, XSHA1,
   * XMD5 — whichever it offers best), the local store's sha256. Undefined when the store has none.
   */
  hash(path: string): Promise<StoreHash | undefined>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Removes a folder and everything in it. */
  removeTree(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens independent connections to one destination (objects of a set upload in parallel). */
export interface StoreFactory {
  readonly description: string;
  open(): Promise<RemoteStore>;
}
