/**
 * Retention for an append-only destination, decided by what the holder of the backup login cannot forge.
 *
 * On such a destination the backup login cannot delete, rename or replace files, but it can upload: set
 * folders with any name and manifests with any content. So set names and manifest contents are not
 * trusted here; what is trusted is the time the server itself gave each set's manifest.json (its MLSD
 * `modify`), which that login cannot change as long as the server refuses it APPE and setting times
 * (MFMT / SITE UTIME, vsftpd's MDTM with a time): a file it uploads gets the server's clock, nothing older.
 *
 * Rules (pure: `now` comes in, every decision carries its reason):
 * - Nothing younger than `minAgeMs` (server time; a time in the future counts as young) is ever removed.
 * - keepDaily/Weekly/Monthly N: the N calendar windows (UTC days, ISO weeks, months) counted back from the
 *   one holding `now`, whether or not they hold a set; in each, the complete set with the newest server
 *   time is kept (ties: the greater name). Windows are fixed by the calendar, not by the sets present, so
 *   sets uploaded after a compromise can only take the windows from the compromise on: they cannot push an
 *   older set out of its window.
 * - Everything else older than `minAgeMs` is removed: complete sets that are not the newest of a kept
 *   window, and sets without a manifest (incomplete; timed by their folder).
 * - A set with no server time at all is kept ("no server time": never judged blind).
 * A policy without minAgeMs > 0 throws; duplicate names and invalid times throw.
 */
import { isoWeek, RetentionPolicyError } from './retention.ts';

export interface AppendOnlyPrunePolicy {
  keepDaily?: number | undefined;
  keepWeekly?: number | undefined;
  keepMonthly?: number | undefined;
  /** Nothing younger than this (ms, by server time) is removed; required, > 0. */
  minAgeMs: number;
}

export interface AppendOnlySet {
  /** The folder name as listed (not trusted for time: any name is possible). */
  name: string;
  /** The server's modification time of the set's manifest.json; undefined when it has none. */
  manifestTime: Date | undefined;
  /** The server's modification time of the folder (times an incomplete set). */
  folderTime: Date | undefined;
}

export interface AppendOnlyPruneResult {
  /** Newest server time first, each with every reason that kept it. */
  keep: { name: string; reasons: string[] }[];
  /** Newest server time first. */
  remove: { name: string; reason: string }[];
}

const DAY_MS = 86_400_000;
const RULES = [
  ['keepDaily', 'daily', dayKey, (d: Date, back: number) => new Date(d.getTime() - back * DAY_MS)],
  ['keepWeekly', 'weekly', weekKey, (d: Date, back: number) => new Date(d.getTime() - back * 7 * DAY_MS)],
  [
    'keepMonthly',
    'monthly',
    monthKey,
    (d: Date, back: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1)),
  ],
] as const;

function dayKey(d: Date): string {
  return d.toISOString().slice(0, 10);
}
function weekKey(d: Date): string {
  const w = isoWeek(d);
  return `${w.year}-W${String(w.week).padStart(2, '0')}`;
}
function monthKey(d: Date): string {
  return d.toISOString().slice(0, 7);
}

function checkCount(policy: AppendOnlyPrunePolicy, key: 'keepDaily' | 'keepWeekly' | 'keepMonthly'): number {
  const n = policy[key] ?? 0;
  if (!Number.isInteger(n) || n < 0)
    throw new RetentionPolicyError(`${key} must be an integer ≥ 0, got ${n}`);
  return n;
}

export function applyAppendOnlyRetention(
  sets: readonly AppendOnlySet[],
  policy: AppendOnlyPrunePolicy,
  now: Date,
): AppendOnlyPruneResult {
  if (!(Number.isFinite(policy.minAgeMs) && policy.minAgeMs > 0)) {
    throw new RetentionPolicyError(
      `an append-only prune needs a minimum age > 0 (nothing younger is removed), got ${policy.minAgeMs}`,
    );
  }
  const seen = new Set<string>();
  for (const s of sets) {
    if (seen.has(s.name)) throw new RetentionPolicyError(`duplicate set name ${s.name}`);
    seen.add(s.name);
    for (const t of [s.manifestTime, s.folderTime]) {
      if (t !== undefined && Number.isNaN(t.getTime()))
        throw new RetentionPolicyError(`invalid time for ${s.name}`);
    }
  }
  const timeOf = (s: AppendOnlySet): Date | undefined => s.manifestTime ?? s.folderTime;
  const reasons = new Map<string, string[]>();
  const keep = (name: string, why: string): void => {
    const list = reasons.get(name) ?? [];
    list.push(why);
    reasons.set(name, list);
  };
  const minAgeDays = policy.minAgeMs / DAY_MS;
  const minAgeText = Number.isInteger(minAgeDays) ? `${minAgeDays} days` : `${policy.minAgeMs} ms`;
  for (const s of sets) {
    const t = timeOf(s);
    if (t === undefined) keep(s.name, 'no server time');
    else if (now.getTime() - t.getTime() < policy.minAgeMs)
      keep(s.name, `younger than ${minAgeText} (server time)`);
  }
  // Complete sets, newest server time first (ties: greater name first).
  const complete = sets
    .filter((s) => s.manifestTime !== undefined)
    .sort((a, b) => b.manifestTime!.getTime() - a.manifestTime!.getTime() || (a.name < b.name ? 1 : -1));
  for (const [key, label, period, back] of RULES) {
    const n = checkCount(policy, key);
    const windows = new Set<string>();
    for (let i = 0; i < n; i++) windows.add(period(back(now, i)));
    const taken = new Set<string>();
    for (const s of complete) {
      const p = period(s.manifestTime!);
      if (!windows.has(p) || taken.has(p) || s.manifestTime!.getTime() > now.getTime()) continue;
      taken.add(p);
      keep(s.name, `${label} ${p} (newest by server time)`);
    }
  }
  const ordered = [...sets].sort(
    (a, b) =>
      (timeOf(b)?.getTime() ?? Infinity) - (timeOf(a)?.getTime() ?? Infinity) || (a.name < b.name ? 1 : -1),
  );
  const result: AppendOnlyPruneResult = { keep: [], remove: [] };
  for (const s of ordered) {
    const why = reasons.get(s.name);
    if (why !== undefined) result.keep.push({ name: s.name, reasons: why });
    else
      result.remove.push({
        name: s.name,
        reason:
          s.manifestTime === undefined
            ? `no manifest, older than ${minAgeText} (server time)`
            : `older than ${minAgeText} and not the newest of a kept day, week or month (server time)`,
      });
  }
  return result;
}
