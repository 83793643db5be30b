/**
 * Command serialisation with the CR/LF/NUL guard (RFC 959 §5.3: a command is one line ending in CRLF).
 * A CR or LF in a path would end the command early and let the rest run as a second command (basic-ftp
 * GHSA-chqc-8p9q-pq6q, GHSA-6v7q-wjvx-w8wg; Python ftplib putline, curl REJECT_CTRL), so they are refused
 * here, in the one place every command goes through.
 */
import { InvalidArgumentError } from './errors.ts';

// Upper-case letters, then letters or digits: USER, PASV, MLSD, OPTS, SITE, and the X* hash commands
// (XSHA1, XSHA256, XSHA512) whose names carry digits.
const VERB = /^[A-Z][A-Z0-9]{2,7}$/;

const SECRET_VERBS: ReadonlySet<string> = new Set(['PASS', 'ACCT']);

const FORBIDDEN: readonly (readonly [string, string])[] = [
  ['\r', 'CR (\\r)'],
  ['\n', 'LF (\\n)'],
  ['\0', 'NUL (\\0)'],
];

function forbiddenIn(text: string): string | undefined {
  return FORBIDDEN.find(([ch]) => text.includes(ch))?.[1];
}

const isSecret = (verb: string): boolean => SECRET_VERBS.has(verb.toUpperCase());

/**
 * `"VERB arg\r\n"`, or `"VERB\r\n"` when `arg` is undefined (an empty string is sent as `"VERB \r\n"`).
 * Throws InvalidArgumentError for a verb that is not 3–8 upper-case letters/digits starting with a letter,
 * or a CR, LF or NUL anywhere; the message never quotes the argument of PASS or ACCT.
 */
export function formatCommand(verb: string, arg?: string): string {
  const badInVerb = forbiddenIn(verb);
  if (badInVerb !== undefined) {
    throw new InvalidArgumentError(`Refusing to send an FTP command: its verb contains ${badInVerb}`);
  }
  if (!VERB.test(verb)) {
    throw new InvalidArgumentError(`Not a valid FTP command verb: ${JSON.stringify(verb)}`);
  }
  if (arg === undefined) {
    return `${verb}\r\n`;
  }
  const badInArg = forbiddenIn(arg);
  if (badInArg !== undefined) {
    const shown = isSecret(verb) ? '' : ` ${JSON.stringify(arg)}`;
    throw new InvalidArgumentError(`Refusing to send ${verb}: its argument${shown} contains ${badInArg}`);
  }
  return `${verb} ${arg}\r\n`;
}

/**
 * The command as it may appear in a debug log, without CRLF: the argument of PASS and ACCT becomes `****`,
 * and any CR, LF or NUL is shown escaped so a log line stays one line.
 */
export function redactCommand(verb: string, arg?: string): string {
  const line = arg === undefined ? verb : `${verb} ${isSecret(verb) ? '****' : arg}`;
  return line.replace(/[\r\n\0]/g, (ch) => (ch === '\r' ? '\\r' : ch === '\n' ? '\\n' : '\\0'));
}
