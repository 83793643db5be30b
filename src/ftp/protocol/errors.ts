/** Errors raised by the pure FTP codec. */

/**
 * The server broke the protocol: a line that is not a reply, an over-long reply, a reply text that does not
 * have the shape its command promises (PASV, SIZE, MDTM, HASH, MLSD…). The connection that produced it can
 * no longer be trusted; the caller closes it.
 */
export class FtpProtocolError extends Error {
  override name = 'FtpProtocolError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The caller asked us to send something that cannot be sent safely: a CR, LF or NUL in a command or its
 * argument (it would let a path inject a second command, basic-ftp GHSA-chqc-8p9q-pq6q), or a malformed
 * verb. Nothing was sent; the connection is still usable.
 */
export class InvalidArgumentError extends Error {
  override name = 'InvalidArgumentError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A short, printable excerpt of server text for error messages (control characters escaped, capped). */
export function excerpt(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
