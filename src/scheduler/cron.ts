/** node-cron wiring: the production trigger and matcher for a job's schedule in its time zone. */
import cron from 'node-cron';
import type { ScheduledJob, Trigger } from './scheduler.ts';
import type { CronMatcher } from './times.ts';

export function cronTrigger(job: ScheduledJob, fire: () => void): Trigger {
  const task = cron.schedule(job.schedule, () => fire(), {
    timezone: job.timezone,
    name: `${job.task ?? 'backup'}:${job.name}`,
    noOverlap: false,
  });
  return { stop: () => void task.destroy() };
}

export function cronMatcher(job: ScheduledJob): CronMatcher {
  const task = cron.createTask(job.schedule, () => {}, { timezone: job.timezone });
  const seconds = cron.parse(job.schedule).second;
  return { match: (d) => task.match(d), seconds: seconds.length > 0 ? seconds : [0] };
}
