// Pure, incremental scanner of mysqldump / mariadb-dump output: counts the objects the dump creates and
// checks the "-- Dump completed" trailer, chunk by chunk, keeping only a small carry-over (the head and
// the last bytes of the current line, the last bytes of the stream). Splitting the input anywhere gives
// the same result.
//
// How the dump looks (MariaDB 10.11 and MySQL 8 write the same shapes):
//   CREATE TABLE `t` (                                    a table (never inside a /*!…*/ comment)
//   /*!50001 CREATE VIEW `v` AS SELECT 1 AS `id` */;      placeholder for a view, and later
//   /*!50001 CREATE ALGORITHM=UNDEFINED */                the real view, over three lines
//   /*!50013 DEFINER=`u`@`h` SQL SECURITY DEFINER */
//   /*!50001 VIEW `v` AS select … */;
//   /*!50003 CREATE*/ /*!50017 DEFINER=`u`@`h`*/ /*!50003 TRIGGER t …      (inside DELIMITER ;;)
//   CREATE DEFINER=`u`@`h` PROCEDURE `p`() / FUNCTION `f`(…)
//   /*!50106 CREATE*/ /*!50117 DEFINER=`u`@`h`*/ /*!50106 EVENT `e` …
// Only lines that start a statement (after the previous statement's delimiter) are examined, so text
// inside routine bodies and data rows never counts. Views are counted by distinct name, so a view's
// placeholder and its final definition count once. Old dumps wrote the placeholder as
// `/*!50001 CREATE TABLE` — versioned, so not counted as a table.
//
// Rows: every table named by a CREATE TABLE starts at 0 rows; an INSERT (or REPLACE) statement that
// starts a statement adds the tuples of its VALUES list, counted by a small byte-level state machine
// (quotes with backslash escapes, parentheses) that runs until the statement's `;` — mariadb-dump 10.11
// writes one tuple per line, mysqldump all of them on one line; both give the same count. When an
// INSERT's head cannot be read (a column list longer than the head limit) or there are more than
// MAX_ROW_TABLES tables, the row counts are left out (undefined) rather than wrong.

export interface DumpStats {
  tables: number;
  views: number;
  /** Procedures and functions. */
  routines: number;
  triggers: number;
  events: number;
  /** The last line of the output is mysqldump's "-- Dump completed…" trailer. */
  completed: boolean;
  /** Rows per table (by name), when every INSERT could be counted. */
  rows?: Record<string, number> | undefined;
}

/** Most tables whose rows are counted in one dump. */
export const MAX_ROW_TABLES = 100_000;

const INSERT_HEAD =
  /^(?:INSERT|REPLACE)\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*INTO\s+(`(?:[^`]|``)+`)\s*(?:\((?:[^()`]|`(?:[^`]|``)*`)*\)\s*)?VALUES\s*/i;
const CREATE_TABLE_NAME = /^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(`(?:[^`]|``)+`)/i;

/** `a``b` (latin1 text of UTF-8 bytes) → a`b. */
function unquoteName(quoted: string): string {
  return Buffer.from(quoted.slice(1, -1), 'latin1').toString('utf8').replace(/``/g, '`');
}

/** Whether `head` can still become an INSERT or REPLACE statement head. */
function mayBeInsert(head: string): boolean {
  const h = head.slice(0, 8).toUpperCase();
  return /^(INSERT|REPLACE)\s/.test(h) || 'INSERT'.startsWith(h) || 'REPLACE'.startsWith(h);
}

export const DUMP_TRAILER = '-- Dump completed';

/** Bytes of a line's start that are examined (statement heads are short). */
const HEAD_LIMIT = 512;
/** Bytes of a line's end carried over chunks to find the statement delimiter. */
const LINE_TAIL = 32;
/** Bytes of the stream's end kept for the trailer check. */
const STREAM_TAIL = 256;
const EMPTY = Buffer.alloc(0);
/** A CREATE head spanning more than this without naming what it creates is not ours. */
const PENDING_LIMIT = 4096;

type CreateKind = 'table' | 'view' | 'procedure' | 'function' | 'trigger' | 'event' | 'other';

const QUOTED_BACKTICK = '`(?:[^`]|``)*`';
const QUOTED_SINGLE = "'(?:[^'\\\\]|\\\\.|'')*'";
const USER_PART = `(?:${QUOTED_BACKTICK}|${QUOTED_SINGLE}|[^\\s@\`']+)`;
const HOST_PART = `(?:${QUOTED_BACKTICK}|${QUOTED_SINGLE}|[^\\s\`']+)`;
/** Clauses that may stand between CREATE and the kind of object. */
const CREATE_CLAUSES = [
  /^OR\s+REPLACE\b/i,
  /^ALGORITHM\s*=\s*\w+/i,
  new RegExp(`^DEFINER\\s*=\\s*${USER_PART}(?:\\s*@\\s*${HOST_PART})?`, 'i'),
  /^SQL\s+SECURITY\s+\w+/i,
  /^AGGREGATE\b/i,
];
const KIND = /^(TABLE|VIEW|PROCEDURE|FUNCTION|TRIGGER|EVENT)(?=[\s`(]|$)/i;
const NAME = new RegExp(
  `^(?:IF\\s+NOT\\s+EXISTS\\s+)?(${QUOTED_BACKTICK}(?:\\.${QUOTED_BACKTICK})?|[^\\s(]+)`,
  'i',
);

/** Removes version-comment wrappers (opening `/*!50003 ` or `/*M!100000 `, closing star-slash) and squeezes blanks. */
export function normalizeDumpLine(line: string): string {
  return line
    .replace(/\/\*M?!\d*\s?/g, ' ')
    .replace(/\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * What a (normalized) statement head starting with CREATE creates; 'incomplete' when the head ends
 * before saying so (the rest is on the next line).
 */
export function classifyCreate(head: string): { kind: CreateKind; name?: string } | 'incomplete' {
  const start = /^CREATE\b\s*/i.exec(head);
  if (start === null) return { kind: 'other' };
  let rest = head.slice(start[0].length);
  for (;;) {
    if (rest === '') return 'incomplete';
    const clause = CREATE_CLAUSES.map((re) => re.exec(rest)).find((m) => m !== null);
    if (clause !== undefined && clause !== null) {
      const after = rest.slice(clause[0].length);
      // a clause cut at the end of the line ("ALGORITHM=" …) continues on the next one
      if (after === '' && /[=@]\s*$/.test(clause[0])) return 'incomplete';
      rest = after.trimStart();
      continue;
    }
    if (/^(OR|ALGORITHM|DEFINER|SQL)\s*=?\s*$/i.test(rest)) return 'incomplete';
    const kind = KIND.exec(rest);
    if (kind === null) return { kind: 'other' };
    const word = (kind[1] ?? '').toLowerCase() as Exclude<CreateKind, 'other'>;
    const name = NAME.exec(rest.slice(kind[0].length).trimStart());
    return name?.[1] === undefined ? { kind: word } : { kind: word, name: name[1] };
  }
}

export class DumpScanner {
  private tables = 0;
  private routines = 0;
  private triggers = 0;
  private events = 0;
  private readonly viewNames = new Set<string>();
  private unnamedViews = 0;

  /** Rows per table; undefined once they cannot be counted reliably. */
  private rows: Map<string, number> | undefined = new Map();
  /** The current line may start an INSERT whose head is not complete yet. */
  private insertUndecided = true;
  /** Inside an INSERT's VALUES list: the table and the tuple counter's state. */
  private valuesOf: string | undefined;
  private tuples = 0;
  private depth = 0;
  private quote = 0;
  private escaped = false;

  private delimiter = ';';
  /** The current line begins a new statement (the previous one ended with the delimiter). */
  private atStart = true;
  /** Normalized head of a CREATE statement whose kind is on a later line. */
  private pending: string | undefined;

  /** Start of the current line (only collected when it matters: at a statement start or pending). */
  private head = '';
  private headTruncated = false;
  private collectHead = true;
  /** The last bytes of the current line seen in earlier chunks (a line may span chunks). */
  private carry: Buffer = EMPTY;
  private lineLength = 0;
  private streamTail: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.streamTail =
      chunk.length >= STREAM_TAIL
        ? Buffer.from(chunk.subarray(chunk.length - STREAM_TAIL))
        : Buffer.concat([this.streamTail, chunk]).subarray(-STREAM_TAIL);
    let pos = 0;
    while (pos < chunk.length) {
      const newline = chunk.indexOf(10, pos);
      const end = newline === -1 ? chunk.length : newline;
      const seenBefore = this.lineLength;
      if (this.collectHead) this.appendHead(chunk, pos, end);
      if (this.valuesOf !== undefined) this.countTuples(chunk, pos, end);
      else if (this.insertUndecided) this.detectInsert(chunk, pos, end, seenBefore, newline !== -1);
      this.lineLength += end - pos;
      if (newline === -1) {
        // the line goes on in the next chunk: keep its last bytes for the delimiter check
        this.carry = Buffer.concat([
          this.carry,
          chunk.subarray(Math.max(pos, end - LINE_TAIL), end),
        ]).subarray(-LINE_TAIL);
        break;
      }
      this.endLine(this.endsWithDelimiter(chunk, pos, end));
      pos = newline + 1;
    }
  }

  /** Ends the input (a last line without a newline counts) and returns the result. */
  finish(): DumpStats {
    if (this.lineLength > 0) this.endLine(this.endsWithDelimiter(Buffer.alloc(0), 0, 0));
    const text = this.streamTail.toString('latin1').trimEnd();
    const lastLine = text.slice(text.lastIndexOf('\n') + 1);
    return {
      tables: this.tables,
      views: this.viewNames.size + this.unnamedViews,
      routines: this.routines,
      triggers: this.triggers,
      events: this.events,
      completed: lastLine.startsWith(DUMP_TRAILER),
      rows: this.rows === undefined ? undefined : Object.fromEntries(this.rows),
    };
  }

  /**
   * At a statement start, once the head says INSERT INTO `t` VALUES, counts the tuples that follow (the
   * head's bytes past the match first, then this segment's). Gives up on the line when it cannot be an
   * INSERT, and on row counts altogether when an INSERT's head is too long to read.
   */
  private detectInsert(chunk: Buffer, from: number, to: number, seenBefore: number, lineEnds: boolean): void {
    if (!this.atStart || this.pending !== undefined) {
      this.insertUndecided = false;
      return;
    }
    const head = this.head;
    const m = INSERT_HEAD.exec(head);
    if (m === null) {
      if (!mayBeInsert(head)) this.insertUndecided = false;
      else if (lineEnds || this.headTruncated) {
        this.insertUndecided = false;
        if (/^(INSERT|REPLACE)\s/i.test(head)) this.rows = undefined; // an INSERT we cannot read
      }
      return;
    }
    this.insertUndecided = false;
    this.valuesOf = unquoteName(m[1] ?? '``');
    this.tuples = 0;
    this.depth = 0;
    this.quote = 0;
    this.escaped = false;
    const matched = m[0].length;
    // bytes of earlier segments past the match are in the head; this segment's bytes come from the chunk
    if (matched < seenBefore) {
      const early = Buffer.from(head.slice(matched, seenBefore), 'latin1');
      this.countTuples(early, 0, early.length);
    }
    if (this.valuesOf !== undefined) this.countTuples(chunk, from + Math.max(0, matched - seenBefore), to);
  }

  /** The tuple counter: top-level `(` outside quotes, until `;` at depth 0. */
  private countTuples(chunk: Buffer, from: number, to: number): void {
    let { depth, quote, escaped, tuples } = this;
    for (let i = from; i < to; i++) {
      const b = chunk[i]!;
      if (quote !== 0) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true;
        else if (b === quote) quote = 0;
      } else if (b === 0x27 || b === 0x22) quote = b;
      else if (b === 0x28) {
        if (depth === 0) tuples++;
        depth++;
      } else if (b === 0x29) depth--;
      else if (b === 0x3b && depth === 0) {
        this.addRows(this.valuesOf ?? '', tuples);
        this.valuesOf = undefined;
        this.tuples = 0;
        return;
      }
    }
    this.depth = depth;
    this.quote = quote;
    this.escaped = escaped;
    this.tuples = tuples;
  }

  private addRows(table: string, n: number): void {
    const rows = this.rows;
    if (rows === undefined) return;
    if (!rows.has(table) && rows.size >= MAX_ROW_TABLES) {
      this.rows = undefined;
      return;
    }
    rows.set(table, (rows.get(table) ?? 0) + n);
  }

  private appendHead(chunk: Buffer, from: number, to: number): void {
    if (to <= from || this.headTruncated) return;
    const take = Math.min(HEAD_LIMIT - this.head.length, to - from);
    this.head += chunk.toString('latin1', from, from + take);
    if (take < to - from) this.headTruncated = true;
  }

  /**
   * Whether the line ending at chunk[to] (earlier bytes in `carry`) ends with the delimiter, trailing
   * blanks ignored. Works on bytes: this runs for every line of the dump, data rows included.
   */
  private endsWithDelimiter(chunk: Buffer, from: number, to: number): boolean {
    const inChunk = to - from;
    const carry = this.carry;
    // j counts back from the line's last byte
    const at = (j: number): number | undefined =>
      j < inChunk ? chunk[to - 1 - j] : carry[carry.length - 1 - (j - inChunk)];
    let j = 0;
    let b = at(0);
    while (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0b || b === 0x0c) b = at(++j);
    const delimiter = this.delimiter;
    for (let d = delimiter.length - 1; d >= 0; d--, j++) {
      if (at(j) !== delimiter.charCodeAt(d)) return false;
    }
    return true;
  }

  private endLine(endsWithDelimiter: boolean): void {
    const head = this.head;
    const truncated = this.headTruncated;
    this.head = '';
    this.headTruncated = false;
    this.carry = EMPTY;
    this.lineLength = 0;

    if (this.pending !== undefined) {
      this.continueCreate(head, truncated);
    } else if (this.atStart) {
      const trimmed = head.trim();
      if (trimmed === '' || trimmed.startsWith('--')) {
        this.collectHead = true;
        this.insertUndecided = this.valuesOf === undefined;
        return; // blank or comment line: the next line still starts a statement
      }
      const delimiter = /^DELIMITER\s+(\S+)/i.exec(trimmed);
      if (delimiter?.[1] !== undefined) {
        this.delimiter = delimiter[1];
        this.collectHead = true;
        this.insertUndecided = this.valuesOf === undefined;
        return;
      }
      this.beginStatement(head, truncated);
    }
    this.atStart = endsWithDelimiter;
    if (this.atStart) this.pending = undefined;
    this.collectHead = this.atStart || this.pending !== undefined;
    this.insertUndecided = this.atStart && this.valuesOf === undefined;
  }

  private beginStatement(head: string, truncated: boolean): void {
    const raw = head.trimStart();
    if (/^CREATE\s+TABLE\s/i.test(raw)) {
      this.tables++;
      const name = CREATE_TABLE_NAME.exec(raw)?.[1];
      if (name !== undefined) this.addRows(unquoteName(name), 0);
      return;
    }
    const normalized = normalizeDumpLine(raw);
    if (!/^CREATE\b/i.test(normalized)) return;
    this.pending = normalized;
    this.classifyPending(truncated);
  }

  private continueCreate(head: string, truncated: boolean): void {
    this.pending = `${this.pending ?? ''} ${normalizeDumpLine(head)}`.trim();
    this.classifyPending(truncated);
  }

  private classifyPending(truncated: boolean): void {
    const text = this.pending;
    if (text === undefined) return;
    const result = classifyCreate(text);
    if (result === 'incomplete') {
      if (truncated || text.length > PENDING_LIMIT) this.pending = undefined;
      return;
    }
    this.pending = undefined;
    switch (result.kind) {
      case 'view':
        if (result.name === undefined) this.unnamedViews++;
        else this.viewNames.add(result.name);
        break;
      case 'procedure':
      case 'function':
        this.routines++;
        break;
      case 'trigger':
        this.triggers++;
        break;
      case 'event':
        this.events++;
        break;
      case 'table': // only a versioned placeholder gets here; real tables are counted in beginStatement
      case 'other':
        break;
    }
  }
}
