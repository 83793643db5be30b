/**
 * Anomaly check: a run's objects against the previous complete set's manifest. Pure. Each finding is a
 * warning that names what shrank and by how much; the run then ends with the outcome `warning` and its
 * set never becomes the "newest set without warnings" that retention protects.
 *
 * Findings:
 * - a database or a folder of the previous set is missing from this run;
 * - a database with fewer tables, views, routines, triggers or events (the tables gone are named when
 *   both sets have row counts);
 * - a table whose rows fell to zero, or by more than `rowDrop` (a fraction: 0.5 = lost more than half);
 *   a table present before but missing now;
 * - a folder with fewer than `folderShrink` (a fraction: 0.5 = less than half) of the previous files or
 *   content bytes.
 * Names come from a database server or a file system: they are shown escaped (no control characters,
 * bounded length) before they reach a log line, an e-mail or a terminal.
 */
import type { ManifestObject } from './manifest.ts';

export interface AnomalyThresholds {
  /** Warn when a table lost more than this fraction of its rows (and always when it fell to zero). */
  rowDrop: number;
  /** Warn when a folder holds fewer than this fraction of the previous set's files or bytes. */
  folderShrink: number;
}

export const DEFAULT_ANOMALY_THRESHOLDS: AnomalyThresholds = { rowDrop: 0.5, folderShrink: 0.5 };

export interface Anomaly {
  /** The object it concerns (a name of this run or of the previous set). */
  object: string;
  message: string;
}

/** Most findings about one database's tables (the rest are summed up in one line). */
export const MAX_TABLE_FINDINGS = 20;

/** A name from outside, safe to print: control characters escaped, at most 100 characters. */
export function shownName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return escaped.length > 100 ? `${escaped.slice(0, 97)}...` : escaped;
}

const percent = (from: number, to: number): string => `${Math.round(((from - to) / from) * 100)}%`;

type Key = string;
function keyOf(o: ManifestObject): Key {
  return o.source.kind === 'mysql' ? `mysql:${o.source.database}` : `${o.source.kind}:${o.source.label}`;
}
function what(o: ManifestObject): string {
  if (o.source.kind === 'mysql') return `database ${shownName(o.source.database)}`;
  return `${o.source.kind === 'directory' ? 'folder' : o.source.kind} ${shownName(o.source.label)}`;
}

const MYSQL_COUNTS = ['tables', 'views', 'routines', 'triggers', 'events'] as const;

/**
 * What shrank between `previous` (the objects of set `previousSet`) and `current`. Throws for a
 * threshold outside 0..1.
 */
export function findAnomalies(
  previous: readonly ManifestObject[],
  current: readonly ManifestObject[],
  previousSet: string,
  thresholds: AnomalyThresholds = DEFAULT_ANOMALY_THRESHOLDS,
): Anomaly[] {
  for (const [k, v] of Object.entries(thresholds)) {
    if (!Number.isFinite(v) || v < 0 || v > 1)
      throw new Error(`anomaly threshold ${k} must be 0–1, got ${v}`);
  }
  const out: Anomaly[] = [];
  const now = new Map(current.map((o) => [keyOf(o), o]));
  const since = `since set ${previousSet}`;
  for (const before of previous) {
    const after = now.get(keyOf(before));
    if (after === undefined) {
      out.push({ object: before.name, message: `${what(before)} is missing: it was in set ${previousSet}` });
      continue;
    }
    const b = before.source;
    const a = after.source;
    if (b.kind === 'mysql' && a.kind === 'mysql') {
      for (const k of MYSQL_COUNTS) {
        const was = b[k];
        const is = a[k];
        if (was !== undefined && is !== undefined && is < was)
          out.push({
            object: after.name,
            message: `${what(after)}: ${is} ${k}, ${was - is} fewer ${since} (${was})`,
          });
      }
      if (b.rows !== undefined && a.rows !== undefined)
        out.push(...tableFindings(after.name, what(after), b.rows, a.rows, since, thresholds.rowDrop));
    } else if (b.kind === 'directory' && a.kind === 'directory') {
      const limit = thresholds.folderShrink;
      if (b.files > 0 && a.files < b.files * limit)
        out.push({
          object: after.name,
          message: `${what(after)}: ${a.files} files, ${percent(b.files, a.files)} fewer ${since} (${b.files})`,
        });
      if (b.bytes > 0 && a.bytes < b.bytes * limit)
        out.push({
          object: after.name,
          message: `${what(after)}: ${a.bytes} bytes of content, ${percent(b.bytes, a.bytes)} less ${since} (${b.bytes})`,
        });
    }
  }
  return out;
}

function tableFindings(
  object: string,
  label: string,
  before: Record<string, number>,
  after: Record<string, number>,
  since: string,
  rowDrop: number,
): Anomaly[] {
  const lines: string[] = [];
  for (const [table, was] of Object.entries(before)) {
    const is = Object.hasOwn(after, table) ? after[table] : undefined;
    const t = `table ${shownName(table)}`;
    if (is === undefined) lines.push(`${t} is missing (it had ${was} rows in the previous set)`);
    else if (was > 0 && is === 0) lines.push(`${t}: rows fell from ${was} to 0`);
    else if (was > 0 && was - is > was * rowDrop)
      lines.push(`${t}: rows fell from ${was} to ${is} (−${percent(was, is)})`);
  }
  const shown = lines
    .slice(0, MAX_TABLE_FINDINGS)
    .map((l) => ({ object, message: `${label}: ${l} ${since}` }));
  if (lines.length > MAX_TABLE_FINDINGS)
    shown.push({
      object,
      message: `${label}: … and ${lines.length - MAX_TABLE_FINDINGS} more tables shrank`,
    });
  return shown;
}
