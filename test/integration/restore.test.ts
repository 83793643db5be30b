/**
 * `ftps-backup restore` on real parts (ProFTPD, vsftpd, MariaDB, age-keygen, zstd): a site and a
 * database restored byte-exact and identical; a flipped byte on the server is refused with the target
 * unchanged; existing files are kept without --overwrite and replaced with it; a non-empty database is
 * refused without --force; hostile tars write nothing outside the target; many sets: list, prune
 * --dry-run and restore latest (the newest complete set, not a newer incomplete one).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSetName, serializeManifest, type Manifest } from '../../src/domain/index.ts';
import { mariadbQuery } from '../harness/mariadb.ts';
import { useAgeCli, useFtpServer, useMariadb } from '../harness/vitest.ts';
import type { FtpServerInfo } from '../harness/index.ts';
import { ageKeygen } from '../support/age-cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';
import { tarOf, type TarEntry } from '../support/tar.ts';
import { runCli } from '../support/cli.ts';
import { diffTrees, makeSite, snapshotTree } from '../support/site.ts';
import { dbFingerprint, makeWordpressDb } from '../support/wordpress-db.ts';

useAgeCli();
const db = useMariadb();
const proftpd = useFtpServer('proftpd', 'a');
const vsftpd = useFtpServer('vsftpd');

const work = mkdtempSync(join(tmpdir(), 'restore-'));
const site = join(work, 'site');
beforeAll(async () => {
  await makeSite(site, { smallFiles: 400, bigFiles: 2, bigFileBytes: 2_000_000 });
  await makeWordpressDb(db(), 'wp');
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const skipCache = (rel: string): boolean => rel.startsWith('wp-content/cache/');

interface RestoreJson {
  set: string;
  objects: Array<{
    name: string;
    where: string;
    restored?: Record<string, number>;
    expected?: Record<string, number>;
  }>;
  replaced: number;
  warnings: string[];
}

/** Runs a backup of `job` and returns its set name. */
async function backup(cfg: string, job: string, env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runCli(['run', job, '-c', cfg, '--json'], env);
  expect(r.stderr).not.toMatch(/ERROR/);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as Array<{ set: string }>)[0]!.set;
}

/** Every entry under `dir`, recursively (names only): for "nothing changed" checks. */
function listing(dir: string): string[] {
  return existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).sort() : [];
}

describe('restore from ProFTPD', () => {
  const env = (): NodeJS.ProcessEnv => ({
    TEST_FTPS_PASSWORD: proftpd().password,
    TEST_MYSQL_PASSWORD: db().password,
  });
  let cfg: string;
  let set: string;
  let before: Record<string, string>;

  beforeAll(async () => {
    const dir = join(work, 'proftpd');
    mkdirSync(dir);
    cfg = await writeBackupConfig(dir, proftpd(), db(), [
      { name: 'blog', site, exclude: ['wp-content/cache/**'], databases: ['wp'], root: '/backups' },
    ]);
    before = await dbFingerprint(db(), 'wp');
    set = await backup(cfg, 'blog', env());
  }, 300_000);
  const cfgReadOnly = (): string => cfg;

  it('restores the site byte-exact (modes, mtimes, symlinks) and the SQL as a file', async () => {
    const out = join(work, 'out-1');
    const r = await runCli(['restore', 'blog', 'latest', '--to', out, '-c', cfg, '--json'], env());
    expect(r.stderr).not.toMatch(/ERROR|WARN/);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as RestoreJson;
    expect(json.set).toBe(set);
    expect(json.warnings).toEqual([]);
    expect(readdirSync(out).sort()).toEqual(['db-wp.sql', 'site']);
    expect(await diffTrees(site, join(out, 'site'), skipCache)).toEqual([]);
    // the root folder's own mode and mtime come back too
    const [a, b] = [statSync(site), statSync(join(out, 'site'))];
    expect(b.mode & 0o7777).toBe(a.mode & 0o7777);
    const files = json.objects.find((o) => o.name === 'files-site.tar.zst');
    expect(files?.restored).toEqual(files?.expected);
    expect(files?.restored?.symlinks).toBe(3);
    const sql = readFileSync(join(out, 'db-wp.sql'), 'utf8');
    expect(sql.trimEnd()).toMatch(/-- Dump completed/);
    expect(r.stderr).toMatch(/restored 2 object\(s\) of blog\//);
  });

  it('loads the database with --db-into: identical tables, view, trigger and routines', async () => {
    // The backup user may only read; loading (with the routines' DEFINER) needs an administrator: the
    // same job, configured with the server's root account.
    const rootDir = join(work, 'proftpd-root');
    mkdirSync(rootDir);
    const cfg = await writeBackupConfig(rootDir, proftpd(), { ...db(), user: db().rootUser }, [
      { name: 'blog', site, exclude: ['wp-content/cache/**'], databases: ['wp'], root: '/backups' },
    ]);
    const env = (): NodeJS.ProcessEnv => ({
      TEST_FTPS_PASSWORD: proftpd().password,
      TEST_MYSQL_PASSWORD: db().rootPassword,
    });
    await mariadbQuery(db(), 'DROP DATABASE wp;', { as: 'root' });
    const readOnly = await runCli(
      ['restore', 'blog', set, '--only', 'wp', '--db-into', 'wp', '-c', cfgReadOnly()],
      { TEST_FTPS_PASSWORD: proftpd().password, TEST_MYSQL_PASSWORD: db().password },
    );
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toMatch(/Access denied/);
    expect(readOnly.stderr).toMatch(/restore with --db-to-file and load the file as an administrator/);

    const r = await runCli(['restore', 'blog', set, '--only', 'wp', '--db-into', 'wp', '-c', cfg], env());
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(await dbFingerprint(db(), 'wp')).toEqual(before);

    // now it is not empty: refused without --force, nothing changed
    await mariadbQuery(db(), 'INSERT INTO wp.wp_log (post_id, note) VALUES (1, "after restore");', {
      as: 'root',
    });
    const changed = await dbFingerprint(db(), 'wp');
    const refused = await runCli(['restore', 'blog', '--only', 'wp', '--db-into', 'wp', '-c', cfg], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/database wp is not empty .*give --force/);
    expect(await dbFingerprint(db(), 'wp')).toEqual(changed);

    const forced = await runCli(
      ['restore', 'blog', '--only', 'wp', '--db-into', 'wp', '--force', '-c', cfg],
      env(),
    );
    expect(forced.code).toBe(0);
    expect(await dbFingerprint(db(), 'wp')).toEqual(before);

    // under another name: a fresh database with the same content; wp is not touched
    await mariadbQuery(db(), 'DELETE FROM wp.wp_log WHERE id = 1;', { as: 'root' });
    const wpNow = await dbFingerprint(db(), 'wp');
    const copy = await runCli(['restore', 'blog', '--only', 'wp', '--db-into', 'wp copy', '-c', cfg], env());
    expect(copy.stderr).not.toMatch(/ERROR/);
    expect(copy.code).toBe(0);
    expect(await dbFingerprint(db(), 'wp copy')).toEqual(before);
    expect(await dbFingerprint(db(), 'wp')).toEqual(wpNow);
    expect(wpNow).not.toEqual(before);
  });

  it('writes the SQL with --db-to-file, refusing an existing file without --overwrite', async () => {
    const file = join(work, 'dump.sql');
    const r = await runCli(['restore', 'blog', '--only', 'wp', '--db-to-file', file, '-c', cfg], env());
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8').trimEnd()).toMatch(/-- Dump completed/);
    writeFileSync(file, 'mine');
    const again = await runCli(['restore', 'blog', '--only', 'wp', '--db-to-file', file, '-c', cfg], env());
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${file} exists: nothing was restored; give --overwrite`);
    expect(readFileSync(file, 'utf8')).toBe('mine');
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('--only with an unknown name lists what the set holds', async () => {
    const r = await runCli(['restore', 'blog', '--only', 'nope', '--to', join(work, 'x'), '-c', cfg], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--only nope: the set holds no such object; it holds');
    expect(r.stderr).toMatch(/site \(folder\)/);
    expect(r.stderr).toMatch(/wp \(database\)/);
    expect(existsSync(join(work, 'x'))).toBe(false);

    const where = await runCli(['restore', 'blog', '--db-to-file', join(work, 'y.sql'), '-c', cfg], env());
    expect(where.code).toBe(2);
    expect(where.stderr).toContain(
      'where to? give --to <folder> for files-site.tar.zst (or --only <database>)',
    );
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const notDir = await runCli(['restore', 'blog', '--to', file, '-c', cfg], env());
    expect(notDir.code).toBe(1);
    expect(notDir.stderr).toContain(`${file} is not a folder: give a folder with --to`);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('keeps existing files without --overwrite (nothing changed) and replaces them with it', async () => {
    const out = join(work, 'out-2');
    mkdirSync(join(out, 'site', 'wp-content'), { recursive: true });
    writeFileSync(join(out, 'site', 'index.php'), 'local edit');
    writeFileSync(join(out, 'site', 'wp-content', 'mine.txt'), 'not in the backup');
    const was = listing(out);
    const r = await runCli(['restore', 'blog', '--only', 'site', '--to', out, '-c', cfg], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/site already exists in .* nothing was restored; .*--overwrite/);
    expect(listing(out)).toEqual(was);
    expect(readFileSync(join(out, 'site', 'index.php'), 'utf8')).toBe('local edit');

    const o = await runCli(
      ['restore', 'blog', '--only', 'site', '--to', out, '--overwrite', '-c', cfg, '--json'],
      env(),
    );
    expect(o.stderr).not.toMatch(/ERROR/);
    expect(o.code).toBe(0);
    expect((JSON.parse(o.stdout) as RestoreJson).replaced).toBe(1);
    expect(readFileSync(join(out, 'site', 'index.php'))).toEqual(readFileSync(join(site, 'index.php')));
    // a merge: what the backup does not hold stays
    expect(readFileSync(join(out, 'site', 'wp-content', 'mine.txt'), 'utf8')).toBe('not in the backup');
    expect(
      await diffTrees(site, join(out, 'site'), (rel) => skipCache(rel) || rel === 'wp-content/mine.txt'),
    ).toEqual([]);
  });

  it('refuses an object with one flipped byte on the server, naming it; the target is unchanged', async () => {
    const dir = join(work, 'flip');
    mkdirSync(dir);
    const flipCfg = await writeBackupConfig(dir, proftpd(), undefined, [
      { name: 'flip', site, exclude: ['wp-content/cache/**'], root: '/backups' },
    ]);
    const flipSet = await backup(flipCfg, 'flip', env());
    const obj = join(proftpd().home, 'backups', 'flip', flipSet, 'files-site.tar.zst');
    const bytes = readFileSync(obj);
    bytes[Math.floor(bytes.length * 0.9)]! ^= 0x01;
    writeFileSync(obj, bytes);
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'already here');
    const r = await runCli(['restore', 'flip', '--to', out, '-c', flipCfg], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/files-site\.tar\.zst: sha256 [0-9a-f]{64} differs from the manifest's/);
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });

  it('restores an encrypted set with --identity, and says how to give the key without it', async () => {
    const dir = join(work, 'enc');
    mkdirSync(dir);
    const key = ageKeygen(dir, 'key.txt');
    const encCfg = await writeBackupConfig(dir, proftpd(), undefined, [
      {
        name: 'enc',
        site,
        exclude: ['wp-content/cache/**'],
        root: '/backups',
        extra: [`encryption: { recipients: [${key.recipient}] }`],
      },
    ]);
    await backup(encCfg, 'enc', env());
    const out = join(dir, 'out');
    const no = await runCli(['restore', 'enc', '--to', out, '-c', encCfg], env());
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/encrypted with age: give its identity file with --identity/);
    expect(existsSync(out)).toBe(false);
    const r = await runCli(['restore', 'enc', '--to', out, '--identity', key.file, '-c', encCfg], env());
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(await diffTrees(site, join(out, 'site'), skipCache)).toEqual([]);
  });

  it('writes nothing outside the target for hostile tars (../, absolute, a/../../x, through a symlink)', async () => {
    const sentinel = mkdtempSync(join(tmpdir(), 'restore-sentinel-'));
    const abs = join(sentinel, 'abs.txt');
    const deep = '../'.repeat(12) + sentinel.slice(1);
    const cases: Array<[string, TarEntry[], RegExp]> = [
      ['dotdot', [{ name: `${deep}/escape.txt`, body: 'x' }], /unsafe entry .*escape\.txt.*\.\." component/],
      ['absolute', [{ name: abs, body: 'x' }], /unsafe entry .*abs\.txt.* \(absolute path\)/],
      ['inner-dotdot', [{ name: 'a/../../x', body: 'x' }], /unsafe entry "a\/\.\.\/\.\.\/x"/],
      [
        'symlink',
        [
          { name: './link', type: 'symlink', linkname: sentinel },
          { name: './link/pwned.txt', body: 'pwned' },
        ],
        /entry ".\/link\/pwned\.txt" would be written through the symlink "link"/,
      ],
    ];
    const jobDir = join(proftpd().home, 'backups', 'evil');
    const owner = statSync(proftpd().home);
    mkdirSync(jobDir, { recursive: true });
    chownSync(jobDir, owner.uid, owner.gid);
    const dir = join(work, 'evil');
    mkdirSync(dir);
    const evilCfg = await writeBackupConfig(dir, proftpd(), undefined, [
      { name: 'evil', site, root: '/backups' },
    ]);
    for (const [i, [label, entries, message]] of cases.entries()) {
      const tar = await tarOf([
        { name: './', type: 'directory' },
        { name: './ok.txt', body: 'ok' },
        ...entries,
      ]);
      const stored = execFileSync('zstd', ['-q', '-c'], { input: tar });
      const setName = formatSetName(new Date(Date.UTC(2024, 0, 1 + i)));
      uploadSet(jobDir, setName, 'files-site.tar.zst', stored, owner);
      const out = join(dir, label);
      const r = await runCli(['restore', 'evil', setName, '--to', out, '-c', evilCfg], env());
      expect(r.code, label).toBe(1);
      expect(r.stderr, label).toMatch(message);
      expect(r.stderr, label).toContain('nothing of this object is restored');
      expect(readdirSync(sentinel), label).toEqual([]);
      expect(existsSync(out), label).toBe(false); // created by the restore, removed again: nothing left
    }
    expect(readdirSync(dir)).toEqual(['config.yaml']);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    rmSync(sentinel, { recursive: true });
  });

  it('with many sets: list, prune --dry-run, and restore latest picks the newest complete set', async () => {
    const dir = join(work, 'many');
    mkdirSync(dir);
    const manyCfg = await writeBackupConfig(dir, proftpd(), undefined, [
      { name: 'many', site, exclude: ['wp-content/cache/**'], root: '/backups' },
    ]);
    const newest = await backup(manyCfg, 'many', env());
    const jobDir = join(proftpd().home, 'backups', 'many');
    const owner = statSync(proftpd().home);
    // 11 older copies of the real set, and a newer set without manifest (a run still uploading)
    for (let i = 0; i < 11; i++) {
      const name = formatSetName(new Date(Date.UTC(2023, 0, 1 + i, 2)));
      cpSync(join(jobDir, newest), join(jobDir, name), { recursive: true });
      for (const p of [
        join(jobDir, name),
        ...readdirSync(join(jobDir, name)).map((f) => join(jobDir, name, f)),
      ])
        chownSync(p, owner.uid, owner.gid);
    }
    const incomplete = formatSetName(new Date(Date.now() + 3_600_000));
    mkdirSync(join(jobDir, incomplete));
    writeFileSync(join(jobDir, incomplete, 'files-site.tar.zst.partial'), 'half');
    chownSync(join(jobDir, incomplete), owner.uid, owner.gid);

    const list = await runCli(['list', 'many', '-c', manyCfg, '--json'], env());
    expect(list.code).toBe(0);
    const sets = JSON.parse(list.stdout) as Array<{ name: string; complete: boolean }>;
    expect(sets).toHaveLength(13);
    expect(sets[0]).toMatchObject({ name: incomplete, complete: false });
    expect(sets[1]).toMatchObject({ name: newest, complete: true });

    const prune = await runCli(['prune', 'many', '-c', manyCfg, '--dry-run', '--json'], env());
    expect(prune.code).toBe(0);
    const decision = JSON.parse(prune.stdout) as { keep: Array<{ name: string }>; removed: string[] };
    expect(decision.keep.map((k) => k.name)).toContain(newest);
    expect(decision.keep.filter((k) => k.name !== incomplete)).toHaveLength(5);
    expect(readdirSync(jobDir)).toHaveLength(13);

    const out = join(dir, 'out');
    const r = await runCli(['restore', 'many', 'latest', '--to', out, '-c', manyCfg, '--json'], env());
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as RestoreJson).set).toBe(newest);
    expect(await diffTrees(site, join(out, 'site'), skipCache)).toEqual([]);

    const half = await runCli(['restore', 'many', incomplete, '--to', out, '-c', manyCfg], env());
    expect(half.code).toBe(2);
    expect(half.stderr).toContain(`set ${incomplete} of job many is incomplete`);
  });
});

describe('restore from vsftpd', () => {
  it('restores the site byte-exact', async () => {
    const dir = join(work, 'vsftpd');
    mkdirSync(dir);
    const info: FtpServerInfo = vsftpd();
    const cfg = await writeBackupConfig(dir, info, undefined, [
      { name: 'v', site, exclude: ['wp-content/cache/**'], root: '/backups' },
    ]);
    const env = { TEST_FTPS_PASSWORD: info.password };
    await backup(cfg, 'v', env);
    const out = join(dir, 'out');
    const r = await runCli(['restore', 'v', '--to', out, '-c', cfg], env);
    expect(r.stderr).not.toMatch(/ERROR|WARN/);
    expect(r.code).toBe(0);
    expect(await diffTrees(site, join(out, 'site'), skipCache)).toEqual([]);
    expect((await snapshotTree(join(out, 'site'))).get('wp-content/current-theme')).toMatchObject({
      type: 'link',
      target: 'themes/twenty',
    });
  });
});

/** A hand-made set on the server's disk: one object and a manifest with its true size and sha256. */
function uploadSet(
  jobDir: string,
  setName: string,
  object: string,
  stored: Buffer,
  owner: { uid: number; gid: number },
): void {
  const setDir = join(jobDir, setName);
  mkdirSync(setDir);
  writeFileSync(join(setDir, object), stored);
  const manifest: Manifest = {
    version: 1,
    job: 'evil',
    host: 'test',
    setName,
    startedAt: '2024-01-01T00:00:00.000Z',
    finishedAt: '2024-01-01T00:00:01.000Z',
    toolVersion: 'test',
    objects: [
      {
        name: object,
        size: stored.length,
        sha256: createHash('sha256').update(stored).digest('hex'),
        compression: 'zstd',
        encrypted: false,
        source: {
          kind: 'directory',
          label: 'site',
          path: '/srv/site',
          files: 2,
          dirs: 1,
          symlinks: 0,
          bytes: 10,
        },
      },
    ],
    warnings: [],
  };
  writeFileSync(join(setDir, 'manifest.json'), serializeManifest(manifest));
  for (const p of [setDir, join(setDir, object), join(setDir, 'manifest.json')])
    chownSync(p, owner.uid, owner.gid);
}
