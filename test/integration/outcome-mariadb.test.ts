/**
 * Warnings from a real MariaDB 10.11 (test/harness), through the real CLI (`run` in-process) to a local
 * destination. mariadb-dump does not complain about what the dump user cannot see, so the anomaly check
 * against the previous clean set is what notices:
 * - a user without any grant on one table: the table is simply not dumped → "1 fewer tables" and the
 *   table named as missing;
 * - a user with database-level SHOW VIEW/TRIGGER/EVENT/LOCK TABLES but no SELECT on one table: its
 *   CREATE TABLE is dumped with no rows and mariadb-dump exits 0 → "rows fell from N to 0" naming it;
 * - `databases: all` with a database named `--x`: skipped with a warning, the others backed up.
 * Each time: exit 4, outcome warning in `run --json` and the history, the set published.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mariadbQuery } from '../harness/mariadb.ts';
import { useMariadb } from '../harness/vitest.ts';
import type { MariadbInfo } from '../harness/types.ts';
import { runCli } from '../support/cli.ts';

const db = useMariadb();
const work = mkdtempSync(join(tmpdir(), 'outcome-db-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LIMITED_PASSWORD = 'limited-Pa55';

/** Two users besides the harness's full `backup` user, each missing something on one table. */
const SETUP = [
  'CREATE DATABASE hidden;',
  'CREATE TABLE hidden.items (id INT PRIMARY KEY) ENGINE=InnoDB;',
  'INSERT INTO hidden.items VALUES (1), (2), (3);',
  'CREATE TABLE hidden.secret_notes (id INT PRIMARY KEY, note TEXT) ENGINE=InnoDB;',
  "INSERT INTO hidden.secret_notes VALUES (1, 'a'), (2, 'b');",
  'CREATE DATABASE norows;',
  'CREATE TABLE norows.items (id INT PRIMARY KEY) ENGINE=InnoDB;',
  'INSERT INTO norows.items VALUES (1), (2);',
  'CREATE TABLE norows.orders (id INT PRIMARY KEY, total INT) ENGINE=InnoDB;',
  'USE norows;',
  'INSERT INTO orders SELECT seq, seq * 10 FROM seq_1_to_250;',
  ...['127.0.0.1', 'localhost'].flatMap((h) => [
    // no grant at all on hidden.secret_notes
    `CREATE USER 'nogrant'@'${h}' IDENTIFIED BY '${LIMITED_PASSWORD}';`,
    `GRANT SELECT, SHOW VIEW, TRIGGER ON hidden.items TO 'nogrant'@'${h}';`,
    `GRANT EVENT ON hidden.* TO 'nogrant'@'${h}';`,
    // database-level grants, SELECT on every table but norows.orders
    `CREATE USER 'noselect'@'${h}' IDENTIFIED BY '${LIMITED_PASSWORD}';`,
    `GRANT SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON norows.* TO 'noselect'@'${h}';`,
    `GRANT SELECT ON norows.items TO 'noselect'@'${h}';`,
  ]),
].join('\n');

let prepared = false;
async function prepare(info: MariadbInfo): Promise<void> {
  if (prepared) return;
  await mariadbQuery(info, SETUP, { as: 'root' });
  prepared = true;
}

interface RunJson {
  outcome: string;
  ok: boolean;
  set: string;
  warnings: string[];
  objects: Array<{ name: string; source: { rows?: Record<string, number>; tables: number } }>;
}

/** A config with one job `name` dumping `databases` as `user` to a local folder. */
function config(name: string, info: MariadbInfo, user: string, databases: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const cfg = join(dir, `config-${user}.yaml`);
  writeFileSync(
    cfg,
    [
      'destinations:',
      `  disk: { type: local, path: ${JSON.stringify(join(dir, 'dest'))} }`,
      `state: { dir: ${JSON.stringify(join(dir, 'state'))} }`,
      'jobs:',
      `  - name: ${name}`,
      '    destination: disk',
      '    sources:',
      '      - type: mysql',
      `        databases: ${databases}`,
      `        host: ${info.host}`,
      `        port: ${info.port}`,
      `        user: ${user}`,
      '        password: { env: TEST_MYSQL_PASSWORD }',
      '    retention: { keepLast: 5 }',
      '',
    ].join('\n'),
  );
  return cfg;
}

async function run(
  cfg: string,
  job: string,
  password: string,
): Promise<{ code: number; result: RunJson; stderr: string }> {
  const r = await runCli(['run', job, '-c', cfg, '--json'], { TEST_MYSQL_PASSWORD: password });
  const [result] = JSON.parse(r.stdout) as RunJson[];
  return { code: r.code, result: result!, stderr: r.stderr };
}

/** Set names have whole seconds: two runs of one job must not start in the same second. */
const nextSecond = (): Promise<void> => new Promise((r) => setTimeout(r, 1100));

function history(job: string): Array<{ outcome: string; warnings?: string[] }> {
  return JSON.parse(readFileSync(join(work, job, 'state', 'history', `${job}.json`), 'utf8')) as Array<{
    outcome: string;
    warnings?: string[];
  }>;
}

describe('warnings from MariaDB (anomaly check, databases: all)', () => {
  it('a dump user without a grant on one table: fewer tables, the table named, exit 4', async () => {
    const info = db();
    await prepare(info);
    const clean = await run(config('hidden', info, info.user, '[hidden]'), 'hidden', info.password);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.result.outcome).toBe('success');
    expect(clean.result.objects[0]!.source.rows).toEqual({ items: 3, secret_notes: 2 });

    await nextSecond();
    const limited = await run(config('hidden', info, 'nogrant', '[hidden]'), 'hidden', LIMITED_PASSWORD);
    expect(limited.code, limited.stderr).toBe(4);
    expect(limited.result).toMatchObject({ ok: true, outcome: 'warning' });
    expect(limited.result.objects[0]!.source).toMatchObject({ tables: 1, rows: { items: 3 } });
    expect(limited.result.warnings).toEqual([
      `db-hidden.sql.zst: database hidden: 1 tables, 1 fewer since set ${clean.result.set} (2)`,
      `db-hidden.sql.zst: database hidden: table secret_notes is missing (it had 2 rows in the previous set) since set ${clean.result.set}`,
    ]);
    expect(history('hidden').map((h) => h.outcome)).toEqual(['success', 'warning']);
    expect(history('hidden')[1]!.warnings?.join('\n')).toMatch(/secret_notes/);
  }, 60_000);

  it('database-level grants but no SELECT on one table: its rows fell to zero, named, exit 4', async () => {
    const info = db();
    await prepare(info);
    const clean = await run(config('norows', info, info.user, '[norows]'), 'norows', info.password);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.result.objects[0]!.source.rows).toEqual({ items: 2, orders: 250 });

    await nextSecond();
    const limited = await run(config('norows', info, 'noselect', '[norows]'), 'norows', LIMITED_PASSWORD);
    expect(limited.code, limited.stderr).toBe(4);
    expect(limited.result.outcome).toBe('warning');
    // the structure is there (mariadb-dump exits 0, stderr empty), the rows are not
    expect(limited.result.objects[0]!.source).toMatchObject({ tables: 2, rows: { items: 2, orders: 0 } });
    expect(limited.result.warnings).toEqual([
      `db-norows.sql.zst: database norows: table orders: rows fell from 250 to 0 since set ${clean.result.set}`,
    ]);
  }, 60_000);

  it('doctor <job> names the missing grant: no SELECT on one table (✗), SELECT granted table by table (warning), all there (✓)', async () => {
    const info = db();
    await prepare(info);
    const noselect = await runCli(
      ['doctor', 'norows', '-c', config('norows', info, 'noselect', '[norows]')],
      {
        TEST_MYSQL_PASSWORD: LIMITED_PASSWORD,
      },
    );
    expect(noselect.code, noselect.stderr).toBe(1);
    expect(noselect.stdout).toMatch(
      /SELECT is missing on orders: mariadb-dump writes their structure without rows/,
    );
    expect(noselect.stdout).toMatch(/GRANT SELECT ON `norows`\.\* TO 'noselect'/);

    const nogrant = await runCli(['doctor', 'hidden', '-c', config('hidden', info, 'nogrant', '[hidden]')], {
      TEST_MYSQL_PASSWORD: LIMITED_PASSWORD,
    });
    expect(nogrant.code, nogrant.stderr).toBe(0);
    expect(nogrant.stdout).toMatch(
      /SELECT is granted table by table \(items\): a table without its own grant is invisible/,
    );

    const full = await runCli(['doctor', 'norows', '-c', config('norows', info, info.user, '[norows]')], {
      TEST_MYSQL_PASSWORD: info.password,
    });
    expect(full.code, full.stdout + full.stderr).toBe(0);
    expect(full.stdout).toMatch(/SELECT, SHOW VIEW, TRIGGER and EVENT on all 2 table\(s\) and 0 view\(s\)/);
  }, 60_000);

  it('databases: all skips a database named --x with a warning and backs up the others', async () => {
    const info = db();
    await prepare(info);
    await mariadbQuery(info, 'CREATE DATABASE IF NOT EXISTS `--x`;', { as: 'root' });
    const r = await run(config('everything', info, info.user, 'all'), 'everything', info.password);
    expect(r.code, r.stderr).toBe(4);
    expect(r.result.outcome).toBe('warning');
    expect(r.result.warnings).toEqual([
      'source db: database --x is skipped: a name starting with "-" would be read as an option by the dump client',
    ]);
    expect(r.result.objects.map((o) => o.name)).toEqual(
      expect.arrayContaining(['db-hidden.sql.zst', 'db-norows.sql.zst']),
    );
    expect(r.result.objects.map((o) => o.name)).not.toContain('db---x.sql.zst');
  }, 60_000);
});
