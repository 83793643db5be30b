/**
 * `ftps-backup init` without questions (--yes and flags), against a real ProFTPD and a WordPress-like site
 * on a real MariaDB: it pins the self-signed certificate, reads wp-config.php, checks the database login,
 * writes config.yaml, the job and 0600 credential files (no password in any YAML), and the job it wrote
 * backs up the database and the files (WordPress excludes applied) and verifies. It refuses to replace the
 * configuration without --force, a bad URL or a wrong database password fails with nothing written, and
 * --force keeps the old files. The installed .deb runs the same on the CI machine (packaging/test-package.ts).
 */
import { execFileSync } from 'node:child_process';
import {
  chownSync,
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
import { parse } from 'yaml';
import { useFtpServer, useMariadb } from '../harness/vitest.ts';
import { runCli } from '../support/cli.ts';
import { makeWordpressSite, type WordpressSite } from '../support/wordpress-site.ts';

const ftp = useFtpServer('proftpd', 'a');
const db = useMariadb();
const work = mkdtempSync(join(tmpdir(), 'init-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let site: WordpressSite;
const configDir = join(work, 'etc');
const passwordFile = join(work, 'ftp.pass');

beforeAll(async () => {
  site = await makeWordpressSite(db(), join(work, 'www', 'blog'), {
    database: 'initblog',
    dbHost: `127.0.0.1:${db().port}`,
  });
  writeFileSync(passwordFile, `${ftp().password}\n`, { mode: 0o600 });
  // the destination root exists (init checks it, like doctor), owned like the server user's home
  const home = statSync(ftp().home);
  mkdirSync(join(ftp().home, 'backups'));
  chownSync(join(ftp().home, 'backups'), home.uid, home.gid);
});

function initArgs(extra: string[] = []): string[] {
  const s = ftp();
  return [
    'init',
    '--yes',
    '--no-run',
    '--url',
    `ftpes://${s.user}@127.0.0.1:${s.port}/backups`,
    '--password-file',
    passwordFile,
    '--site',
    site.root,
    '--config-dir',
    configDir,
    '--state-dir',
    join(work, 'state'),
    ...extra,
  ];
}

describe('ftps-backup init --yes', () => {
  it('writes a configuration that backs up the WordPress database and files, and verifies', async () => {
    const r = await runCli(initArgs());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`SHA-256 fingerprint: ${ftp().fingerprint256}`);
    expect(r.stdout).toMatch(/^✓ login: /m);
    expect(r.stdout).toContain(
      `✓ database: logged in to initblog on 127.0.0.1:${db().port} as initblog_user`,
    );
    expect(r.stdout).toContain('check-config: configuration OK: 2 file(s), 1 job(s): blog');

    const config = readFileSync(join(configDir, 'config.yaml'), 'utf8');
    const job = readFileSync(join(configDir, 'jobs', 'blog.yaml'), 'utf8');
    for (const text of [config, job, r.stdout]) {
      expect(text).not.toContain(ftp().password);
      expect(text).not.toContain(site.password);
    }
    expect(parse(config)).toEqual({
      destinations: {
        '127.0.0.1': {
          type: 'ftps',
          host: '127.0.0.1',
          port: ftp().port,
          tls: 'explicit',
          user: ftp().user,
          password: { credential: 'ftps' },
          root: '/backups',
          fingerprint: `sha256:${ftp().fingerprint256}`,
        },
      },
      state: { dir: join(work, 'state') },
    });
    const jobData = parse(job) as { sources: Record<string, unknown>[] };
    expect(jobData.sources[0]).toEqual({
      type: 'mysql',
      label: 'db',
      databases: ['initblog'],
      host: '127.0.0.1',
      port: db().port,
      user: 'initblog_user',
      password: { credential: 'mysql' },
    });
    for (const name of ['ftps', 'mysql']) {
      const file = join(configDir, 'credentials', name);
      expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    }
    expect(readFileSync(join(configDir, 'credentials', 'ftps'), 'utf8')).toBe(ftp().password);
    expect(readFileSync(join(configDir, 'credentials', 'mysql'), 'utf8')).toBe(site.password);

    const env = { CREDENTIALS_DIRECTORY: join(configDir, 'credentials') };
    const run = await runCli(['run', 'blog', '--config', join(configDir, 'config.yaml')], env);
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.code).toBe(0);
    const verify = await runCli(['verify', 'blog', '--config', join(configDir, 'config.yaml')], env);
    expect(verify.code).toBe(0);

    const jobDir = join(ftp().home, 'backups', 'blog');
    const [set] = readdirSync(jobDir);
    const objects = readdirSync(join(jobDir, set!)).sort();
    expect(objects).toEqual(['db-initblog.sql.zst', 'files-site.tar.zst', 'manifest.json']);
    const sql = execFileSync('zstd', ['-dc', join(jobDir, set!, 'db-initblog.sql.zst')]).toString('utf8');
    expect(sql).toContain('CREATE TABLE `wp_posts`');
    expect(sql.trimEnd()).toMatch(/-- Dump completed/);
    const listing = execFileSync('sh', [
      '-c',
      'zstd -dc "$1" | tar -t',
      'sh',
      join(jobDir, set!, 'files-site.tar.zst'),
    ])
      .toString('utf8')
      .split('\n')
      .map((name) => name.replace(/^\.\//, ''));
    for (const rel of site.kept) expect(listing).toContain(rel);
    for (const rel of site.excluded) expect(listing).not.toContain(rel);
  });

  it('refuses to replace the configuration without --force, and keeps the old files with it', async () => {
    const before = readFileSync(join(configDir, 'config.yaml'), 'utf8');
    const refused = await runCli(initArgs());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${join(configDir, 'config.yaml')} exists already`);
    expect(readFileSync(join(configDir, 'config.yaml'), 'utf8')).toBe(before);

    const forced = await runCli(initArgs(['--force', '--schedule', '0 4 * * *']));
    expect(forced.code).toBe(0);
    expect(readFileSync(join(configDir, 'config.yaml.before-init'), 'utf8')).toBe(before);
    expect(parse(readFileSync(join(configDir, 'jobs', 'blog.yaml'), 'utf8'))).toMatchObject({
      schedule: '0 4 * * *',
    });
    expect(existsSync(join(configDir, 'credentials', 'ftps.before-init'))).toBe(true);
  });

  it('a bad URL, a bad schedule or a wrong database password: a clear error and nothing written', async () => {
    const dir = join(work, 'etc-bad');
    const base = initArgs().map((a) => (a === configDir ? dir : a));
    const badUrl = await runCli(base.map((a) => (a.startsWith('ftpes://') ? 'http://x/' : a)));
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--url: unsupported scheme "http:"');

    const badSchedule = await runCli([...base, '--schedule', '61 * * * *']);
    expect(badSchedule.code).toBe(2);
    expect(badSchedule.stderr).toMatch(/--schedule: /);

    const wrong = join(work, 'wrong.pass');
    writeFileSync(wrong, 'not the password');
    const badDb = await runCli([...base, '--db-password-file', wrong]);
    expect(badDb.code).toBe(1);
    expect(badDb.stdout).toContain('✗ database: cannot log in to initblog');
    expect(badDb.stderr).toContain('the database login failed; nothing was written');
    expect(badDb.stdout + badDb.stderr).not.toContain('not the password');
    expect(existsSync(join(dir, 'config.yaml'))).toBe(false);
  });

  it('without --yes and without a terminal, an untrusted certificate is not pinned', async () => {
    const dir = join(work, 'etc-nopin');
    const args = initArgs()
      .filter((a) => a !== '--yes')
      .map((a) => (a === configDir ? dir : a));
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--fingerprint sha256:${ftp().fingerprint256}`);
    expect(existsSync(join(dir, 'config.yaml'))).toBe(false);
  });
});
