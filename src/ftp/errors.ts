/**
 * Typed errors of the FTPS client. One place decides what is transient (worth a reconnect and retry) and
 * what is permanent (restic's IsPermanentError idea), so callers never sniff messages.
 *
 * - FtpReplyError: the server answered with a negative reply; the control connection stays usable.
 * - FtpConnectionError: a socket closed or failed; the client must reconnect.
 * - FtpTimeoutError: nothing arrived in time; the connection is treated as dead.
 * - FtpTlsError: a TLS handshake or certificate problem (never transient: retrying won't fix trust).
 * - FtpLoginError: 530/332 at login, with the checklist of likely causes.
 * - FtpLimitError: the server sent more than the caller expects (a download past its known size).
 */
export class FtpError extends Error {
  override name = 'FtpError';
  /** True when reconnecting and retrying may succeed. */
  readonly transient: boolean;
  constructor(message: string, transient: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.transient = transient;
  }
}

export class FtpReplyError extends FtpError {
  override name = 'FtpReplyError';
  readonly code: number;
  readonly command: string;
  readonly serverMessage: string;
  constructor(command: string, code: number, serverMessage: string, options?: { cause?: unknown }) {
    super(`${command}: server replied ${code} ${firstLine(serverMessage)}`, isTransientCode(code), options);
    this.code = code;
    this.command = command;
    this.serverMessage = serverMessage;
  }
}

/** The server sent more than the caller said to expect (never transient: it would send it again). */
export class FtpLimitError extends FtpError {
  override name = 'FtpLimitError';
  readonly limit: number;
  constructor(message: string, limit: number) {
    super(message, false);
    this.limit = limit;
  }
}

export class FtpConnectionError extends FtpError {
  override name = 'FtpConnectionError';
  /** Transient unless told otherwise (a host name that does not resolve, a refused connection). */
  constructor(message: string, options?: { cause?: unknown; transient?: boolean }) {
    super(message, options?.transient ?? true, options);
  }
}

export class FtpTimeoutError extends FtpError {
  override name = 'FtpTimeoutError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, true, options);
  }
}

export class FtpTlsError extends FtpError {
  override name = 'FtpTlsError';
  /** SHA-256 fingerprint of the server certificate, when one was seen. */
  readonly fingerprint256: string | undefined;
  constructor(message: string, fingerprint256?: string, options?: { cause?: unknown; transient?: boolean }) {
    super(message, options?.transient ?? false, options);
    this.fingerprint256 = fingerprint256;
  }
}

export class FtpLoginError extends FtpError {
  override name = 'FtpLoginError';
  readonly code: number;
  constructor(message: string, code: number) {
    super(message, false);
    this.code = code;
  }
}

/** An upload that the server accepted with 2xx but whose size or hash does not match what was sent. */
export class FtpVerificationError extends FtpError {
  override name = 'FtpVerificationError';
  readonly kind: 'size' | 'hash';
  constructor(kind: 'size' | 'hash', message: string) {
    super(message, true);
    this.kind = kind;
  }
}

/**
 * 4xx replies are transient by definition (RFC 959), except 452 (insufficient storage), which retrying in a
 * loop won't fix. 5xx are permanent, except none. 421 means the session is over: transient.
 */
export function isTransientCode(code: number): boolean {
  return code >= 400 && code < 500 && code !== 452;
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i === -1 ? s : s.slice(0, i);
}
