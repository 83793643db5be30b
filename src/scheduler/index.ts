export {
  Scheduler,
  runLocked,
  type ScheduledJob,
  type SchedulerDeps,
  type JobOutcome,
  type Trigger,
} from './scheduler.ts';
export { StateStore, HISTORY_LIMIT, WARNINGS_KEPT, published, taskOf, type RunRecord } from './state.ts';
export { acquireJobLock, type JobLock, type LockHolder } from './lock.ts';
export { previousRun, nextRun, type CronMatcher } from './times.ts';
export { cronTrigger, cronMatcher } from './cron.ts';
export { daemonAlive, heartbeatFile, HEARTBEAT_MS, removeHeartbeat, writeHeartbeat } from './heartbeat.ts';
export { healthProblems, type DaemonState, type JobHealthInput } from './health.ts';
export { renderMetrics, writeMetricsFile, OUTCOMES } from './metrics.ts';
