/**
 * FtpsClient: the public face of src/ftp. It keeps one logged-in session and replaces it without the
 * caller noticing when the TLS session is too old, when a data connection fails with 425/522 or a TLS
 * handshake error, or when the server drops the connection; the working folder is restored. Each call
 * is ONE attempt: retrying (how often, after how long, whether an error is worth it) belongs to the
 * caller (src/storage's retrying store). What the client keeps is *how* an upload goes on after a drop:
 * the pure decideResume (resume.ts) — REST+STOR or APPE at the server's size, from the start, or "run the
 * source again" (SourceRestartNeeded) — and the hashes of what was sent, in an UploadState the caller
 * passes to every attempt of one object. Uploads are verified (SIZE, and the server's hash where offered).
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
import { decideResume } from './resume.ts';
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
   * The offsets open() can start at now ([from, to]); undefined: none. Without it, any offset (a file).
   */
  replayable?(): { from: number; to: number } | undefined;
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
  /** What earlier attempts of this object sent and hashed (newUploadState()); one per object. */
  state?: UploadState | undefined;
  /** The source can be run again from byte 0 (false for stdin): decides "rerun-source" vs "give-up". */
  sourceRestartable?: boolean | undefined;
}

/** What one object's upload attempts share: the hashes of the bytes sent so far and how far they go. */
export interface UploadState {
  attempts: number;
  sha256: Hash;
  serverHasher: { algorithm: HashAlgorithm; hash: Hash } | undefined;
  /** False when the source's own digest stands in for hashing what is sent (see ReplayableSource). */
  hashSent: boolean | undefined;
  hashedUpTo: number;
  resumedFrom: number[];
  /** The server's hash disagreed: the next attempt starts from byte 0. */
  hashMismatch: boolean;
  started: number;
}

export function newUploadState(): UploadState {
  return {
    attempts: 0,
    sha256: createHash('sha256'),
    serverHasher: undefined,
    hashSent: undefined,
    hashedUpTo: 0,
    resumedFrom: [],
    hashMismatch: false,
    started: Date.now(),
  };
}

/**
 * The upload cannot go on with this source (the server's partial file is outside what it can replay, or
 * the server refuses restarts): run the source again from byte 0. Transient: the retrying store does it.
 */
export class SourceRestartNeeded extends FtpError {
  override name = 'SourceRestartNeeded';
  constructor(message: string) {
    super(message, true);
  }
}

export class FtpsClient {
  private readonly opts: FtpsClientOptions;
  private readonly timeouts: FtpTimeouts;
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
    this.log = opts.log ?? silentLogger;
  }

  static async connect(opts: FtpsClientOptions): Promise<FtpsClient> {
    const client = new FtpsClient(opts);
    await client.ready();
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
   * Runs an operation once on the live session. On a failure that leaves the session unusable (dropped
   * connection, 421, 425/522, a data TLS failure) the session is let go, so the next call logs in again.
   */
  private async run<T>(_what: string, op: (s: Session) => Promise<T>): Promise<T> {
    const s = await this.ready();
    try {
      return await op(s);
    } catch (err) {
      if (err instanceof FtpError) this.dropSessionIfNeeded(err);
      throw err;
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
   * One attempt to upload `path` and verify it on the server (SIZE; the server's hash where offered).
   * Never reports success for a truncated or corrupt upload. With the `state` of earlier attempts of the
   * same object, it first asks the server what it holds and decides how to go on (decideResume): resume
   * at that size with REST+STOR or APPE, upload from byte 0 again, or throw SourceRestartNeeded (run the
   * source again) or a permanent FtpError (give up, saying why).
   */
  async upload(path: string, source: ReplayableSource, opts: UploadOptions = {}): Promise<UploadResult> {
    const st = opts.state ?? newUploadState();
    st.attempts += 1;
    const s = await this.ready();
    st.hashSent ??= source.digest === undefined || s.hash?.algorithm !== 'SHA-256';
    if (st.serverHasher === undefined && s.hash !== undefined && s.hash.algorithm !== 'SHA-256') {
      st.serverHasher = {
        algorithm: s.hash.algorithm,
        hash: createHash(s.hash.algorithm === 'SHA-1' ? 'sha1' : 'md5'),
      };
    }
    let offset = 0;
    let verb: 'STOR' | 'APPE' = 'STOR';
    let stream: Readable | undefined;
    try {
      if (st.attempts > 1) {
        const serverSize = st.hashMismatch ? 0 : await this.size(path);
        st.hashMismatch = false;
        // Bounded: each round learns that REST or APPE is refused, at most twice.
        for (let round = 0; stream === undefined && round < 3; round++) {
          const d = decideResume({
            serverSize,
            sent: st.hashedUpTo,
            replayable: source.replayable ? source.replayable() : { from: 0, to: Number.MAX_SAFE_INTEGER },
            restAllowed: this.state.restartAllowed === false ? false : this.state.restAccepted,
            appeAllowed: this.state.restartAllowed === false ? false : this.state.appeAccepted,
            sourceRestartable: opts.sourceRestartable ?? false,
          });
          if (d.kind === 'give-up') throw new FtpError(`${path}: cannot resume the upload: ${d.why}`, false);
          if (d.kind === 'rerun-source') throw new SourceRestartNeeded(`${path}: ${d.why}`);
          if (d.kind === 'from-start') {
            this.log.info(`${path}: uploading again from byte 0, the source replayed (${d.why})`);
            offset = 0;
            verb = 'STOR';
          } else if (d.verb === 'REST+STOR') {
            const rest = await s.control.request('REST', String(d.offset));
            if (rest.code !== 350) {
              this.state.restAccepted = false;
              continue;
            }
            offset = d.offset;
            verb = 'STOR';
          } else {
            offset = d.offset;
            verb = 'APPE';
          }
          stream = source.open(offset);
          if (stream === undefined) {
            throw new SourceRestartNeeded(`${path}: the source cannot be read from byte ${offset} any more`);
          }
          if (offset > 0) {
            st.resumedFrom.push(offset);
            this.log.info(
              `${path}: resume at ${offset} with ${d.kind === 'resume' ? d.verb : verb} (${d.why})`,
            );
          }
        }
      }
      if (stream === undefined) {
        if (st.attempts > 1) throw new SourceRestartNeeded(`${path}: no way to resume was found`);
        stream = source.open(0);
        if (stream === undefined) {
          throw new SourceRestartNeeded(`${path}: the source cannot be read again from the start`);
        }
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
          if (end > st.hashedUpTo) {
            const part = chunk.subarray(Math.max(0, st.hashedUpTo - pos));
            if (st.hashSent === true) st.sha256.update(part);
            st.serverHasher?.hash.update(part);
            st.hashedUpTo = end;
          }
          pos = end;
          opts.onProgress?.(pos);
        },
        source.release?.bind(source),
      );
      if (offset > 0) {
        if (verb === 'APPE') this.state.appeAccepted = true;
        else this.state.restAccepted = true;
      }
      const total = offset + sent;
      const transferred = Date.now();
      const contentSha256 = async (): Promise<string> => {
        if (st.hashSent !== false || source.digest === undefined) return st.sha256.copy().digest('hex');
        const produced = await source.digest();
        if (produced.bytes !== total) {
          throw new FtpVerificationError(
            'size',
            `${total} bytes of ${path} were sent, but its source produced ${produced.bytes}`,
          );
        }
        return produced.sha256;
      };
      const verified = await this.verifyUpload(path, total, contentSha256, st.serverHasher);
      return {
        bytes: total,
        sha256: await contentSha256(),
        verified,
        attempts: st.attempts,
        resumedFrom: st.resumedFrom,
        transferMs: transferred - st.started,
        verifyMs: Date.now() - transferred,
      };
    } catch (err) {
      if (err instanceof TransferRefusedError && offset > 0 && (err.code === 451 || err.code >= 500)) {
        // The server refuses restarts (ProFTPD without AllowStoreRestart: 451 on both REST+STOR and APPE):
        // remembered, so the next attempt decides without them.
        if (verb === 'APPE') this.state.appeAccepted = false;
        else this.state.restAccepted = false;
        if (this.state.restAccepted === false && this.state.appeAccepted === false) {
          this.state.restartAllowed = false;
        }
        throw new FtpError(`${path}: the server refused to resume at byte ${offset} (${err.code})`, true, {
          cause: err,
        });
      }
      if (err instanceof FtpVerificationError && err.kind === 'hash') st.hashMismatch = true;
      if (err instanceof FtpError && !(err instanceof SourceRestartNeeded)) {
        // Any failure mid-upload: the next attempt starts on a fresh session (one login clears all doubt).
        const old = this.session;
        this.session = undefined;
        if (old !== undefined) void old.control.quit();
      }
      stream?.destroy();
      throw err;
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
