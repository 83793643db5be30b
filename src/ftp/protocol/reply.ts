/**
 * RFC 959 §4.2 reply framing. Incremental: text arrives in arbitrary chunks, complete replies come out,
 * the unfinished tail is kept. The caller decodes bytes to text (a StringDecoder keeps UTF-8 sequences
 * that straddle chunks intact); everything here works on strings.
 */
import { FtpProtocolError, excerpt } from './errors.ts';

export interface FtpReply {
  /** The three-digit reply code, 100..599. */
  readonly code: number;
  /** The raw lines of the reply, without line terminators. */
  readonly lines: readonly string[];
  /** The text: `NNN-`/`NNN ` removed from the first and the last line, lines joined with '\n'. */
  readonly message: string;
}

/** Default cap on one reply (basic-ftp 5.3.1, GHSA-rpmf-866q-6p89, uses the same 64 KiB). */
export const DEFAULT_MAX_REPLY_CHARS = 65536;

// A reply starts with a code whose first digit is 1..5 (RFC 959 §4.2.1; the 6yz replies of RFC 2228 only
// appear with protected commands, which this client never sends), then a space, a '-' or the end of line.
const REPLY_START = /^([1-5]\d\d)([ -]|$)/;

/**
 * The framing state machine shared by parseReplies and ReplyReader. It only scans text it has not seen,
 * so feeding a long reply one character at a time stays linear.
 */
class Framer {
  readonly #max: number;
  /** The incomplete last line (no '\n' yet). */
  #partial = '';
  /** Raw text (with terminators) of the complete lines of the pending multi-line reply. */
  #pendingRaw = '';
  /** Lines of the pending multi-line reply. */
  #lines: string[] = [];
  /** Code of the pending multi-line reply, as its three characters; undefined when between replies. */
  #code: string | undefined;

  constructor(maxReplyChars: number) {
    if (!Number.isSafeInteger(maxReplyChars) || maxReplyChars < 1) {
      throw new RangeError(`maxReplyChars must be a positive integer, got ${maxReplyChars}`);
    }
    this.#max = maxReplyChars;
  }

  /** The text not yet part of a complete reply, exactly as it arrived. */
  get rest(): string {
    return this.#pendingRaw + this.#partial;
  }

  feed(text: string): FtpReply[] {
    const replies: FtpReply[] = [];
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      const raw = this.#partial + text.slice(from, nl + 1);
      this.#partial = '';
      from = nl + 1;
      this.#line(raw, replies);
    }
    this.#partial += text.slice(from);
    this.#checkSize(this.#pendingRaw.length + this.#partial.length);
    return replies;
  }

  #line(raw: string, out: FtpReply[]): void {
    const line = raw.endsWith('\r\n') ? raw.slice(0, -2) : raw.slice(0, -1);
    const code = this.#code;
    if (code === undefined) {
      const m = REPLY_START.exec(line);
      if (!m) {
        throw new FtpProtocolError(`Server sent a line that is not an FTP reply: ${excerpt(line)}`);
      }
      this.#checkSize(raw.length);
      const digits = m[1] as string;
      if (m[2] === '-') {
        this.#code = digits;
        this.#lines = [line];
        this.#pendingRaw = raw;
      } else {
        out.push(makeReply(Number(digits), [line]));
      }
      return;
    }
    // Inside a multi-line reply anything goes until `NNN ` or a bare `NNN` with the opening code.
    this.#lines.push(line);
    this.#pendingRaw += raw;
    this.#checkSize(this.#pendingRaw.length);
    if (line === code || line.startsWith(`${code} `)) {
      out.push(makeReply(Number(code), this.#lines));
      this.#code = undefined;
      this.#lines = [];
      this.#pendingRaw = '';
    }
  }

  #checkSize(chars: number): void {
    if (chars > this.#max) {
      const what = this.#code === undefined ? 'a reply' : `reply ${this.#code}`;
      throw new FtpProtocolError(
        `Server sent ${what} longer than ${this.#max} characters without finishing it`,
      );
    }
  }
}

function makeReply(code: number, lines: string[]): FtpReply {
  const texts = lines.map((l, i) => (i === 0 || i === lines.length - 1 ? l.slice(4) : l));
  return { code, lines, message: texts.join('\n') };
}

/**
 * Splits `buffer` into complete replies and the unfinished remainder. Accepts CRLF and bare LF line ends.
 * Throws FtpProtocolError on a line outside a multi-line reply that does not start with a reply code, and
 * on a reply (complete or pending) longer than `maxReplyChars` characters.
 */
export function parseReplies(
  buffer: string,
  maxReplyChars = DEFAULT_MAX_REPLY_CHARS,
): { replies: FtpReply[]; rest: string } {
  const framer = new Framer(maxReplyChars);
  const replies = framer.feed(buffer);
  return { replies, rest: framer.rest };
}

/**
 * parseReplies with the remainder kept between calls: push each decoded chunk of the control connection,
 * get the replies it completed. After it throws, the stream is out of sync: close the connection.
 */
export class ReplyReader {
  readonly #framer: Framer;

  constructor(maxReplyChars = DEFAULT_MAX_REPLY_CHARS) {
    this.#framer = new Framer(maxReplyChars);
  }

  push(text: string): FtpReply[] {
    return this.#framer.feed(text);
  }

  /** Text received but not yet part of a complete reply ('' when the server is between replies). */
  get rest(): string {
    return this.#framer.rest;
  }
}

export type ReplyClass = 1 | 2 | 3 | 4 | 5;

/** The first digit of a reply code (RFC 959 §4.2.1). Throws FtpProtocolError outside 100..599. */
export function replyClass(code: number): ReplyClass {
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    throw new FtpProtocolError(`Not an FTP reply code: ${code}`);
  }
  return Math.floor(code / 100) as ReplyClass;
}

/** 1yz: the command started; expect another reply. */
export const isPreliminary = (c: number): boolean => c >= 100 && c <= 199;
/** 2yz: the command succeeded. */
export const isCompletion = (c: number): boolean => c >= 200 && c <= 299;
/** 3yz: accepted so far; the server waits for the next command (USER → PASS, RNFR → RNTO, REST). */
export const isIntermediate = (c: number): boolean => c >= 300 && c <= 399;
/** 4yz: failed this time; the same command may succeed later. */
export const isTransientNegative = (c: number): boolean => c >= 400 && c <= 499;
/** 5yz: failed; repeating the same command will fail again. */
export const isPermanentNegative = (c: number): boolean => c >= 500 && c <= 599;
