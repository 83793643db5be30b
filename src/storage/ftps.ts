/** The FTPS store: RemoteStore over our own FtpsClient (verified, resumable uploads). */
import type { Writable } from 'node:stream';
import {
  escapeControls,
  FtpLimitError,
  FtpReplyError,
  FtpsClient,
  unsafeEntryName,
  type FtpsClientOptions,
  type ListEntry,
  type UploadState,
} from '../ftp/index.ts';
import type {
  PutAttempt,
  PutResult,
  RemoteStore,
  ReplayableSource,
  StoreEntry,
  StoreFactory,
  StoreHash,
} from './types.ts';
import { TooLargeError } from './types.ts';

export class FtpsStore implements RemoteStore {
  readonly description: string;
  private readonly client: FtpsClient;

  constructor(client: FtpsClient, description: string) {
    this.client = client;
    this.description = description;
  }

  mkdirp(path: string): Promise<void> {
    return this.client.mkdirp(path);
  }

  list(path: string): Promise<StoreEntry[]> {
    return this.entries(path, (p) => this.client.list(p));
  }

  listSmall(path: string): Promise<StoreEntry[]> {
    return this.entries(path, (p) => this.client.listSmall(p));
  }

  /**
   * The folder's entries. Every name the server lists is checked first (unsafeEntryName): one that is
   * not a plain entry of this folder (`..`, a `/`, a control character) fails the listing, naming it
   * escaped, so no caller ever builds a path, a command or a line of output from it.
   */
  private async entries(path: string, read: (path: string) => Promise<ListEntry[]>): Promise<StoreEntry[]> {
    let entries;
    try {
      entries = await read(path);
    } catch (err) {
      // A missing folder: 550 (ProFTPD, Pure-FTPd) — vsftpd lists it as empty anyway.
      if (err instanceof FtpReplyError && err.code === 550) return [];
      throw err;
    }
    for (const e of entries) {
      const why = unsafeEntryName(e.name);
      if (why !== undefined) {
        throw new Error(
          `the server lists an entry "${escapeControls(e.name)}" in ${escapeControls(path)}, and ${why}: refusing the listing`,
        );
      }
    }
    return entries.map((e) => ({
      name: e.name,
      type: e.type === 'file' ? 'file' : e.type === 'dir' ? 'dir' : 'other',
      size: e.size,
    }));
  }

  async put(
    path: string,
    source: ReplayableSource,
    onProgress?: (bytes: number) => void,
    attempt?: PutAttempt,
  ): Promise<PutResult> {
    const r = await this.client.upload(path, source, {
      onProgress,
      state: attempt?.state as UploadState | undefined,
      sourceRestartable: attempt?.sourceRestartable,
    });
    return { bytes: r.bytes, sha256: r.sha256, verified: r.verified, resumedFrom: r.resumedFrom };
  }

  async get(
    path: string,
    sink: Writable,
    onProgress?: (bytes: number) => void,
    maxBytes?: number,
    offset = 0,
  ): Promise<number> {
    try {
      return await this.client.download(path, sink, {
        offset,
        ...(onProgress ? { onProgress } : {}),
        maxBytes,
      });
    } catch (err) {
      if (err instanceof FtpLimitError) throw new TooLargeError(path, err.limit, { cause: err });
      throw err;
    }
  }

  size(path: string): Promise<number | undefined> {
    return this.client.size(path);
  }

  async hash(path: string): Promise<StoreHash | undefined> {
    const h = await this.client.serverFileHash(path);
    return h === undefined ? undefined : { algorithm: h.algorithm, hex: h.hex.toLowerCase() };
  }

  rename(from: string, to: string): Promise<void> {
    return this.client.rename(from, to, { replace: true });
  }

  remove(path: string): Promise<void> {
    return this.client.delete(path);
  }

  removeTree(path: string): Promise<void> {
    return this.client.removeTree(path);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function ftpsStoreFactory(options: FtpsClientOptions): StoreFactory {
  const port = options.port ?? (options.tlsMode === 'implicit' ? 990 : 21);
  const scheme = options.tlsMode === 'implicit' ? 'ftps' : options.tlsMode === 'explicit' ? 'ftpes' : 'ftp';
  const description = `${scheme}://${options.user}@${options.host}:${port}`;
  return {
    description,
    open: async () => new FtpsStore(await FtpsClient.connect(options), description),
  };
}
