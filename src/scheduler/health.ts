/**
 * `status --check`: what is wrong with the backups, one line per problem, from the run history, each
 * job's age limit and the daemon's heartbeat. Pure: the caller reads the state folder and the clock.
 *
 * Problems: a job's last backup failed, was cancelled or warned; its last success is older than its age
 * limit (`maxAge`, or by default two scheduled intervals: before the second-latest scheduled time) or
 * it never succeeded; its last scheduled verification failed; jobs have schedules and no daemon is alive.
 */
import { taskOf, type RunRecord } from './state.ts';

export interface JobHealthInput {
  job: string;
  /** The job has a backup schedule (the daemon is needed). */
  scheduled: boolean;
  /** The last success must have started at or after this; undefined: no age check. */
  staleBefore?: Date | undefined;
  /** Says where the limit comes from, e.g. "maxAge 2d" or "two scheduled intervals (0 3 * * *)". */
  limit?: string | undefined;
  history: readonly RunRecord[];
}

export type DaemonState = { alive: true } | { alive: false; reason: string };

export function healthProblems(jobs: readonly JobHealthInput[], daemon: DaemonState): string[] {
  const out: string[] = [];
  for (const j of jobs) {
    const backups = j.history.filter((r) => taskOf(r) === 'backup' && r.outcome !== 'skipped');
    const last = backups.at(-1);
    if (last !== undefined && (last.outcome === 'failure' || last.outcome === 'cancelled')) {
      out.push(
        `job ${j.job}: last backup ${last.outcome === 'failure' ? 'FAILED' : 'was cancelled'} at ${last.end}${last.error !== undefined ? `: ${last.error}` : ''}`,
      );
    } else if (last?.outcome === 'warning') {
      const w = last.warnings ?? [];
      out.push(
        `job ${j.job}: last backup at ${last.end} (set ${last.set ?? '?'}) has ${last.warningCount ?? w.length} warning(s)${w.length > 0 ? `: ${w.join('; ')}` : ''}`,
      );
    }
    if (j.staleBefore !== undefined) {
      const success = backups.filter((r) => r.outcome === 'success').at(-1);
      if (success === undefined)
        out.push(`job ${j.job}: no successful backup yet (limit: ${j.limit ?? '?'})`);
      else if (Date.parse(success.start) < j.staleBefore.getTime())
        out.push(
          `job ${j.job}: last successful backup started ${success.start}, before ${j.staleBefore.toISOString()} (limit: ${j.limit ?? '?'})`,
        );
    }
    const verify = j.history.filter((r) => taskOf(r) === 'verify' && r.outcome !== 'skipped').at(-1);
    if (verify !== undefined && (verify.outcome === 'failure' || verify.outcome === 'cancelled'))
      out.push(
        `job ${j.job}: last verification FAILED at ${verify.end}${verify.error !== undefined ? `: ${verify.error}` : ''}`,
      );
  }
  if (!daemon.alive && jobs.some((j) => j.scheduled))
    out.push(`jobs have schedules but ${daemon.reason}: nothing runs them (systemctl start ftps-backup)`);
  return out;
}
