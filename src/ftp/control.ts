/**
 * The control connection: one socket (plain until AUTH TLS, then TLS), read for its whole life so that
 * replies, TLS 1.3 tickets and server-initiated renegotiation are always processed, even during uploads.
 * One command is outstanding at a time; replies that nobody waits for are queued (and a 421 among them
 * marks the session as over).
 */
import { Socket, connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { StringDecoder } from 'node:string_decoder';
import { ReplyReader, formatCommand, redactCommand, type FtpReply } from './protocol/index.ts';
import { FtpConnectionError, FtpError, FtpReplyError, FtpTimeoutError, FtpTlsError } from './errors.ts';
import type { FtpLogger } from './log.ts';
import {
  describePeer,
  tlsConnectOptions,
  verifyControlPeer,
  type PeerInfo,
  type TlsSettings,
} from './tls.ts';

/** TCP keepalive idle time on every socket: NATs drop idle mappings long before the OS default of 2 h. */
export const KEEPALIVE_MS = 30_000;

/** How long a server may take to send its 220 greeting before we call the port implicit TLS. */
const BANNER_MS = 10_000;

interface Waiter {
  resolve: (reply: FtpReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export interface ControlOptions {
  host: string;
  port: number;
  implicitTls: boolean;
  tls: TlsSettings | undefined; // undefined: plain FTP (explicitly configured)
  connectTimeoutMs: number;
  replyTimeoutMs: number;
  log: FtpLogger;
  signal?: AbortSignal | undefined;
}

/** The newest TLS session of the control connection and when it arrived. */
export interface SessionBox {
  session: Buffer | undefined;
  at: number;
  count: number;
}

export class ControlConnection {
  readonly options: ControlOptions;
  socket: Socket;
  /** Set once the control connection is TLS. */
  tlsSocket: TLSSocket | undefined;
  peer: PeerInfo | undefined;
  readonly sessions: SessionBox = { session: undefined, at: 0, count: 0 };
  /** The address the control connection really goes to: data connections use it, never a PASV address. */
  remoteAddress = '';
  private reader = new ReplyReader();
  private decoder = new StringDecoder('utf8');
  private queue: FtpReply[] = [];
  private waiter: Waiter | undefined;
  private closed: Error | undefined;
  private readonly onData = (chunk: Buffer): void => this.handleData(chunk);

  private constructor(options: ControlOptions, socket: Socket) {
    this.options = options;
    this.socket = socket;
  }

  /** TCP (or implicit TLS) connect and the 220 banner. */
  static async open(options: ControlOptions): Promise<{ control: ControlConnection; banner: FtpReply }> {
    const { host, port } = options;
    let socket: Socket;
    let tlsSocket: TLSSocket | undefined;
    if (options.implicitTls) {
      if (options.tls === undefined) throw new FtpTlsError('implicit FTPS needs TLS settings');
      tlsSocket = tlsConnect({ ...tlsConnectOptions(host, options.tls), port });
      socket = tlsSocket;
    } else {
      socket = netConnect({ host, port });
    }
    const control = new ControlConnection(options, socket);
    if (tlsSocket !== undefined) control.watchSessions(tlsSocket); // same tick as tls.connect
    try {
      await control.awaitConnect(tlsSocket !== undefined ? 'secureConnect' : 'connect');
      control.remoteAddress = socket.remoteAddress ?? host;
      if (tlsSocket !== undefined) control.acceptTls(tlsSocket);
      control.attach(socket);
      const banner =
        tlsSocket !== undefined
          ? await control.read()
          : await control.read(Math.min(options.replyTimeoutMs, BANNER_MS)).catch((err: unknown) => {
              // A plain connection to an implicit-TLS port: the server waits for our TLS hello and says
              // nothing, forever. A real FTP server greets at once (RFC 959: 220 on connect).
              if (err instanceof FtpTimeoutError) {
                throw new FtpError(
                  `${host}:${port} sent no FTP greeting within ${Math.min(options.replyTimeoutMs, BANNER_MS) / 1000} s: ` +
                    'this port speaks implicit TLS: use `tls: implicit` (an ftps:// URL, usually port 990)',
                  false,
                  { cause: err },
                );
              }
              throw err;
            });
      if (banner.code !== 220) {
        throw new FtpReplyError('connect', banner.code, banner.message);
      }
      return { control, banner };
    } catch (err) {
      control.destroy();
      throw err;
    }
  }

  /** After a 234 to AUTH TLS: the plain socket is handed to TLS; nothing buffered is lost (the server waits). */
  async upgradeToTls(): Promise<void> {
    const settings = this.options.tls;
    if (settings === undefined) throw new FtpTlsError('no TLS settings');
    const raw = this.socket;
    raw.off('data', this.onData);
    const tlsSocket = tlsConnect({ ...tlsConnectOptions(this.options.host, settings), socket: raw });
    this.watchSessions(tlsSocket); // same tick as tls.connect: never miss the first session
    this.socket = tlsSocket;
    await this.awaitConnect('secureConnect');
    this.acceptTls(tlsSocket);
    this.attach(tlsSocket);
  }

  private watchSessions(tlsSocket: TLSSocket): void {
    this.tlsSocket = tlsSocket;
    tlsSocket.on('session', (session: Buffer) => {
      this.sessions.session = session;
      this.sessions.at = Date.now();
      this.sessions.count += 1;
      this.options.log.debug(`control: TLS session #${this.sessions.count} received`);
    });
  }

  private acceptTls(tlsSocket: TLSSocket): void {
    const settings = this.options.tls!;
    const p = describePeer(tlsSocket);
    this.peer = verifyControlPeer(tlsSocket, p, this.options.host, settings);
    this.options.log.debug(
      `control: ${p.protocol} ${p.cipher}, certificate sha256 ${p.fingerprint256}, session reused: ${String(p.reused)}`,
    );
  }

  private awaitConnect(event: 'connect' | 'secureConnect'): Promise<void> {
    const socket = this.socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        socket.destroy();
        reject(
          new FtpTimeoutError(
            `could not connect to ${this.options.host}:${this.options.port} within ${this.options.connectTimeoutMs / 1000} s` +
              (event === 'secureConnect'
                ? ' (TLS handshake did not finish; is the port/TLS mode right?)'
                : ''),
          ),
        );
      }, this.options.connectTimeoutMs);
      const onOk = (): void => {
        cleanup();
        resolve();
      };
      const onErr = (err: Error): void => {
        cleanup();
        reject(wrapSocketError(err, this.options.host, this.options.port, event === 'secureConnect'));
      };
      const onClose = (): void => {
        cleanup();
        reject(
          new FtpConnectionError(
            `${this.options.host}:${this.options.port} closed the connection during ${event === 'secureConnect' ? 'the TLS handshake' : 'connect'}`,
          ),
        );
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off(event, onOk);
        socket.off('error', onErr);
        socket.off('close', onClose);
      };
      socket.once(event, onOk);
      socket.once('error', onErr);
      socket.once('close', onClose);
    });
  }

  private attach(socket: Socket): void {
    socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', (err) => this.fail(wrapSocketError(err, this.options.host, this.options.port, false)));
    socket.on('close', () => {
      const last = this.queue.at(-1);
      this.fail(
        new FtpConnectionError(
          `the server closed the control connection${last ? ` (last reply: ${last.code} ${last.message})` : ''}`,
        ),
      );
    });
  }

  private handleData(chunk: Buffer): void {
    let replies: FtpReply[];
    try {
      replies = this.reader.push(this.decoder.write(chunk));
    } catch (err) {
      this.fail(
        new FtpConnectionError(`protocol error on the control connection: ${(err as Error).message}`, {
          cause: err,
        }),
      );
      this.destroy();
      return;
    }
    for (const reply of replies) {
      this.options.log.debug(`< ${reply.lines.join('\n< ')}`);
      const w = this.waiter;
      if (w !== undefined) {
        this.waiter = undefined;
        if (w.timer !== undefined) clearTimeout(w.timer);
        w.resolve(reply);
      } else {
        this.queue.push(reply);
      }
    }
  }

  private fail(err: Error): void {
    if (this.closed !== undefined) return;
    this.closed = err;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.reject(err);
    }
  }

  get isClosed(): boolean {
    return this.closed !== undefined;
  }

  /** Sends one command line (no reply awaited). Stale replies left in the queue are dropped first. */
  send(verb: string, arg?: string): void {
    if (this.closed !== undefined) throw this.closed;
    if (this.queue.length > 0) {
      const stale = this.queue.splice(0);
      const gone = stale.find((r) => r.code === 421);
      if (gone !== undefined) {
        this.fail(new FtpConnectionError(`the server ended the session: 421 ${gone.message}`));
        throw this.closed!;
      }
      this.options.log.debug(
        `control: dropping ${stale.length} stale repl${stale.length === 1 ? 'y' : 'ies'}`,
      );
    }
    const line = formatCommand(verb, arg);
    this.options.log.debug(`> ${redactCommand(verb, arg)}`);
    this.socket.write(line);
  }

  /**
   * The next reply. `timeoutMs` undefined uses the reply timeout; 0 waits forever (used during a data
   * transfer, where the data socket's inactivity timer is the one that counts).
   */
  read(timeoutMs?: number): Promise<FtpReply> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed !== undefined) return Promise.reject(this.closed);
    if (this.waiter !== undefined)
      return Promise.reject(new FtpError('two readers on one control connection', false));
    const ms = timeoutMs ?? this.options.replyTimeoutMs;
    return new Promise<FtpReply>((resolve, reject) => {
      const timer =
        ms > 0
          ? setTimeout(() => {
              this.waiter = undefined;
              const err = new FtpTimeoutError(
                `no reply from ${this.options.host} within ${ms / 1000} s: the control connection looks dead`,
              );
              this.fail(err);
              this.destroy();
              reject(err);
            }, ms)
          : undefined;
      this.waiter = { resolve, reject, timer };
    });
  }

  /** Cancels a pending read (used when a transfer fails on the data side first). */
  cancelRead(): void {
    const w = this.waiter;
    if (w === undefined) return;
    this.waiter = undefined;
    if (w.timer !== undefined) clearTimeout(w.timer);
    w.reject(new FtpError('read cancelled', false));
  }

  /** Sends a command and returns its final (non-1xx) reply. */
  async request(verb: string, arg?: string, timeoutMs?: number): Promise<FtpReply> {
    this.send(verb, arg);
    for (;;) {
      const reply = await this.read(timeoutMs);
      if (reply.code >= 200) return reply;
    }
  }

  /** Like request, but a reply outside `expected` (a code or list of codes/classes like 2) throws. */
  async expect(
    verb: string,
    arg: string | undefined,
    expected: (reply: FtpReply) => boolean,
    timeoutMs?: number,
  ): Promise<FtpReply> {
    const reply = await this.request(verb, arg, timeoutMs);
    if (!expected(reply)) throw new FtpReplyError(verb, reply.code, reply.message);
    return reply;
  }

  /** Polite close: QUIT, then end the socket; never waits long. */
  async quit(): Promise<void> {
    if (this.closed === undefined) {
      try {
        this.send('QUIT');
        await this.read(2000);
      } catch {
        // closing anyway
      }
    }
    this.destroy();
  }

  destroy(): void {
    this.fail(new FtpConnectionError('control connection closed'));
    this.socket.destroy();
  }
}

export function wrapSocketError(err: Error, host: string, port: number, duringTls: boolean): FtpError {
  if (err instanceof FtpError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (
    /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL/i.test(code) ||
    /wrong version number/i.test(err.message)
  ) {
    // The TLS hello got a plain-text answer (the 220 greeting): the port speaks explicit FTPS.
    return new FtpTlsError(
      `TLS with ${host}:${port} failed (${code || err.message}): this port speaks plain FTP first (explicit FTPS, AUTH TLS): use \`tls: explicit\` (an ftpes:// URL, usually port 21)`,
      undefined,
      { cause: err },
    );
  }
  if (duringTls || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    return new FtpTlsError(`TLS with ${host}:${port} failed: ${err.message}`, undefined, {
      cause: err,
      transient: code === 'ECONNRESET',
    });
  }
  const hint =
    code === 'ECONNREFUSED'
      ? ' (nothing listens there: check host and port, and for implicit FTPS port 990)'
      : code === 'ENOTFOUND'
        ? ' (the host name does not resolve)'
        : '';
  // A name that does not resolve or a port nobody listens on will not change in a minute: permanent.
  return new FtpConnectionError(`connection to ${host}:${port} failed: ${code || err.message}${hint}`, {
    cause: err,
    transient: code !== 'ENOTFOUND' && code !== 'ECONNREFUSED',
  });
}
