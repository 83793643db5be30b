/**
 * Restore's pure decisions: whether a tar entry's name may be extracted (and as which path components),
 * which permission bits a restored entry gets, and where an object of a set lands in the target folder.
 */
import { parseObjectName } from './set-name.ts';

export type EntryPathVerdict = { ok: true; parts: string[] } | { ok: false; reason: string };

/**
 * The path components of a tar entry name, relative to the folder it is extracted into; `[]` is that
 * folder itself (`./`). Refused: an empty name, NUL, an absolute name and any `..` component (even
 * one that would stay inside, like `a/../b`: our own archives never contain one). `.` components and
 * repeated or trailing slashes are dropped.
 */
export function entryPath(name: string): EntryPathVerdict {
  if (name === '') return { ok: false, reason: 'empty name' };
  if (name.includes('\u0000')) return { ok: false, reason: 'name contains NUL' };
  if (name.startsWith('/')) return { ok: false, reason: 'absolute path' };
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, reason: 'path contains a ".." component' };
  return { ok: true, parts };
}

/**
 * Permission bits to restore from a tar header's mode: the rwx bits always; setuid, setgid and sticky
 * only when restoring as root (a setuid file owned by whoever runs the restore is rarely what was
 * backed up, and is a hazard).
 */
export function restoredMode(mode: number | undefined, fallback: number, asRoot: boolean): number {
  const m = mode ?? fallback;
  return m & (asRoot ? 0o7777 : 0o777);
}

export type Landing =
  | { kind: 'directory'; label: string; /** Folder name inside the target. */ path: string }
  | { kind: 'mysql'; database: string; /** File name inside the target. */ path: string }
  | { kind: 'sqlite'; label: string; /** File name inside the target. */ path: string }
  | { kind: 'command'; label: string; /** File name inside the target. */ path: string };

/**
 * Where an object lands inside the target folder: `files-<label>.tar…` → the folder `<label>`,
 * `db-<name>.sql…` → the file `db-<name>.sql`, `sqlite-<label>.db…` → the file `sqlite-<label>.db`,
 * `cmd-<label>.out…` → the file `cmd-<label>.out` (the
 * encoded name part of the object name, so only [A-Za-z0-9_.-] and %XX). Undefined for a name that is
 * not an object name or would be `.`/`..`.
 */
export function landingOf(objectName: string): Landing | undefined {
  const parsed = parseObjectName(objectName);
  if (parsed === undefined) return undefined;
  const part = /^(?:db|files|sqlite|cmd)-(.+)\.(?:sql|tar|db|out)/.exec(objectName)?.[1];
  if (part === undefined || part === '.' || part === '..') return undefined;
  const s = parsed.source;
  if (s.kind === 'mysql') return { kind: 'mysql', database: s.database, path: `db-${part}.sql` };
  if (s.kind === 'sqlite') return { kind: 'sqlite', label: s.label, path: `sqlite-${part}.db` };
  if (s.kind === 'command') return { kind: 'command', label: s.label, path: `cmd-${part}.out` };
  return { kind: 'directory', label: s.label, path: part };
}

/** "a, b, c and 7 more": the first `shown` items of a list for an error message. */
export function firstFew(items: readonly string[], shown = 5): string {
  const head = items.slice(0, shown).join(', ');
  return items.length > shown ? `${head} and ${items.length - shown} more` : head;
}
