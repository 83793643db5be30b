/**
 * The end of one job's log, for the bodies of healthchecks pings and e-mails: a ring buffer of the last
 * lines, bounded in lines and bytes, fed by a logger that also forwards every line (teeLogger). Values
 * are redacted by the caller when the tail is read (secrets registered late are covered too).
 */
import type { NotifyLog } from './types.ts';

export class LogTail {
  private readonly lines: string[] = [];
  private readonly maxLines: number;
  private readonly maxLineBytes: number;

  constructor(maxLines = 100, maxLineBytes = 1_000) {
    this.maxLines = maxLines;
    this.maxLineBytes = maxLineBytes;
  }

  push(line: string): void {
    this.lines.push(line.length > this.maxLineBytes ? `${line.slice(0, this.maxLineBytes)}…` : line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** The logger methods a job run uses; the same shape as src/logging's Logger. */
export interface TeeableLogger extends NotifyLog {
  error(message: string): void;
}

/**
 * A logger that writes to `log` and keeps each line (time, level, message) in `tail`; debug lines (the
 * FTP protocol at --debug) are forwarded but not kept, so they do not crowd out the story of the run.
 */
export function teeLogger(
  log: TeeableLogger,
  tail: LogTail,
  now: () => Date = () => new Date(),
): TeeableLogger {
  const keep = (level: string, message: string) => tail.push(`${now().toISOString()} ${level}: ${message}`);
  return {
    error: (m) => {
      keep('error', m);
      log.error(m);
    },
    warn: (m) => {
      keep('warn', m);
      log.warn(m);
    },
    info: (m) => {
      keep('info', m);
      log.info(m);
    },
    debug: (m) => log.debug(m),
  };
}
