/**
 * restoreSet: the objects of one set back onto this machine, nothing half-restored in place.
 *
 * Every object is first read completely (readObject: sha256 and size checked against the manifest,
 * decrypted, decompressed) into a staging folder created inside the target (`<to>/.ftps-backup-restore-
 * <random>/`, same file system, so moving is a rename); only when all of them are good are they moved
 * into place, after every conflict with an existing entry has been found (see src/restore/place.ts).
 * The staging folder is always removed.
 *
 * Layout in the target: a folder object `files-<label>.tar…` becomes the folder `<to>/<label>/`, a
 * database `db-<name>.sql…` the file `<to>/db-<name>.sql` — unless `dbToFile` (the SQL written to that
 * path through `<path>.partial`) or `dbInto` (the SQL loaded into a database; spooled to a private
 * temporary file first, so a damaged dump is never half-loaded; another name than the dumped database's
 * is written into its CREATE DATABASE and USE lines, see src/restore/sql-rename.ts) say otherwise.
 */
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  contentLimit,
  expectedContentBytes,
  landingOf,
  PARTIAL_SUFFIX,
  type Landing,
  type ManifestObject,
} from '../domain/index.ts';
import type { DecryptWith } from '../pipeline/index.ts';
import {
  extractTar,
  placeAll,
  PlaceConflictError,
  renameDatabase,
  type ExtractResult,
  type PlaceItem,
  type SqlTarget,
} from '../restore/index.ts';
import type { RemoteStore } from '../storage/types.ts';
import { ContentLimitError, EncryptedObjectError, ObjectMismatchError, readObject } from './read-object.ts';

export class RestoreRefusedError extends Error {
  override name = 'RestoreRefusedError';
}

export interface RestoreSetInput {
  store: RemoteStore;
  setPath: string;
  /** The objects to restore (of the set's manifest). */
  objects: ManifestObject[];
  keys?: DecryptWith;
  /** Target folder; needed unless every object goes to dbToFile/dbInto. Created when missing. */
  to?: string;
  overwrite: boolean;
  /** Write the (single) database object's SQL to this file. */
  dbToFile?: string;
  /**
   * Load the (single) database object into this database (`force`: even when it is not empty); under
   * another name than the dumped one, the dump's CREATE DATABASE / USE lines are rewritten for it.
   */
  dbInto?: { database: string; target: SqlTarget; force: boolean };
  onProgress?: (object: ManifestObject, storedBytes: number) => void;
  /** Paths to remove if the process is interrupted (staging folder, partial file); undefined: none. */
  onCleanup?: (paths: string[]) => void;
}

export interface RestoredObject {
  name: string;
  kind: Landing['kind'];
  /** Where it went: a folder, a file, or `database <name>`. */
  where: string;
  storedBytes: number;
  /** Folder objects: what was written, and what the manifest says the backup held. */
  restored?: { files: number; dirs: number; symlinks: number; bytes: number };
  expected?: { files: number; dirs: number; symlinks: number; bytes: number };
}

export interface RestoreSetResult {
  objects: RestoredObject[];
  /** Existing entries replaced (with overwrite). */
  replaced: number;
  warnings: string[];
}

interface Staged {
  object: ManifestObject;
  landing: Landing;
  /** Staged file or folder. */
  path: string;
  extracted?: ExtractResult;
  storedBytes: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** True unless `path` is missing or an empty real folder. */
async function occupied(path: string): Promise<boolean> {
  try {
    const st = await lstat(path);
    return !st.isDirectory() || (await readdir(path)).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Removes `path` and its parents up to `top`, as long as they are empty folders (best effort). */
async function removeEmptyChain(path: string, top: string): Promise<void> {
  for (let p = path; ; p = dirname(p)) {
    try {
      await rmdir(p);
    } catch {
      return; // not empty (or gone): leave it
    }
    if (p === top || dirname(p) === p) return;
  }
}

/** readObject's verdict on the stored bytes first, then the consumer's own failure. */
async function readInto(
  input: RestoreSetInput,
  object: ManifestObject,
  consumer: Writable,
  consumed: Promise<unknown>,
  folder: string,
): Promise<number> {
  const [read, used] = await Promise.allSettled([
    readObject(
      input.store,
      input.setPath,
      object,
      input.keys,
      consumer,
      (n) => input.onProgress?.(object, n),
      contentLimit(object) ?? (await freeSpaceBound(folder)),
    ),
    consumed,
  ]);
  if (read.status === 'rejected') {
    const err: unknown = read.reason;
    if (
      err instanceof ObjectMismatchError ||
      err instanceof EncryptedObjectError ||
      err instanceof ContentLimitError
    ) {
      throw err;
    }
    if (used.status === 'rejected') throw used.reason;
    throw err;
  }
  if (used.status === 'rejected') throw used.reason;
  return read.value.bytes;
}

function fileSink(path: string): { stream: Writable; done: Promise<void> } {
  const stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  const done = new Promise<void>((res, rej) => {
    stream.once('close', () => res());
    stream.once('error', rej);
  });
  done.catch(() => {}); // observed through readInto
  return { stream, done };
}

/** Space kept free beyond what a restore writes (file-system metadata, other writers). */
const FREE_SPACE_RESERVE = 64 * 1024 * 1024;

async function freeBytes(folder: string): Promise<number> {
  const fs = await statfs(folder);
  return fs.bavail * fs.bsize;
}

/** The content bound of an object the manifest gives no basis for: what fits into `folder`. */
async function freeSpaceBound(folder: string): Promise<{ bytes: number; basis: string }> {
  const bytes = Math.max(0, (await freeBytes(folder)) - FREE_SPACE_RESERVE);
  return { bytes, basis: `the free space of ${folder}, less ${FREE_SPACE_RESERVE / 1048576} MiB` };
}

/**
 * Refuses a restore whose objects would not fit into `folder`, by what the manifest says they hold
 * (objects it says nothing about count as 0; their size is bounded while they are read).
 */
async function checkFreeSpace(folder: string, objects: ManifestObject[]): Promise<void> {
  const need = objects.reduce((n, o) => n + (expectedContentBytes(o) ?? 0), 0);
  if (need === 0) return;
  const free = await freeBytes(folder);
  if (free < need + FREE_SPACE_RESERVE) {
    const mib = (n: number): string => `${Math.ceil(n / 1048576)} MiB`;
    throw new RestoreRefusedError(
      `${folder} has ${mib(free)} free, and ${objects.map((o) => o.name).join(', ')} hold ${mib(need)} by the manifest (plus ${mib(FREE_SPACE_RESERVE)} kept free): nothing was restored; free space or restore elsewhere`,
    );
  }
}

export async function restoreSet(input: RestoreSetInput): Promise<RestoreSetResult> {
  const { objects, overwrite } = input;
  const landings = objects.map((o) => {
    const landing = landingOf(o.name);
    if (landing === undefined)
      throw new RestoreRefusedError(`${o.name}: not an object name this tool writes`);
    return landing;
  });
  const databases = objects.filter((_, i) => landings[i]?.kind === 'mysql');
  const special = input.dbInto !== undefined || input.dbToFile !== undefined;
  if (special && databases.length !== 1) {
    throw new RestoreRefusedError(
      `--db-into and --db-to-file take one database, and the selection holds ${databases.length}: choose one with --only`,
    );
  }
  // --db-into and --db-to-file concern the one mysql dump; everything else goes to the target folder
  const inTarget = objects.filter((_, i) => landings[i]?.kind !== 'mysql' || !special);
  const to = input.to !== undefined ? resolve(input.to) : undefined;
  if (inTarget.length > 0 && to === undefined) {
    throw new RestoreRefusedError(
      `restoring ${inTarget.map((o) => o.name).join(', ')} needs a target folder (--to)`,
    );
  }

  // Refusals that need no download come first.
  if (to !== undefined) {
    // the target itself may be a symlink to a folder: the user's choice
    const st = await stat(to).catch(() => undefined);
    if (st !== undefined && !st.isDirectory())
      throw new RestoreRefusedError(`${to} is not a folder: give a folder with --to`);
  }
  if (input.dbInto !== undefined && !input.dbInto.force) {
    const n = await input.dbInto.target.objectCount(input.dbInto.database);
    if (n > 0) {
      throw new RestoreRefusedError(
        `database ${input.dbInto.database} is not empty (${n} tables, views, routines or events): nothing was loaded; drop it first, or give --force to load the dump over it`,
      );
    }
  }
  const dbFile = input.dbToFile !== undefined ? resolve(input.dbToFile) : undefined;
  if (dbFile !== undefined && !overwrite && (await exists(dbFile))) {
    throw new RestoreRefusedError(`${dbFile} exists: nothing was restored; give --overwrite to replace it`);
  }
  if (dbFile !== undefined && (await exists(`${dbFile}${PARTIAL_SUFFIX}`))) {
    throw new RestoreRefusedError(
      `${dbFile}.partial exists (left by an interrupted restore?): nothing was restored; remove it and try again`,
    );
  }
  if (to !== undefined && !overwrite) {
    const taken: string[] = [];
    for (const [i, o] of objects.entries()) {
      const l = landings[i] as Landing;
      if (inTarget.includes(o) && (await occupied(join(to, l.path)))) taken.push(l.path);
    }
    if (taken.length > 0) {
      throw new PlaceConflictError(
        `${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''} in ${to} and ${taken.length === 1 ? 'is' : 'are'} not empty: nothing was restored; restore into another folder, or give --overwrite to replace what the backup holds`,
        taken,
      );
    }
  }

  let staging: string | undefined;
  /** The first folder of the target path this restore created, if any. */
  let made: string | undefined;
  let failed = false;
  const cleanup: string[] = [];
  const warnings: string[] = [];
  try {
    if (to !== undefined || input.dbInto !== undefined) {
      if (to !== undefined) made = await mkdir(to, { recursive: true });
      staging = await mkdtemp(join(to ?? tmpdir(), '.ftps-backup-restore-'));
      cleanup.push(staging);
      await checkFreeSpace(
        staging,
        objects.filter((_, i) => landings[i]?.kind === 'directory' || dbFile === undefined),
      );
    }
    if (dbFile !== undefined) await checkFreeSpace(dirname(dbFile), databases);
    if (dbFile !== undefined) cleanup.push(`${dbFile}${PARTIAL_SUFFIX}`);
    input.onCleanup?.(cleanup);

    const staged: Staged[] = [];
    for (const [i, object] of objects.entries()) {
      const landing = landings[i] as Landing;
      if (landing.kind === 'directory') {
        const path = join(staging as string, landing.path);
        await mkdir(path, { mode: 0o700 });
        const extraction = extractTar(path, object.name);
        const storedBytes = await readInto(input, object, extraction.input, extraction.done, path);
        const extracted = await extraction.done;
        warnings.push(...extracted.warnings);
        staged.push({ object, landing, path, extracted, storedBytes });
        continue;
      }
      const path =
        dbFile !== undefined
          ? `${dbFile}${PARTIAL_SUFFIX}`
          : input.dbInto !== undefined
            ? join(staging as string, 'dump.sql')
            : join(staging as string, landing.path);
      const sink = fileSink(path);
      const dumped = object.source.kind === 'mysql' ? object.source.database : undefined;
      let storedBytes: number;
      if (input.dbInto !== undefined && dumped !== undefined && dumped !== input.dbInto.database) {
        // loading under another name: the dump's CREATE DATABASE / USE lines are rewritten on the way
        const rename = renameDatabase(dumped, input.dbInto.database);
        const renamed = pipeline(rename, sink.stream);
        storedBytes = await readInto(input, object, rename, Promise.all([renamed, sink.done]), dirname(path));
      } else {
        storedBytes = await readInto(input, object, sink.stream, sink.done, dirname(path));
      }
      staged.push({ object, landing, path, storedBytes });
    }

    // Everything is verified: now it may land.
    const items: PlaceItem[] = staged
      .filter((s) => inTarget.includes(s.object))
      .map((s) => ({
        from: s.path,
        to: join(to as string, s.landing.path),
        ...(s.extracted !== undefined ? { dirMeta: s.extracted.dirMeta } : {}),
      }));
    const { replaced } = await placeAll(items, to ?? '', overwrite);
    const restored: RestoredObject[] = [];
    for (const s of staged) {
      let where: string;
      if (inTarget.includes(s.object)) where = join(to as string, s.landing.path);
      else if (dbFile !== undefined) {
        if (!overwrite && (await exists(dbFile))) {
          throw new RestoreRefusedError(`${dbFile} appeared while restoring: give --overwrite to replace it`);
        }
        await rename(s.path, dbFile);
        where = dbFile;
      } else {
        const into = input.dbInto as NonNullable<RestoreSetInput['dbInto']>;
        await into.target.load(s.path);
        where = `database ${into.database}`;
      }
      const source = s.object.source;
      restored.push({
        name: s.object.name,
        kind: s.landing.kind,
        where,
        storedBytes: s.storedBytes,
        ...(s.extracted !== undefined
          ? {
              restored: {
                files: s.extracted.files,
                dirs: s.extracted.dirs,
                symlinks: s.extracted.symlinks,
                bytes: s.extracted.bytes,
              },
            }
          : {}),
        ...(source.kind === 'directory'
          ? {
              expected: {
                files: source.files,
                dirs: source.dirs,
                symlinks: source.symlinks,
                bytes: source.bytes,
              },
            }
          : {}),
      });
    }
    return { objects: restored, replaced, warnings };
  } catch (err) {
    failed = true;
    if (dbFile !== undefined) await rm(`${dbFile}${PARTIAL_SUFFIX}`, { force: true }).catch(() => {});
    throw err;
  } finally {
    if (staging !== undefined) await rm(staging, { recursive: true, force: true }).catch(() => {});
    if (failed && made !== undefined && to !== undefined) await removeEmptyChain(to, made);
    input.onCleanup?.([]);
  }
}
