/** What a channel is told about a run, and what every channel is to the dispatcher. */

export type NotifyOn = 'failure' | 'success' | 'always';
export type Outcome = 'success' | 'failure';

export interface JobStart {
  job: string;
  host: string;
  startedAt: Date;
}

export interface JobReport extends JobStart {
  outcome: Outcome;
  finishedAt: Date;
  /** Only after a success. */
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

export function wantsOutcome(on: NotifyOn, outcome: Outcome): boolean {
  return on === 'always' || on === outcome;
}

/** Seconds between start and end, to the millisecond. */
export function durationSeconds(r: Pick<JobReport, 'startedAt' | 'finishedAt'>): number {
  return Math.max(0, r.finishedAt.getTime() - r.startedAt.getTime()) / 1000;
}
