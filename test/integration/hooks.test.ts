/**
 * Job hooks through the CLI against a real ProFTPD: a failing `before` fails the run with nothing on the
 * server, and onError and always still run; a successful run tells every hook its set and outcome; hook
 * output reaches the log redacted; SIGTERM during a hook still runs onError and always.
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
import { startCli } from '../support/child-cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';

const server = useFtpServer('proftpd', 'a');
const work = mkdtempSync(join(tmpdir(), 'hooks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A hook that appends `<phase> <outcome> <set> <error>` to `file`, as a YAML flow list. */
const record = (file: string, phase: string): string =>
  JSON.stringify({
    shell: `printf '%s|%s|%s|%s\\n' ${phase} "$FTPS_BACKUP_OUTCOME" "$FTPS_BACKUP_SET" "$FTPS_BACKUP_ERROR" >> ${file}`,
  });

function site(dir: string): string {
  const s = join(dir, 'site');
  mkdirSync(s, { recursive: true });
  writeFileSync(join(s, 'index.php'), '<?php echo "hello";\n');
  return s;
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').trim().split('\n');

describe('job hooks', () => {
  it('a failing before hook fails the run before anything is uploaded; onError and always run', async () => {
    const dir = join(work, 'before-fails');
    const marks = join(dir, 'marks');
    const cfg = await writeBackupConfig(dir, server(), undefined, [
      {
        name: 'hookfail',
        site: site(dir),
        root: '/backups',
        extra: [
          'hooks:',
          `  before: [${record(marks, 'before')}, [/bin/sh, -c, 'echo going down; exit 7'], [/bin/echo, never]]`,
          `  after: [${record(marks, 'after')}]`,
          `  onError: [${record(marks, 'onError')}]`,
          `  always: [${record(marks, 'always')}]`,
        ],
      },
    ]);
    const r = await runCli(['run', 'hookfail', '-c', cfg], { TEST_FTPS_PASSWORD: server().password });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hook before[1]: going down');
    expect(r.stderr).toMatch(/hook before\[1\] failed: exited with status 7; nothing was uploaded/);
    expect(r.stderr).not.toContain('never');
    expect(existsSync(join(server().home, 'backups', 'hookfail'))).toBe(false);
    const [before, onError, always, ...rest] = lines(marks);
    const set = /^before\|\|(\d{8}T\d{6}Z)\|$/.exec(before ?? '')?.[1];
    expect(set).toBeDefined();
    const error = 'hook before[1] failed: exited with status 7; nothing was uploaded';
    expect([onError, always, rest]).toEqual([
      `onError|failure|${set}|${error}`,
      `always|failure|${set}|${error}`,
      [],
    ]);
    const history = JSON.parse(
      readFileSync(join(dir, 'state', 'history', 'hookfail.json'), 'utf8'),
    ) as Array<{
      outcome: string;
    }>;
    expect(history.map((h) => h.outcome)).toEqual(['failure']);
  });

  it('a successful run: before, after and always know the set; output is logged redacted; a failing after warns', async () => {
    const dir = join(work, 'success');
    const marks = join(dir, 'marks');
    const pwFile = join(dir, 'pw');
    mkdirSync(dir, { recursive: true });
    writeFileSync(pwFile, server().password);
    const cfg = await writeBackupConfig(dir, server(), undefined, [
      {
        name: 'hookok',
        site: site(dir),
        root: '/backups',
        extra: [
          'hooks:',
          '  timeout: 1m',
          `  before: [${record(marks, 'before')}, ${JSON.stringify({ shell: `echo "leaked $(cat ${pwFile})"` })}]`,
          `  after: [${record(marks, 'after')}, [/bin/false]]`,
          `  onError: [${record(marks, 'onError')}]`,
          `  always: [${record(marks, 'always')}]`,
        ],
      },
    ]);
    const r = await runCli(['run', 'hookok', '-c', cfg, '--json'], { TEST_FTPS_PASSWORD: server().password });
    expect(r.code).toBe(4); // published with a warning: the failed after hook
    const [result] = JSON.parse(r.stdout) as Array<{ set: string; outcome: string }>;
    expect(result?.outcome).toBe('warning');
    expect(readdirSync(join(server().home, 'backups', 'hookok'))).toEqual([result!.set]);
    expect(lines(marks)).toEqual([
      `before||${result!.set}|`,
      `after|success|${result!.set}|`,
      `always|warning|${result!.set}|`,
    ]);
    expect(r.stderr).toContain('hook before[1]: leaked ****');
    expect(r.stderr).not.toContain(server().password);
    expect(r.stderr).toContain('hook after[1] failed: exited with status 1');
  });

  it('SIGTERM during a before hook stops it; onError and always still run, and the run fails', async () => {
    const dir = join(work, 'term');
    const marks = join(dir, 'marks');
    const cfg = await writeBackupConfig(dir, server(), undefined, [
      {
        name: 'hookterm',
        site: site(dir),
        root: '/backups',
        extra: [
          'hooks:',
          `  before: [[/bin/sh, -c, 'echo before-started; exec sleep 600']]`,
          `  onError: [${record(marks, 'onError')}]`,
          `  always: [${record(marks, 'always')}]`,
        ],
      },
    ]);
    const run = startCli(['run', 'hookterm', '-c', cfg], { TEST_FTPS_PASSWORD: server().password });
    await run.waitFor(/hook before\[0\]: before-started/);
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    expect(run.output()).toMatch(/hook before\[0\] failed: stopped: the run was cancelled/);
    const got = lines(marks).map((l) => l.split('|').slice(0, 2).join('|'));
    expect(got).toEqual(['onError|failure', 'always|failure']);
    expect(existsSync(join(server().home, 'backups', 'hookterm'))).toBe(false);
  });
});
