/**
 * Directory listings: MLSD (RFC 3659 §7, machine-readable, times in UTC) and the two LIST formats real
 * servers send, Unix `ls -l` (ProFTPD, vsftpd, Pure-FTPd, FileZilla Server) and MS-DOS (IIS by default).
 * LIST times are in the server's local time zone, which the caller supplies as `utcOffsetMinutes`
 * (local = UTC + offset; lftp `ftp:timezone`). `.` and `..` are never returned.
 */
import { FtpProtocolError, excerpt } from './errors.ts';
import { utcMillis } from './time.ts';
import { parseTimeVal } from './values.ts';

export interface ListEntry {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  /** Bytes (for directories only when the server reports it). */
  size?: number;
  modified?: Date;
  /** Permission bits, e.g. 0o644 (including setuid 0o4000, setgid 0o2000, sticky 0o1000). */
  mode?: number;
  /** Symbolic-link target when the server reveals it. */
  target?: string;
}

/** A line that is understood but lists nothing to return (`.`, `..`, MLSD cdir/pdir). */
const SKIP = 'skip';
type LineResult = ListEntry | typeof SKIP;

const isDotName = (name: string): boolean => name === '.' || name === '..';

const stripCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

const lines = (text: string): string[] => text.split('\n').map(stripCr);

// ---------------------------------------------------------------------------------------------- MLSD

function badMlsd(line: string, why: string, cause?: unknown): FtpProtocolError {
  return new FtpProtocolError(`Malformed MLSD line (${why}): ${excerpt(line)}`, { cause });
}

function mlsdNumber(value: string, line: string, fact: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw badMlsd(line, `${fact}=${value} is not a byte count`);
  }
  return n;
}

function mlsdLine(line: string): LineResult {
  // `fact=value;fact=value; name`: every fact ends with ';' and one space separates the facts from the
  // name, so the first "; " ends them (a line may also start with the space: no facts). The rest of the
  // line, spaces and semicolons included, is the name. RFC 3659 forbids spaces in fact values, but
  // ProFTPD writes symlink targets (`OS.unix=slink:/a b`) as they are; splitting at "; " copes with that.
  // A server that drops the last ';' still gets a split at the first space.
  const semi = line.indexOf('; ');
  const end = line.startsWith(' ') ? 0 : semi !== -1 ? semi + 1 : line.indexOf(' ');
  if (end === -1) {
    throw badMlsd(line, 'no space before the name');
  }
  const name = line.slice(end + 1);
  if (name === '') {
    throw badMlsd(line, 'empty name');
  }
  const facts = new Map<string, string>();
  for (const fact of line.slice(0, end).split(';')) {
    const eq = fact.indexOf('=');
    if (eq > 0) {
      facts.set(fact.slice(0, eq).toLowerCase(), fact.slice(eq + 1));
    }
  }

  const typeFact = facts.get('type');
  const kind = typeFact?.toLowerCase();
  if (kind === 'cdir' || kind === 'pdir' || isDotName(name)) {
    return SKIP;
  }
  const entry: ListEntry = { name, type: 'other' };
  if (kind === 'file' || kind === 'dir') {
    entry.type = kind;
  } else if (kind === 'os.unix=symlink' || kind?.startsWith('os.unix=slink') === true) {
    entry.type = 'link';
    // `OS.unix=slink:/target` (ProFTPD with `ShowSymlinks on`); keep the target's original case.
    const colon = typeFact?.indexOf(':') ?? -1;
    const target = colon === -1 ? '' : (typeFact?.slice(colon + 1) ?? '');
    if (target !== '') {
      entry.target = target;
    }
  }

  // Pure-FTPd reports a directory's own size as `sizd`; `size` is the file size.
  const size = facts.get('size') ?? (entry.type === 'dir' ? facts.get('sizd') : undefined);
  if (size !== undefined) {
    entry.size = mlsdNumber(size, line, 'size');
  }
  const modify = facts.get('modify');
  if (modify !== undefined) {
    try {
      entry.modified = parseTimeVal(modify);
    } catch (err) {
      throw badMlsd(line, `modify=${modify} is not a time`, err);
    }
  }
  const mode = facts.get('unix.mode');
  if (mode !== undefined) {
    if (!/^[0-7]{1,7}$/.test(mode)) {
      throw badMlsd(line, `UNIX.mode=${mode} is not an octal mode`);
    }
    entry.mode = parseInt(mode, 8) & 0o7777;
  }
  return entry;
}

/**
 * One MLSD line, e.g. `modify=20261122101500;perm=adfrw;size=12;type=file;UNIX.mode=0644; a file.txt`.
 * Fact names are case-insensitive; `cdir`/`pdir` entries and blank lines give undefined. Throws
 * FtpProtocolError for a line without the space before the name, or a `size`, `modify` or `UNIX.mode`
 * value that cannot be read.
 */
export function parseMlsdLine(line: string): ListEntry | undefined {
  const text = stripCr(line);
  if (text.trim() === '') {
    return undefined;
  }
  const r = mlsdLine(text);
  return r === SKIP ? undefined : r;
}

/** Every entry of an MLSD listing (CRLF or LF line ends; blank lines ignored). */
export function parseMlsd(text: string): ListEntry[] {
  const out: ListEntry[] = [];
  for (const line of lines(text)) {
    const entry = parseMlsdLine(line);
    if (entry !== undefined) {
      out.push(entry);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------ Unix ls -l

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// type+permissions [ACL/xattr mark]  links owner [group]  size  Mon DD  HH:MM|YYYY  name
// The middle columns (1 to 5 whitespace-separated tokens, so the match cannot backtrack badly) are
// matched lazily: the size is the number just before the first date, and a name that itself looks like a
// date stays intact. A device shows `major, minor` instead of a size.
const UNIX_LINE = new RegExp(
  String.raw`^([-dlbcps])([-rwxsStTlL]{9})[+@.]?\s+((?:\S+\s+){1,5}?)(\d+|\d+,\s*\d+)\s+` +
    String.raw`(${MONTHS.join('|')})\s+(\d{1,2})\s+(\d{1,2}:\d\d|\d{4})\s(.*)$`,
  'i',
);

const HALF_YEAR_MS = 183 * 24 * 3600 * 1000;

function permissionBits(perm: string): number {
  let mode = 0;
  for (let i = 0; i < 9; i++) {
    const c = perm[i] as string;
    const bit = 1 << (8 - i);
    if (i % 3 !== 2) {
      mode |= c === '-' ? 0 : bit;
      continue;
    }
    if ('xst'.includes(c)) {
      mode |= bit; // lower-case s/t also mean "executable"
    }
    if (i === 2 && (c === 's' || c === 'S')) mode |= 0o4000;
    if (i === 5 && 'sSlL'.includes(c)) mode |= 0o2000;
    if (i === 8 && (c === 't' || c === 'T')) mode |= 0o1000;
  }
  return mode;
}

/**
 * `ls -l` shows HH:MM instead of a year for recent files. Take the latest year that puts the time no more
 * than about six months after `nowLocal` (server wall clock as UTC milliseconds); servers show HH:MM only
 * for times within six months, and the slack absorbs clock and time-zone differences.
 */
function guessYearMillis(
  month: number,
  day: number,
  hour: number,
  minute: number,
  nowLocal: number,
): number | undefined {
  const thisYear = new Date(nowLocal).getUTCFullYear();
  // Counting down over nine years always reaches a leap year for 29 February.
  for (let year = thisYear + 1; year >= thisYear - 8; year--) {
    const t = utcMillis(year, month, day, hour, minute);
    if (t !== undefined && t <= nowLocal + HALF_YEAR_MS) {
      return t;
    }
  }
  return undefined;
}

function unixLine(line: string, now: Date, utcOffsetMinutes: number): LineResult | undefined {
  const m = UNIX_LINE.exec(line);
  if (!m) {
    return undefined;
  }
  const [typeChar, perm, size, monthName, dayText, timeOrYear, rawName] = [1, 2, 4, 5, 6, 7, 8].map(
    (i) => m[i] ?? '',
  ) as [string, string, string, string, string, string, string];
  const month = MONTHS.indexOf(monthName.toLowerCase()) + 1;
  const day = Number(dayText);
  const offsetMs = utcOffsetMinutes * 60_000;
  let local: number | undefined;
  if (timeOrYear.includes(':')) {
    const [hour, minute] = timeOrYear.split(':').map(Number) as [number, number];
    local = guessYearMillis(month, day, hour, minute, now.getTime() + offsetMs);
  } else {
    local = utcMillis(Number(timeOrYear), month, day, 0, 0);
  }
  if (local === undefined || rawName === '') {
    return undefined;
  }

  const lower = typeChar.toLowerCase();
  const type = lower === 'd' ? 'dir' : lower === '-' ? 'file' : lower === 'l' ? 'link' : 'other';
  let name = rawName;
  let target: string | undefined;
  if (type === 'link') {
    const arrow = rawName.indexOf(' -> ');
    if (arrow !== -1) {
      name = rawName.slice(0, arrow);
      target = rawName.slice(arrow + 4);
    }
  }
  if (isDotName(name)) {
    return SKIP;
  }
  const entry: ListEntry = { name, type, modified: new Date(local - offsetMs), mode: permissionBits(perm) };
  if (/^\d+$/.test(size)) {
    const n = Number(size);
    if (Number.isSafeInteger(n)) {
      entry.size = n;
    }
  }
  if (target !== undefined && target !== '') {
    entry.target = target;
  }
  return entry;
}

/**
 * One `ls -l` style line: `drwxr-xr-x 2 user group 4096 Nov 22 10:15 name with spaces`, with a year
 * instead of the time for older files, `l…` lines split at ` -> ` into name and target, and the group
 * column optional. `total 12`, `.`, `..` and lines of another format give undefined. A time without a
 * year is placed in the latest year that is at most about six months after `now`.
 */
export function parseUnixListLine(line: string, now: Date, utcOffsetMinutes = 0): ListEntry | undefined {
  const r = unixLine(stripCr(line), now, utcOffsetMinutes);
  return r === SKIP ? undefined : r;
}

// --------------------------------------------------------------------------------------------- MS-DOS

// MM-DD-YY[YY]  hh:mm[AM|PM]  <DIR>|size  name
const DOS_LINE =
  /^(\d{1,2})-(\d{1,2})-(\d{2}|\d{4})\s+(\d{1,2}):(\d\d)(?:\s*([AP]M))?\s+(<DIR>|\d+)\s+(.*)$/i;

function dosLine(line: string, utcOffsetMinutes: number): LineResult | undefined {
  const m = DOS_LINE.exec(line);
  if (!m) {
    return undefined;
  }
  const [mm, dd, yy, hh, min, sizeOrDir, name] = [1, 2, 3, 4, 5, 7, 8].map((i) => m[i] ?? '') as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const ampm = m[6];
  // Two-digit years: 70..99 are 1970..1999, 00..69 are 2000..2069.
  const year = yy.length === 4 ? Number(yy) : Number(yy) + (Number(yy) < 70 ? 2000 : 1900);
  let hour = Number(hh);
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) {
      return undefined;
    }
    hour = (hour % 12) + (ampm.toUpperCase() === 'PM' ? 12 : 0);
  }
  const local = utcMillis(year, Number(mm), Number(dd), hour, Number(min));
  if (local === undefined || name === '') {
    return undefined;
  }
  if (isDotName(name)) {
    return SKIP;
  }
  const modified = new Date(local - utcOffsetMinutes * 60_000);
  if (sizeOrDir.toUpperCase() === '<DIR>') {
    return { name, type: 'dir', modified };
  }
  const size = Number(sizeOrDir);
  return Number.isSafeInteger(size)
    ? { name, type: 'file', size, modified }
    : { name, type: 'file', modified };
}

/**
 * One IIS / MS-DOS style line: `11-22-26  10:15AM       <DIR>          name` or
 * `11-22-26  10:15PM             12345 file name.txt`; four-digit years and 24-hour times too.
 * `.`, `..` and lines of another format give undefined.
 */
export function parseDosListLine(line: string, utcOffsetMinutes = 0): ListEntry | undefined {
  const r = dosLine(stripCr(line), utcOffsetMinutes);
  return r === SKIP ? undefined : r;
}

// ------------------------------------------------------------------------------------------------ LIST

const TOTAL_LINE = /^total\s+\d+\s*$/i;

/**
 * Every entry of a LIST reply, the format detected line by line (Unix first, then DOS). Blank lines,
 * `total N`, `.` and `..` are skipped. Any other line that is neither format throws FtpProtocolError:
 * a listing that cannot be read completely must not pass for a shorter one.
 */
export function parseList(text: string, now: Date, utcOffsetMinutes = 0): ListEntry[] {
  const out: ListEntry[] = [];
  for (const line of lines(text)) {
    if (line.trim() === '' || TOTAL_LINE.test(line)) {
      continue;
    }
    const r = unixLine(line, now, utcOffsetMinutes) ?? dosLine(line, utcOffsetMinutes);
    if (r === undefined) {
      throw new FtpProtocolError(`Unrecognised directory listing line: ${excerpt(line)}`);
    }
    if (r !== SKIP) {
      out.push(r);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ STAT

/**
 * The entries of a folder from the text of a `STAT <folder>` reply (RFC 959 §4.1.3: the listing comes
 * over the control connection, no data connection). ProFTPD answers `212-Status of /x:` and vsftpd
 * `213-Status follows:`, then `ls -la` lines (ProFTPD indents them by one space), then `End of status`.
 * The reply counts as a listing of the folder only when it has the folder's own `.` line: Pure-FTPd
 * answers STAT with a path by `213-STAT` / `213 End.` whatever the folder holds, and vsftpd answers a
 * missing folder with an empty status. Undefined then (the caller lists over a data connection instead).
 * Lines that are not `ls -l` lines throw FtpProtocolError, as in parseList.
 */
export function parseStatListing(message: string, now: Date, utcOffsetMinutes = 0): ListEntry[] | undefined {
  const body = lines(message)
    .slice(1, -1)
    .map((l) => l.trimStart());
  if (!body.some((l) => l.startsWith('d') && unixLine(l, now, utcOffsetMinutes) === SKIP && / \.$/.test(l))) {
    return undefined;
  }
  const out: ListEntry[] = [];
  for (const line of body) {
    if (line === '' || TOTAL_LINE.test(line)) continue;
    const r = unixLine(line, now, utcOffsetMinutes);
    if (r === undefined) {
      throw new FtpProtocolError(`Unrecognised line in a STAT listing: ${excerpt(line)}`);
    }
    if (r !== SKIP) out.push(r);
  }
  return out;
}

/**
 * Why a name from a listing cannot be used as one entry of its folder, or undefined when it can. A
 * server chooses these names: `..`, a `/` or a control character (NUL, CR, LF, ESC, DEL, C1) would
 * reach a path outside the folder, a command or a terminal.
 */
export function unsafeEntryName(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name === '.' || name === '..') return `it is "${name}"`;
  if (name.includes('/')) return 'it holds a "/"';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'it holds a control character';
  return undefined;
}

/** `name` with control characters and backslashes written as escapes (\x1b, \r, \\): safe to print. */
export function escapeControls(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
