/**
 * src/sources — BackupSource implementations: `mysql` (the real mariadb-dump/mysqldump client, spawned,
 * its stdout streamed), `directory` (a tar stream written with tar-stream), `command` (a program's stdout) and `sqlite` (a copy made by
 * the sqlite3 shell's VACUUM INTO, then streamed). The port they implement
 * is in ./types.ts; src/app sees only that.
 *
 * May import src/pipeline, src/domain and Node built-ins (plus tar-stream and ignore), nothing else.
 * Every source is a factory: open() runs it again from the start, so a retry never reuses a spent
 * stream. Memory never grows with the size of what is backed up.
 *
 *   types.ts            the port (BackupSource, SourceRun, SourceSummary)
 *   directory.ts        the directory source: the walk, excludes, changed and unreadable files
 *   directory-fs.ts     its file-system seam (synchronous calls, like GNU tar's)
 *   tar-output.ts       tar headers (PAX where ustar ends) and the archive writer (TarOutput)
 *   child-env.ts        the environment of every child process (an allow-list, never the agent's secrets)
 *   mysql.ts            the mysql source: spawning the client, the fd-3 password file, the verdict
 *   mysql-command.ts    the client commands as data (binary choice, arguments, option file)
 *   mysql-dump-scan.ts  the incremental dump scanner (object counts, "-- Dump completed" trailer)
 *   command.ts          the command source: a program's stdout, its exit status checked
 *   sqlite.ts           the sqlite source: a consistent copy by the sqlite3 shell (VACUUM INTO), then streamed
 */
export {
  MAX_SUMMARY_WARNINGS,
  WarningList,
  type BackupSource,
  type DirectorySourceSummary,
  type MysqlSourceSummary,
  type SourceRun,
  type SourceSummary,
  type SqliteSourceSummary,
  type CommandSourceSummary,
} from './types.ts';
export { commandSpawn, createCommandSource, type CommandSourceOptions } from './command.ts';
export {
  createSqliteSource,
  parseInspectOutput,
  sqliteBackupArgs,
  sqliteInspectArgs,
  type SqliteSourceOptions,
} from './sqlite.ts';
export { childEnv, INHERITED_ENV } from './child-env.ts';
export { createDirectorySource, type DirectorySourceOptions } from './directory.ts';
export { nodeDirectoryFs, type DirectoryFs, type EntryStats, type ReadableFile } from './directory-fs.ts';
export { buildTarHeader, MAX_USTAR_SIZE, TarOutput, type TarHeader } from './tar-output.ts';
export {
  createMysqlSource,
  dumpFailure,
  listDatabases,
  MysqlDumpError,
  openDefaultsFd,
  runClient,
  type DumpOutcome,
  type RunClientOptions,
  type ListDatabasesOptions,
  type MysqlSourceOptions,
} from './mysql.ts';
export {
  checkExtraOption,
  connectionArgs,
  DEFAULT_DUMP_OPTIONS,
  defaultsFileContent,
  findClientBinary,
  findDumpBinary,
  mysqldumpArgs,
  parseDatabaseList,
  unescapeBatchValue,
  unsafeDatabaseName,
  VIRTUAL_SCHEMAS,
  whichInPath,
  type DumpFlavour,
  type MysqlConnectionOptions,
  type MysqldumpArgsOptions,
} from './mysql-command.ts';
export {
  classifyCreate,
  DUMP_TRAILER,
  DumpScanner,
  normalizeDumpLine,
  type DumpStats,
} from './mysql-dump-scan.ts';
