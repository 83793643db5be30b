/**
 * FtpsClient: the public face of src/ftp. It keeps one logged-in session and replaces it without the
 * caller noticing when the TLS session is too old, when a data connection fails with 425/522 or a TLS
 * handshake error, or when the server drops the connection; the working folder is restored. Uploads are
 * verified (SIZE, and the server's hash where offered) and resumed after a drop (REST+STOR, APPE, or
 * from the start when the server refuses restarts).
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import {
  escapeControls,
  parseHashReply,
  parseList,
  parseMdtmReply,
  parseMlsd,
  parsePwdReply,
  parseSizeReply,
  parseStatListing,
  parseXHashReply,
  unsafeEntryName,
  type ListEntry,
} from './protocol/index.ts';
import { FtpError, FtpLimitError, FtpReplyError, FtpTlsError, FtpVerificationError } from './errors.ts';
import { silentLogger, type FtpLogger } from './log.ts';
import { openSession, type Credentials, type HashAlgorithm, type Session } from './session.ts';
import { newServerState, type ServerState } from './state.ts';
import type { TlsSettings } from './tls.ts';
import { TransferRefusedError, download, upload, type TransferTimeouts } from './transfer.ts';

export type TlsMode = 'explicit' | 'implicit' | 'none';

export interface FtpsClientOptions {
  host: string;
  /** Default 21, or 990 for implicit TLS. */
  port?: number | undefined;
  tlsMode: TlsMode;
  tls?: TlsSettings | undefined;
  user: string;
  password: string;
  account?: string | undefined;
  timeouts?: Partial<FtpTimeouts> | undefined;
  /** Log in again before a transfer once the control TLS session is older than this. Default 3 h. */
  maxSessionAgeMs?: number | undefined;
  /** Reconnect-and-resume attempts for one operation (default 5) and their backoff. */
  retry?: Partial<ClientRetry> | undefined;
  /** Upper bound of a directory listing (bytes). Default 16 MiB (about 150,000 entries). */
  maxListingBytes?: number | undefined;
  log?: FtpLogger | undefined;
}

export interface FtpTimeouts {
  connectMs: number;
  /** Waiting for the reply to an ordinary command. */
  replyMs: number;
  /** No bytes moving on a data connection. */
  dataMs: number;
  /** The final reply after a transfer's data is done. */
  finalReplyMs: number;
  /** A HASH/XSHA reply: servers read the whole file first. */
  hashMs: number;
}

export interface ClientRetry {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** removeTree's bounds: folders below the one removed, and entries in all. */
export const REMOVE_TREE_LIMITS = { maxDepth: 32, maxEntries: 100_000 } as const;

const DEFAULT_TIMEOUTS: FtpTimeouts = {
  connectMs: 30_000,
  replyMs: 60_000,
  dataMs: 120_000,
  finalReplyMs: 120_000,
  hashMs: 900_000,
};

/** Content that can be read again from a byte offset (a file, a spool file, a replay window). */
export interface ReplayableSource {
  /**
   * A stream of the content from `offset`. Returns undefined when this source cannot start there (the
   * upload then restarts from 0, or fails when 0 is impossible too). Bytes at the same offset must be
   * the same on every call.
   */
  open(offset: number): Readable | undefined;
  /**
   * Called with each chunk of an open() stream once the socket has taken it: the source may reuse the
   * chunk's memory from then on.
   */
  release?(chunk: Buffer): void;
  /**
   * The size and SHA-256 of the whole content as its producer computed them, known once a stream from
   * open() has ended. When a source has it and the server offers HASH SHA-256, the upload does not hash
   * what it sends again: the server's SHA-256 is compared with this one (the stronger check: what the
   * server stored against what was produced).
   */
  digest?(): Promise<{ bytes: number; sha256: string }>;
}

export interface UploadResult {
  bytes: number;
  sha256: string;
  /** How the upload was checked on the server. */
  verified: string;
  attempts: number;
  resumedFrom: number[];
  /** Milliseconds from the first byte sent to the final reply, and then for SIZE/HASH verification. */
  transferMs: number;
  verifyMs: number;
}

export interface UploadOptions {
  onProgress?: ((bytesDone: number) => void) | undefined;
}

export class FtpsClient {
  private readonly opts: FtpsClientOptions;
  private readonly timeouts: FtpTimeouts;
  private readonly retry: ClientRetry;
  private readonly log: FtpLogger;
  readonly state: ServerState = newServerState();
  private session: Session | undefined;
  /** The working folder the caller chose (restored after a reconnect); undefined: the login folder. */
  private cwd: string | undefined;
  /** How many times this client logged in (for tests and logs). */
  logins = 0;

  private constructor(opts: FtpsClientOptions) {
    this.opts = opts;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.retry = { attempts: 5, initialDelayMs: 1000, maxDelayMs: 30_000, ...opts.retry };
    this.log = opts.log ?? silentLogger;
  }

  static async connect(opts: FtpsClientOptions): Promise<FtpsClient> {
    const client = new FtpsClient(opts);
    await client.readyWithRetry(1);
    return client;
  }

  get features(): ReadonlyMap<string, string> {
    return this.session?.features ?? new Map();
  }

  get serverHash(): Session['hash'] {
    return this.session?.hash;
  }

  get tlsInfo(): { protocol: string; cipher: string; fingerprint256: string } | undefined {
    const peer = this.session?.control.peer;
    return peer && { protocol: peer.protocol, cipher: peer.cipher, fingerprint256: peer.fingerprint256 };
  }

  private port(): number {
    return this.opts.port ?? (this.opts.tlsMode === 'implicit' ? 990 : 21);
  }

  private async reconnect(why: string): Promise<Session> {
    if (this.session !== undefined) {
      this.log.info(`reconnecting to ${this.opts.host}: ${why}`);
      const old = this.session;
      this.session = undefined;
      await old.control.quit();
    }
    const credentials: Credentials = {
      user: this.opts.user,
      password: this.opts.password,
      account: this.opts.account,
    };
    const session = await openSession(
      {
        host: this.opts.host,
        port: this.port(),
        implicitTls: this.opts.tlsMode === 'implicit',
        tls: this.opts.tlsMode === 'none' ? undefined : (this.opts.tls ?? {}),
        connectTimeoutMs: this.timeouts.connectMs,
        replyTimeoutMs: this.timeouts.replyMs,
        log: this.log,
      },
      credentials,
    );
    this.logins += 1;
    if (this.cwd !== undefined) {
      await session.control.expect('CWD', this.cwd, (r) => r.code >= 200 && r.code < 300);
    }
    this.session = session;
    return session;
  }

  /** The live session; a new one when the old is closed or its TLS session is older than the maximum. */
  private async ready(): Promise<Session> {
    const s = this.session;
    if (s === undefined || s.control.isClosed) return this.reconnect('the connection was closed');
    const maxAge = this.opts.maxSessionAgeMs ?? 3 * 3600_000;
    if (s.control.tlsSocket !== undefined) {
      const since = s.control.sessions.at || s.startedAt;
      if (Date.now() - since > maxAge) {
        return this.reconnect(`the TLS session is older than ${Math.round(maxAge / 1000)} s`);
      }
    }
    return s;
  }

  /**
   * Runs an operation on the live session; on a transient failure (dropped connection, 421, 425/522,
   * a data TLS failure) reconnects and runs it again, up to the retry budget.
   */
  private async run<T>(what: string, op: (s: Session) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const s = await this.readyWithRetry(attempt);
      try {
        return await op(s);
      } catch (err) {
        if (!(err instanceof FtpError) || !err.transient || attempt >= this.retry.attempts) throw err;
        this.log.info(
          `${what} failed (${err.message}); retrying (attempt ${attempt + 1} of ${this.retry.attempts})`,
        );
        this.dropSessionIfNeeded(err);
        await sleep(this.backoff(attempt));
      }
    }
  }

  private async readyWithRetry(attempt: number): Promise<Session> {
    for (let a = attempt; ; a++) {
      try {
        return await this.ready();
      } catch (err) {
        if (!(err instanceof FtpError) || !err.transient || a >= this.retry.attempts) throw err;
        this.log.info(`connecting failed (${err.message}); retrying`);
        await sleep(this.backoff(a));
      }
    }
  }

  /** After a data-TLS failure (425/522) or a broken control connection, the session must be replaced. */
  private dropSessionIfNeeded(err: FtpError): void {
    const s = this.session;
    if (s === undefined) return;
    const dataTls =
      err instanceof FtpTlsError || (err instanceof FtpReplyError && [425, 522, 421, 530].includes(err.code));
    if (dataTls || s.control.isClosed || !(err instanceof FtpReplyError)) {
      this.session = undefined;
      void s.control.quit();
    }
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
    return base / 2 + Math.random() * (base / 2);
  }

  private transferTimeouts(): TransferTimeouts {
    return { dataMs: this.timeouts.dataMs, finalReplyMs: this.timeouts.finalReplyMs };
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s !== undefined) await s.control.quit();
  }

  async pwd(): Promise<string> {
    return this.run('PWD', async (s) => {
      const r = await s.control.expect('PWD', undefined, (x) => x.code === 257);
      return parsePwdReply(r.message);
    });
  }

  async cd(path: string): Promise<void> {
    await this.run('CWD', async (s) => {
      await s.control.expect('CWD', path, (r) => r.code >= 200 && r.code < 300);
    });
    this.cwd = await this.pwd();
  }

  /** SIZE in bytes, or undefined when the file does not exist (550). */
  async size(path: string): Promise<number | undefined> {
    return this.run('SIZE', async (s) => {
      const r = await s.control.request('SIZE', path);
      if (r.code === 213) return parseSizeReply(r.message);
      if (r.code === 550) return undefined;
      throw new FtpReplyError('SIZE', r.code, r.message);
    });
  }

  async modifiedAt(path: string): Promise<Date | undefined> {
    return this.run('MDTM', async (s) => {
      const r = await s.control.request('MDTM', path);
      if (r.code === 213) return parseMdtmReply(r.message);
      if (r.code === 550) return undefined;
      throw new FtpReplyError('MDTM', r.code, r.message);
    });
  }

  /**
   * RNFR/RNTO. With `replace`, a server that refuses to rename onto an existing file gets the target
   * deleted first (a short gap without the target, accepted for our own .partial → final renames).
   */
  async rename(from: string, to: string, opts: { replace?: boolean } = {}): Promise<void> {
    const once = (): Promise<void> =>
      this.run('rename', async (s) => {
        await s.control.expect('RNFR', from, (r) => r.code === 350);
        await s.control.expect('RNTO', to, (r) => r.code >= 200 && r.code < 300);
      });
    try {
      await once();
    } catch (err) {
      if (opts.replace !== true || !(err instanceof FtpReplyError) || (await this.size(to)) === undefined)
        throw err;
      await this.delete(to);
      await once();
    }
  }

  async delete(path: string): Promise<void> {
    await this.run('DELE', async (s) => {
      await s.control.expect('DELE', path, (r) => r.code >= 200 && r.code < 300);
    });
  }

  async removeEmptyDir(path: string): Promise<void> {
    await this.run('RMD', async (s) => {
      await s.control.expect('RMD', path, (r) => r.code >= 200 && r.code < 300);
    });
  }

  /** Creates a folder and its missing parents; existing folders are fine. */
  async mkdirp(path: string): Promise<void> {
    const absolute = path.startsWith('/');
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    await this.run('MKD', async (s) => {
      let prefix = absolute ? '' : '.';
      for (const part of parts) {
        prefix = `${prefix}/${part}`;
        const r = await s.control.request('MKD', absolute ? prefix : prefix.slice(2));
        if (r.code === 257) continue;
        // Exists already? CWD tells (then go back).
        const probe = await s.control.request('CWD', absolute ? prefix : prefix.slice(2));
        if (probe.code < 200 || probe.code >= 300) throw new FtpReplyError('MKD', r.code, r.message);
        await s.control.expect('CWD', this.cwd ?? s.homeDir, (x) => x.code >= 200 && x.code < 300);
      }
    });
  }

  /** Directory entries (MLSD when offered, LIST otherwise), without `.` and `..`. */
  async list(path = ''): Promise<ListEntry[]> {
    return this.run('list', async (s) => {
      const useMlsd = this.state.mlsd ?? s.features.has('MLST');
      const arg = path === '' ? undefined : path;
      const text = await this.fetchText(s, useMlsd ? 'MLSD' : 'LIST', arg).catch(async (err: unknown) => {
        if (useMlsd && err instanceof FtpReplyError && err.code >= 500 && err.code !== 550) {
          this.state.mlsd = false;
          return this.fetchText(s, 'LIST', arg);
        }
        throw err;
      });
      if (useMlsd && this.state.mlsd !== false) {
        this.state.mlsd = true;
        return parseMlsd(text);
      }
      return parseList(text, new Date());
    });
  }

  /**
   * The entries of a folder that holds few entries (a set: its objects and manifest.json), over the
   * control connection with `STAT <folder>` when the server answers that with a listing (ProFTPD,
   * vsftpd), else like list(). One command instead of EPSV + a data connection with its TLS handshake
   * + MLSD (measured on ProFTPD: about 15× less wall time and CPU per folder). The reply is bounded by the
   * control connection's reply cap (64 KiB), so this is only for small folders. Paths that STAT could
   * read as options or patterns (a leading '-', spaces, glob characters) always go to list().
   */
  async listSmall(path: string): Promise<ListEntry[]> {
    if (this.state.statListing === false || !/^\/[\w./-]*$/.test(path)) return this.list(path);
    const answer = await this.run('STAT', async (s) => {
      const r = await s.control.request('STAT', path);
      // 4xx/5xx: no such folder, or STAT with a path refused; list() tells which.
      if (r.code < 200 || r.code >= 300) return 'refused' as const;
      return parseStatListing(r.message, new Date()) ?? ('not a listing' as const);
    });
    if (typeof answer !== 'string') {
      this.state.statListing = true;
      return answer;
    }
    // A 2xx that is not a listing: a server without STAT listings (Pure-FTPd), unless it listed before
    // (then it is a folder that does not exist: vsftpd's empty status).
    if (answer === 'not a listing' && this.state.statListing === undefined) this.state.statListing = false;
    return this.list(path);
  }

  private async fetchText(s: Session, verb: string, arg: string | undefined): Promise<string> {
    const max = this.opts.maxListingBytes ?? 16 * 1024 * 1024;
    const chunks: Buffer[] = [];
    let total = 0;
    await download(
      s.control,
      this.state,
      arg ?? '',
      (chunk) => {
        total += chunk.length;
        if (total > max) throw new FtpError(`the listing is larger than ${max} bytes; refusing`, false);
        chunks.push(chunk);
      },
      this.transferTimeouts(),
      0,
      verb,
    );
    return Buffer.concat(chunks).toString('utf8');
  }

  /**
   * Removes a folder with everything in it. The server's listing decides what is inside, so it is
   * checked before anything is deleted: every name must be one entry of its folder (no `..`, `/` or
   * control character, see unsafeEntryName), so every DELE/RMD stays inside `path`; the depth and the
   * number of entries are bounded (a server listing a folder inside itself forever is stopped).
   */
  async removeTree(
    path: string,
    limits: { maxDepth: number; maxEntries: number } = REMOVE_TREE_LIMITS,
  ): Promise<void> {
    const budget = { entries: limits.maxEntries };
    const walk = async (folder: string, depth: number): Promise<void> => {
      if (depth > limits.maxDepth) {
        throw new FtpError(
          `refusing to remove ${escapeControls(path)}: it is nested deeper than ${limits.maxDepth} folders`,
          false,
        );
      }
      const entries = await this.listSmall(folder);
      budget.entries -= entries.length;
      if (budget.entries < 0) {
        throw new FtpError(
          `refusing to remove ${escapeControls(path)}: it holds more than ${limits.maxEntries} entries`,
          false,
        );
      }
      for (const e of entries) {
        const why = unsafeEntryName(e.name);
        if (why !== undefined) {
          throw new FtpError(
            `refusing to remove ${escapeControls(folder)}: the server lists an entry "${escapeControls(e.name)}", and ${why}`,
            false,
          );
        }
      }
      for (const e of entries) {
        const child = `${folder.replace(/\/+$/, '')}/${e.name}`;
        if (e.type === 'dir') await walk(child, depth + 1);
        else await this.delete(child);
      }
      await this.removeEmptyDir(folder);
    };
    await walk(path, 0);
  }

  /** The server's hash of a file with the algorithm chosen at login, or undefined when it offers none. */
  async serverFileHash(path: string): Promise<{ algorithm: HashAlgorithm; hex: string } | undefined> {
    return this.run('HASH', async (s) => {
      const h = s.hash;
      if (h === undefined) return undefined;
      const r = await s.control.request(h.command, path, this.timeouts.hashMs);
      if (r.code < 200 || r.code >= 300) throw new FtpReplyError(h.command, r.code, r.message);
      const hex = h.command === 'HASH' ? parseHashReply(r.message).hex : parseXHashReply(r.message);
      return { algorithm: h.algorithm, hex };
    });
  }

  /**
   * Downloads `path` into `sink` (from `offset` with REST). Retries resume where the data stopped. With
   * `maxBytes`, a server sending more fails the download (not retried) before any byte past the limit
   * reaches the sink.
   */
  async download(
    path: string,
    sink: Writable,
    opts: { offset?: number; onProgress?: (bytes: number) => void; maxBytes?: number | undefined } = {},
  ): Promise<number> {
    let received = opts.offset ?? 0;
    const max = opts.maxBytes;
    let tooLong: FtpLimitError | undefined;
    await this.run('download', async (s) => {
      await download(
        s.control,
        this.state,
        path,
        async (chunk) => {
          if (max !== undefined && received + chunk.length > max) {
            tooLong = new FtpLimitError(
              `the server sent more than the ${max} bytes expected of ${path}`,
              max,
            );
            throw tooLong;
          }
          received += chunk.length;
          opts.onProgress?.(received);
          if (!sink.write(chunk)) await once(sink, 'drain');
        },
        this.transferTimeouts(),
        received,
      ).catch((err: unknown) => {
        // the transfer was cut short by us: the server's late reply to it must not answer a later command
        if (tooLong !== undefined) {
          this.session = undefined;
          void s.control.quit();
        }
        throw err;
      });
    });
    return received - (opts.offset ?? 0);
  }

  /**
   * Uploads to `path`, verifies it on the server (SIZE; the server's hash where offered) and resumes
   * after drops. Never reports success for a truncated or corrupt upload.
   */
  async upload(path: string, source: ReplayableSource, opts: UploadOptions = {}): Promise<UploadResult> {
    const sha256 = createHash('sha256');
    let serverHasher: { algorithm: HashAlgorithm; hash: Hash } | undefined;
    /** False when the source's own digest stands in for hashing what is sent (see ReplayableSource). */
    let hashSent: boolean | undefined;
    let hashedUpTo = 0;
    let offset = 0;
    const resumedFrom: number[] = [];
    let appeTried = false;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const s = await this.readyWithRetry(attempt);
      hashSent ??= source.digest === undefined || s.hash?.algorithm !== 'SHA-256';
      if (serverHasher === undefined && s.hash !== undefined && s.hash.algorithm !== 'SHA-256') {
        serverHasher = {
          algorithm: s.hash.algorithm,
          hash: createHash(s.hash.algorithm === 'SHA-1' ? 'sha1' : 'md5'),
        };
      }
      let verb: 'STOR' | 'APPE' = 'STOR';
      try {
        if (offset > 0) {
          if (this.state.restartAllowed === false) {
            offset = 0;
          } else if (!appeTried) {
            const rest = await s.control.request('REST', String(offset));
            if (rest.code !== 350) {
              appeTried = true;
              verb = 'APPE';
            }
          } else {
            verb = 'APPE';
          }
        }
        const stream = source.open(offset);
        if (stream === undefined) {
          if (offset === 0)
            throw new FtpError('the upload source cannot be read again from the start', false);
          this.log.info(`cannot replay from byte ${offset}; uploading ${path} from the start`);
          offset = 0;
          attempt -= 1;
          continue;
        }
        if (offset > 0) {
          resumedFrom.push(offset);
          this.log.info(`resuming ${path} at byte ${offset} with ${verb === 'APPE' ? 'APPE' : 'REST+STOR'}`);
        }
        let pos = offset;
        const sent = await upload(
          s.control,
          this.state,
          verb,
          path,
          stream,
          this.transferTimeouts(),
          (chunk) => {
            const end = pos + chunk.length;
            if (end > hashedUpTo) {
              const part = chunk.subarray(Math.max(0, hashedUpTo - pos));
              if (hashSent === true) sha256.update(part);
              serverHasher?.hash.update(part);
              hashedUpTo = end;
            }
            pos = end;
            opts.onProgress?.(pos);
          },
          source.release?.bind(source),
        );
        if (offset > 0) this.state.restartAllowed = true;
        const total = offset + sent;
        const transferred = Date.now();
        const contentSha256 = async (): Promise<string> => {
          if (hashSent !== false || source.digest === undefined) return sha256.copy().digest('hex');
          const produced = await source.digest();
          if (produced.bytes !== total) {
            throw new FtpVerificationError(
              'size',
              `${total} bytes of ${path} were sent, but its source produced ${produced.bytes}`,
            );
          }
          return produced.sha256;
        };
        const verified = await this.verifyUpload(path, total, contentSha256, serverHasher);
        return {
          bytes: total,
          sha256: await contentSha256(),
          verified,
          attempts: attempt,
          resumedFrom,
          transferMs: transferred - started,
          verifyMs: Date.now() - transferred,
        };
      } catch (err) {
        if (err instanceof TransferRefusedError && offset > 0 && (err.code === 451 || err.code >= 500)) {
          // The server refuses restarts (ProFTPD without AllowStoreRestart: 451 on both REST+STOR and APPE).
          if (!appeTried) {
            appeTried = true;
          } else {
            this.log.info(
              `the server refuses to resume uploads (${err.code}); uploading ${path} from the start`,
            );
            this.state.restartAllowed = false;
            offset = 0;
          }
          attempt -= 1;
          continue;
        }
        if (!(err instanceof FtpError) || !err.transient || attempt >= this.retry.attempts) throw err;
        this.log.info(
          `upload of ${path} failed (${err.message}); retrying (attempt ${attempt + 1} of ${this.retry.attempts})`,
        );
        // Any failure mid-upload: start over on a fresh session (it costs one login and clears all doubt).
        const old = this.session;
        this.session = undefined;
        if (old !== undefined) void old.control.quit();
        await sleep(this.backoff(attempt));
        const remote =
          err instanceof FtpVerificationError && err.kind === 'hash'
            ? 0
            : await this.size(path).catch(() => 0);
        offset = remote !== undefined && remote > 0 && remote <= hashedUpTo ? remote : 0;
        appeTried = false;
      }
    }
  }

  private async verifyUpload(
    path: string,
    total: number,
    sha256: () => Promise<string>,
    other: { algorithm: HashAlgorithm; hash: Hash } | undefined,
  ): Promise<string> {
    const size = await this.size(path);
    if (size !== total) {
      throw new FtpVerificationError(
        'size',
        `the server reports ${String(size)} bytes for ${path} after the upload, but ${total} were sent (the upload was cut short)`,
      );
    }
    const remote = await this.serverFileHash(path);
    if (remote === undefined) return 'size';
    const local = remote.algorithm === 'SHA-256' ? await sha256() : other!.hash.copy().digest('hex');
    if (remote.hex !== local) {
      throw new FtpVerificationError(
        'hash',
        `the server's ${remote.algorithm} of ${path} is ${remote.hex}, but the uploaded content hashes to ${local} here`,
      );
    }
    return `size+${remote.algorithm}`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
