/**
 * One data transfer over an open session. A transfer is complete only when the data side finished (for
 * uploads: end() sent close_notify and the socket closed; for downloads: EOF) AND the final 2xx reply
 * arrived, in either order. The control connection is read throughout, so an early 4xx/5xx (552 disk
 * full, 451, 426) stops the transfer at once. Timeouts: data inactivity while bytes flow, then the final
 * reply timeout.
 */
import type { Readable } from 'node:stream';
import type { FtpReply } from './protocol/index.ts';
import { FtpConnectionError, FtpError, FtpReplyError, FtpTimeoutError } from './errors.ts';
import type { ControlConnection } from './control.ts';
import { openDataConnection, type DataConnection } from './data.ts';
import type { ServerState } from './state.ts';

/** Bytes an upload may queue on the data socket before it waits for 'drain'. */
const IN_FLIGHT = 1024 * 1024;

export interface TransferTimeouts {
  dataMs: number;
  finalReplyMs: number;
}

export interface UploadProgress {
  (bytesThisTransfer: number): void;
}

/** Thrown when the server refused the transfer command before any data moved (e.g. 451 on REST/APPE). */
export class TransferRefusedError extends FtpReplyError {
  override name = 'TransferRefusedError';
}

/**
 * Sends the transfer command and waits for both its 1xx and the data TLS handshake. A 425/522 or a
 * handshake failure is reported as the server's reply when the server explains it.
 */
async function startTransfer(
  control: ControlConnection,
  state: ServerState,
  verb: string,
  path: string,
): Promise<DataConnection> {
  const data = await openDataConnection(control, state);
  try {
    control.send(verb, path);
    const first = await control.read();
    if (first.code >= 200) {
      throw new TransferRefusedError(verb, first.code, first.message);
    }
    try {
      await data.secure;
    } catch (err) {
      // The server usually says why (425 "did not reuse TLS session", 522 "session reuse required").
      const why = await control.read(5000).catch(() => undefined);
      if (why !== undefined && why.code >= 400) {
        throw new FtpReplyError(verb, why.code, why.message, { cause: err });
      }
      throw err;
    }
    return data;
  } catch (err) {
    data.socket.destroy();
    throw err;
  }
}

function checkFinal(verb: string, reply: FtpReply): void {
  if (reply.code < 200 || reply.code >= 300) throw new FtpReplyError(verb, reply.code, reply.message);
}

/**
 * Uploads `source` with STOR or APPE. Resolves with the number of bytes written. `onChunk` sees every
 * chunk as it is written (hashing, progress); `onWritten` gets each chunk back once the socket has taken
 * it (encrypted and handed on), so its memory can be reused.
 */
export async function upload(
  control: ControlConnection,
  state: ServerState,
  verb: 'STOR' | 'APPE',
  path: string,
  source: Readable,
  timeouts: TransferTimeouts,
  onChunk?: (chunk: Buffer) => void,
  onWritten?: (chunk: Buffer) => void,
): Promise<number> {
  let data: DataConnection;
  try {
    data = await startTransfer(control, state, verb, path);
  } catch (err) {
    source.destroy();
    throw err;
  }
  const socket = data.socket;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let rejectFailed: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => {});
  const fail = (err: Error): void => {
    if (failure === undefined) {
      failure = err;
      rejectFailed(err);
    }
    wake?.();
  };
  let bytes = 0;
  let ended = false;
  let finalReply: FtpReply | undefined;
  // Read the control connection during the whole upload (no timeout here: the data timer counts).
  const finalP = control.read(0).then(
    (reply) => {
      finalReply = reply;
      if (reply.code >= 300) fail(new FtpReplyError(verb, reply.code, reply.message));
      wake?.();
      return reply;
    },
    (err: Error) => {
      fail(err);
      throw err;
    },
  );
  finalP.catch(() => {});
  socket.setTimeout(timeouts.dataMs, () =>
    fail(new FtpTimeoutError(`no progress on the data connection for ${timeouts.dataMs / 1000} s`)),
  );
  socket.on('error', (err) =>
    fail(new FtpConnectionError(`data connection failed: ${err.message}`, { cause: err })),
  );
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.once('close', () => {
    if (!ended) fail(new FtpConnectionError('the server closed the data connection during the upload'));
  });
  // Consume anything the server sends on the data socket (tickets, KeyUpdate) so the kernel never RSTs.
  socket.resume();
  const waitForDrain = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        wake = undefined;
        resolve();
      };
      wake = done;
      socket.once('drain', done);
    });
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (failure !== undefined) break;
      if (finalReply !== undefined) {
        // A final reply while we still send: the server stopped reading. A 2xx here is what ProFTPD says
        // when the data connection was closed cleanly (FIN) in the middle: a drop, resumable like any other.
        fail(
          finalReply.code < 300
            ? new FtpConnectionError(
                `the data connection was closed during the upload after ${bytes} bytes (the server replied ${finalReply.code} early)`,
              )
            : new FtpReplyError(verb, finalReply.code, `${finalReply.message} (before the upload finished)`),
        );
        break;
      }
      onChunk?.(chunk);
      bytes += chunk.length;
      if (onWritten === undefined) socket.write(chunk);
      else socket.write(chunk, (err) => err == null && onWritten(chunk));
      // Up to IN_FLIGHT bytes queued on the socket keep the pipe full while the source reads ahead;
      // back-pressure beyond that (drain is due: the write returned false above the high-water mark).
      if (socket.writableLength > IN_FLIGHT) await waitForDrain();
    }
  } catch (err) {
    fail(err instanceof Error ? err : new Error(String(err)));
  }
  if (failure !== undefined) {
    source.destroy();
    socket.destroy();
    // Collect the server's explanation if it is on its way (552, 426, 451…).
    const reply = finalReply ?? (await Promise.race([finalP.catch(() => undefined), delay(3000)]));
    control.cancelRead();
    if (reply !== undefined && reply.code >= 400 && !(failure instanceof FtpReplyError)) {
      throw new FtpReplyError(verb, reply.code, reply.message, { cause: failure });
    }
    throw failure;
  }
  // Clean TLS close: close_notify + FIN, keep reading, wait for the server to close.
  ended = true;
  socket.end();
  await withTimeout(
    Promise.race([closed, failed]),
    timeouts.finalReplyMs,
    () => new FtpTimeoutError('the data connection did not close after the upload'),
  );
  const reply = await withTimeout(finalP, timeouts.finalReplyMs, () => {
    control.cancelRead();
    control.destroy();
    return new FtpTimeoutError(
      `no final reply within ${timeouts.finalReplyMs / 1000} s after the upload: the control connection looks dead`,
    );
  });
  checkFinal(verb, reply);
  return bytes;
}

/** Downloads with RETR (REST first when offset > 0) into `sink`; resolves with the bytes received. */
export async function download(
  control: ControlConnection,
  state: ServerState,
  path: string,
  sink: (chunk: Buffer) => void | Promise<void>,
  timeouts: TransferTimeouts,
  offset = 0,
  verb = 'RETR',
): Promise<number> {
  if (offset > 0) {
    const rest = await control.request('REST', String(offset));
    if (rest.code !== 350) throw new FtpReplyError('REST', rest.code, rest.message);
  }
  const data = await startTransfer(control, state, verb, path);
  const socket = data.socket;
  let bytes = 0;
  let failure: Error | undefined;
  const finalP = control.read(0);
  finalP.catch(() => {});
  socket.setTimeout(timeouts.dataMs, () => {
    failure ??= new FtpTimeoutError(`no data for ${timeouts.dataMs / 1000} s`);
    socket.destroy(failure);
  });
  const earlyError = finalP.then((r) => {
    if (r.code >= 300) {
      failure ??= new FtpReplyError(verb, r.code, r.message);
      socket.destroy();
    }
  });
  earlyError.catch(() => {});
  try {
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      await sink(chunk);
    }
  } catch (err) {
    failure ??=
      err instanceof FtpError
        ? err
        : new FtpConnectionError(`data connection failed: ${(err as Error).message}`, { cause: err });
  }
  if (failure !== undefined) {
    socket.destroy();
    const reply = await Promise.race([finalP.catch(() => undefined), delay(3000)]);
    control.cancelRead();
    // (a permanent failure of ours, such as a sink refusing bytes past a limit, stays the error: the
    // server's 426 for the aborted transfer would hide it)
    const ours = failure instanceof FtpError && !failure.transient;
    if (reply !== undefined && reply.code >= 400 && !(failure instanceof FtpReplyError) && !ours) {
      throw new FtpReplyError(verb, reply.code, reply.message, { cause: failure });
    }
    throw failure;
  }
  const reply = await withTimeout(finalP, timeouts.finalReplyMs, () => {
    control.cancelRead();
    control.destroy();
    return new FtpTimeoutError(`no final reply within ${timeouts.finalReplyMs / 1000} s after the download`);
  });
  checkFinal(verb, reply);
  return bytes;
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
