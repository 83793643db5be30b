/**
 * src/logging — console and winston logging, and secret redaction. Imports only src/domain. Library code receives a
 * Logger (the small interface below), never winston itself.
 *
 * Console output is readable text; under systemd (JOURNAL_STREAM set) lines carry no timestamp and start
 * with a journald priority prefix (<3> error, <4> warning, <6> info, <7> debug) so `journalctl -p` works.
 * Every line, on every transport, passes through the redactor: registered secret values become "****".
 */
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
  if (options.file !== undefined) {
    transports.push(
      new winston.transports.File({
        filename: options.file,
        format: options.format === 'json' ? json : fileText,
      }),
    );
  }
  const w = winston.createLogger({ level: options.level, transports });
  return {
    error: (m) => w.error(m),
    warn: (m) => w.warn(m),
    info: (m) => w.info(m),
    debug: (m) => w.debug(m),
    close: () =>
      new Promise<void>((resolve) => {
        w.on('finish', () => resolve());
        w.end();
        setTimeout(resolve, 500).unref();
      }),
  };
}
