/**
 * Loading a verified SQL dump into MariaDB/MySQL with the command-line client (`mariadb`, else `mysql`),
 * the password on an inherited, unlinked descriptor as for the dump (src/sources/mysql.ts runClient).
 */
import { open } from 'node:fs/promises';
import { runClient, type RunClientOptions } from '../sources/index.ts';

export type SqlConnection = RunClientOptions;

/** A MySQL string literal (backslash and quote escaped). */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export interface SqlTarget {
  /** Tables, views, routines and events in `database` (0 when it does not exist). */
  objectCount(database: string): Promise<number>;
  /** Runs the SQL in `file` (stops at the first error: the client's default for batch input). */
  load(file: string): Promise<void>;
}

export function mysqlTarget(conn: SqlConnection): SqlTarget {
  return {
    async objectCount(database) {
      const db = sqlString(database);
      const query =
        `SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA=${db})` +
        ` + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA=${db})` +
        ` + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA=${db})`;
      const out = await runClient(
        conn,
        ['--batch', '--skip-column-names', `--execute=${query}`],
        `count the tables of ${database}`,
      );
      const n = Number.parseInt(out.trim(), 10);
      if (!Number.isSafeInteger(n)) throw new Error(`unexpected answer counting the tables of ${database}`);
      return n;
    },
    async load(file) {
      const handle = await open(file, 'r');
      try {
        await runClient(conn, ['--batch', '--default-character-set=utf8mb4'], 'load the dump', handle.fd);
      } catch (err) {
        const message = (err as Error).message;
        if (!/Access denied|ERROR 1044|ERROR 1227/.test(message)) throw err;
        throw new Error(
          `${message}\nthe job's mysql user may lack the rights a restore needs (creating the database, its tables, views, triggers and routines with their DEFINER): the backup user usually has read rights only; restore with --db-to-file and load the file as an administrator`,
          { cause: err },
        );
      } finally {
        await handle.close();
      }
    },
  };
}
