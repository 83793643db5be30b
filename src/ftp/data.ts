/**
 * Data connections: EPSV first, PASV as fallback (remembered per server), always to the control
 * connection's peer address (a PASV address is never trusted), TLS resuming the control connection's
 * newest session with the control's exact identity, and the same certificate as the control connection.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { parseEpsvReply, parsePasvReply, isPrivateOrUnroutable } from './protocol/index.ts';
import { FtpConnectionError, FtpReplyError, FtpTimeoutError, FtpTlsError } from './errors.ts';
import { KEEPALIVE_MS, type ControlConnection, wrapSocketError } from './control.ts';
import { describePeer, tlsConnectOptions } from './tls.ts';
import type { ServerState } from './state.ts';

export interface DataConnection {
  /** TCP connected; for TLS the handshake has started (its outcome comes from `secure`). */
  socket: Socket;
  tlsSocket: TLSSocket | undefined;
  /** Resolves once the data connection is ready for I/O (TLS verified), rejects on handshake failure. */
  secure: Promise<void>;
}

export async function passiveAddress(
  control: ControlConnection,
  state: ServerState,
): Promise<{ host: string; port: number; mode: 'EPSV' | 'PASV' }> {
  const log = control.options.log;
  if (state.passiveMode !== 'PASV') {
    const reply = await control.request('EPSV');
    if (reply.code === 229) {
      state.passiveMode = 'EPSV';
      return { host: control.remoteAddress, port: parseEpsvReply(reply.message), mode: 'EPSV' };
    }
    if (reply.code === 421) throw new FtpReplyError('EPSV', reply.code, reply.message);
    log.debug(`EPSV refused (${reply.code}); using PASV from now on`);
    state.passiveMode = 'PASV';
  }
  const reply = await control.request('PASV');
  if (reply.code !== 227) throw new FtpReplyError('PASV', reply.code, reply.message);
  const addr = parsePasvReply(reply.message);
  if (addr.host !== control.remoteAddress) {
    log.debug(
      `PASV reply names ${addr.host}${isPrivateOrUnroutable(addr.host) ? ' (private/unroutable)' : ''}; ` +
        `connecting to the control peer ${control.remoteAddress} instead`,
    );
  }
  return { host: control.remoteAddress, port: addr.port, mode: 'PASV' };
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new FtpTimeoutError(
          `data connection to ${host}:${port} not established within ${timeoutMs / 1000} s`,
        ),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(wrapSocketError(err, host, port, false));
    });
  });
}

/**
 * Opens the data connection. Connection failures to an EPSV port make the server fall back to PASV
 * (a firewall may block what FEAT claims works).
 */
export async function openDataConnection(
  control: ControlConnection,
  state: ServerState,
): Promise<DataConnection> {
  let addr = await passiveAddress(control, state);
  let socket: Socket;
  try {
    socket = await tcpConnect(addr.host, addr.port, control.options.connectTimeoutMs);
  } catch (err) {
    if (addr.mode !== 'EPSV') throw err;
    control.options.log.debug(`EPSV data connection failed (${(err as Error).message}); trying PASV`);
    state.passiveMode = 'PASV';
    addr = await passiveAddress(control, state);
    socket = await tcpConnect(addr.host, addr.port, control.options.connectTimeoutMs);
  }
  socket.setKeepAlive(true, KEEPALIVE_MS);
  const settings = control.options.tls;
  if (settings === undefined || control.tlsSocket === undefined) {
    return { socket, tlsSocket: undefined, secure: Promise.resolve() };
  }
  // The newest control session; never one from a data socket (a renegotiated TLS 1.2 data session is
  // not the control session and the server answers 425).
  const session = control.sessions.session ?? control.tlsSocket.getSession();
  const tlsSocket = tlsConnect({ ...tlsConnectOptions(control.options.host, settings), socket, session });
  const secure = new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      tlsSocket.off('secureConnect', onSecure);
      reject(
        new FtpTlsError(`TLS handshake on the data connection failed: ${err.message}`, undefined, {
          cause: err,
          transient: true,
        }),
      );
    };
    const onSecure = (): void => {
      tlsSocket.off('error', onError);
      const peer = describePeer(tlsSocket);
      // A resumed session carries no certificate (it is the control connection's, already verified: only
      // that server holds its keys). A full handshake must show the control connection's certificate.
      const want = control.peer?.fingerprint256;
      if (!peer.reused && want !== undefined && peer.fingerprint256 !== want) {
        tlsSocket.destroy();
        reject(
          new FtpTlsError(
            `the data connection presented certificate ${peer.fingerprint256}, not the control connection's ${want}`,
            peer.fingerprint256,
          ),
        );
        return;
      }
      state.lastDataTls = { protocol: peer.protocol, cipher: peer.cipher, reused: peer.reused };
      control.options.log.debug(
        `data: ${peer.protocol} ${peer.cipher}, session reused: ${String(peer.reused)}, certificate sha256 ${peer.fingerprint256}`,
      );
      if (peer.reused) {
        state.resumesTls = true;
      } else if (state.resumesTls === true) {
        // FileZilla's rule: a server that resumed before and now doesn't will likely refuse (425/522).
        tlsSocket.destroy();
        reject(
          new FtpTlsError(
            'the data connection did not resume the TLS session although this server did before',
            undefined,
            {
              transient: true,
            },
          ),
        );
        return;
      } else if (state.resumesTls === undefined) {
        state.resumesTls = false;
        control.options.log.info('this server does not resume TLS sessions on data connections (accepted)');
      }
      resolve();
    };
    tlsSocket.once('secureConnect', onSecure);
    tlsSocket.once('error', onError);
    tlsSocket.once('close', () =>
      onError(new FtpConnectionError('closed by the server during the handshake')),
    );
  });
  // Avoid an unhandled rejection when the caller fails earlier (for example on a negative reply).
  secure.catch(() => {});
  return { socket: tlsSocket, tlsSocket, secure };
}
