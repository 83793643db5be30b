// The mysql source against a real MariaDB (test/harness): the dump restores to identical tables with
// the view, trigger, routines and event; the password never shows in the client's argv or environment;
// failures (bad password, unknown database, the client killed mid-stream) end the stream with an error
// that names the database; listDatabases leaves out the system schemas.
import { readdirSync, readFileSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { mariadbQuery } from '../harness/mariadb.ts';
import { useMariadb } from '../harness/vitest.ts';
import type { MariadbInfo } from '../harness/types.ts';
import {
  createMysqlSource,
  listDatabases,
  MysqlDumpError,
  type MysqlSourceSummary,
  type SourceSummary,
} from '../../src/sources/index.ts';

const db = useMariadb();

function asMysql(summary: SourceSummary): MysqlSourceSummary {
  if (summary.kind !== 'mysql') throw new Error('expected a mysql summary');
  return summary;
}

const tcp = (info: MariadbInfo) => ({
  host: info.host,
  port: info.port,
  user: info.user,
  password: info.password,
});

const SHOP = [
  'CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;',
  'USE shop;',
  'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100), body MEDIUMTEXT, data BLOB) ENGINE=InnoDB;',
  "INSERT INTO items VALUES (1, 'Grüße 👋🏽 from 日本', 'line1\\nline2\\ttab ''quoted'' \\\\ backslash', X'00FF10DEADBEEF'),",
  "  (2, 'CREATE TABLE inside data', REPEAT('x', 100000), NULL);",
  'CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, msg TEXT) ENGINE=InnoDB;',
  'CREATE TABLE skipped_cache (k INT PRIMARY KEY) ENGINE=InnoDB;',
  'INSERT INTO skipped_cache VALUES (1), (2);',
  'CREATE VIEW item_names AS SELECT id, name FROM items;',
  "CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW INSERT INTO log (msg) VALUES (CONCAT('added ', NEW.name));",
  'DELIMITER ;;',
  'CREATE PROCEDURE add_item(IN n VARCHAR(100)) BEGIN INSERT INTO items (id, name) VALUES (100, n); END;;',
  'CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;;',
  'DELIMITER ;',
  'CREATE EVENT cleanup ON SCHEDULE EVERY 1 DAY DO DELETE FROM log;',
  'CREATE DATABASE big;',
  'CREATE TABLE big.rows (id INT PRIMARY KEY, pad VARCHAR(1000)) ENGINE=InnoDB;',
  'INSERT INTO big.rows SELECT seq, REPEAT(MD5(seq), 30) FROM seq_1_to_60000;',
].join('\n');

let prepared = false;
async function prepare(info: MariadbInfo): Promise<void> {
  if (prepared) return;
  await mariadbQuery(info, SHOP, { as: 'root' });
  prepared = true;
}

describe('mysql source (MariaDB 10.11)', () => {
  it('dumps a database that restores to the same tables, view, trigger, routines and event', async () => {
    const info = db();
    await prepare(info);
    const checksum = (): Promise<string> =>
      mariadbQuery(info, 'CHECKSUM TABLE shop.items, shop.log EXTENDED;', { as: 'root' });
    const before = await checksum();

    const warnings: string[] = [];
    const source = createMysqlSource({
      database: 'shop',
      ...tcp(info),
      excludeTables: ['skipped_cache'],
      onWarning: (m) => warnings.push(m),
    });
    expect(source).toMatchObject({ kind: 'mysql', id: 'shop' });
    const run = source.open();
    const [sql, summary] = await Promise.all([buffer(run.stream), run.done]);
    expect(asMysql(summary)).toEqual({
      kind: 'mysql',
      database: 'shop',
      tables: 2,
      views: 1,
      routines: 2,
      triggers: 1,
      events: 1,
      // rows counted while the dump streams (the trigger was created after the inserts: log is empty)
      rows: { items: 2, log: 0 },
      warnings: [],
    });
    const text = sql.toString('utf8');
    expect(text).toContain('CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop`');
    expect(text).not.toContain('skipped_cache');
    expect(text).toContain('0x00FF10DEADBEEF'); // --hex-blob
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^-- Dump completed/);

    // restore into a fresh server state: drop and reload
    await mariadbQuery(info, 'DROP DATABASE shop;', { as: 'root' });
    await mariadbQuery(info, text, { as: 'root' });
    expect(await checksum()).toBe(before);
    const objects = await mariadbQuery(
      info,
      [
        "SELECT 'view', TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA='shop'",
        "UNION ALL SELECT 'trigger', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='shop'",
        "UNION ALL SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='shop'",
        "UNION ALL SELECT 'event', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA='shop' ORDER BY 1, 2;",
      ].join(' '),
      { as: 'root' },
    );
    // (the column's collation sorts case-insensitively)
    expect(objects).toBe(
      'event\tcleanup\nFUNCTION\ttwice\nPROCEDURE\tadd_item\ntrigger\titems_ai\nview\titem_names\n',
    );
    expect(await mariadbQuery(info, 'SELECT name FROM shop.items WHERE id = 1;', { as: 'root' })).toBe(
      'Grüße 👋🏽 from 日本\n',
    );
  });

  it('connects over the socket too, and a fresh open() dumps again', async () => {
    const info = db();
    await prepare(info);
    const source = createMysqlSource({
      database: 'big',
      socket: info.socket,
      user: info.rootUser,
      password: info.rootPassword,
    });
    for (let i = 0; i < 2; i++) {
      const run = source.open();
      const [sql, summary] = await Promise.all([buffer(run.stream), run.done]);
      expect(asMysql(summary)).toMatchObject({ database: 'big', tables: 1, views: 0 });
      expect(sql.toString()).toContain('CREATE TABLE `rows`');
    }
  });

  it('passes a password full of special characters through fd 3 only', async () => {
    const info = db();
    const password = `q"uo'te \\back#slash\tTAB ünï 🔑 end\\`;
    const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    await mariadbQuery(
      info,
      [
        `CREATE USER 'odd'@'127.0.0.1' IDENTIFIED BY ${sqlString(password)};`,
        `GRANT SELECT, SHOW VIEW, TRIGGER, LOCK TABLES, EVENT, PROCESS ON *.* TO 'odd'@'127.0.0.1';`,
      ].join('\n'),
      { as: 'root' },
    );
    await prepare(info);
    const source = createMysqlSource({
      database: 'big',
      host: info.host,
      port: info.port,
      user: 'odd',
      password,
    });
    const run = source.open();
    // while the dump runs, look at the client process from outside
    const reader = run.stream[Symbol.asyncIterator]();
    await reader.next();
    const pid = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .find((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('--user=odd');
        } catch {
          return false;
        }
      });
    expect(pid).toBeDefined();
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000');
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    expect(cmdline[1]).toBe('--defaults-extra-file=/dev/fd/3');
    expect(cmdline.join(' ')).not.toContain(password);
    expect(cmdline.join(' ')).not.toContain('back#slash');
    expect(environ).not.toContain(password);
    expect(environ).not.toContain('MYSQL_PWD');
    for (;;) {
      const next = await reader.next();
      if (next.done === true) break;
    }
    expect(asMysql(await run.done).tables).toBe(1);
  });

  it('fails with the database, exit status and stderr on a wrong password (never the password)', async () => {
    const info = db();
    const password = `${info.password}-wrong`;
    const run = createMysqlSource({
      database: 'shop',
      host: info.host,
      port: info.port,
      user: info.user,
      password,
    }).open();
    let streamError: unknown;
    run.stream.on('error', (e) => {
      streamError = e;
    });
    run.stream.resume();
    const err = await run.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MysqlDumpError);
    expect(streamError).toBe(err);
    const e = err as MysqlDumpError;
    expect(e.message).toMatch(
      /^mariadb-dump of database "shop" failed with exit status 2; stderr: .*Access denied/,
    );
    expect(e.message).not.toContain(password);
    expect(e.stderr).toContain('Access denied');
  });

  it('fails on an unknown database', async () => {
    const info = db();
    const run = createMysqlSource({ database: 'no_such_db', ...tcp(info) }).open();
    run.stream.on('error', () => {});
    run.stream.resume();
    await expect(run.done).rejects.toThrow(
      /"no_such_db" failed with exit status 2; stderr: .*Unknown database/,
    );
  });

  it('fails when the client is killed mid-stream, and the stream never ends cleanly', async () => {
    const info = db();
    await prepare(info);
    const run = createMysqlSource({ database: 'big', ...tcp(info) }).open();
    let ended = false;
    let streamError: unknown;
    run.stream.on('end', () => {
      ended = true;
    });
    run.stream.on('error', (e) => {
      streamError = e;
    });
    await new Promise<void>((resolve) => run.stream.once('data', () => resolve()));
    run.stream.pause();
    const pid = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .find((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cmd.includes('mariadb-dump') && cmd.endsWith('--databases\u0000big\u0000');
        } catch {
          return false;
        }
      });
    expect(pid).toBeDefined();
    process.kill(Number(pid), 'SIGKILL');
    run.stream.resume();
    await expect(run.done).rejects.toThrow(/"big" was killed by SIGKILL/);
    expect(ended).toBe(false);
    expect(streamError).toBeInstanceOf(MysqlDumpError);
  });

  it('stops the client on abort', async () => {
    const info = db();
    await prepare(info);
    const controller = new AbortController();
    const run = createMysqlSource({ database: 'big', ...tcp(info) }).open(controller.signal);
    run.stream.on('error', () => {});
    run.stream.once('data', () => controller.abort());
    await expect(run.done).rejects.toThrow(/aborted/i);
  });

  it('fails clearly when the client cannot be run', async () => {
    const info = db();
    const run = createMysqlSource({
      database: 'shop',
      ...tcp(info),
      binary: '/nonexistent/mariadb-dump',
    }).open();
    run.stream.on('error', () => {});
    run.stream.resume();
    await expect(run.done).rejects.toThrow(
      /cannot run \/nonexistent\/mariadb-dump for database "shop": .*ENOENT/,
    );
  });

  it('lists the databases worth backing up', async () => {
    const info = db();
    await prepare(info);
    expect(await listDatabases(tcp(info))).toEqual(['big', 'shop']);
    expect(
      await listDatabases({
        socket: info.socket,
        user: info.rootUser,
        password: info.rootPassword,
        includeMysql: true,
      }),
    ).toEqual(['big', 'mysql', 'shop']);
    await expect(listDatabases({ ...tcp(info), password: 'nope' })).rejects.toThrow(
      /exit status 1; stderr: .*Access denied/,
    );
  });
});
