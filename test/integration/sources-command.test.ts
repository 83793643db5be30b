/**
 * The command source end to end against ProFTPD: a program's stdout becomes cmd-<label>.out, a secret
 * reaches it only through the environment named in the job (never in the log), verify --test-restore and
 * restore to a file work; a command that exits non-zero fails the run and publishes nothing.
 */
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
import { afterAll, describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { runCli } from '../support/cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';
import { parseManifest } from '../../src/domain/index.ts';

const server = useFtpServer('proftpd', 'a');
const work = mkdtempSync(join(tmpdir(), 'command-src-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A config whose one job backs up one command source. */
async function commandConfig(dir: string, job: string, script: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const cfg = await writeBackupConfig(dir, server(), undefined, [{ name: job, root: '/backups' }]);
  const source = [
    '      - type: command',
    '        label: out',
    `        command: [/bin/sh, -c, ${JSON.stringify(script)}]`,
    '        env: { APP_TOKEN: { env: TEST_APP_TOKEN } }',
    '',
  ].join('\n');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('    sources:\n', `    sources:\n${source}`));
  return cfg;
}

const token = 'tok-7f3a9c1e55d2';

describe('command source', () => {
  it('stores the output; the secret goes through the environment only; verify and restore', async () => {
    const dir = join(work, 'ok');
    const cfg = await commandConfig(
      dir,
      'cmd',
      'echo "token=$APP_TOKEN"; echo "agent=$TEST_FTPS_PASSWORD"; seq 1 20000',
    );
    const env = { TEST_FTPS_PASSWORD: server().password, TEST_APP_TOKEN: token };
    const r = await runCli(['run', 'cmd', '-c', cfg, '--json'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain(token);
    const [result] = JSON.parse(r.stdout) as Array<{ set: string }>;
    const manifest = parseManifest(
      readFileSync(join(server().home, 'backups', 'cmd', result!.set, 'manifest.json'), 'utf8'),
    );
    const expected = `token=${token}\nagent=\n${Array.from({ length: 20000 }, (_, i) => i + 1).join('\n')}\n`;
    expect(manifest.objects.map((o) => [o.name, o.source])).toEqual([
      [
        'cmd-out.out.zst',
        { kind: 'command', label: 'out', program: '/bin/sh', bytes: expected.length, warnings: [] },
      ],
    ]);

    const v = await runCli(['verify', 'cmd', 'latest', '-c', cfg, '--test-restore', '--json'], env);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain(`${expected.length} bytes of output of /bin/sh`);

    const to = join(dir, 'restored');
    const restore = await runCli(['restore', 'cmd', 'latest', '-c', cfg, '--to', to, '--only', 'out'], env);
    expect(restore.code).toBe(0);
    // the agent's own secret (the FTPS password in its environment) did not reach the program
    expect(readFileSync(join(to, 'cmd-out.out'), 'utf8')).toBe(expected);
  });

  it('a non-zero exit fails the run with the status and stderr; nothing is published', async () => {
    const dir = join(work, 'fail');
    const cfg = await commandConfig(dir, 'cmdfail', 'seq 1 1000; echo "ERR wrong password" >&2; exit 5');
    const r = await runCli(['run', 'cmdfail', '-c', cfg], {
      TEST_FTPS_PASSWORD: server().password,
      TEST_APP_TOKEN: token,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('command out: /bin/sh exited with status 5: ERR wrong password');
    const jobDir = join(server().home, 'backups', 'cmdfail');
    const sets = existsSync(jobDir) ? readdirSync(jobDir) : [];
    for (const s of sets) expect(readdirSync(join(jobDir, s))).not.toContain('manifest.json');
  });
});
