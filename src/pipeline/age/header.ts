/**
 * The age v1 header (C2SP age spec, "Header"): a version line, one or more recipient stanzas, and a MAC
 * line, all in ASCII with LF line ends:
 *
 *   age-encryption.org/v1
 *   -> X25519 <base64 share>
 *   <base64 body, 64 columns per line; the last line is shorter, possibly empty>
 *   --- <base64 HMAC-SHA256 of everything up to and including "---">
 *
 * Base64 is the standard alphabet without padding and must be canonical (no stray bits). parseHeader is
 * incremental and keeps the remainder (the payload's first bytes) like the FTP reply parser does.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AgeError } from './errors.ts';

export const VERSION_LINE = 'age-encryption.org/v1';
const STANZA_PREFIX = '-> ';
const MAC_PREFIX = '---';
const COLUMNS = 64;
/** A header longer than this is refused (thousands of recipients would still fit). */
export const MAX_HEADER_BYTES = 1024 * 1024;

export interface Stanza {
  type: string;
  args: string[];
  body: Buffer;
}

/** Canonical unpadded base64 (the only form age accepts). */
export function b64encode(b: Uint8Array): string {
  return Buffer.from(b).toString('base64').replace(/=+$/, '');
}

/** Decodes canonical unpadded base64; undefined for anything else (padding, bad characters, stray bits). */
export function b64decode(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*$/.test(s) || s.length % 4 === 1) return undefined;
  const b = Buffer.from(s, 'base64');
  return b64encode(b) === s ? b : undefined;
}

/** An argument: one or more printable ASCII characters (VCHAR), no spaces. */
const ARG = /^[\x21-\x7e]+$/;

function hmacKey(fileKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, Buffer.alloc(0), 'header', 32));
}

export function headerMac(fileKey: Uint8Array, macInput: Uint8Array): Buffer {
  return createHmac('sha256', hmacKey(fileKey)).update(macInput).digest();
}

/** The stanza lines, each ending in LF. */
function encodeStanza(s: Stanza): string {
  for (const a of [s.type, ...s.args]) {
    if (!ARG.test(a)) throw new TypeError(`age stanza argument ${JSON.stringify(a)} is not printable ASCII`);
  }
  const b64 = b64encode(s.body);
  let lines = `${STANZA_PREFIX}${[s.type, ...s.args].join(' ')}\n`;
  // Full 64-column lines, then always one shorter (possibly empty) final line.
  let i = 0;
  for (; i + COLUMNS <= b64.length; i += COLUMNS) lines += `${b64.slice(i, i + COLUMNS)}\n`;
  return `${lines}${b64.slice(i)}\n`;
}

/** The complete header, MAC line included, for `stanzas` under `fileKey`. */
export function encodeHeader(stanzas: readonly Stanza[], fileKey: Uint8Array): Buffer {
  if (stanzas.length === 0) throw new TypeError('an age header needs at least one recipient stanza');
  const macInput = Buffer.from(
    `${VERSION_LINE}\n${stanzas.map(encodeStanza).join('')}${MAC_PREFIX}`,
    'latin1',
  );
  return Buffer.concat([macInput, Buffer.from(` ${b64encode(headerMac(fileKey, macInput))}\n`, 'latin1')]);
}

export interface ParsedHeader {
  stanzas: Stanza[];
  mac: Buffer;
  /** The header bytes the MAC covers: everything up to and including "---". */
  macInput: Buffer;
}

export type HeaderParse = { done: false } | { done: true; header: ParsedHeader; rest: Buffer };

function bad(problem: string): AgeError {
  return new AgeError('bad-header', `not a valid age file: ${problem}`);
}

/**
 * Parses a header from the start of `buf`. `{ done: false }` means more bytes are needed; a malformed
 * header throws an AgeError ('bad-header'). The MAC is returned, not checked: that needs the file key.
 */
export function parseHeader(buf: Buffer): HeaderParse {
  let pos = 0;
  /** The next line without its LF, or undefined when it is not complete yet. */
  const line = (): string | undefined => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) return undefined;
    const text = buf.toString('latin1', pos, nl);
    pos = nl + 1;
    return text;
  };
  const version = line();
  if (version === undefined) {
    const head = buf.subarray(0, VERSION_LINE.length);
    if (!Buffer.from(VERSION_LINE).subarray(0, head.length).equals(head)) throw notAge(buf);
    return incomplete(buf);
  }
  if (version !== VERSION_LINE) throw notAge(buf);
  const stanzas: Stanza[] = [];
  for (;;) {
    const start = pos;
    const l = line();
    if (l === undefined) return incomplete(buf);
    if (l.startsWith(`${MAC_PREFIX} `) || l === MAC_PREFIX) {
      if (stanzas.length === 0) throw bad('the header has no recipient stanza');
      const mac = b64decode(l.slice(MAC_PREFIX.length + 1));
      if (mac?.length !== 32 || l[MAC_PREFIX.length] !== ' ') throw bad('the header MAC line is malformed');
      return {
        done: true,
        header: { stanzas, mac, macInput: buf.subarray(0, start + MAC_PREFIX.length) },
        rest: buf.subarray(pos),
      };
    }
    if (!l.startsWith(STANZA_PREFIX)) throw bad('expected a "-> " stanza or the "---" MAC line');
    const words = l.slice(STANZA_PREFIX.length).split(' ');
    if (words.some((w) => !ARG.test(w))) throw bad('a stanza has an empty or non-ASCII argument');
    const [type = '', ...args] = words;
    let b64 = '';
    for (;;) {
      const body = line();
      if (body === undefined) return incomplete(buf);
      if (body.length > COLUMNS) throw bad('a stanza body line is longer than 64 columns');
      b64 += body;
      if (body.length < COLUMNS) break;
    }
    const body = b64decode(b64);
    if (body === undefined) throw bad(`the body of a ${type} stanza is not canonical base64`);
    stanzas.push({ type, args, body });
  }
}

function incomplete(buf: Buffer): HeaderParse {
  if (buf.length > MAX_HEADER_BYTES) throw bad(`the header is longer than ${MAX_HEADER_BYTES} bytes`);
  return { done: false };
}

function notAge(buf: Buffer): AgeError {
  const armored = buf.subarray(0, 34).toString('latin1').startsWith('-----BEGIN AGE ENCRYPTED FILE-----');
  return armored
    ? bad('it is ASCII-armored (age -a); store it unarmored, or remove the armor with `age -d` first')
    : bad(`it does not start with "${VERSION_LINE}" (not encrypted, or encrypted with something else)`);
}

/** Checks the header MAC with the unwrapped file key; a mismatch means the header was altered. */
export function checkHeaderMac(header: ParsedHeader, fileKey: Uint8Array): void {
  if (!timingSafeEqual(headerMac(fileKey, header.macInput), header.mac)) {
    throw new AgeError(
      'bad-mac',
      'the age header MAC does not match: the file header was altered or damaged',
    );
  }
}
