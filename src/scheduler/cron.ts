/**
 * node-cron wiring: the production trigger and matcher for a job's schedule in its time zone. A shortcut
 * (@daily, …) is expanded by the domain's table first, so node-cron only ever sees five or six fields.
 */
import cron from 'node-cron';
import { expandCronShortcut } from '../domain/index.ts';
import type { ScheduledJob, Trigger } from './scheduler.ts';
import type { CronMatcher } from './times.ts';

/** The cron expression node-cron gets for `schedule`; throws on what the config would have refused. */
export function cronExpression(schedule: string): string {
  const e = expandCronShortcut(schedule);
  if (!e.ok) throw new Error(e.reason);
  return e.expression;
}

export function cronTrigger(job: ScheduledJob, fire: () => void): Trigger {
  const task = cron.schedule(cronExpression(job.schedule), () => fire(), {
    timezone: job.timezone,
    name: `${job.task ?? 'backup'}:${job.name}`,
    noOverlap: false,
  });
  return { stop: () => void task.destroy() };
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export function cronMatcher(job: ScheduledJob): CronMatcher {
  const expression = cronExpression(job.schedule);
  const task = cron.createTask(expression, () => {}, { timezone: job.timezone });
  const fields = cron.parse(expression);
  const months = new Set(fields.month);
  const hours = new Set(fields.hour);
  // node-cron keeps L (last day), 5L and 5#2 as text: such a field is left to match() alone.
  const numeric = (f: (number | string)[]) =>
    f.every((x) => typeof x === 'number') ? new Set(f) : undefined;
  const days = numeric(fields.dayOfMonth);
  const weekdays = numeric(fields.dayOfWeek.map((d) => (typeof d === 'number' ? d % 7 : d)));
  const local = new Intl.DateTimeFormat('en-US', {
    timeZone: job.timezone,
    hourCycle: 'h23',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
  });
  /** Whether the local month, day, weekday and hour of `d` pass the schedule (node-cron ANDs the fields). */
  const hourMayMatch = (d: Date): boolean => {
    const p = Object.fromEntries(local.formatToParts(d).map((x) => [x.type, x.value]));
    return (
      months.has(Number(p.month)) &&
      (days?.has(Number(p.day)) ?? true) &&
      (weekdays?.has(WEEKDAYS[p.weekday ?? ''] ?? -1) ?? true) &&
      hours.has(Number(p.hour))
    );
  };
  return {
    match: (d) => task.match(d),
    seconds: fields.second.length > 0 ? fields.second : [0],
    // The local hours an hour of UTC touches are those of its first and last minute, whatever the zone's
    // offset (:30, :45) and across one DST change, so checking both ends never skips a matching minute.
    mayMatchHour: (start) => hourMayMatch(start) || hourMayMatch(new Date(start.getTime() + 59 * 60_000)),
  };
}
