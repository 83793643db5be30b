/**
 * Schedule arithmetic on top of node-cron's matcher (which knows time zones): the previous scheduled time
 * before an instant (for missed-run catch-up) and the next one (for `status`). Pure over `match`.
 */
export interface CronMatcher {
  match(date: Date): boolean;
  /** Seconds the expression can fire at (0 for five-field expressions). */
  seconds: readonly number[];
  /**
   * A cheap pre-check: false only when no instant in the hour [start, start + 1 h) can match, so the
   * searches skip that hour. Without it every minute is asked (a yearly schedule then costs ~10 s).
   */
  mayMatchHour?: (start: Date) => boolean;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Whether the search may skip the hour holding minute `t` (asked once per hour, at its first minute seen). */
function skipHour(m: CronMatcher, t: number, first: boolean, atEdge: boolean): number | undefined {
  if (m.mayMatchHour === undefined || !(first || atEdge)) return undefined;
  const h = Math.floor(t / HOUR) * HOUR;
  return m.mayMatchHour(new Date(h)) ? undefined : h;
}

/** The latest scheduled time strictly before `before`, searching back at most `maxDays`. */
export function previousRun(m: CronMatcher, before: Date, maxDays = 400): Date | undefined {
  const start = Math.floor(before.getTime() / MINUTE) * MINUTE;
  const secs = [...m.seconds].sort((a, b) => b - a);
  for (let t = start; t > before.getTime() - maxDays * 86_400_000; t -= MINUTE) {
    const skip = skipHour(m, t, t === start, t % HOUR === HOUR - MINUTE);
    if (skip !== undefined) {
      t = skip; // the loop steps to the last minute of the hour before
      continue;
    }
    for (const s of secs) {
      const d = new Date(t + s * 1000);
      if (d.getTime() < before.getTime() && m.match(d)) return d;
    }
  }
  return undefined;
}

/** The earliest scheduled time strictly after `after`, searching forward at most `maxDays`. */
export function nextRun(m: CronMatcher, after: Date, maxDays = 400): Date | undefined {
  const start = Math.floor(after.getTime() / MINUTE) * MINUTE;
  const secs = [...m.seconds].sort((a, b) => a - b);
  for (let t = start; t < after.getTime() + maxDays * 86_400_000; t += MINUTE) {
    const skip = skipHour(m, t, t === start, t % HOUR === 0);
    if (skip !== undefined) {
      t = skip + HOUR - MINUTE; // the loop steps to the first minute of the next hour
      continue;
    }
    for (const s of secs) {
      const d = new Date(t + s * 1000);
      if (d.getTime() > after.getTime() && m.match(d)) return d;
    }
  }
  return undefined;
}
