/**
 * src/restore — where restored content lands on this machine: safe extraction of a folder object's tar
 * into a private staging folder (extract.ts), moving staged entries into the target with every conflict
 * found first (place.ts), and loading a verified SQL dump into MariaDB/MySQL (mysql-load.ts), under
 * another database name if asked (sql-rename.ts).
 *
 * May import src/sources (the client binary and the password descriptor), src/pipeline, src/domain and
 * Node built-ins (plus tar-stream). src/app's restoreSet drives it.
 */
export {
  extractTar,
  HostileArchiveError,
  type DirMeta,
  type Extraction,
  type ExtractResult,
} from './extract.ts';
export { placeAll, PlaceConflictError, type PlaceItem } from './place.ts';
export { mysqlTarget, sqlString, type SqlConnection, type SqlTarget } from './mysql-load.ts';
export { quoteIdentifier, renameDatabase } from './sql-rename.ts';
