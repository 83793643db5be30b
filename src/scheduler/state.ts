/**
 * src/scheduler — when jobs run: node-cron triggers per job in its time zone, a per-job lock shared by the
 * daemon and `run`, a global limit of concurrent jobs, missed-run catch-up, run history. May import
 * src/app, src/domain and src/logging (not the CLI).
 *
 * This file: the state folder — run history per job (the last 50 runs), written atomically.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HISTORY_LIMIT = 50;

export interface RunRecord {
  start: string;
  end: string;
  /**
   * `warning`: a set was published but something is not as it should be (files or a database skipped, a
   * set that shrank against the previous one); `warnings` says what.
   */
  outcome: 'success' | 'warning' | 'failure' | 'skipped' | 'cancelled';
  trigger: 'schedule' | 'catch-up' | 'manual';
  /** What ran: a backup (the default, also for records written before verification existed) or a verify. */
  task?: 'backup' | 'verify';
  bytes?: number;
  set?: string;
  error?: string;
  /** After a `warning` outcome: what was not as it should be (at most WARNINGS_KEPT). */
  warnings?: string[];
  /** After a `warning` outcome: how many warnings there were in all. */
  warningCount?: number;
}

/** Warnings kept in one history record (the manifest and the log have them all). */
export const WARNINGS_KEPT = 20;

export class StateStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  private historyFile(job: string): string {
    return join(this.dir, 'history', `${job}.json`);
  }

  async history(job: string): Promise<RunRecord[]> {
    try {
      const parsed = JSON.parse(await readFile(this.historyFile(job), 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as RunRecord[]) : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(
        `cannot read the run history of ${job} (${this.historyFile(job)}): ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** Appends a run (newest last), keeping the last HISTORY_LIMIT; write to a temp file, then rename. */
  async record(job: string, run: RunRecord): Promise<void> {
    const runs = [...(await this.history(job)), run].slice(-HISTORY_LIMIT);
    const file = this.historyFile(job);
    await mkdir(join(this.dir, 'history'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(runs, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  }

  /** The last successful backup (verification runs are not backups; a warning is not a success). */
  async lastSuccess(job: string): Promise<RunRecord | undefined> {
    return (await this.history(job)).filter((r) => r.outcome === 'success' && taskOf(r) === 'backup').at(-1);
  }

  /** The last backup that published a set (a success or a warning): what catch-up looks at. */
  async lastPublished(job: string): Promise<RunRecord | undefined> {
    return (await this.history(job)).filter((r) => published(r) && taskOf(r) === 'backup').at(-1);
  }
}

/** A run that published a set: `success` or `warning`. */
export function published(r: RunRecord): boolean {
  return r.outcome === 'success' || r.outcome === 'warning';
}

export function taskOf(r: RunRecord): 'backup' | 'verify' {
  return r.task ?? 'backup';
}
