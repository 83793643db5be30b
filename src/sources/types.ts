/**
 * The BackupSource port: what src/app sees of a source. A source is a factory — every open() runs it
 * again from the start — so a retry never reuses a spent stream.
 */
import type { Readable } from 'node:stream';

export interface SourceRun {
  /** The object's bytes (uncompressed): SQL text for mysql, a tar archive for directory, the database file for sqlite. */
  stream: Readable;
  /**
   * Resolves after the stream ended and the source finished OK; rejects if the source failed (the
   * stream is destroyed with the same error). Settles only after the source released its resources
   * (child process exited, files closed), so a retry can start at once.
   */
  done: Promise<SourceSummary>;
}

export interface MysqlSourceSummary {
  kind: 'mysql';
  database: string;
  tables: number;
  views: number;
  /** Stored procedures and functions. */
  routines: number;
  triggers: number;
  events: number;
  /** Rows per table as dumped (undefined when they could not be counted). */
  rows?: Record<string, number> | undefined;
  warnings: string[];
}

export interface DirectorySourceSummary {
  kind: 'directory';
  label: string;
  path: string;
  /** Regular files stored. */
  files: number;
  /** Sub-folders stored (the root folder itself not counted). */
  dirs: number;
  symlinks: number;
  /** Content bytes of the stored files (as in their tar headers). */
  bytes: number;
  /** Entries left out by `exclude` patterns or an `excludeIfPresent` marker (a skipped folder counts once). */
  excluded: number;
  warnings: string[];
}

export interface SqliteSourceSummary {
  kind: 'sqlite';
  label: string;
  path: string;
  /** Bytes of the consistent copy that was streamed. */
  bytes: number;
  /** Tables in the copy (sqlite_ internal tables not counted). */
  tables: number;
  warnings: string[];
}

export interface CommandSourceSummary {
  kind: 'command';
  label: string;
  /** The program run (arguments not recorded). */
  program: string;
  /** Bytes of its standard output. */
  bytes: number;
  warnings: string[];
}

export type SourceSummary =
  MysqlSourceSummary | DirectorySourceSummary | SqliteSourceSummary | CommandSourceSummary;

/** A factory: every call runs the source again from the start (retries re-create, never reuse a spent stream). */
export interface BackupSource {
  readonly kind: SourceSummary['kind'];
  /** Database name, or the label of a directory or sqlite source. */
  readonly id: string;
  open(signal?: AbortSignal): SourceRun;
}

/** Most warnings kept in a summary; later ones are still reported through onWarning. */
export const MAX_SUMMARY_WARNINGS = 1000;

/** Collects warnings for a summary (bounded) and forwards each one to a listener. */
export class WarningList {
  readonly items: string[] = [];
  private dropped = 0;
  private readonly listener: ((message: string) => void) | undefined;

  constructor(listener?: (message: string) => void) {
    this.listener = listener;
  }

  add(message: string): void {
    if (this.items.length < MAX_SUMMARY_WARNINGS) this.items.push(message);
    else this.dropped++;
    this.listener?.(message);
  }

  /** The kept warnings, plus one line saying how many more were left out. */
  list(): string[] {
    return this.dropped === 0 ? [...this.items] : [...this.items, `… and ${this.dropped} more warnings`];
  }
}
