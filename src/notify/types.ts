/** What a channel is told about a run, and what every channel is to the dispatcher. */

export type NotifyOn = 'failure' | 'warning' | 'success' | 'always';
/** `warning`: a set was published but something is not as it should be (see JobReport.warnings). */
export type Outcome = 'success' | 'warning' | 'failure';

export interface JobStart {
  job: string;
  host: string;
  startedAt: Date;
}

export interface JobReport extends JobStart {
  outcome: Outcome;
  finishedAt: Date;
  /** Only after a success or a warning. */
  set?: string | undefined;
  bytes?: number | undefined;
  objects?: number | undefined;
  warnings: string[];
  /** The job's own error message (redacted), after a failure. */
  error?: string | undefined;
  /** The last lines of the job's log (redacted), for channels that carry it. */
  logTail: string;
  /** Sent by `ftps-backup notify-test`: no backup was made. */
  test?: boolean | undefined;
  /** A scheduled verification of the newest set, not a backup (only its failures are reported). */
  task?: 'verify' | undefined;
}

/** The few logger methods notify uses (src/logging's Logger fits). */
export interface NotifyLog {
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export interface Notifier {
  /** Names the channel in log lines ("webhook https://host"); never holds a secret. */
  readonly label: string;
  /** Upper bound of one send, retries included; the dispatcher gives up after it. */
  readonly deadlineMs: number;
  /** Whether a run that ended this way is sent. */
  wants: (outcome: Outcome) => boolean;
  /** Told when the job starts (healthchecks' /start); optional. */
  start?: (job: JobStart) => Promise<void>;
  finish: (report: JobReport) => Promise<void>;
}

export class NotifyError extends Error {
  /** The HTTP status of the last answer, when there was one. */
  readonly status: number | undefined;
  constructor(message: string, options?: { cause?: unknown; status?: number | undefined }) {
    super(message, options);
    this.name = 'NotifyError';
    this.status = options?.status;
  }
}

/**
 * Whether a channel set to `on` is sent a run that ended with `outcome`. `failure` (the default) also
 * takes warnings: whoever set a channel up to hear about problems must hear about a set that was
 * published with files or tables missing. `warning` takes warnings only, `success` successes only.
 */
export function wantsOutcome(on: NotifyOn, outcome: Outcome): boolean {
  if (on === 'always' || on === outcome) return true;
  return on === 'failure' && outcome === 'warning';
}

/** Seconds between start and end, to the millisecond. */
export function durationSeconds(r: Pick<JobReport, 'startedAt' | 'finishedAt'>): number {
  return Math.max(0, r.finishedAt.getTime() - r.startedAt.getTime()) / 1000;
}
