/**
 * The scheduler: one trigger per job (node-cron in production, a fake in tests), a global limit of
 * concurrent jobs, the per-job lock (a manual `run` and a scheduled run never overlap: the second is
 * skipped and logged), optional random delay, missed-run catch-up at start (like systemd's
 * Persistent=true), run history, and a clean stop that aborts running jobs.
 */
import type { Logger } from '../logging/index.ts';
import { acquireJobLock } from './lock.ts';
import { WARNINGS_KEPT, type RunRecord, type StateStore } from './state.ts';
import { previousRun, type CronMatcher } from './times.ts';

export interface ScheduledJob {
  name: string;
  schedule: string;
  timezone: string;
  /** Milliseconds; a random delay in [0, randomDelay) before each scheduled run. */
  randomDelay: number;
  /** A backup (default) or a verification of the job's newest set; each has its own schedule. */
  task?: 'backup' | 'verify';
}

export interface JobOutcome {
  bytes: number;
  set: string;
  /** A published set with warnings is recorded as outcome `warning`. */
  warnings?: readonly string[];
}

export interface Trigger {
  stop(): void;
}

export interface SchedulerDeps {
  stateDir: string;
  state: StateStore;
  log: Logger;
  /** Runs one job to completion; rejects on failure; must honour the signal. */
  runJob: (job: string, signal: AbortSignal) => Promise<JobOutcome>;
  /** Verifies the newest set of a job; rejects when it fails. */
  runVerify?: (job: string, signal: AbortSignal) => Promise<JobOutcome>;
  /** Arms a trigger that calls `fire` at every scheduled time of the expression in the time zone. */
  trigger: (job: ScheduledJob, fire: () => void) => Trigger;
  matcher: (job: ScheduledJob) => CronMatcher;
  now: () => Date;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  maxConcurrentJobs: number;
  catchUpMissed: boolean;
  /** Called after each run or verification is recorded (the metrics file); its failure is logged only. */
  afterRecord?: (() => Promise<void>) | undefined;
}

export class Scheduler {
  private readonly deps: SchedulerDeps;
  private triggers: Trigger[] = [];
  private jobs: ScheduledJob[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(deps: SchedulerDeps) {
    this.deps = deps;
  }

  /** Arms the triggers; then runs once every job whose last success is older than its previous scheduled time. */
  async start(jobs: ScheduledJob[]): Promise<void> {
    this.arm(jobs);
    if (!this.deps.catchUpMissed) return;
    for (const job of jobs) {
      if ((job.task ?? 'backup') !== 'backup') continue; // verification is not caught up
      const prev = previousRun(this.deps.matcher(job), this.deps.now());
      if (prev === undefined) continue;
      // a run that published a set with warnings ran: it is reported, not repeated at every start
      const last = await this.deps.state.lastPublished(job.name);
      if (last === undefined || new Date(last.start).getTime() < prev.getTime()) {
        this.deps.log.info(
          `job ${job.name}: the run scheduled for ${prev.toISOString()} was missed (last success: ${last?.start ?? 'never'}); running it now`,
        );
        void this.fire(job, 'catch-up');
      }
    }
  }

  /** Replaces the schedule (SIGHUP); running jobs go on. */
  reschedule(jobs: ScheduledJob[]): void {
    this.arm(jobs);
  }

  private arm(jobs: ScheduledJob[]): void {
    for (const t of this.triggers) t.stop();
    this.jobs = jobs;
    this.triggers = jobs.map((job) => this.deps.trigger(job, () => void this.fire(job, 'schedule')));
    this.deps.log.info(
      `scheduler: ${jobs.length} job(s) scheduled: ${jobs.map((j) => `${(j.task ?? 'backup') === 'verify' ? `verification of ${j.name}` : j.name} (${j.schedule} ${j.timezone})`).join(', ') || 'none'}`,
    );
  }

  /** Starts a run unless this job is already running here; returns its promise (for tests). */
  fire(job: ScheduledJob, trigger: RunRecord['trigger']): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const key = label(job);
    const current = this.running.get(key);
    if (current !== undefined) {
      this.deps.log.warn(`${key}: still running; this ${trigger} run is skipped`);
      return current;
    }
    const p = this.execute(job, trigger).finally(() => this.running.delete(key));
    this.running.set(key, p);
    return p;
  }

  private async slot(): Promise<void> {
    if (this.active < this.deps.maxConcurrentJobs) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  private async execute(job: ScheduledJob, trigger: RunRecord['trigger']): Promise<void> {
    const { log } = this.deps;
    await this.slot();
    try {
      if (job.randomDelay > 0 && trigger === 'schedule') {
        const wait = Math.floor(this.deps.random() * job.randomDelay);
        log.info(`job ${job.name}: random delay ${Math.round(wait / 1000)} s`);
        await this.deps.sleep(wait, this.abort.signal);
      }
      if (this.abort.signal.aborted) return;
      const task = job.task ?? 'backup';
      const { runVerify } = this.deps;
      if (task === 'verify' && runVerify === undefined) throw new Error('verification is not available here');
      await runLocked(
        this.deps,
        job.name,
        trigger,
        (signal) => (task === 'verify' ? runVerify!(job.name, signal) : this.deps.runJob(job.name, signal)),
        this.abort.signal,
        task,
      );
    } catch (err) {
      log.error(`${label(job)}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.release();
    }
  }

  /** Resolves when no job is running (tests, and a clean stop). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Stops scheduling, aborts running jobs and waits for them (bounded by the caller). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.triggers) t.stop();
    this.triggers = [];
    this.abort.abort();
    for (const w of this.waiting.splice(0)) w();
    await Promise.allSettled([...this.running.values()]);
  }

  get scheduledJobs(): readonly ScheduledJob[] {
    return this.jobs;
  }
}

function label(job: ScheduledJob): string {
  return (job.task ?? 'backup') === 'verify' ? `verify of job ${job.name}` : `job ${job.name}`;
}

/**
 * One run of a job under its lock, with its history record: shared by the daemon and `ftps-backup run`.
 * A job already locked by another live process is skipped (recorded and logged), never run twice. A
 * verification takes the same lock: it must not read a set that a backup's retention is removing.
 */
export async function runLocked(
  deps: Pick<SchedulerDeps, 'stateDir' | 'state' | 'log' | 'now' | 'afterRecord'>,
  job: string,
  trigger: RunRecord['trigger'],
  run: (signal: AbortSignal) => Promise<JobOutcome>,
  signal: AbortSignal,
  task: 'backup' | 'verify' = 'backup',
): Promise<JobOutcome | undefined> {
  const { log, state, now } = deps;
  const start = now().toISOString();
  // backup records keep their old shape; only verification runs say what they were
  const tagged = task === 'verify' ? { task } : {};
  const lock = await acquireJobLock(deps.stateDir, job);
  if ('heldBy' in lock) {
    const msg = `job ${job} is already running (pid ${lock.heldBy.pid} on ${lock.heldBy.host} since ${lock.heldBy.since}); this ${task === 'verify' ? 'verification' : trigger + ' run'} is skipped`;
    log.warn(msg);
    await state.record(job, {
      start,
      end: now().toISOString(),
      outcome: 'skipped',
      trigger,
      ...tagged,
      error: msg,
    });
    return undefined;
  }
  try {
    const outcome = await run(signal);
    const warnings = outcome.warnings ?? [];
    await state.record(job, {
      start,
      end: now().toISOString(),
      outcome: warnings.length > 0 ? 'warning' : 'success',
      trigger,
      ...tagged,
      bytes: outcome.bytes,
      set: outcome.set,
      ...(warnings.length > 0 ? { warnings: keptWarnings(warnings), warningCount: warnings.length } : {}),
    });
    await deps.afterRecord?.().catch((e: unknown) => log.warn(`after the run of ${job}: ${String(e)}`));
    return outcome;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await state.record(job, {
      start,
      end: now().toISOString(),
      outcome: signal.aborted ? 'cancelled' : 'failure',
      trigger,
      ...tagged,
      error: message,
    });
    await deps.afterRecord?.().catch((e: unknown) => log.warn(`after the run of ${job}: ${String(e)}`));
    throw err;
  } finally {
    await lock.release();
  }
}

/** The first WARNINGS_KEPT warnings, and a line saying how many more there were. */
function keptWarnings(warnings: readonly string[]): string[] {
  if (warnings.length <= WARNINGS_KEPT) return [...warnings];
  return [...warnings.slice(0, WARNINGS_KEPT), `… and ${warnings.length - WARNINGS_KEPT} more (see the log)`];
}
