/**
 * src/logging — console and winston logging, and secret redaction. Imports only src/domain. Library code receives a
 * Logger (the small interface below), never winston itself.
 *
 * Console output is readable text; under systemd (JOURNAL_STREAM set) lines carry no timestamp and start
 * with a journald priority prefix (<3> error, <4> warning, <6> info, <7> debug) so `journalctl -p` works.
 * Every line, on every transport, passes through the redactor: registered secret values become "****".
 */
import { closeSync, mkdirSync, openSync, createWriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type winstonModule from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export interface LoggerOptions {
  level: LogLevel;
  format?: 'text' | 'json';
  file?: string | undefined;
  /** Set when stderr is the journal (systemd sets JOURNAL_STREAM). */
  journal?: boolean;
  /** Where console lines go; default stderr. */
  stream?: NodeJS.WritableStream;
}

/**
 * Opens the log file for appending, now: a file that cannot be opened is an error here (at start, or at
 * a SIGHUP reopen, where the caller keeps the old log), not an 'error' event later. Mode 0600 on creation
 * (the log names hosts, users and paths). A write that fails later (disk full, the file system gone) is
 * said once on `report` and the lines go on to the console only: a log file never stops the agent.
 */
export function openLogFile(path: string, report: (message: string) => void): Writable {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'a', 0o600);
  let stream: Writable;
  try {
    stream = createWriteStream(path, { fd });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let said = false;
  stream.on('error', (err: Error) => {
    if (said) return;
    said = true;
    report(`log file ${path}: ${err.message}; logging to the console only until the next reload`);
  });
  return stream;
}

/** Remembers secret values and replaces them in any text. Values shorter than 4 characters are refused. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (secret === undefined || secret.length === 0) return;
    this.secrets.add(secret);
    // Also the forms a secret takes when quoted or URL-encoded in messages.
    this.secrets.add(encodeURIComponent(secret));
    this.secrets.add(JSON.stringify(secret).slice(1, -1));
  }

  redact(text: string): string {
    let out = text;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (s.length > 0 && out.includes(s)) out = out.split(s).join('****');
    }
    return out;
  }
}

const JOURNAL_PRIORITY: Record<string, number> = { error: 3, warn: 4, info: 6, debug: 7 };

export type ClosableLogger = Logger & { close(): Promise<void> };

/**
 * The console line for one message: journald priority prefix under systemd, else a short time stamp and
 * the level for anything but info.
 */
export function formatConsoleLine(level: LogLevel, message: string, journal: boolean, now: Date): string {
  if (journal) return `<${JOURNAL_PRIORITY[level] ?? 6}>${message}`;
  const ts = now.toTimeString().slice(0, 8);
  return `${ts} ${level === 'info' ? '' : `${level.toUpperCase()}: `}${message}`;
}

const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * Text on the console needs nothing more than a formatter, so winston (about 17 MB of memory) is loaded
 * only for what it is for: JSON output and log files.
 */
export async function createLogger(
  options: LoggerOptions,
  redactor: Redactor = new Redactor(),
): Promise<ClosableLogger> {
  if (options.format !== 'json' && options.file === undefined) {
    const stream = options.stream ?? process.stderr;
    const max = LEVELS[options.level];
    const emit = (level: LogLevel, message: string): void => {
      if (LEVELS[level] > max) return;
      stream.write(
        `${formatConsoleLine(level, redactor.redact(message), options.journal === true, new Date())}\n`,
      );
    };
    return {
      error: (m) => emit('error', m),
      warn: (m) => emit('warn', m),
      info: (m) => emit('info', m),
      debug: (m) => emit('debug', m),
      close: () => Promise.resolve(),
    };
  }
  const winston = (await import('winston')).default;
  return createWinstonLogger(winston, options, redactor);
}

function createWinstonLogger(
  winston: typeof winstonModule,
  options: LoggerOptions,
  redactor: Redactor,
): ClosableLogger {
  const redactFormat = winston.format((info) => {
    info.message = redactor.redact(String(info.message));
    return info;
  });
  const text = winston.format.printf((info) =>
    formatConsoleLine(info.level as LogLevel, String(info.message), options.journal === true, new Date()),
  );
  const json = winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json());
  const fileText = winston.format.combine(
    redactFormat(),
    winston.format.timestamp(),
    winston.format.printf((info) => `${String(info.timestamp)} ${info.level}: ${String(info.message)}`),
  );
  const transports: winstonModule.transport[] = [
    new winston.transports.Stream({
      stream: options.stream ?? process.stderr,
      format: options.format === 'json' ? json : winston.format.combine(redactFormat(), text),
    }),
  ];
  let file: Writable | undefined;
  if (options.file !== undefined) {
    const consoleStream = options.stream ?? process.stderr;
    file = openLogFile(options.file, (m) =>
      consoleStream.write(`${formatConsoleLine('error', m, options.journal === true, new Date())}\n`),
    );
    transports.push(
      new winston.transports.Stream({
        stream: file,
        format: options.format === 'json' ? json : fileText,
      }),
    );
  }
  const w = winston.createLogger({ level: options.level, transports });
  let closed = false;
  // After close, a line (a late callback of a job that outlived its logger) goes nowhere rather than
  // throwing "write after end" out of whatever called it.
  const emit = (level: LogLevel, m: string): void => {
    if (!closed) w.log(level, m);
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => {
        const done = (): void => {
          if (file === undefined) return resolve();
          file.end(() => resolve());
          setTimeout(resolve, 500).unref();
        };
        w.on('finish', done);
        w.end();
        setTimeout(done, 500).unref();
      });
    },
  };
}

/**
 * A logger whose destination can be replaced while others hold it: the daemon's scheduler and jobs keep
 * this one, and a SIGHUP swaps what is behind it (a new level, format or file, or the same file
 * reopened after logrotate moved it away). The old destination is closed after the swap, so every line
 * lands in exactly one of them.
 */
export class SwitchableLogger implements ClosableLogger {
  private current: ClosableLogger;

  constructor(initial: ClosableLogger) {
    this.current = initial;
  }

  error(m: string): void {
    this.current.error(m);
  }
  warn(m: string): void {
    this.current.warn(m);
  }
  info(m: string): void {
    this.current.info(m);
  }
  debug(m: string): void {
    this.current.debug(m);
  }

  /** Switches to `next` and closes the previous destination (its pending lines are written first). */
  async replace(next: ClosableLogger): Promise<void> {
    const previous = this.current;
    this.current = next;
    await previous.close();
  }

  close(): Promise<void> {
    return this.current.close();
  }
}
