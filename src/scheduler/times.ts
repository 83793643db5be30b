/**
 * Schedule arithmetic on top of node-cron's matcher (which knows time zones): the previous scheduled time
 * before an instant (for missed-run catch-up) and the next one (for `status`). Pure over `match`.
 */
export interface CronMatcher {
  match(date: Date): boolean;
  /** Seconds the expression can fire at (0 for five-field expressions). */
  seconds: readonly number[];
}

const MINUTE = 60_000;

/** The latest scheduled time strictly before `before`, searching back at most `maxDays`. */
export function previousRun(m: CronMatcher, before: Date, maxDays = 400): Date | undefined {
  const start = Math.floor(before.getTime() / MINUTE) * MINUTE;
  const secs = [...m.seconds].sort((a, b) => b - a);
  for (let t = start; t > before.getTime() - maxDays * 86_400_000; t -= MINUTE) {
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
    for (const s of secs) {
      const d = new Date(t + s * 1000);
      if (d.getTime() > after.getTime() && m.match(d)) return d;
    }
  }
  return undefined;
}
