/**
 * manifest.json (version 1): written last into a set, so its presence marks the set complete. It lists
 * every object with its size, sha256, compression, encryption and a summary of its source.
 *
 * serializeManifest writes a stable text: fixed key order (source: the known keys first, then any extra
 * keys in code-point order), two-space indent, trailing newline. parseManifest validates by hand (pure
 * code, no zod) and throws a ManifestError naming the first bad field; unknown top-level keys are
 * ignored, unknown keys inside `source` are kept (sources may add detail without a new version).
 */
import { isSetName, objectName, parseObjectName, type Compression } from './set-name.ts';

export const MANIFEST_VERSION = 1;

export interface ManifestMysqlSource {
  kind: 'mysql';
  database: string;
  tables: number;
  views?: number;
  /** Stored procedures and functions. */
  routines?: number;
  triggers?: number;
  events?: number;
}

export interface ManifestDirectorySource {
  kind: 'directory';
  label: string;
  /** The folder that was archived (absolute, on the backed-up host). */
  path: string;
  files: number;
  dirs: number;
  symlinks: number;
  /** Content bytes of the stored files. */
  bytes: number;
  /** Entries left out by exclude rules. */
  excluded?: number;
}

export type ManifestSource = ManifestMysqlSource | ManifestDirectorySource;

export interface ManifestObject {
  /** File name inside the set, as written by objectName(). */
  name: string;
  /** Bytes stored on the server (after compression and encryption). */
  size: number;
  /** sha256 of the stored bytes, 64 lower-case hex digits. */
  sha256: string;
  compression: Compression;
  encrypted: boolean;
  source: ManifestSource;
}

export interface Manifest {
  version: 1;
  job: string;
  host: string;
  /** The set's folder name, `YYYYMMDDTHHMMSSZ`. */
  setName: string;
  /** ISO 8601 timestamps. */
  startedAt: string;
  finishedAt: string;
  toolVersion: string;
  objects: ManifestObject[];
  warnings: string[];
}

export class ManifestError extends Error {
  override name = 'ManifestError';
  /** The bad field as a path, e.g. `objects[1].sha256`; empty for the document itself. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`invalid manifest.json: ${field === '' ? 'the document' : field} ${problem}`);
    this.field = field;
  }
}

const MYSQL_KEYS = ['kind', 'database', 'tables', 'views', 'routines', 'triggers', 'events'] as const;
const DIRECTORY_KEYS = ['kind', 'label', 'path', 'files', 'dirs', 'symlinks', 'bytes', 'excluded'] as const;

function orderedSource(source: ManifestSource): Record<string, unknown> {
  const known: readonly string[] = source.kind === 'mysql' ? MYSQL_KEYS : DIRECTORY_KEYS;
  const all = source as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of known) if (all[k] !== undefined) out[k] = all[k];
  const extra = Object.keys(all)
    .filter((k) => !known.includes(k) && all[k] !== undefined)
    .sort();
  for (const k of extra) out[k] = all[k];
  return out;
}

export function serializeManifest(m: Manifest): string {
  const ordered = {
    version: m.version,
    job: m.job,
    host: m.host,
    setName: m.setName,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    toolVersion: m.toolVersion,
    objects: m.objects.map((o) => ({
      name: o.name,
      size: o.size,
      sha256: o.sha256,
      compression: o.compression,
      encrypted: o.encrypted,
      source: orderedSource(o.source),
    })),
    warnings: m.warnings,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

// ---- parsing ----

type Obj = Record<string, unknown>;

const shown = (v: unknown): string => {
  const s = v === undefined ? 'nothing' : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** Throws for `field`; with a third argument, the message shows the value found. */
function fail(field: string, problem: string, ...got: [] | [unknown]): never {
  throw new ManifestError(field, got.length > 0 ? `${problem} (got ${shown(got[0])})` : problem);
}

function object(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be an object', v);
  return v as Obj;
}

function text(o: Obj, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(field, 'must be a non-empty string', v);
  return v;
}

function count(o: Obj, key: string, field: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail(field, 'must be a non-negative integer', v);
  return v;
}

/** `{ [key]: n }` when the optional count is there, `{}` when it is absent. */
function optionalCount<K extends string>(o: Obj, key: K, field: string): Partial<Record<K, number>> {
  return o[key] === undefined ? {} : ({ [key]: count(o, key, field) } as Partial<Record<K, number>>);
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function timestamp(o: Obj, key: string): string {
  const v = text(o, key, key);
  if (!ISO_RE.test(v) || Number.isNaN(Date.parse(v)))
    fail(key, 'must be an ISO 8601 time like 2026-11-22T03:15:00.000Z', v);
  return v;
}

function parseSource(v: unknown, field: string): ManifestSource {
  const o = object(v, field);
  // Unknown keys are kept as they are; the known ones are validated and win.
  const extras = (known: readonly string[]): Obj =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !known.includes(k)));
  if (o.kind === 'mysql') {
    const source: ManifestMysqlSource = {
      kind: 'mysql',
      database: text(o, 'database', `${field}.database`),
      tables: count(o, 'tables', `${field}.tables`),
      ...optionalCount(o, 'views', `${field}.views`),
      ...optionalCount(o, 'routines', `${field}.routines`),
      ...optionalCount(o, 'triggers', `${field}.triggers`),
      ...optionalCount(o, 'events', `${field}.events`),
    };
    return { ...extras(MYSQL_KEYS), ...source };
  }
  if (o.kind === 'directory') {
    const source: ManifestDirectorySource = {
      kind: 'directory',
      label: text(o, 'label', `${field}.label`),
      path: text(o, 'path', `${field}.path`),
      files: count(o, 'files', `${field}.files`),
      dirs: count(o, 'dirs', `${field}.dirs`),
      symlinks: count(o, 'symlinks', `${field}.symlinks`),
      bytes: count(o, 'bytes', `${field}.bytes`),
      ...optionalCount(o, 'excluded', `${field}.excluded`),
    };
    return { ...extras(DIRECTORY_KEYS), ...source };
  }
  return fail(`${field}.kind`, 'must be "mysql" or "directory"', o.kind);
}

function parseObject(v: unknown, i: number): ManifestObject {
  const at = `objects[${i}]`;
  const o = object(v, at);
  const name = text(o, 'name', `${at}.name`);
  const parsedName = parseObjectName(name);
  if (parsedName === undefined)
    fail(`${at}.name`, 'must be an object name like db-<database>.sql.zst or files-<label>.tar.zst', name);
  const size = count(o, 'size', `${at}.size`);
  const sha256 = text(o, 'sha256', `${at}.sha256`);
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${at}.sha256`, 'must be 64 lower-case hex digits', sha256);
  const compression = o.compression;
  if (compression !== 'zstd' && compression !== 'gzip' && compression !== 'none')
    fail(`${at}.compression`, 'must be "zstd", "gzip" or "none"', compression);
  const encrypted = o.encrypted;
  if (typeof encrypted !== 'boolean') fail(`${at}.encrypted`, 'must be true or false', encrypted);
  const source = parseSource(o.source, `${at}.source`);
  const id = source.kind === 'mysql' ? source.database : source.label;
  const expected = objectName(
    source.kind === 'mysql' ? { kind: 'mysql', database: id } : { kind: 'directory', label: id },
    compression,
    encrypted,
  );
  if (name !== expected) {
    fail(
      `${at}.name`,
      `does not match its source, compression and encryption (expected ${JSON.stringify(expected)})`,
      name,
    );
  }
  return { name, size, sha256, compression, encrypted, source };
}

/** Parses and validates manifest.json; throws a ManifestError naming the first bad field. */
export function parseManifest(json: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ManifestError('', `is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const o = object(raw, '');
  if (o.version !== MANIFEST_VERSION) fail('version', `must be ${MANIFEST_VERSION}`, o.version);
  const job = text(o, 'job', 'job');
  const host = text(o, 'host', 'host');
  const setName = text(o, 'setName', 'setName');
  if (!isSetName(setName)) fail('setName', 'must be a set name like 20261122T031500Z', setName);
  const startedAt = timestamp(o, 'startedAt');
  const finishedAt = timestamp(o, 'finishedAt');
  const toolVersion = text(o, 'toolVersion', 'toolVersion');
  if (!Array.isArray(o.objects)) fail('objects', 'must be a list', o.objects);
  const objects = o.objects.map((x, i) => parseObject(x, i));
  const seen = new Map<string, number>();
  objects.forEach((ob, i) => {
    const first = seen.get(ob.name);
    if (first !== undefined) fail(`objects[${i}].name`, `repeats objects[${first}].name`, ob.name);
    seen.set(ob.name, i);
  });
  const warnings = o.warnings;
  if (!Array.isArray(warnings)) fail('warnings', 'must be a list of strings', warnings);
  warnings.forEach((w, i) => {
    if (typeof w !== 'string') fail(`warnings[${i}]`, 'must be a string', w);
  });
  return {
    version: 1,
    job,
    host,
    setName,
    startedAt,
    finishedAt,
    toolVersion,
    objects,
    warnings: warnings as string[],
  };
}
