/**
 * check-config checks offline what the runs will need, every problem at once with file:line:column; and
 * --online logs in to the destinations (a real ProFTPD).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useFtpServer, useMariadb } from '../harness/vitest.ts';
import { makeWordpressDb } from '../support/wordpress-db.ts';
import { runCli } from '../support/cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';

const server = useFtpServer('proftpd', 'a');
const db = useMariadb();
const work = mkdtempSync(join(tmpdir(), 'check-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The line (1-based) of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in the file`);
  return i + 1;
}

describe('check-config', () => {
  it('reports every offline problem at once, each with file:line, and exits 2', async () => {
    const dir = join(work, 'offline');
    mkdirSync(join(dir, 'site'), { recursive: true });
    const cfg = await writeBackupConfig(dir, server(), undefined, [
      { name: 'blog', site: join(dir, 'site'), root: '/cc' },
    ]);
    const env = { TEST_FTPS_PASSWORD: server().password };
    const ok = await runCli(['check-config', '-c', cfg], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^configuration OK: 1 file\(s\), 1 job\(s\): blog/);

    // now break everything check-config can see without a network
    const badCa = join(dir, 'ca.pem');
    writeFileSync(badCa, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
    const secret = join(dir, 'mysql.pass');
    writeFileSync(secret, 'pw\n', { mode: 0o644 });
    const recipients = join(dir, 'recipients.txt');
    writeFileSync(recipients, 'age1notarealrecipient\n');
    const creds = join(dir, 'creds');
    mkdirSync(creds);
    const text = readFileSync(cfg, 'utf8')
      .replace(`ca: ${JSON.stringify(server().caFile)}`, `ca: ${JSON.stringify(badCa)}`)
      .replace('password: { env: TEST_FTPS_PASSWORD }', 'password: { credential: ftps }')
      .replace(`path: ${JSON.stringify(join(dir, 'site'))}`, `path: ${JSON.stringify(join(dir, 'gone'))}`)
      .replace(
        '    retention: { keepLast: 5 }',
        [
          '      - type: mysql',
          '        databases: [wp]',
          '        user: backup',
          `        password: { file: ${JSON.stringify(secret)} }`,
          `    encryption: { recipientsFile: ${JSON.stringify(recipients)} }`,
          '    retention: { keepLast: 5 }',
        ].join('\n'),
      )
      .concat(`credentialsDir: ${JSON.stringify(creds)}\n`);
    writeFileSync(cfg, text);
    const r = await runCli(['check-config', '-c', cfg], env);
    expect(r.code).toBe(2);
    const at = (needle: string) => `${cfg}:${lineOf(text, needle)}:`;
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.includes('ERROR: '));
    const expected = [
      [
        at('password: { credential: ftps }'),
        /credential ftps: .*creds\/ftps does not exist.*CREDENTIALS_DIRECTORY is not set/,
      ],
      [at(`ca: ${JSON.stringify(badCa)}`), /CA file .*ca\.pem: certificate 1 of 1 does not parse/],
      [at(join(dir, 'gone')), /folder .*gone does not exist/],
      [at('mysql.pass'), /secret file .*mysql\.pass is readable by every user \(mode 644\): chmod 600 it/],
      [at('recipientsFile'), /recipients file .*recipients\.txt/],
    ] as const;
    for (const [where, what] of expected) {
      const line = lines.find((l) => l.includes(where));
      expect(line, `${where} in:\n${r.stderr}`).toBeDefined();
      expect(line).toMatch(what);
    }
    expect(r.stdout).toBe('');
  });

  it('--online logs in to each destination: a wrong password is a problem at the destination, exit 3', async () => {
    const dir = join(work, 'online');
    mkdirSync(join(dir, 'site'), { recursive: true });
    const cfg = await writeBackupConfig(dir, server(), undefined, [
      { name: 'blog', site: join(dir, 'site'), root: '/' },
    ]);
    const good = await runCli(['check-config', '--online', '-c', cfg], {
      TEST_FTPS_PASSWORD: server().password,
    });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/every destination and database accepted the login/);
    const bad = await runCli(['check-config', '--online', '-c', cfg], {
      TEST_FTPS_PASSWORD: 'wrong-password-x',
    });
    expect(bad.code).toBe(3); // README: could not log in
    const text = readFileSync(cfg, 'utf8');
    expect(bad.stderr).toContain(`${cfg}:${lineOf(text, '  server:')}:`);
    expect(bad.stderr).toMatch(/destinations\.server: login failed: .*530/);
    expect(bad.stderr).not.toContain('wrong-password-x');
  });

  it('--online logs in to each database: a database the user cannot see, then a wrong password', async () => {
    await makeWordpressDb(db(), 'cc_present', 5);
    const dir = join(work, 'db');
    mkdirSync(join(dir, 'site'), { recursive: true });
    const cfg = await writeBackupConfig(dir, server(), db(), [
      { name: 'blog', site: join(dir, 'site'), databases: ['cc_present'], root: '/' },
    ]);
    const env = { TEST_FTPS_PASSWORD: server().password, TEST_MYSQL_PASSWORD: db().password };
    const good = await runCli(['check-config', '--online', '-c', cfg], env);
    expect(good.stderr).toMatch(/job blog: database login OK/);
    expect(good.code).toBe(0);

    const text = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, text.replace('databases: [cc_present]', 'databases: [cc_present, cc_absent]'));
    const absent = await runCli(['check-config', '--online', '-c', cfg], env);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain(`${cfg}:${lineOf(text, 'databases: [cc_present]')}:`);
    expect(absent.stderr).toMatch(/sources\[0\]\.databases: user \S+ logs in but does not see cc_absent/);

    writeFileSync(cfg, text);
    const wrong = await runCli(['check-config', '--online', '-c', cfg], {
      ...env,
      TEST_MYSQL_PASSWORD: 'wrong-db-password',
    });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/sources\[0\]: database login failed/);
    expect(wrong.stderr).not.toContain('wrong-db-password');
  });
});
