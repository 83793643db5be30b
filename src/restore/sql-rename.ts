/**
 * Loading a dump under another database name. Dumps are made with `--databases <db>`, so they name the
 * database in exactly these statements, each at the start of its own line (see the fixture in
 * test/unit/sources/fixtures): `CREATE DATABASE /*!32312 IF NOT EXISTS*\/ `db` …;`, `USE `db`;` (before
 * the tables, and again before the views) and, for routines whose collation differs from the
 * database's, `/*!50003 ALTER DATABASE `db` … *\/ ;;`. Only those line starts are rewritten; every
 * other byte passes untouched (table data can hold the same text anywhere). Names inside view, routine
 * or trigger bodies are not: the dump client writes them unqualified for the database itself, so only
 * deliberate cross-database references keep pointing at the original.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** A MySQL identifier in backticks. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function rules(from: string, to: string): Array<[Buffer, Buffer]> {
  const a = quoteIdentifier(from);
  const b = quoteIdentifier(to);
  return [
    [`CREATE DATABASE /*!32312 IF NOT EXISTS*/ ${a} `, `CREATE DATABASE /*!32312 IF NOT EXISTS*/ ${b} `],
    [`CREATE DATABASE ${a} `, `CREATE DATABASE ${b} `],
    [`USE ${a};`, `USE ${b};`],
    [`/*!50003 ALTER DATABASE ${a} `, `/*!50003 ALTER DATABASE ${b} `],
    [`ALTER DATABASE ${a} `, `ALTER DATABASE ${b} `],
  ].map(([x, y]) => [Buffer.from(x as string), Buffer.from(y as string)]);
}

/** A stream stage that renames the database in a dump's CREATE DATABASE, USE and ALTER DATABASE lines. */
export function renameDatabase(from: string, to: string): Transform {
  const table = rules(from, to);
  let atLineStart = true;
  /** Bytes at the start of the current line that still match the start of some rule. */
  let pending = Buffer.alloc(0);

  const matching = (head: Buffer): Array<[Buffer, Buffer]> =>
    table.filter(([pattern]) =>
      head.length <= pattern.length
        ? pattern.subarray(0, head.length).equals(head)
        : head.subarray(0, pattern.length).equals(pattern),
    );

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const out: Buffer[] = [];
      let i = 0;
      while (i < chunk.length) {
        if (!atLineStart) {
          const nl = chunk.indexOf(10, i);
          if (nl === -1) {
            out.push(chunk.subarray(i));
            break;
          }
          out.push(chunk.subarray(i, nl + 1));
          i = nl + 1;
          atLineStart = true;
          continue;
        }
        // at a line start: gather bytes while they can still begin a rule
        pending = Buffer.concat([pending, chunk.subarray(i, i + 1)]);
        i++;
        const candidates = matching(pending);
        const whole = candidates.find(([pattern]) => pattern.length === pending.length);
        if (whole !== undefined) {
          out.push(whole[1]);
        } else if (candidates.length > 0 && pending[pending.length - 1] !== 10) {
          continue;
        } else {
          out.push(pending);
        }
        atLineStart = pending[pending.length - 1] === 10;
        pending = Buffer.alloc(0);
      }
      callback(null, Buffer.concat(out));
    },
    flush(callback: TransformCallback) {
      callback(null, pending);
    },
  });
}
