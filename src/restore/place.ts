/**
 * Moving staged entries into the target folder: every conflict is found before anything moves.
 *
 * A staged entry whose destination does not exist moves with one rename (a whole folder at once). A
 * staged folder over an existing real folder is merged entry by entry. Anything else at a destination
 * (a file, a symlink — never followed —, a folder where a file is staged) is a conflict: without
 * `overwrite` the conflicts are reported (PlaceConflictError) and nothing moves; with it the existing
 * entry is replaced (a file over a file by rename(2), otherwise the old entry is removed first).
 */
import { chmod, lstat, readdir, rename, rm, utimes } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { firstFew } from '../domain/index.ts';
import type { DirMeta } from './extract.ts';

export class PlaceConflictError extends Error {
  override name = 'PlaceConflictError';
  readonly conflicts: string[];

  constructor(message: string, conflicts: string[]) {
    super(message);
    this.conflicts = conflicts;
  }
}

export interface PlaceItem {
  /** Staged file or folder. */
  from: string;
  /** Its final path inside the target. */
  to: string;
  /** For folders: modes and mtimes to apply after the move, deepest first. */
  dirMeta?: DirMeta[];
}

interface Move {
  from: string;
  to: string;
  /** What is at `to` now: undefined (nothing), 'dir' or 'other'. */
  existing: 'dir' | 'other' | undefined;
  stagedDir: boolean;
}

async function kindAt(path: string): Promise<'dir' | 'other' | undefined> {
  try {
    const st = await lstat(path);
    return st.isDirectory() ? 'dir' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function plan(from: string, to: string, moves: Move[]): Promise<void> {
  const stagedDir = (await lstat(from)).isDirectory();
  const existing = await kindAt(to);
  if (stagedDir && existing === 'dir') {
    for (const name of await readdir(from)) await plan(join(from, name), join(to, name), moves);
    return;
  }
  moves.push({ from, to, existing, stagedDir });
}

/**
 * Moves `items` into place under `target` (used for messages). Throws PlaceConflictError before moving
 * anything when something exists at a destination and `overwrite` is false.
 */
export async function placeAll(
  items: readonly PlaceItem[],
  target: string,
  overwrite: boolean,
): Promise<{ replaced: number }> {
  const moves: Move[] = [];
  for (const item of items) await plan(item.from, item.to, moves);
  const conflicts = moves.filter((m) => m.existing !== undefined).map((m) => relative(target, m.to));
  if (conflicts.length > 0 && !overwrite) {
    throw new PlaceConflictError(
      `${conflicts.length} existing entr${conflicts.length === 1 ? 'y' : 'ies'} in ${target} would be overwritten: ${firstFew(conflicts)} — nothing was restored; restore into an empty folder, or give --overwrite to replace them`,
      conflicts,
    );
  }
  for (const m of moves) {
    if (m.existing !== undefined && (m.stagedDir || m.existing === 'dir')) {
      await rm(m.to, { recursive: true, force: true });
    }
    await rename(m.from, m.to);
  }
  for (const item of items) {
    for (const d of item.dirMeta ?? []) {
      const path = join(item.to, ...d.parts);
      const st = await lstat(path);
      if (!st.isDirectory()) continue; // replaced by something else meanwhile: leave it alone
      await chmod(path, d.mode);
      if (d.mtime !== undefined) await utimes(path, d.mtime, d.mtime);
    }
  }
  return { replaced: conflicts.length };
}
