/**
 * The README's exit codes, through the CLI, against a real ProFTPD: a wrong password (530) is 3 in run,
 * list, restore, verify and prune; a missing or unreadable secret is 2; a configuration error and a
 * usage error are 2; a failed run is 1. And `{ credential: name }` from a shell (a child without
 * CREDENTIALS_DIRECTORY) reads credentialsDir/name, naming both places when neither has it.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { runCli } from '../support/cli.ts';
import { startCli } from '../support/child-cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';

const server = useFtpServer('proftpd', 'a');
const work = mkdtempSync(join(tmpdir(), 'exit-codes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('exit codes', () => {
  it('credentials from a shell, then 530 → 3 in every command, missing/unreadable secret → 2', async () => {
    const dir = join(work, 'creds');
    const site = join(dir, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'index.php'), '<?php echo 1;');
    const creds = join(dir, 'credentials');
    mkdirSync(creds, { mode: 0o700 });
    const credFile = join(creds, 'ftps');
    writeFileSync(credFile, `${server().password}\n`, { mode: 0o600 });
    let cfg = await writeBackupConfig(dir, server(), undefined, [
      { name: 'codes', site, root: '/exit-codes' },
    ]);
    const text = readFileSync(cfg, 'utf8')
      .replace('password: { env: TEST_FTPS_PASSWORD }', 'password: { credential: ftps }')
      .concat(`credentialsDir: ${JSON.stringify(creds)}\n`);
    writeFileSync(cfg, text);

    // from a shell: a real child process with no CREDENTIALS_DIRECTORY in its environment
    const first = startCli(['run', 'codes', '-c', cfg, '--json'], {});
    const done = await first.exited;
    expect(first.output()).not.toMatch(/CREDENTIALS_DIRECTORY is not set/);
    expect(done.code).toBe(0);
    const listed = await runCli(['list', 'codes', '-c', cfg]);
    expect(listed.code).toBe(0);
    const [set] = listed.stdout.match(/\d{8}T\d{6}Z/) ?? [];
    expect(set).toBeDefined();

    // a wrong password: 3 everywhere, and the password is not in what is said
    writeFileSync(credFile, `wrong-${server().password}\n`);
    const commands: string[][] = [
      ['run', 'codes'],
      ['list', 'codes'],
      ['restore', 'codes', set!, '--to', join(dir, 'restored')],
      ['verify', 'codes', set!],
      ['prune', 'codes', '--dry-run'],
    ];
    for (const args of commands) {
      const r = await runCli([...args, '-c', cfg]);
      expect({ command: args[0], code: r.code }).toEqual({ command: args[0], code: 3 });
      expect(r.stderr).toMatch(/530/);
      expect(r.stderr).not.toContain(server().password);
    }

    // no such credential here: 2, naming both places
    rmSync(credFile);
    for (const args of [
      ['run', 'codes'],
      ['list', 'codes'],
    ]) {
      const r = await runCli([...args, '-c', cfg]);
      expect({ command: args[0], code: r.code }).toEqual({ command: args[0], code: 2 });
      expect(r.stderr).toContain('$CREDENTIALS_DIRECTORY is not set');
      expect(r.stderr).toContain(`no file ${credFile} (credentialsDir)`);
    }
    // unreadable (a folder where the file should be): 2
    mkdirSync(credFile);
    const unreadable = await runCli(['run', 'codes', '-c', cfg]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/cannot read the credential ftps .*it is a folder/);
    rmSync(credFile, { recursive: true });

    // { env } that is not set: 2
    cfg = join(dir, 'env.yaml');
    writeFileSync(cfg, text.replace('password: { credential: ftps }', 'password: { env: NOT_SET_HERE }'));
    const noEnv = await runCli(['run', 'codes', '-c', cfg]);
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toMatch(/environment variable NOT_SET_HERE is not set/);
  });

  it('configuration and usage errors are 2, a failed run is 1', async () => {
    const dir = join(work, 'other');
    const site = join(dir, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'a.txt'), 'a');
    const cfg = await writeBackupConfig(dir, server(), undefined, [
      { name: 'other', site, root: '/exit-codes' },
    ]);
    const env = { TEST_FTPS_PASSWORD: server().password };
    expect((await runCli(['run', 'nosuchjob', '-c', cfg], env)).code).toBe(2);
    expect((await runCli(['run', '-c', cfg, '--no-such-option'], env)).code).toBe(2);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, readFileSync(cfg, 'utf8').replace('keepLast: 5', 'keepLast: five'));
    const bad = await runCli(['list', 'other', '-c', broken], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/broken\.yaml:\d+:\d+: jobs\[0\]\.retention\.keepLast/);
    // the folder to back up is gone: the run fails (1), nothing to do with the server or the config
    chmodSync(site, 0o700);
    rmSync(site, { recursive: true });
    const failed = await runCli(['run', 'other', '-c', cfg], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/FAILED/);
  });
});
