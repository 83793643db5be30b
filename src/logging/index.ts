/**
 * src/logging — winston setup and secret redaction. Imports only src/domain. Library code receives a
 * Logger (the small interface below), never winston itself.
 *
 * Console output is readable text; under systemd (JOURNAL_STREAM set) lines carry no timestamp and start
 * with a journald priority prefix (<3> error, <4> warning, <6> info, <7> debug) so `journalctl -p` works.
 * Every line, on every transport, passes through the redactor: registered secret values become "****".
 */
import winston from 'winston';

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

export function createLogger(options: LoggerOptions, redactor: Redactor = new Redactor()): Logger & { close(): Promise<void> } {
  const redactFormat = winston.format((info) => {
    info.message = redactor.redact(String(info.message));
    return info;
  });
  const text = winston.format.printf((info) => {
    const msg = String(info.message);
    if (options.journal === true) return `<${JOURNAL_PRIORITY[info.level] ?? 6}>${msg}`;
    const ts = typeof info.timestamp === 'string' ? `${info.timestamp} ` : '';
    const lvl = info.level === 'info' ? '' : `${info.level.toUpperCase()}: `;
    return `${ts}${lvl}${msg}`;
  });
  const consoleFormat =
    options.format === 'json'
      ? winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json())
      : options.journal === true
        ? winston.format.combine(redactFormat(), text)
        : winston.format.combine(redactFormat(), winston.format.timestamp({ format: 'HH:mm:ss' }), text);
  const transports: winston.transport[] = [
    new winston.transports.Stream({ stream: options.stream ?? process.stderr, format: consoleFormat }),
  ];
  if (options.file !== undefined) {
    transports.push(
      new winston.transports.File({
        filename: options.file,
        format:
          options.format === 'json'
            ? winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json())
            : winston.format.combine(redactFormat(), winston.format.timestamp(), text),
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
