/**
 * The MySQL/MariaDB client commands as data (pure, unit-tested by equality): which binary, the dump's
 * arguments, the `[client]` option file that carries the password, and the parsing of `SHOW DATABASES`.
 * Running them is src/sources/mysql.ts's job.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter as pathDelimiter, isAbsolute, join } from 'node:path';
import { refusedDumpOption } from '../domain/index.ts';

export { checkExtraOption } from '../domain/index.ts';

export type DumpFlavour = 'mariadb' | 'mysql';

const INSTALL_HINT =
  'install the Debian package `mariadb-client` (or `default-mysql-client`): apt-get install mariadb-client';

/** PATH lookup: the first `name` in `pathEnv` that is a regular file executable by us. */
export function whichInPath(name: string, pathEnv: string = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return undefined;
  for (const dir of pathEnv.split(pathDelimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue; // relative PATH entries depend on the cwd: ignored
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The dump client: `mariadb-dump` preferred, then `mysqldump`. */
export function findDumpBinary(which: (name: string) => string | undefined): {
  path: string;
  flavour: DumpFlavour;
} {
  const mariadb = which('mariadb-dump');
  if (mariadb !== undefined) return { path: mariadb, flavour: 'mariadb' };
  const mysql = which('mysqldump');
  if (mysql !== undefined) return { path: mysql, flavour: 'mysql' };
  throw new Error(`neither mariadb-dump nor mysqldump was found in PATH: ${INSTALL_HINT}`);
}

/** The command-line client (for listing databases): `mariadb` preferred, then `mysql`. */
export function findClientBinary(which: (name: string) => string | undefined): {
  path: string;
  flavour: DumpFlavour;
} {
  const mariadb = which('mariadb');
  if (mariadb !== undefined) return { path: mariadb, flavour: 'mariadb' };
  const mysql = which('mysql');
  if (mysql !== undefined) return { path: mysql, flavour: 'mysql' };
  throw new Error(`neither the mariadb nor the mysql client was found in PATH: ${INSTALL_HINT}`);
}

export interface MysqlConnectionOptions {
  /** TCP host (with `port`, default 3306); exclusive with `socket`. */
  host?: string;
  port?: number;
  /** Unix socket path; exclusive with `host`. Neither: the client's default (usually the local socket). */
  socket?: string;
  user: string;
}

export interface MysqldumpArgsOptions extends MysqlConnectionOptions {
  database: string;
  /** Tables to leave out: `table` (of this database) or `database.table` (applies to that database only). */
  excludeTables?: string[];
  /** More long options (`--name[=value]`), appended before `--databases`. Checked by checkExtraOption. */
  extraOptions?: string[];
  /** The descriptor the option file (password) is inherited on. */
  defaultsFd: number;
}

/** The options every dump uses (a consistent InnoDB snapshot, the whole schema, lossless blobs and text). */
export const DEFAULT_DUMP_OPTIONS: readonly string[] = [
  '--single-transaction',
  '--quick',
  '--routines',
  '--triggers',
  '--events',
  '--hex-blob',
  '--default-character-set=utf8mb4',
];

function checkValue(what: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000\r\n]/.test(value)) throw new Error(`${what} must not contain NUL, CR or LF`);
}

/**
 * Why a database name cannot be passed to the dump client as an argument, or undefined when it can: an
 * empty name, one starting with `-` (it would be read as an option, e.g. `--x`), or one holding NUL, CR
 * or LF. Pure.
 */
export function unsafeDatabaseName(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name.startsWith('-')) return 'a name starting with "-" would be read as an option by the dump client';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000\r\n]/.test(name)) return 'the name contains NUL, CR or LF';
  return undefined;
}

/** `--host`/`--port`/`--protocol=TCP`, or `--socket`/`--protocol=SOCKET`, then `--user`. */
export function connectionArgs(opts: MysqlConnectionOptions): string[] {
  const args: string[] = [];
  if (opts.host !== undefined && opts.socket !== undefined) {
    throw new Error('give either host (and port) or socket for a MySQL connection, not both');
  }
  if (opts.port !== undefined) {
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
      throw new Error(`MySQL port must be an integer from 1 to 65535, got ${opts.port}`);
    }
    if (opts.host === undefined) throw new Error('a MySQL port needs a host');
  }
  if (opts.host !== undefined) {
    if (opts.host === '') throw new Error('MySQL host must not be empty');
    checkValue('MySQL host', opts.host);
    args.push(`--host=${opts.host}`);
    if (opts.port !== undefined) args.push(`--port=${opts.port}`);
    args.push('--protocol=TCP');
  } else if (opts.socket !== undefined) {
    if (opts.socket === '') throw new Error('MySQL socket must not be empty');
    checkValue('MySQL socket', opts.socket);
    args.push(`--socket=${opts.socket}`, '--protocol=SOCKET');
  }
  if (opts.user === '') throw new Error('MySQL user must not be empty');
  checkValue('MySQL user', opts.user);
  args.push(`--user=${opts.user}`);
  return args;
}

/**
 * The dump client's arguments. Pure. The option file comes first (the client requires it), then the
 * default options, the connection, excluded tables, extra options and `--databases <db>` (so the dump
 * carries CREATE DATABASE and USE). Never a password.
 */
export function mysqldumpArgs(opts: MysqldumpArgsOptions): string[] {
  if (!Number.isInteger(opts.defaultsFd) || opts.defaultsFd < 0)
    throw new Error(`bad defaultsFd ${opts.defaultsFd}`);
  const unsafe = unsafeDatabaseName(opts.database);
  if (unsafe !== undefined) throw new Error(`unusable database name "${opts.database}": ${unsafe}`);
  const args = [
    `--defaults-extra-file=/dev/fd/${opts.defaultsFd}`,
    ...DEFAULT_DUMP_OPTIONS,
    ...connectionArgs(opts),
  ];
  for (const entry of opts.excludeTables ?? []) {
    checkValue('excluded table', entry);
    const dot = entry.indexOf('.');
    if (dot === -1) {
      if (entry === '') throw new Error('an excluded table name is empty');
      args.push(`--ignore-table=${opts.database}.${entry}`);
    } else if (entry.slice(0, dot) === opts.database) {
      if (dot === entry.length - 1) throw new Error(`an excluded table name is empty: "${entry}"`);
      args.push(`--ignore-table=${entry}`);
    }
  }
  for (const option of opts.extraOptions ?? []) {
    const refused = refusedDumpOption(option);
    if (refused !== undefined) throw new Error(refused);
    args.push(option);
  }
  args.push('--databases', opts.database);
  return args;
}

/**
 * A `[client]` option file holding the password. Option-file values are unescaped by the client's
 * option parser (mysys/my_default.c): inside the double quotes `\\`, `\"`, `\n`, `\r`, `\t`, `\b` are
 * the escapes; a newline must be escaped since the parser reads one line at a time (of at most 4 KiB).
 */
export function defaultsFileContent(password: string | undefined): string {
  if (password === undefined) return '[client]\n';
  if (password.includes('\u0000')) throw new Error('a MySQL password cannot contain NUL');
  const escaped = password.replace(/[\\"\n\r\t\b]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      case '\b':
        return '\\b';
      default:
        return `\\${c}`;
    }
  });
  const line = `password="${escaped}"`;
  if (Buffer.byteLength(line) > 4000) throw new Error('the MySQL password is too long for an option file');
  return `[client]\n${line}\n`;
}

/** Schemas that are never backed up: they are views of server state, not data. */
export const VIRTUAL_SCHEMAS: readonly string[] = ['information_schema', 'performance_schema', 'sys'];

/** Undoes the escaping of the client's batch mode (`\\`, `\t`, `\n`, `\0`). */
export function unescapeBatchValue(value: string): string {
  return value.replace(/\\([\\tn0])/g, (_m, c: string) =>
    c === 't' ? '\t' : c === 'n' ? '\n' : c === '0' ? '\u0000' : '\\',
  );
}

/** The names in `SHOW DATABASES` output (batch mode, no column names) worth backing up. Pure. */
export function parseDatabaseList(output: string, includeMysql = false): string[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map(unescapeBatchValue)
    .filter((name) => !VIRTUAL_SCHEMAS.includes(name.toLowerCase()))
    .filter((name) => includeMysql || name.toLowerCase() !== 'mysql');
}
