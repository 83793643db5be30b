/**
 * Values carried in reply texts: SIZE and MDTM (RFC 3659 §4, §3), HASH (draft-bryan-ftp-hash §4), the
 * non-standard X* digest commands (ProFTPD mod_digest, Serv-U, others) and PWD (RFC 959 Appendix II).
 * Each takes the `message` of a reply (see reply.ts) and throws FtpProtocolError when it has another shape.
 */
import { FtpProtocolError, excerpt } from './errors.ts';
import { fractionMillis, utcMillis } from './time.ts';

/** The last line of a message: a preamble such as `213-Computing SHA-256 digest` comes before the value. */
function lastLine(message: string): string {
  const lines = message.split('\n');
  return lines[lines.length - 1] ?? '';
}

/** The size in bytes of a 213 reply to SIZE. */
export function parseSizeReply(message: string): number {
  const text = lastLine(message).trim();
  const size = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(size)) {
    throw new FtpProtocolError(`SIZE reply is not a byte count: ${excerpt(message)}`);
  }
  return size;
}

type Six = [number, number, number, number, number, number];

const TIME_VAL = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d+))?$/;

/**
 * An RFC 3659 §2.3 time-val, `YYYYMMDDHHMMSS[.sss]`, always UTC (also the MLSD `modify` fact).
 * Throws FtpProtocolError when it is malformed or names no real time.
 */
export function parseTimeVal(text: string): Date {
  const m = TIME_VAL.exec(text);
  if (m) {
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as Six;
    const ms = utcMillis(year, month, day, hour, minute, second, fractionMillis(m[7]));
    if (ms !== undefined) {
      return new Date(ms);
    }
  }
  throw new FtpProtocolError(`Not a YYYYMMDDHHMMSS[.sss] time: ${excerpt(text)}`);
}

/** The modification time (UTC) of a 213 reply to MDTM, e.g. `20261122101500` or `20261122101500.250`. */
export function parseMdtmReply(message: string): Date {
  return parseTimeVal(lastLine(message).trim());
}

// Hex length of the algorithms whose digest size is fixed; CRC32 is left out because some servers drop
// its leading zeros.
const HEX_LENGTH: Readonly<Record<string, number>> = {
  MD5: 32,
  'SHA-1': 40,
  'SHA-224': 56,
  'SHA-256': 64,
  'SHA-384': 96,
  'SHA-512': 128,
};

// `<algorithm> <start>-<end> <hex> <path>`; the path is everything after the fourth space, spaces included.
const HASH = /^(\S+) (\d+)-(\d+) ([0-9A-Fa-f]+)(?: (.*))?$/;

/**
 * A 213 reply to HASH, e.g. `SHA-256 0-1048583 8d2f…  backups/a b.tar` (the last line of the message; a
 * `213-Computing …` line may come first). `algorithm` is upper-cased, `hex` lower-cased. ProFTPD sends
 * `end` as the file size, so the range is reported as sent, not reinterpreted.
 */
export function parseHashReply(message: string): {
  algorithm: string;
  start: number;
  end: number;
  hex: string;
  path: string;
} {
  const m = HASH.exec(lastLine(message).trimStart());
  if (!m) {
    throw new FtpProtocolError(
      `HASH reply is not "<algorithm> <start>-<end> <hex> <path>": ${excerpt(message)}`,
    );
  }
  const algorithm = (m[1] as string).toUpperCase();
  const start = Number(m[2]);
  const end = Number(m[3]);
  const hex = (m[4] as string).toLowerCase();
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start > end) {
    throw new FtpProtocolError(`HASH reply has an invalid byte range: ${excerpt(message)}`);
  }
  const expected = HEX_LENGTH[algorithm];
  if (expected !== undefined && hex.length !== expected) {
    throw new FtpProtocolError(
      `HASH reply has ${hex.length} hex digits for ${algorithm}, expected ${expected}: ${excerpt(message)}`,
    );
  }
  return { algorithm, start, end, hex, path: m[5] ?? '' };
}

/**
 * The digest in a reply to XCRC, XMD5, XSHA1, XSHA256 or XSHA512: the last whitespace-separated token of
 * the last line that is all hex and at least 8 digits long (so a short hex-looking file name after the
 * digest is not taken for it). ProFTPD sends `250 <UPPER-CASE HEX>` after a `250-Computing …` line.
 */
export function parseXHashReply(message: string): string {
  const tokens = lastLine(message).trim().split(/\s+/);
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i] as string;
    if (token.length >= 8 && /^[0-9A-Fa-f]+$/.test(token)) {
      return token.toLowerCase();
    }
  }
  throw new FtpProtocolError(`No hex digest in the reply ${excerpt(message)}`);
}

/**
 * The directory of a 257 reply to PWD (or MKD): the text between the first '"' and the next lone '"',
 * with each doubled `""` turned back into one quote (RFC 959 Appendix II).
 */
export function parsePwdReply(message: string): string {
  const open = message.indexOf('"');
  if (open === -1) {
    throw new FtpProtocolError(`No quoted path in the reply ${excerpt(message)}`);
  }
  let path = '';
  for (let i = open + 1; i < message.length; i++) {
    const ch = message[i] as string;
    if (ch !== '"') {
      path += ch;
    } else if (message[i + 1] === '"') {
      path += '"';
      i++;
    } else {
      return path;
    }
  }
  throw new FtpProtocolError(`Unterminated quoted path in the reply ${excerpt(message)}`);
}
