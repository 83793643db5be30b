/** The one error type of the age code. Messages never contain key material or passphrases. */

export type AgeErrorCode =
  /** The header is not a well-formed age v1 header. */
  | 'bad-header'
  /** The header MAC does not match: the header was changed. */
  | 'bad-mac'
  /** None of the identities (or the passphrase) opens any stanza. */
  | 'no-match'
  /** A payload chunk failed authentication: the data was changed or damaged. */
  | 'bad-payload'
  /** The payload ended before its final chunk. */
  | 'truncated'
  /** Bytes follow the final chunk. */
  | 'trailing-data'
  /** An identity, recipient or key file is not usable. */
  | 'bad-key';

export class AgeError extends Error {
  override name = 'AgeError';
  readonly code: AgeErrorCode;

  constructor(code: AgeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
