/**
 * The sqlite source: a consistent copy of a live database, made by the real `sqlite3` shell with
 * `VACUUM INTO` (one read transaction: a snapshot while other connections go on writing), into a
 * private temporary folder (mkdtemp: mode 0700); the copy is set to a rollback journal (one
 * self-contained file), checked (`PRAGMA quick_check`), its tables counted,
 * then streamed and removed. The commands are built as data (sqliteBackupArgs, sqliteInspectArgs).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { childEnv } from './child-env.ts';
import type { BackupSource, SourceRun, SqliteSourceSummary } from './types.ts';

export interface SqliteSourceOptions {
  label: string;
  /** The database file (absolute). */
  path: string;
  /** The sqlite3 shell; default `sqlite3` from PATH. */
  binary?: string;
  /** Where the private copy folder is made; default the system's temporary folder. */
  tmpDir?: string;
  /** How long the backup waits for a writer's lock, ms. */
  busyTimeoutMs?: number;
}

/** Bytes of sqlite3's stderr kept for an error message. */
const STDERR_LIMIT = 4096;

/**
 * The copy: `VACUUM INTO` on a read-only connection, waiting up to `busyTimeoutMs` for locks. It reads
 * the whole database in one read transaction, so the copy is one snapshot however busy the writers are.
 * (The shell's `.backup` copies 100 pages per step and starts over whenever another process writes in
 * between: on a busy database it never finishes — seen in our test with a writer committing every 2 ms.)
 */
export function sqliteBackupArgs(database: string, copy: string, busyTimeoutMs: number): string[] {
  if (/['\n\r\0]/.test(copy)) throw new Error(`unusable copy path ${JSON.stringify(copy)}`);
  return [
    '-batch',
    '-bail',
    '-readonly',
    '-cmd',
    `.timeout ${busyTimeoutMs}`,
    database,
    `VACUUM INTO '${copy}';`,
  ];
}

/** On the private copy: one self-contained file, its tables counted, its pages checked. */
export function sqliteInspectArgs(copy: string): string[] {
  return [
    '-batch',
    '-bail',
    copy,
    'PRAGMA journal_mode=DELETE;',
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\';",
    'PRAGMA quick_check;',
  ];
}

/** sqliteInspectArgs' output: `delete`, the table count, `ok`; anything else is a reason to fail. */
export function parseInspectOutput(out: string): { tables: number } {
  const lines = out.trim().split('\n');
  const [mode, count, check] = lines;
  if (lines.length !== 3 || mode !== 'delete' || count === undefined || !/^\d+$/.test(count))
    throw new Error(`unexpected output of sqlite3 on the copy: ${JSON.stringify(out.slice(0, 200))}`);
  if (check !== 'ok') throw new Error(`the copy fails PRAGMA quick_check: ${check?.slice(0, 200) ?? ''}`);
  return { tables: Number(count) };
}

export function createSqliteSource(options: SqliteSourceOptions): BackupSource {
  const { label, path } = options;
  const binary = options.binary ?? 'sqlite3';
  return {
    kind: 'sqlite',
    id: label,
    open(signal?: AbortSignal): SourceRun {
      const stream = new PassThrough({ highWaterMark: 1 << 20 });
      const done = (async (): Promise<SqliteSourceSummary> => {
        const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
          throw new Error(`sqlite ${label}: cannot read ${path}: ${err.code ?? err.message}`);
        });
        if (!st.isFile()) throw new Error(`sqlite ${label}: ${path} is not a file`);
        const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'ftps-backup-sqlite-'));
        try {
          const copy = join(dir, 'copy.db');
          await run(binary, sqliteBackupArgs(path, copy, options.busyTimeoutMs ?? 30_000), signal);
          const { tables } = parseInspectOutput(await run(binary, sqliteInspectArgs(copy), signal));
          const bytes = (await stat(copy)).size;
          await new Promise<void>((resolve, reject) => {
            const file = createReadStream(copy);
            file.on('error', reject);
            stream.on('error', reject);
            stream.once('close', () => {
              file.destroy();
              reject(new Error(`sqlite ${label}: the stream was closed before the copy was read`));
            });
            file.on('end', resolve);
            file.pipe(stream);
          });
          return { kind: 'sqlite', label, path, bytes, tables, warnings: [] };
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      })();
      done.then(
        () => {},
        (err: unknown) => stream.destroy(err instanceof Error ? err : new Error(String(err))),
      );
      return { stream, done };
    },
  };

  /** Runs sqlite3 to its end; resolves to its stdout, rejects with its stderr on a non-zero exit. */
  function run(file: string, args: string[], signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) return reject(new Error(`sqlite ${label}: cancelled`));
      const child = spawn(file, args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (out.length < STDERR_LIMIT) out += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (err.length < STDERR_LIMIT) err += d;
      });
      const onAbort = (): void => void child.kill('SIGTERM');
      signal?.addEventListener('abort', onAbort, { once: true });
      child.once('error', (e) => reject(new Error(`sqlite ${label}: cannot run ${file}: ${e.message}`)));
      child.once('close', (code, sig) => {
        signal?.removeEventListener('abort', onAbort);
        if (code === 0) resolve(out);
        else
          reject(
            new Error(
              `sqlite ${label}: ${file} ${sig !== null ? `was killed by ${sig}` : `exited with status ${code}`}: ${err.trim().slice(0, 500) || '(no message)'}`,
            ),
          );
      });
    });
  }
}
