/**
 * Encrypted backups end to end on real parts: `ftps-backup run` of a job with `encryption:` to ProFTPD
 * (age recipients, a MariaDB database and a site) and to a local folder (a passphrase). The objects are
 * named `.age`, the manifest says encrypted and holds the sha256 of the stored bytes (so `verify` works
 * without the key), and the standard tools restore them: `age -d -i key.txt | zstd -d | tar -x` gives
 * the site byte-exact and the SQL loads into an identical database.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecryptor, createDecompressor } from '../../src/pipeline/index.ts';
import { mariadbQuery } from '../harness/mariadb.ts';
import { useAgeCli, useFtpServer, useMariadb } from '../harness/vitest.ts';
import { ageKeygen, agePassphraseDecrypt } from '../support/age-cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';
import { runCli } from '../support/cli.ts';
import { diffTrees, makeSite } from '../support/site.ts';
import { dbFingerprint, makeWordpressDb } from '../support/wordpress-db.ts';

useAgeCli();
const db = useMariadb();
const ftp = useFtpServer('proftpd', 'a');

const work = mkdtempSync(join(tmpdir(), 'backup-encrypted-'));
const site = join(work, 'site');
beforeAll(async () => {
  await makeSite(site, { smallFiles: 500, bigFiles: 2, bigFileBytes: 3_000_000 });
  await makeWordpressDb(db(), 'wp');
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const skipCache = (rel: string): boolean => rel.startsWith('wp-content/cache/');

interface ManifestObject {
  name: string;
  size: number;
  sha256: string;
  encrypted: boolean;
}

function checkStored(setDir: string, names: string[]): void {
  expect(readdirSync(setDir).sort()).toEqual([...names, 'manifest.json'].sort());
  const manifest = JSON.parse(readFileSync(join(setDir, 'manifest.json'), 'utf8')) as {
    objects: ManifestObject[];
  };
  expect(manifest.objects.map((o) => [o.name, o.encrypted])).toEqual(names.map((n) => [n, true]));
  for (const o of manifest.objects) {
    const stored = readFileSync(join(setDir, o.name));
    expect(stored.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    expect(stored.length).toBe(o.size);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(o.sha256);
  }
}

describe('encryption to age recipients, to ProFTPD', () => {
  it('stores .age objects that age -d | zstd -d | tar -x restores byte-exact', async () => {
    const dir = join(work, 'ftps');
    mkdirSync(dir);
    const key = ageKeygen(dir, 'key.txt');
    const other = ageKeygen(dir, 'other.txt');
    const before = await dbFingerprint(db(), 'wp');
    const cfg = await writeBackupConfig(dir, ftp(), db(), [
      {
        name: 'blog',
        site,
        exclude: ['wp-content/cache/**'],
        databases: ['wp'],
        extra: [`encryption: { recipients: [${key.recipient}, ${other.recipient}] }`],
      },
    ]);
    const env = { TEST_FTPS_PASSWORD: ftp().password, TEST_MYSQL_PASSWORD: db().password };
    const r = await runCli(['run', 'blog', '-c', cfg, '--json'], env);
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    const set = (JSON.parse(r.stdout) as Array<{ set: string }>)[0]!.set;
    const setDir = join(ftp().home, 'backups', 'blog', set);
    checkStored(setDir, ['db-wp.sql.zst.age', 'files-site.tar.zst.age']);

    // verify needs no key: it checks the stored (encrypted) bytes
    const v = await runCli(['verify', 'blog', 'latest', '-c', cfg], env);
    expect(v.code).toBe(0);

    const out = join(dir, 'extracted');
    mkdirSync(out);
    execFileSync('sh', [
      '-c',
      'age -d -i "$1" "$2" | zstd -dc | tar -xpf - -C "$3"',
      'sh',
      key.file,
      join(setDir, 'files-site.tar.zst.age'),
      out,
    ]);
    expect(await diffTrees(site, out, skipCache)).toEqual([]);

    // the second recipient's identity opens the dump; it loads into an identical database
    const sql = execFileSync(
      'sh',
      ['-c', 'age -d -i "$1" "$2" | zstd -dc', 'sh', other.file, join(setDir, 'db-wp.sql.zst.age')],
      { maxBuffer: 1 << 30 },
    ).toString('utf8');
    expect(sql.trimEnd()).toMatch(/-- Dump completed/);
    await mariadbQuery(db(), 'DROP DATABASE wp;', { as: 'root' });
    await mariadbQuery(db(), sql, { as: 'root' });
    expect(await dbFingerprint(db(), 'wp')).toEqual(before);
  });

  it('a recipients file with a bad line fails the run before anything is uploaded, naming file and line', async () => {
    const dir = join(work, 'bad-recipients');
    mkdirSync(dir);
    const file = join(dir, 'recipients.txt');
    writeFileSync(file, `# readers\n${ageKeygen(dir, 'k.txt').recipient}\nage1notakey\n`);
    const cfg = await writeBackupConfig(dir, ftp(), undefined, [
      { name: 'badkeys', site, extra: [`encryption: { recipientsFile: ${JSON.stringify(file)} }`] },
    ]);
    const r = await runCli(['run', 'badkeys', '-c', cfg], { TEST_FTPS_PASSWORD: ftp().password });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`job badkeys: encryption: ${file}:3: not an age recipient`);
    expect(readdirSync(join(ftp().home, 'backups')).includes('badkeys')).toBe(false);
  });
});

describe('encryption with a passphrase, to a local folder', () => {
  it('stores objects that age -d with the passphrase and our decryptor restore; the passphrase is never logged', async () => {
    const dir = join(work, 'local');
    const dest = join(dir, 'dest');
    mkdirSync(dest, { recursive: true });
    const passphrase = 'tr0ub4dor & 3 "quoted" words';
    const passFile = join(dir, 'backup.pass');
    writeFileSync(passFile, `${passphrase}\n`, { mode: 0o600 });
    const cfg = join(dir, 'config.yaml');
    writeFileSync(
      cfg,
      [
        'destinations:',
        '  disk: { type: local, path: ' + JSON.stringify(dest) + ' }',
        'jobs:',
        '  - name: site',
        '    destination: disk',
        '    sources:',
        `      - { type: directory, label: site, path: ${JSON.stringify(site)}, exclude: ['wp-content/cache/**'] }`,
        '    retention: { keepLast: 2 }',
        `    encryption: { passphrase: { file: ${JSON.stringify(passFile)} } }`,
        `state: { dir: ${JSON.stringify(join(dir, 'state'))} }`,
        '',
      ].join('\n'),
    );
    const r = await runCli(['--debug', 'run', 'site', '-c', cfg, '--json']);
    expect(r.code).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain(passphrase);
    expect(`${r.stdout}${r.stderr}`).not.toContain('tr0ub4dor');
    const set = (JSON.parse(r.stdout) as Array<{ set: string }>)[0]!.set;
    const setDir = join(dest, 'site', set);
    checkStored(setDir, ['files-site.tar.zst.age']);
    const stored = join(setDir, 'files-site.tar.zst.age');
    expect(readFileSync(stored).toString('latin1')).toMatch(
      /^age-encryption\.org\/v1\n-> scrypt \S{22} 18\n/,
    );

    // our decryptor and decompressor, then tar
    const tarFile = join(dir, 'site.tar');
    await pipeline(
      createReadStream(stored),
      createDecryptor({ passphrase }),
      createDecompressor('zstd'),
      createWriteStream(tarFile),
    );
    const ours = join(dir, 'ours');
    mkdirSync(ours);
    execFileSync('tar', ['-xpf', tarFile, '-C', ours]);
    expect(await diffTrees(site, ours, skipCache)).toEqual([]);

    // the age CLI with the same passphrase gives the same archive
    const zst = await agePassphraseDecrypt(stored, join(dir, 'by-age.tar.zst'), passphrase);
    expect(
      execFileSync('zstd', ['-dc'], { input: zst, maxBuffer: 1 << 30 }).equals(readFileSync(tarFile)),
    ).toBe(true);
  });
});
