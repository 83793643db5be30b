/**
 * The whole backup on real parts: a generated WordPress-like site and a MariaDB database, backed up by
 * `ftps-backup run` to ProFTPD, vsftpd and Pure-FTPd; the set is then taken from the server's disk,
 * decompressed and extracted with the standard tools (zstd, tar) and the SQL loaded into the server again
 * after dropping the database: files byte-exact with modes and mtimes, every table's checksum equal,
 * view, trigger and routines present.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbQuery } from '../harness/mariadb.ts';
import { useFtpServer, useMariadb } from '../harness/vitest.ts';
import type { FtpServerInfo } from '../harness/index.ts';
import { runCli } from '../support/cli.ts';
import { diffTrees, makeSite } from '../support/site.ts';
import { dbFingerprint, makeWordpressDb } from '../support/wordpress-db.ts';
import { writeBackupConfig } from '../support/backup-config.ts';

const db = useMariadb();
const servers: Array<[string, () => FtpServerInfo]> = [
  ['proftpd', useFtpServer('proftpd', 'a')],
  ['vsftpd', useFtpServer('vsftpd')],
  ['pure-ftpd', useFtpServer('pure-ftpd')],
];

const work = mkdtempSync(join(tmpdir(), 'roundtrip-'));
const site = join(work, 'site');
const BIG = Number(process.env.FTPS_TEST_SITE_BIG_MB ?? 50) * 1_000_000;

beforeAll(async () => {
  await makeSite(site, { smallFiles: 10_000, bigFiles: 3, bigFileBytes: BIG });
  await makeWordpressDb(db(), 'wp');
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const skipCache = (rel: string): boolean => rel.startsWith('wp-content/cache/');

describe.each(servers)('backup round trip through %s', (kind, server) => {
  it('restores the site byte-exact and the database identical', async () => {
    const dir = join(work, kind);
    mkdirSync(dir);
    const before = await dbFingerprint(db(), 'wp');
    const cfg = await writeBackupConfig(dir, server(), db(), [
      { name: 'blog', site, exclude: ['wp-content/cache/**'], databases: ['wp'], root: '/backups' },
    ]);
    const env = { TEST_FTPS_PASSWORD: server().password, TEST_MYSQL_PASSWORD: db().password };
    const r = await runCli(['run', 'blog', '-c', cfg, '--json'], env);
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Array<{ ok: boolean; set: string }>;
    expect(result[0]?.ok).toBe(true);
    const setDir = join(server().home, 'backups', 'blog', result[0]!.set);
    expect(readdirSync(setDir).sort()).toEqual(['db-wp.sql.zst', 'files-site.tar.zst', 'manifest.json']);
    const manifest = JSON.parse(readFileSync(join(setDir, 'manifest.json'), 'utf8')) as {
      objects: Array<{ name: string; source: Record<string, unknown> }>;
    };
    expect(manifest.objects.find((o) => o.name === 'db-wp.sql.zst')?.source).toMatchObject({
      kind: 'mysql',
      database: 'wp',
      tables: 3,
      views: 1,
      triggers: 1,
      routines: 2,
    });
    expect(manifest.objects.find((o) => o.name === 'files-site.tar.zst')?.source).toMatchObject({
      kind: 'directory',
      symlinks: 3,
    });

    const out = join(dir, 'extracted');
    mkdirSync(out);
    execFileSync('sh', [
      '-c',
      `zstd -dc "$1" | tar -xpf - -C "$2"`,
      'sh',
      join(setDir, 'files-site.tar.zst'),
      out,
    ]);
    expect(await diffTrees(site, out, skipCache)).toEqual([]);

    await mariadbQuery(db(), 'DROP DATABASE wp;', { as: 'root' });
    const sql = execFileSync('zstd', ['-dc', join(setDir, 'db-wp.sql.zst')], { maxBuffer: 1 << 30 }).toString(
      'utf8',
    );
    expect(sql.trimEnd()).toMatch(/-- Dump completed/);
    await mariadbQuery(db(), sql, { as: 'root' });
    expect(await dbFingerprint(db(), 'wp')).toEqual(before);
  });
});
