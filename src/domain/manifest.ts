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
  /** Rows per table as dumped (for the comparison with the next run). */
  rows?: Record<string, number>;
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

export interface ManifestSqliteSource {
  kind: 'sqlite';
  label: string;
  /** The database file that was copied (absolute, on the backed-up host). */
  path: string;
  /** Bytes of the consistent copy that was stored (before compression). */
  bytes: number;
  /** Tables in the copy (sqlite_ internal tables not counted). */
  tables: number;
}

export interface ManifestCommandSource {
  kind: 'command';
  label: string;
  /** The program that was run (its arguments are not recorded). */
  program: string;
  /** Bytes it wrote to its standard output (before compression). */
  bytes: number;
}

export type ManifestSource =
  ManifestMysqlSource | ManifestDirectorySource | ManifestSqliteSource | ManifestCommandSource;

export interface ManifestObject {
  /** File name inside the set, as written by objectName(). */
  name: string;
  /** Bytes stored on the server (after compression and encryption). */
  size: number;
  /** sha256 of the stored bytes, 64 lower-case hex digits. */
  sha256: string;
  compression: Compression;
  encrypted: boolean;
  /**
   * Bytes of the content before compression and encryption (the SQL, the tar stream): what a restore
   * writes. Recorded since restores bound decompression by it; absent in older manifests.
   */
  contentBytes?: number;
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
  /** What is wrong with the field. */
  readonly problem: string;

  /** `set`: the set's path, named in the message when known. */
  constructor(field: string, problem: string, set?: string) {
    super(
      `invalid manifest.json${set === undefined ? '' : ` of set ${set}`}: ${field === '' ? 'the document' : field} ${problem}`,
    );
    this.field = field;
    this.problem = problem;
  }
}

const MYSQL_KEYS = ['kind', 'database', 'tables', 'views', 'routines', 'triggers', 'events', 'rows'] as const;
const DIRECTORY_KEYS = ['kind', 'label', 'path', 'files', 'dirs', 'symlinks', 'bytes', 'excluded'] as const;
const SQLITE_KEYS = ['kind', 'label', 'path', 'bytes', 'tables'] as const;
const COMMAND_KEYS = ['kind', 'label', 'program', 'bytes'] as const;
const SOURCE_KEYS: Record<ManifestSource['kind'], readonly string[]> = {
  mysql: MYSQL_KEYS,
  directory: DIRECTORY_KEYS,
  sqlite: SQLITE_KEYS,
  command: COMMAND_KEYS,
};

function orderedSource(source: ManifestSource): Record<string, unknown> {
  const known = SOURCE_KEYS[source.kind];
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
      ...(o.contentBytes !== undefined ? { contentBytes: o.contentBytes } : {}),
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

/** `{ rows }` when there is a valid table → row count object, `{}` when absent. */
function optionalRows(v: unknown, field: string): { rows?: Record<string, number> } {
  if (v === undefined) return {};
  const o = object(v, field);
  const entries = Object.entries(o).map(([table, n]): [string, number] => {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
      fail(`${field}[${JSON.stringify(table)}]`, 'must be a non-negative integer', n);
    return [table, n];
  });
  return { rows: Object.fromEntries(entries) };
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
      ...optionalRows(o.rows, `${field}.rows`),
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
  if (o.kind === 'sqlite') {
    const source: ManifestSqliteSource = {
      kind: 'sqlite',
      label: text(o, 'label', `${field}.label`),
      path: text(o, 'path', `${field}.path`),
      bytes: count(o, 'bytes', `${field}.bytes`),
      tables: count(o, 'tables', `${field}.tables`),
    };
    return { ...extras(SQLITE_KEYS), ...source };
  }
  if (o.kind === 'command') {
    const source: ManifestCommandSource = {
      kind: 'command',
      label: text(o, 'label', `${field}.label`),
      program: text(o, 'program', `${field}.program`),
      bytes: count(o, 'bytes', `${field}.bytes`),
    };
    return { ...extras(COMMAND_KEYS), ...source };
  }
  return fail(`${field}.kind`, 'must be "mysql", "directory", "sqlite" or "command"', o.kind);
}

function parseObject(v: unknown, i: number): ManifestObject {
  const at = `objects[${i}]`;
  const o = object(v, at);
  const name = text(o, 'name', `${at}.name`);
  const parsedName = parseObjectName(name);
  if (parsedName === undefined)
    fail(
      `${at}.name`,
      'must be an object name like db-<database>.sql.zst, files-<label>.tar.zst, sqlite-<label>.db.zst or cmd-<label>.out.zst',
      name,
    );
  const size = count(o, 'size', `${at}.size`);
  const sha256 = text(o, 'sha256', `${at}.sha256`);
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${at}.sha256`, 'must be 64 lower-case hex digits', sha256);
  const compression = o.compression;
  if (compression !== 'zstd' && compression !== 'gzip' && compression !== 'none')
    fail(`${at}.compression`, 'must be "zstd", "gzip" or "none"', compression);
  const encrypted = o.encrypted;
  if (typeof encrypted !== 'boolean') fail(`${at}.encrypted`, 'must be true or false', encrypted);
  const contentBytes = optionalCount(o, 'contentBytes', `${at}.contentBytes`);
  const source = parseSource(o.source, `${at}.source`);
  const expected = objectName(
    source.kind === 'mysql'
      ? { kind: 'mysql', database: source.database }
      : { kind: source.kind, label: source.label },
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
  return { name, size, sha256, compression, encrypted, ...contentBytes, source };
}

/**
 * What a manifest.json may be, checked before it is parsed: it comes from the server, which may be
 * hostile. Ours are a few KiB (about 500 bytes per object, four levels deep); the limits leave a wide
 * margin and keep a forged one from exhausting memory or the stack.
 */
export const MANIFEST_LIMITS = {
  /** Bytes read from the server; the download stops at the first byte past it. */
  bytes: 16 * 1024 * 1024,
  /** Entries of `objects`. */
  objects: 10_000,
  /** Nesting of objects and arrays. */
  depth: 32,
  /** Objects and lists in the whole document (two per object: itself and its source). */
  containers: 25_000,
} as const;

/**
 * Checks the nesting depth and the number of objects and arrays of a JSON text without parsing it (a
 * scan outside strings, no recursion), so a document nested 100,000 deep or holding millions of
 * objects is refused before JSON.parse or any recursive code sees it.
 */
export function checkJsonShape(
  json: string,
  limits: { depth: number; containers: number } = MANIFEST_LIMITS,
): void {
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      containers++;
      if (depth > limits.depth) throw new ManifestError('', `is nested deeper than ${limits.depth} levels`);
      if (containers > limits.containers) {
        throw new ManifestError('', `holds more than ${limits.containers} objects and lists`);
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** Parses and validates manifest.json; throws a ManifestError naming the first bad field. */
export function parseManifest(json: string): Manifest {
  checkJsonShape(json);
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
  if (o.objects.length > MANIFEST_LIMITS.objects) {
    fail('objects', `must hold at most ${MANIFEST_LIMITS.objects} entries (it holds ${o.objects.length})`);
  }
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

/** Tar overhead allowed per entry when only the file bytes are known: header, PAX records, padding. */
const TAR_ENTRY_ALLOWANCE = 16 * 1024;
/** Added to an estimated bound (tar end blocks, record padding). */
const ESTIMATE_MARGIN = 1024 * 1024;

/**
 * The most content bytes a restore accepts from an object once decrypted and decompressed, with why:
 * the recorded contentBytes exactly; for an older manifest's folder object, its file bytes plus a tar
 * allowance per entry; undefined when the manifest gives no basis (an older database object: only the
 * free-space check bounds it). A decompression bomb stops at the first byte past the bound.
 */
export function contentLimit(object: ManifestObject): { bytes: number; basis: string } | undefined {
  if (object.contentBytes !== undefined) {
    return { bytes: object.contentBytes, basis: 'the content size the manifest records' };
  }
  const s = object.source;
  if (s.kind !== 'directory') return undefined;
  const entries = s.files + s.dirs + s.symlinks;
  return {
    bytes: s.bytes + entries * TAR_ENTRY_ALLOWANCE + ESTIMATE_MARGIN,
    basis: `the manifest's ${s.bytes} file bytes in ${entries} entries, with tar overhead`,
  };
}

/**
 * The bytes restoring an object will write, for the free-space check: the recorded contentBytes, else a
 * folder's file bytes (tar headers are not written out); undefined when the manifest does not say.
 */
export function expectedContentBytes(object: ManifestObject): number | undefined {
  if (object.contentBytes !== undefined) return object.contentBytes;
  return object.source.kind === 'directory' ? object.source.bytes : undefined;
}
