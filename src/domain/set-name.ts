/**
 * Set and object names. A backup set is the remote folder `<root>/<job>/<YYYYMMDDTHHMMSSZ>/`: its UTC time
 * is in its name (second precision), so retention and `list` never trust server modification times.
 * Inside a set: one object per source — `db-<database>.sql[.zst|.gz][.age]`,
 * `files-<label>.tar[.zst|.gz][.age]` — plus `manifest.json`, each first uploaded as `<name>.partial`.
 */

const SET_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export const PARTIAL_SUFFIX = '.partial';
export const MANIFEST_NAME = 'manifest.json';

/** The folder holding a job's sets: `<root>/<job>` (a trailing slash of root is dropped). */
export function setsFolder(root: string, job: string): string {
  return `${root.replace(/\/+$/, '')}/${job}`;
}

import { COMPRESSION_SUFFIX, type CompressionAlgorithm } from './compression.ts';

export type Compression = CompressionAlgorithm;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `20261122T031500Z` for 2026-11-22 03:15:00 UTC; milliseconds are dropped (truncated). */
export function formatSetName(d: Date): string {
  const y = d.getUTCFullYear();
  if (Number.isNaN(d.getTime())) throw new RangeError('formatSetName: invalid Date');
  if (y < 0 || y > 9999) throw new RangeError(`formatSetName: year ${y} does not fit in four digits`);
  return (
    `${pad(y, 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`
  );
}

/** The set's time, or undefined unless `name` is exactly our pattern and a real date (no 31 April, no :60). */
export function parseSetName(name: string): Date | undefined {
  const m = SET_RE.exec(name);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, 0);
  // Out-of-range fields roll over (31 April → 1 May); the round trip catches them.
  return formatSetName(t) === name ? t : undefined;
}

export function isSetName(name: string): boolean {
  return parseSetName(name) !== undefined;
}

const SAFE_BYTE = /^[A-Za-z0-9_.-]$/;
const ENCODED_RE = /^(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})+$/;

/**
 * A database name or label as a safe file-name part: keeps [A-Za-z0-9_.-] and writes every other UTF-8
 * byte as %XX (upper-case hex), so `my db` → `my%20db` and `%` → `%25`. Reversed by decodeNamePart.
 * Throws for an empty string or one that is not well-formed UTF-16 (a lone surrogate cannot round-trip).
 */
export function encodeNamePart(s: string): string {
  if (s === '') throw new RangeError('a database name or label must not be empty');
  const out = percentEncode(s);
  if (decodeNamePart(out) !== s) throw new RangeError(`cannot encode ${JSON.stringify(s)} reversibly`);
  return out;
}

function percentEncode(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out += SAFE_BYTE.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of encodeNamePart; undefined unless `part` is exactly what encodeNamePart would write. */
export function decodeNamePart(part: string): string | undefined {
  if (!ENCODED_RE.test(part)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    if (part[i] === '%') {
      bytes.push(Number.parseInt(part.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(part.charCodeAt(i));
    }
  }
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(new Uint8Array(bytes));
  } catch {
    return undefined; // not UTF-8
  }
  // Canonical form only: `%41` would decode to `A`, but we never write it that way.
  return percentEncode(decoded) === part ? decoded : undefined;
}

export type ObjectSource =
  | { kind: 'mysql'; database: string }
  | { kind: 'directory'; label: string }
  | { kind: 'sqlite'; label: string }
  | { kind: 'command'; label: string };

/** Name prefix and extension of each kind of object: `<prefix>-<id>.<ext>`. */
const OBJECT_FORMS = {
  mysql: { prefix: 'db', ext: 'sql' },
  directory: { prefix: 'files', ext: 'tar' },
  sqlite: { prefix: 'sqlite', ext: 'db' },
  command: { prefix: 'cmd', ext: 'out' },
} as const satisfies Record<ObjectSource['kind'], { prefix: string; ext: string }>;

const ENCRYPTED_SUFFIX = '.age';

/**
 * `db-<database>.sql.zst`, `files-<label>.tar.gz`, `sqlite-<label>.db.zst`, `cmd-<label>.out.zst`,
 * `db-x.sql` (none), `….age` when encrypted.
 */
export function objectName(source: ObjectSource, compression: Compression, encrypted: boolean): string {
  const { prefix, ext } = OBJECT_FORMS[source.kind];
  const id = source.kind === 'mysql' ? source.database : source.label;
  return `${prefix}-${encodeNamePart(id)}.${ext}${COMPRESSION_SUFFIX[compression]}${encrypted ? ENCRYPTED_SUFFIX : ''}`;
}

export interface ParsedObjectName {
  source: ObjectSource;
  compression: Compression;
  encrypted: boolean;
}

const OBJECT_RE = /^(db|files|sqlite|cmd)-(.+)\.(sql|tar|db|out)(\.zst|\.gz)?(\.age)?$/;

/** The inverse of objectName (no `.partial`); undefined for any other name. */
export function parseObjectName(name: string): ParsedObjectName | undefined {
  const m = OBJECT_RE.exec(name);
  if (m === null) return undefined;
  const [, prefix, part = '', ext, comp, age] = m;
  const kind = (Object.keys(OBJECT_FORMS) as Array<ObjectSource['kind']>).find(
    (k) => OBJECT_FORMS[k].prefix === prefix,
  );
  if (kind === undefined || OBJECT_FORMS[kind].ext !== ext) return undefined;
  const id = decodeNamePart(part);
  if (id === undefined) return undefined;
  const compression: Compression = comp === '.zst' ? 'zstd' : comp === '.gz' ? 'gzip' : 'none';
  const source: ObjectSource = kind === 'mysql' ? { kind, database: id } : { kind, label: id };
  return { source, compression, encrypted: age !== undefined };
}

/** Names we write inside a set: objects, manifest.json, and the `.partial` form of either. */
export function isOurObjectName(name: string): boolean {
  const base = name.endsWith(PARTIAL_SUFFIX) ? name.slice(0, -PARTIAL_SUFFIX.length) : name;
  return base === MANIFEST_NAME || parseObjectName(base) !== undefined;
}
