/**
 * Retention: which sets of a job to keep and which to remove — a pure function over the listing of the
 * job's sets (name, UTC time from the name, complete = has manifest.json) and an injected `now`. It never
 * looks at server modification times or local state, and it explains every decision.
 *
 * Semantics (restic's `forget`, see restic doc/060_forget.rst; borg differs where noted):
 * - Only COMPLETE sets that are not in the future count for the policy. They are sorted newest first
 *   (time descending, ties broken by name descending, so any input order gives the same result).
 * - keepLast N: the N newest.
 * - keepHourly/Daily/Weekly/Monthly/Yearly N: walking newest → oldest, a set is kept when its period
 *   differs from the period of the last set this rule kept, until the rule has kept N sets — so each rule
 *   keeps the newest set of each of the N most recent periods that have a set. Periods with no set are
 *   skipped, not counted (a 7-day rule over a 2-week gap keeps 7 sets reaching back past the gap).
 * - Rules are independent and combine: a set kept by any rule is kept, and its reasons list every rule
 *   that kept it ("daily #3 (2026-11-20)"). Like restic, a set kept by one rule still counts for the
 *   others (borg instead skips sets already kept by an earlier rule); and unlike borg ≥ 1.2, a rule that
 *   finds fewer than N periods does not additionally keep the oldest set.
 * - keepWithin D (ms): every set with time > now − D (strictly newer; a set exactly D old is not kept).
 *   Relative to `now` like borg's --keep-within (restic measures from the newest snapshot instead).
 * - Periods are UTC, since set names are UTC: hour `2026-11-20T03`, day `2026-11-20`, month `2026-11`,
 *   year `2026`, and the ISO 8601 week `2026-W53`: weeks start on Monday and belong to the ISO week-year
 *   of their Thursday, so 2027-01-01..03 are in 2026-W53 and 2025-12-29..31 in 2026-W01, while the yearly
 *   rule uses the calendar year (2025-12-31 is the newest set of 2025). Daylight saving time cannot merge
 *   or split periods: every UTC day has 24 hours.
 *
 * Safety rails:
 * - An empty policy (every rule undefined or 0) throws: refusing to prune with an empty retention policy.
 * - The newest complete set that is not in the future is always kept ("newest complete set").
 * - The newest complete set whose manifest had no warnings (`warnings: 0`) is always kept too ("newest
 *   set without warnings"): a run that published a set with files or tables missing must not push out
 *   the last set known to be whole, however many warned sets follow it. Sets whose warnings are unknown
 *   (`warnings` undefined: the manifest was not read) are passed over by this rule, not trusted.
 * - A complete set in the future (time > now: a clock that was or is wrong) is kept and not counted by the
 *   policy, so it can never push the real newest sets out of keepLast and friends.
 * - An incomplete set (no manifest) never counts. It is removed only when it is older than the grace
 *   period (now − time > grace, default 24 h: a run may still be in progress elsewhere); otherwise it is
 *   listed in `ignoredIncomplete` and left alone.
 * Duplicate set names, invalid times and invalid policy values throw.
 */

export interface RetentionPolicy {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  /** Keep every set newer than now − keepWithin, in milliseconds. */
  keepWithin?: number;
}

export interface RetentionSet {
  name: string;
  time: Date;
  /** True when the set has its manifest.json. */
  complete: boolean;
  /** How many warnings its manifest carries; undefined when not known (not read). */
  warnings?: number | undefined;
}

export interface RetentionResult {
  /** Newest first, each with every reason that kept it. */
  keep: { name: string; reasons: string[] }[];
  /** Newest first. */
  remove: { name: string; reason: string }[];
  /** Incomplete sets still inside the grace period (or in the future): neither kept nor removed. */
  ignoredIncomplete: { name: string; reason: string }[];
}

export interface RetentionOptions {
  /** How old an incomplete set must be before it is removed, in ms (default 24 h). */
  incompleteGraceMs?: number;
}

export const DEFAULT_INCOMPLETE_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * The one rule for an incomplete set (no manifest), used by retention and by the cleanup after a run:
 * removed only when older than the grace period (a run may still be in progress elsewhere, e.g. another
 * host or a run started by hand); a set in the future (clock skew) is left alone.
 */
export function incompleteSetDecision(
  time: Date,
  now: Date,
  graceMs: number = DEFAULT_INCOMPLETE_GRACE_MS,
): { remove: boolean; reason: string } {
  const age = now.getTime() - time.getTime();
  if (age > graceMs) {
    return {
      remove: true,
      reason: `incomplete (no manifest), older than the ${formatDuration(graceMs)} grace period (age ${formatAge(age)})`,
    };
  }
  if (age < 0) {
    return {
      remove: false,
      reason: `incomplete (no manifest) and ${formatAge(-age)} in the future (clock skew?): left alone`,
    };
  }
  return {
    remove: false,
    reason: `incomplete (no manifest), within the ${formatDuration(graceMs)} grace period (age ${formatAge(age)}): a run may still be in progress`,
  };
}

export class RetentionPolicyError extends Error {
  override name = 'RetentionPolicyError';
}

const COUNT_RULES = [
  'keepLast',
  'keepHourly',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly',
] as const;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const DAY_MS = 24 * 60 * 60 * 1000;

/** The ISO 8601 week of a time, in UTC: the week-year (that of the week's Thursday) and week 1–53. */
export function isoWeek(d: Date): { year: number; week: number } {
  const dayStart = Math.floor(d.getTime() / DAY_MS) * DAY_MS;
  const mondayBased = (new Date(dayStart).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(dayStart + (3 - mondayBased) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const jan1 = new Date(0);
  jan1.setUTCFullYear(year, 0, 1);
  return { year, week: Math.floor((thursday.getTime() - jan1.getTime()) / (7 * DAY_MS)) + 1 };
}

const year4 = (d: Date): string => pad(d.getUTCFullYear(), 4);
const month = (d: Date): string => `${year4(d)}-${pad(d.getUTCMonth() + 1)}`;
const day = (d: Date): string => `${month(d)}-${pad(d.getUTCDate())}`;

/** The bucket rules, finest first; `period` names the UTC period a time falls in. */
const BUCKET_RULES = [
  { key: 'keepHourly', label: 'hourly', period: (d: Date) => `${day(d)}T${pad(d.getUTCHours())}` },
  { key: 'keepDaily', label: 'daily', period: day },
  {
    key: 'keepWeekly',
    label: 'weekly',
    period: (d: Date) => {
      const w = isoWeek(d);
      return `${pad(w.year, 4)}-W${pad(w.week)}`;
    },
  },
  { key: 'keepMonthly', label: 'monthly', period: month },
  { key: 'keepYearly', label: 'yearly', period: year4 },
] as const;

/** `1d`, `36h` → `1d12h`, `90m` → `1h30m`, `1500` → `1s500ms`, `0` → `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.abs(ms);
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (parts.length === 0) parts.push(`${Math.abs(ms)}ms`); // a fraction of a millisecond
  return `${ms < 0 ? '-' : ''}${parts.join('')}`;
}

/** An age for display: whole seconds (set names have no milliseconds; `now` has). */
const formatAge = (ms: number): string => formatDuration(Math.floor(ms / 1000) * 1000);

/** True when no rule would keep anything (every rule undefined or 0). Does not validate values. */
export function isEmptyRetentionPolicy(policy: RetentionPolicy): boolean {
  return COUNT_RULES.every((k) => (policy[k] ?? 0) === 0) && (policy.keepWithin ?? 0) === 0;
}

function validatePolicy(policy: RetentionPolicy): void {
  for (const k of COUNT_RULES) {
    const v = policy[k];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0))
      throw new RetentionPolicyError(`retention policy: ${k} must be a whole number ≥ 0, got ${v}`);
  }
  const within = policy.keepWithin;
  if (within !== undefined && (!Number.isFinite(within) || within < 0))
    throw new RetentionPolicyError(`retention policy: keepWithin must be a duration ≥ 0 ms, got ${within}`);
  if (isEmptyRetentionPolicy(policy)) {
    throw new RetentionPolicyError(
      `refusing to prune with an empty retention policy: set at least one of ${COUNT_RULES.join(', ')}, keepWithin`,
    );
  }
}

/** Newest first; equal times by name, descending — a total order, so the result never depends on input order. */
function newestFirst(a: RetentionSet, b: RetentionSet): number {
  const dt = b.time.getTime() - a.time.getTime();
  if (dt !== 0) return dt;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/**
 * Decides which sets to keep and which to remove (see the header for the rules). Throws a
 * RetentionPolicyError for an empty or invalid policy, and an Error for bad input.
 */
export function applyRetention(
  sets: readonly RetentionSet[],
  policy: RetentionPolicy,
  now: Date,
  opts: RetentionOptions = {},
): RetentionResult {
  validatePolicy(policy);
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new Error('applyRetention: now is an invalid Date');
  const grace = opts.incompleteGraceMs ?? DEFAULT_INCOMPLETE_GRACE_MS;
  if (!Number.isFinite(grace) || grace < 0)
    throw new Error(`applyRetention: incompleteGraceMs must be a duration ≥ 0 ms, got ${grace}`);
  const names = new Set<string>();
  for (const s of sets) {
    if (names.has(s.name)) throw new Error(`applyRetention: set ${s.name} is listed twice`);
    names.add(s.name);
    if (Number.isNaN(s.time.getTime())) throw new Error(`applyRetention: set ${s.name} has an invalid time`);
  }

  const sorted = [...sets].sort(newestFirst);
  const counted = sorted.filter((s) => s.complete && s.time.getTime() <= nowMs);
  const reasons = new Map<string, string[]>();
  const keepFor = (s: RetentionSet, reason: string): void => {
    const list = reasons.get(s.name);
    if (list === undefined) reasons.set(s.name, [reason]);
    else list.push(reason);
  };

  counted.slice(0, policy.keepLast ?? 0).forEach((s, i) => keepFor(s, `last #${i + 1}`));
  for (const rule of BUCKET_RULES) {
    const n = policy[rule.key] ?? 0;
    let kept = 0;
    let lastPeriod: string | undefined;
    for (const s of counted) {
      if (kept >= n) break;
      const period = rule.period(s.time);
      if (period === lastPeriod) continue;
      lastPeriod = period;
      kept++;
      keepFor(s, `${rule.label} #${kept} (${period})`);
    }
  }
  const within = policy.keepWithin ?? 0;
  if (within > 0) {
    const cutoff = nowMs - within;
    for (const s of counted) {
      if (s.time.getTime() <= cutoff) break; // newest first: every later set is older still
      keepFor(s, `within ${formatDuration(within)}`);
    }
  }
  const newest = counted[0];
  if (newest !== undefined) keepFor(newest, 'newest complete set');
  const newestClean = counted.find((s) => s.warnings === 0);
  if (newestClean !== undefined && newestClean !== newest)
    keepFor(newestClean, 'newest set without warnings');

  const result: RetentionResult = { keep: [], remove: [], ignoredIncomplete: [] };
  for (const s of sorted) {
    const age = nowMs - s.time.getTime();
    if (!s.complete) {
      const d = incompleteSetDecision(s.time, now, grace);
      (d.remove ? result.remove : result.ignoredIncomplete).push({ name: s.name, reason: d.reason });
    } else if (age < 0) {
      result.keep.push({
        name: s.name,
        reasons: [`in the future by ${formatAge(-age)} (clock skew?): kept, not counted by the policy`],
      });
    } else {
      const r = reasons.get(s.name);
      if (r !== undefined) result.keep.push({ name: s.name, reasons: r });
      else result.remove.push({ name: s.name, reason: 'not kept by any rule' });
    }
  }
  return result;
}

/**
 * One line per set for `prune --dry-run` (and the prune log), newest first by name (set names sort
 * chronologically), then a summary line:
 *   `keep    20261122T031500Z  daily #1 (2026-11-22), newest complete set`
 *   `remove  20261101T031500Z  not kept by any rule`
 *   `leave   20261122T110000Z  incomplete (no manifest), within the 1d grace period (…)`
 */
export function describeRetention(result: RetentionResult): string[] {
  const rows: { name: string; line: string }[] = [
    ...result.keep.map((k) => ({ name: k.name, line: `keep    ${k.name}  ${k.reasons.join(', ')}` })),
    ...result.remove.map((r) => ({ name: r.name, line: `remove  ${r.name}  ${r.reason}` })),
    ...result.ignoredIncomplete.map((r) => ({ name: r.name, line: `leave   ${r.name}  ${r.reason}` })),
  ];
  rows.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  return [
    ...rows.map((r) => r.line),
    `${plural(result.keep.length, 'set', 'sets')} to keep, ${result.remove.length} to remove, ` +
      `${plural(result.ignoredIncomplete.length, 'incomplete set', 'incomplete sets')} left alone`,
  ];
}
