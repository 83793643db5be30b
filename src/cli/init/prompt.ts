/**
 * Questions for `ftps-backup init` on a terminal: a default in brackets (Enter takes it), an answer that
 * fails its check is explained and asked again, and a password is read without echo. Without a terminal
 * (or with --yes) every question takes its flag's value or its default, and a missing value is an error
 * naming the flag. (Not pure: it owns the terminal; see wp-config.ts for the folder's header.)
 */
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError } from '../ftp-url.ts';

export interface Question<T> {
  text: string;
  /** The value from a flag, when given: used as the default on a terminal, as the answer otherwise. */
  given?: string | undefined;
  default?: string | undefined;
  /** Names the flag in the error when there is no terminal and no value. */
  flag: string;
  /** Turns the answer into a value, or throws an Error whose message says what is wrong. */
  check: (answer: string) => T;
}

export interface Prompter {
  readonly interactive: boolean;
  ask<T>(q: Question<T>): Promise<T>;
  /** A password, without echo on a terminal; `fallback` (a flag or environment variable) first. */
  secret<T>(q: Question<T> & { given?: undefined }, fallback: string | undefined): Promise<T>;
  confirm(text: string, defaultYes: boolean): Promise<boolean>;
  say(line: string): void;
  close(): void;
}

/** How many times a bad answer is asked again before init gives up. */
export const MAX_ATTEMPTS = 5;

export function nonInteractivePrompter(out: NodeJS.WritableStream, yes: boolean): Prompter {
  const answer = <T>(q: Question<T>, value: string | undefined): T => {
    const v = value ?? q.default;
    if (v === undefined) throw new UsageError(`${q.text}: no value (give ${q.flag})`);
    try {
      return q.check(v);
    } catch (err) {
      throw new UsageError(`${q.flag}: ${(err as Error).message}`);
    }
  };
  return {
    interactive: false,
    ask: (q) => Promise.resolve().then(() => answer(q, q.given)),
    secret: (q, fallback) => Promise.resolve().then(() => answer(q, fallback)),
    confirm: (text, defaultYes) => {
      out.write(`${text} ${yes ? 'yes (--yes)' : defaultYes ? 'yes (default)' : 'no (default)'}\n`);
      return Promise.resolve(yes || defaultYes);
    },
    say: (line) => void out.write(`${line}\n`),
    close: () => undefined,
  };
}

/** A terminal prompter over `input`/`output` (a TTY: raw mode is used for the password). */
export function terminalPrompter(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Prompter {
  let muted = false;
  const echo = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const rl: Interface = createInterface({ input, output: echo, terminal: true });
  let closed = false;
  rl.on('close', () => {
    closed = true;
  });
  const line = (prompt: string): Promise<string> =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new UsageError('init: the terminal closed before every question was answered'));
        return;
      }
      const onClose = (): void => reject(new UsageError('init: cancelled'));
      rl.once('close', onClose);
      rl.question(prompt, (a) => {
        rl.off('close', onClose);
        resolve(a);
      });
    });
  const loop = async <T>(
    q: Question<T>,
    read: (prompt: string) => Promise<string>,
    def: string | undefined,
  ) => {
    for (let attempt = 1; ; attempt++) {
      const prompt = `${q.text}${def !== undefined && def !== '' ? ` [${def}]` : ''}: `;
      const raw = (await read(prompt)).trim();
      const value = raw === '' ? def : raw;
      if (value === undefined || value === '') {
        output.write('  an answer is needed\n');
      } else {
        try {
          return q.check(value);
        } catch (err) {
          output.write(`  ${(err as Error).message}\n`);
        }
      }
      if (attempt >= MAX_ATTEMPTS)
        throw new UsageError(`${q.text}: no usable answer after ${MAX_ATTEMPTS} tries`);
    }
  };
  return {
    interactive: true,
    ask: (q) => loop(q, line, q.given ?? q.default),
    secret: async (q, fallback) => {
      if (fallback !== undefined) {
        try {
          return q.check(fallback);
        } catch (err) {
          output.write(`  ${(err as Error).message}\n`);
        }
      }
      return loop(
        q,
        async (prompt) => {
          output.write(prompt);
          muted = true;
          try {
            return await line('');
          } finally {
            muted = false;
            output.write('\n');
          }
        },
        undefined,
      );
    },
    confirm: async (text, defaultYes) => {
      for (;;) {
        const a = (await line(`${text} [${defaultYes ? 'Y/n' : 'y/N'}]: `)).trim().toLowerCase();
        if (a === '') return defaultYes;
        if (a === 'y' || a === 'yes') return true;
        if (a === 'n' || a === 'no') return false;
        output.write('  answer y or n\n');
      }
    },
    say: (l) => void output.write(`${l}\n`),
    close: () => rl.close(),
  };
}
