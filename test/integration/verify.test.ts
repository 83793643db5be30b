/**
 * verify on real servers: a fresh set verifies; one flipped byte in an object on the server is named (by
 * download, and by the server's HASH); --test-restore reads the content and finds a cut dump whose hash
 * matches; encrypted sets need their identity for a test restore only.
 */
import { createHash } from 'node:crypto';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest, serializeManifest } from '../../src/domain/index.ts';
import { generateX25519Identity } from '../../src/pipeline/index.ts';
import { useFtpServer, useMariadb } from '../harness/vitest.ts';
import { makeSite } from '../support/site.ts';
import { makeWordpressDb } from '../support/wordpress-db.ts';
import { runCli } from '../support/cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';

const server = useFtpServer('vsftpd');
const work = mkdtempSync(join(tmpdir(), 'verify-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('verify on vsftpd', () => {
  it('passes a fresh set and names the object with one flipped byte', async () => {
    mkdirSync(join(work, 'site'));
    writeFileSync(join(work, 'site', 'page.html'), 'x'.repeat(100_000));
    const cfg = await writeBackupConfig(work, server(), undefined, [
      { name: 'v', site: join(work, 'site'), root: '/backups' },
    ]);
    const env = { TEST_FTPS_PASSWORD: server().password };
    expect((await runCli(['run', 'v', '-c', cfg], env)).code).toBe(0);

    const ok = await runCli(['verify', 'v', 'latest', '-c', cfg, '--json'], env);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout) as Array<{
      set: string;
      objects: Array<{ name: string; ok: boolean }>;
    }>;
    expect(report[0]?.objects).toEqual([expect.objectContaining({ name: 'files-site.tar.zst', ok: true })]);
    // vsftpd has no hash command: --server-hash downloads instead, and says why
    const sh = await runCli(['verify', 'v', '-c', cfg, '--server-hash', '--json'], env);
    expect(sh.code).toBe(0);
    expect((JSON.parse(sh.stdout) as typeof report)[0]?.objects[0]).toMatchObject({
      ok: true,
      how: 'downloaded: the server offers no hash command',
    });

    const obj = join(server().home, 'backups', 'v', report[0]!.set, 'files-site.tar.zst');
    const bytes = readFileSync(obj);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(obj, bytes);
    const bad = await runCli(['verify', 'v', report[0]!.set, '-c', cfg], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      new RegExp(
        `${report[0]!.set} files-site\\.tar\\.zst: FAILED — sha256 [0-9a-f]{64} differs from the manifest's`,
      ),
    );
    expect(bad.stderr).toMatch(/verification failed for .*files-site\.tar\.zst/);
    expect(readdirSync(join(server().home, 'backups', 'v'))).toHaveLength(1);
  });
});

describe('verify --server-hash and --test-restore', () => {
  const proftpd = useFtpServer('proftpd', 'a');
  const db = useMariadb();
  const dir = mkdtempSync(join(tmpdir(), 'verify-modes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  interface Report {
    set: string;
    objects: Array<{ name: string; ok: boolean; how: string; content?: string; problem?: string }>;
  }
  const parse = (stdout: string): Report[] => JSON.parse(stdout) as Report[];
  beforeAll(() => makeSite(join(dir, 'site'), { smallFiles: 30, bigFiles: 1, bigFileBytes: 200_000 }));

  async function backup(job: string, extra: string[] = [], site = join(dir, 'site')): Promise<string> {
    await makeWordpressDb(db(), `wp_${job}`, 50);
    mkdirSync(join(dir, job));
    const cfg = await writeBackupConfig(join(dir, job), proftpd(), db(), [
      { name: job, site, databases: [`wp_${job}`], extra },
    ]);
    const r = await runCli(['run', job, '-c', cfg], env());
    expect(r.code, r.stderr).toBe(0);
    return cfg;
  }
  const env = () => ({ TEST_FTPS_PASSWORD: proftpd().password, TEST_MYSQL_PASSWORD: db().password });

  it('server hash: every object checked by the server SHA-256 without a download; a flipped byte is named', async () => {
    const cfg = await backup('sh');
    const ok = await runCli(['verify', 'sh', '-c', cfg, '--server-hash', '--json'], env());
    expect(ok.code, ok.stderr).toBe(0);
    const [set] = parse(ok.stdout);
    expect(set?.objects.map((o) => [o.name, o.ok, o.how])).toEqual([
      ['db-wp_sh.sql.zst', true, "the store's SHA-256 (server HASH)"],
      ['files-site.tar.zst', true, "the store's SHA-256 (server HASH)"],
    ]);
    const obj = join(proftpd().home, 'backups', 'sh', set!.set, 'db-wp_sh.sql.zst');
    const bytes = readFileSync(obj);
    bytes[10] = (bytes[10] ?? 0) ^ 0x80;
    writeFileSync(obj, bytes);
    const bad = await runCli(['verify', 'sh', '-c', cfg, '--server-hash'], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /db-wp_sh\.sql\.zst: FAILED — sha256 [0-9a-f]{64} differs from the manifest's [0-9a-f]{64} \(the store's SHA-256 \(server HASH\)\)/,
    );
  });

  it('test restore: walks the archive and the dump and reports what they hold', async () => {
    const cfg = await backup('tr');
    const r = await runCli(['verify', 'tr', '-c', cfg, '--test-restore', '--json'], env());
    expect(r.code, r.stderr).toBe(0);
    const [set] = parse(r.stdout);
    const [dump, files] = set!.objects;
    expect(dump).toMatchObject({ ok: true, how: 'downloaded and test-restored' });
    expect(dump?.content).toMatch(/^\d+ tables, 1 views, \d+ routines, 1 triggers, \d+ events, complete$/);
    expect(files?.content).toMatch(/^\d+ files, \d+ folders, \d+ symlinks, \d+ bytes of content$/);
  });

  it('test restore catches a dump without its trailer that plain verify passes (its sha256 matches)', async () => {
    const cfg = await backup('cut');
    const list = parse((await runCli(['verify', 'cut', '-c', cfg, '--json'], env())).stdout);
    const setDir = join(proftpd().home, 'backups', 'cut', list[0]!.set);
    // Rewrite the dump without its last lines and make the manifest agree with the new stored bytes:
    // the kind of damage only reading the content finds.
    const objPath = join(setDir, 'db-wp_cut.sql.zst');
    const sql = zstdDecompressSync(readFileSync(objPath)).toString('utf8');
    const cut = sql.slice(0, sql.lastIndexOf('-- Dump completed'));
    const stored = zstdCompressSync(Buffer.from(cut));
    writeFileSync(objPath, stored);
    const manifest = parseManifest(readFileSync(join(setDir, 'manifest.json'), 'utf8'));
    const o = manifest.objects.find((x) => x.name === 'db-wp_cut.sql.zst')!;
    o.size = stored.length;
    o.sha256 = createHash('sha256').update(stored).digest('hex');
    writeFileSync(join(setDir, 'manifest.json'), serializeManifest(manifest));

    expect((await runCli(['verify', 'cut', '-c', cfg], env())).code).toBe(0);
    const r = await runCli(['verify', 'cut', '-c', cfg, '--test-restore'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'db-wp_cut.sql.zst: FAILED — the dump does not end with its "-- Dump completed" line: it is cut short',
    );
  });

  it('test restore of an encrypted set needs the identity, and passes with it', async () => {
    const me = generateX25519Identity();
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, `${me.identity}\n`, { mode: 0o600 });
    const cfg = await backup('enc', [`encryption: { recipients: [${me.recipient}] }`]);
    expect((await runCli(['verify', 'enc', '-c', cfg], env())).code).toBe(0); // no key needed
    const noKey = await runCli(['verify', 'enc', '-c', cfg, '--test-restore'], env());
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/is encrypted with age: give its identity file with --identity <file>/);
    const r = await runCli(['verify', 'enc', '-c', cfg, '--test-restore', '-i', keyFile, '--json'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(parse(r.stdout)[0]?.objects.map((o) => [o.name, o.ok])).toEqual([
      ['db-wp_enc.sql.zst.age', true],
      ['files-site.tar.zst.age', true],
    ]);
  });
});
