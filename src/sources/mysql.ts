/**
 * The `mysql` source: one database dumped by the real client (`mariadb-dump` or `mysqldump`), streamed
 * from its stdout. The npm package `mysqldump` is not used: it writes only to files, ignores
 * back-pressure and takes no consistent snapshot.
 *
 * The password reaches the client through an inherited file descriptor: `--defaults-extra-file=/dev/fd/3`
 * (it must be the first argument). Never argv, never the environment: the child's environment is built
 * from an allow-list (./child-env.ts), so neither MYSQL_PWD nor any other secret of the agent reaches it. Fd 3 is NOT a Node 'pipe': Node creates stdio pipes as socketpairs, and Linux
 * refuses open() of /dev/fd/N on a socket (ENXIO). Instead the option file is written 0600 into a fresh
 * 0700 folder (on /dev/shm, a RAM file system, when present), opened, and unlinked before the child
 * starts; the child inherits the open descriptor of a file no longer visible anywhere.
 *
 * The output stream ends only after the client exited with status 0 and the dump's last line is the
 * "-- Dump completed" trailer; otherwise it is destroyed with a MysqlDumpError naming the database, the
 * exit status or signal and the stderr tail. A failed dump therefore never looks like a complete object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  mkdtempSync,
  openSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  connectionArgs,
  defaultsFileContent,
  findClientBinary,
  findDumpBinary,
  mysqldumpArgs,
  parseDatabaseList,
  whichInPath,
  type MysqlConnectionOptions,
} from './mysql-command.ts';
import { childEnv } from './child-env.ts';
import { DumpScanner, type DumpStats } from './mysql-dump-scan.ts';
import { WarningList, type BackupSource, type MysqlSourceSummary, type SourceRun } from './types.ts';

/**
 * Writes `content` to a private file, opens it and removes it again: the returned descriptor reads a
 * file that no longer has a name. The caller passes it to a child and closes it.
 */
export function openDefaultsFd(content: string, baseDir?: string): number {
  const base = baseDir ?? shmOrTmp();
  const dir = mkdtempSync(join(base, 'ftps-backup-'));
  const file = join(dir, 'client.cnf');
  try {
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
    return openSync(file, 'r');
  } finally {
    rmSync(file, { force: true });
    rmdirSync(dir);
  }
}

function shmOrTmp(): string {
  try {
    const st = statSync('/dev/shm');
    if (st.isDirectory()) {
      accessSync('/dev/shm', fsConstants.W_OK | fsConstants.X_OK);
      return '/dev/shm';
    }
  } catch {
    // no RAM file system: the temp folder will do (the file lives for microseconds)
  }
  return tmpdir();
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function asMessage(err: unknown): string {
  return asError(err).message;
}

/** Keeps the last `limit` bytes written to it. */
class ByteTail {
  private buffer = Buffer.alloc(0);
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  push(chunk: Buffer): void {
    this.buffer =
      chunk.length >= this.limit
        ? Buffer.from(chunk.subarray(chunk.length - this.limit))
        : Buffer.concat([this.buffer, chunk]).subarray(-this.limit);
  }
  text(): string {
    return this.buffer.toString('utf8');
  }
}

const STDERR_LIMIT = 64 * 1024;
/** stderr characters quoted in an error message (the full tail is on the error object). */
const MESSAGE_STDERR = 2000;

function redact(text: string, secret: string | undefined): string {
  return secret !== undefined && secret.length >= 4 ? text.split(secret).join('****') : text;
}

export class MysqlDumpError extends Error {
  readonly database: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last 64 KiB of the client's stderr. */
  readonly stderr: string;

  constructor(
    message: string,
    details: { database: string; exitCode: number | null; signal: NodeJS.Signals | null; stderr: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MysqlDumpError';
    this.database = details.database;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderr = details.stderr;
  }
}

export interface DumpOutcome {
  program: string;
  database: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the output ended with the trailer. */
  completed: boolean;
  stderr: string;
}

/** The error for a finished dump client, or undefined when the dump is good. Pure. */
export function dumpFailure(outcome: DumpOutcome): MysqlDumpError | undefined {
  const { program, database, exitCode, signal } = outcome;
  let reason: string;
  if (signal !== null) reason = `was killed by ${signal}`;
  else if (exitCode !== 0) reason = `failed with exit status ${exitCode}`;
  else if (!outcome.completed) {
    reason = 'exited with status 0 but its output lacks the "-- Dump completed" trailer';
  } else return undefined;
  const stderr = outcome.stderr.trim();
  const quoted = stderr.length > MESSAGE_STDERR ? `…${stderr.slice(-MESSAGE_STDERR)}` : stderr;
  const message = `${program} of database "${database}" ${reason}${quoted === '' ? '' : `; stderr: ${quoted}`}`;
  return new MysqlDumpError(message, { database, exitCode, signal, stderr: outcome.stderr });
}

export interface MysqlSourceOptions extends MysqlConnectionOptions {
  database: string;
  password?: string;
  excludeTables?: string[];
  extraOptions?: string[];
  /** Path of the dump client; default: findDumpBinary over PATH. */
  binary?: string;
  /** Each non-empty stderr line of a successful dump (deprecation notes, warnings). */
  onWarning?: (message: string) => void;
  /** After SIGTERM (abort), SIGKILL follows after this long (default 10 s). */
  killAfterMs?: number;
}

/** The fd the option file is inherited on in the child. */
const DEFAULTS_FD = 3;

export function createMysqlSource(opts: MysqlSourceOptions): BackupSource {
  const binary = opts.binary ?? findDumpBinary((name) => whichInPath(name)).path;
  // validate everything now: a bad option should fail the configuration check, not the night's run
  const args = mysqldumpArgs({ ...opts, defaultsFd: DEFAULTS_FD });
  const content = defaultsFileContent(opts.password);
  return {
    kind: 'mysql',
    id: opts.database,
    open: (signal) => openDump({ ...opts, binary, args, content }, signal),
  };
}

interface DumpSettings extends MysqlSourceOptions {
  binary: string;
  args: string[];
  content: string;
}

function openDump(settings: DumpSettings, signal: AbortSignal | undefined): SourceRun {
  const { database, password } = settings;
  const program = basename(settings.binary);
  const scanner = new DumpScanner();
  const stderr = new ByteTail(STDERR_LIMIT);
  let failure: Error | undefined;
  let summary: MysqlSourceSummary | undefined;
  let child: ChildProcess | undefined;
  let killTimer: NodeJS.Timeout | undefined;

  let spawnError: Error | undefined;
  let fd: number | undefined;
  try {
    fd = openDefaultsFd(settings.content);
    child = spawn(settings.binary, settings.args, { stdio: ['ignore', 'pipe', 'pipe', fd], env: childEnv() });
  } catch (err) {
    spawnError = new Error(`cannot run ${settings.binary} for database "${database}": ${asMessage(err)}`, {
      cause: err,
    });
  } finally {
    if (fd !== undefined) closeSync(fd); // the child has its own copy
  }
  const running = child;
  const exited =
    running === undefined
      ? Promise.reject(spawnError ?? new Error('spawn failed'))
      : new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
          running.on('error', (err) => {
            reject(
              new Error(`cannot run ${settings.binary} for database "${database}": ${err.message}`, {
                cause: err,
              }),
            );
          });
          running.once('close', (code, sig) => {
            clearTimeout(killTimer);
            resolve({ code, signal: sig });
          });
          running.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
        });
  exited.catch(() => {}); // observed through `out` and `done`

  const kill = (): void => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    killTimer ??= setTimeout(() => {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, settings.killAfterMs ?? 10_000);
    killTimer.unref();
  };

  let ended = false;
  const out = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      scanner.push(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback): void {
      // end the stream only once the client's verdict is known
      const stats: DumpStats = scanner.finish();
      exited.then(
        ({ code, signal: sig }) => {
          const error = dumpFailure({
            program,
            database,
            exitCode: code,
            signal: sig,
            completed: stats.completed,
            stderr: redact(stderr.text(), password),
          });
          if (error !== undefined) {
            failure ??= error;
            callback(failure);
            return;
          }
          const warnings = new WarningList(settings.onWarning);
          for (const line of redact(stderr.text(), password).split('\n')) {
            if (line.trim() !== '') warnings.add(`${program} (${database}): ${line.trim()}`);
          }
          summary = {
            kind: 'mysql',
            database,
            tables: stats.tables,
            views: stats.views,
            routines: stats.routines,
            triggers: stats.triggers,
            events: stats.events,
            ...(stats.rows !== undefined ? { rows: stats.rows } : {}),
            warnings: warnings.list(),
          };
          ended = true;
          callback();
        },
        (err: unknown) => {
          failure ??= asError(err);
          callback(failure);
        },
      );
    },
  });

  const fail = (err: unknown): void => {
    failure ??= asError(err);
    if (!out.destroyed) out.destroy(failure);
    kill();
  };
  out.once('close', () => {
    if (!ended) kill(); // the consumer gave up, or a failure: the dump must not go on
  });
  const onAbort = (): void => {
    fail(signal?.reason ?? new Error('aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const stdout = running?.stdout ?? undefined;
  if (stdout === undefined) {
    // spawn failed synchronously: `exited` rejected; end the stream so flush reports it
    out.end();
  } else {
    pipeline(stdout, out, (err) => {
      if (err) fail(err);
    });
  }
  if (signal?.aborted === true) onAbort();

  const done = Promise.allSettled([finished(out), exited]).then(([flowed]) => {
    signal?.removeEventListener('abort', onAbort);
    if (failure !== undefined) throw failure;
    if (flowed.status === 'rejected') throw asError(flowed.reason);
    if (summary === undefined) {
      throw new Error(`${program} of database "${database}": no summary (internal error)`);
    }
    return summary;
  });
  return { stream: out, done };
}

const CLIENT_OUTPUT_LIMIT = 16 * 1024 * 1024;

export interface RunClientOptions extends MysqlConnectionOptions {
  password?: string;
  /** Path of the `mariadb`/`mysql` client; default: findClientBinary over PATH. */
  client?: string;
  signal?: AbortSignal;
}

/**
 * Runs the command-line client (`mariadb`, else `mysql`) with the connection, the password on fd 3 and
 * `args`; `stdin` is a descriptor to read SQL from (default: none). Resolves to its standard output (at
 * most 16 MiB); rejects naming `what` with the exit status and stderr tail when it fails.
 */
export async function runClient(
  opts: RunClientOptions,
  args: readonly string[],
  what: string,
  stdin?: number,
): Promise<string> {
  const client = opts.client ?? findClientBinary((name) => whichInPath(name)).path;
  const fullArgs = [`--defaults-extra-file=/dev/fd/${DEFAULTS_FD}`, ...connectionArgs(opts), ...args];
  const fd = openDefaultsFd(defaultsFileContent(opts.password));
  let child: ChildProcess;
  try {
    child = spawn(client, fullArgs, {
      stdio: [stdin ?? 'ignore', 'pipe', 'pipe', fd],
      env: childEnv(),
      signal: opts.signal,
    });
  } finally {
    closeSync(fd);
  }
  const stdout: Buffer[] = [];
  let size = 0;
  const stderr = new ByteTail(STDERR_LIMIT);
  child.stdout?.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > CLIENT_OUTPUT_LIMIT) child.kill('SIGTERM');
    else stdout.push(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.on('error', (err) => {
        reject(
          err.name === 'AbortError' ? err : new Error(`cannot run ${client}: ${err.message}`, { cause: err }),
        );
      });
      child.once('close', (c, s) => resolve({ code: c, signal: s }));
    },
  );
  const program = basename(client);
  const errText = redact(stderr.text(), opts.password).trim();
  if (size > CLIENT_OUTPUT_LIMIT) throw new Error(`${program}: ${what} printed more than 16 MiB`);
  if (signal !== null || code !== 0) {
    const why = signal !== null ? `was killed by ${signal}` : `failed with exit status ${code}`;
    throw new Error(
      `${program} (${what}) ${why}${errText === '' ? '' : `; stderr: ${errText.slice(-MESSAGE_STDERR)}`}`,
    );
  }
  return Buffer.concat(stdout).toString('utf8');
}

export interface ListDatabasesOptions extends RunClientOptions {
  /** Include the `mysql` system database (users, grants). Default false. */
  includeMysql?: boolean;
}

/**
 * The databases to dump for `databases: all`: `SHOW DATABASES` without information_schema,
 * performance_schema and sys, and without `mysql` unless `includeMysql` — the `mysql` schema holds the
 * server's accounts and grants, and loading it into another server would overwrite that server's users;
 * back it up only when asked for (or list it by name).
 */
export async function listDatabases(opts: ListDatabasesOptions): Promise<string[]> {
  const output = await runClient(
    opts,
    ['--batch', '--skip-column-names', '--execute=SHOW DATABASES'],
    'SHOW DATABASES',
  );
  return parseDatabaseList(output, opts.includeMysql ?? false);
}
