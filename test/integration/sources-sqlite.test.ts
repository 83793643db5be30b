/**
 * The sqlite source end to end with the real sqlite3 shell and ProFTPD: a database written to during the
 * backup (WAL mode, two tables filled in one transaction each) is copied consistently; the manifest
 * records its size and tables; verify --test-restore reads it back; restore writes it to a file that
 * sqlite3 finds intact, with both tables equally long. A missing database fails the run, nothing published.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { useFtpServer, useSqlite3 } from '../harness/vitest.ts';
import { runCli } from '../support/cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';
import { parseManifest } from '../../src/domain/index.ts';

useSqlite3();
const server = useFtpServer('proftpd', 'a');
const work = mkdtempSync(join(tmpdir(), 'sqlite-src-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A config whose one job backs up one sqlite source (writeBackupConfig writes the rest). */
async function sqliteConfig(dir: string, job: string, dbPath: string): Promise<string> {
  const cfg = await writeBackupConfig(dir, server(), undefined, [{ name: job, root: '/backups' }]);
  const source = `      - type: sqlite\n        label: app\n        path: ${JSON.stringify(dbPath)}\n`;
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('    sources:\n', `    sources:\n${source}`));
  return cfg;
}

const sqlite3 = (db: string, ...sql: string[]): string =>
  execFileSync('sqlite3', ['-batch', '-bail', db, ...sql], { encoding: 'utf8' }).trim();

describe('sqlite source', () => {
  it('backs up a database in use consistently; verify --test-restore and restore to a file', async () => {
    const dir = join(work, 'live');
    mkdirSync(dir, { recursive: true });
    const dbPath = join(dir, 'app.db');
    const db = new DatabaseSync(dbPath);
    db.exec(
      'PRAGMA journal_mode=WAL; CREATE TABLE a(n INTEGER, pad TEXT); CREATE TABLE b(n INTEGER); CREATE VIEW v AS SELECT 1;',
    );
    let n = 0;
    /** One transaction: 50 rows into each table. */
    const write = (): void => {
      db.exec('BEGIN');
      for (let i = 0; i < 50; i++) {
        n++;
        db.exec(`INSERT INTO a VALUES (${n}, printf('%.*c', 500, 'x')); INSERT INTO b VALUES (${n})`);
      }
      db.exec('COMMIT');
    };
    for (let i = 0; i < 20; i++) write();
    // a writer keeps committing while the backup runs
    const writer = setInterval(write, 2);
    const cfg = await sqliteConfig(dir, 'sq', dbPath);
    const env = { TEST_FTPS_PASSWORD: server().password };
    let r;
    try {
      r = await runCli(['run', 'sq', '-c', cfg, '--json'], env);
    } finally {
      clearInterval(writer);
    }
    db.close();
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const [result] = JSON.parse(r.stdout) as Array<{ set: string }>;
    const setDir = join(server().home, 'backups', 'sq', result!.set);
    const manifest = parseManifest(readFileSync(join(setDir, 'manifest.json'), 'utf8'));
    expect(manifest.objects.map((o) => [o.name, o.source.kind])).toEqual([['sqlite-app.db.zst', 'sqlite']]);
    const source = manifest.objects[0]!.source;
    expect(source).toMatchObject({ kind: 'sqlite', label: 'app', path: dbPath, tables: 2 });

    const v = await runCli(['verify', 'sq', 'latest', '-c', cfg, '--test-restore', '--json'], env);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('an SQLite 3 database of');

    const to = join(dir, 'restored');
    const restore = await runCli(['restore', 'sq', 'latest', '-c', cfg, '--to', to], env);
    expect(restore.code).toBe(0);
    const copy = join(to, 'sqlite-app.db');
    expect(source.kind === 'sqlite' ? readFileSync(copy).length : -1).toBe(
      source.kind === 'sqlite' ? source.bytes : 0,
    );
    expect(sqlite3(copy, 'PRAGMA integrity_check;')).toBe('ok');
    expect(sqlite3(copy, 'PRAGMA journal_mode;')).toBe('delete');
    // one transaction wrote both tables: a consistent copy has them equally long
    const [a, b] = sqlite3(copy, 'SELECT count(*) FROM a;', 'SELECT count(*) FROM b;')
      .split('\n')
      .map(Number);
    expect(a).toBeGreaterThanOrEqual(1000);
    expect(a).toBe(b);
    expect(a! % 50).toBe(0);
    expect(n).toBeGreaterThan(a!); // the writer went on committing while and after the copy was made
    // restore refuses to replace the file without --overwrite
    const again = await runCli(['restore', 'sq', 'latest', '-c', cfg, '--to', to], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/sqlite-app\.db already exists/);
  });

  it('a missing database fails the run with a clear error and publishes nothing', async () => {
    const dir = join(work, 'missing');
    mkdirSync(dir, { recursive: true });
    const cfg = await sqliteConfig(dir, 'sqmissing', join(dir, 'nope.db'));
    const r = await runCli(['run', 'sqmissing', '-c', cfg], { TEST_FTPS_PASSWORD: server().password });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sqlite app: cannot read ${join(dir, 'nope.db')}: ENOENT`);
    expect(existsSync(join(dir, 'nope.db'))).toBe(false);
    const jobDir = join(server().home, 'backups', 'sqmissing');
    expect(existsSync(jobDir) ? readdirSync(jobDir) : []).toEqual([]);
  });
});
