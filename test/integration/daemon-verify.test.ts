/**
 * Scheduled verification: the daemon verifies a job's newest set on the job's `verify:` schedule (here a
 * test restore every second), records each result in the run history as a verify run, and a damaged
 * object turns the next verification into a recorded failure naming it, sent to the job's webhook;
 * `status` shows both.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { runCli } from '../support/cli.ts';
import { startCli } from '../support/child-cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';
import { startHttpRecorder, type HttpRecorder } from '../support/http-recorder.ts';

const server = useFtpServer('proftpd', 'a');
const work = mkdtempSync(join(tmpdir(), 'daemon-verify-'));
let hook: HttpRecorder;
beforeAll(async () => {
  hook = await startHttpRecorder();
});
afterAll(async () => {
  await hook.close();
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  outcome: string;
  task?: string;
  set?: string;
  error?: string;
}

describe('scheduled verification by the daemon', () => {
  it('verifies the newest set on schedule, records it, and records the failure once an object is damaged', async () => {
    mkdirSync(join(work, 'site'));
    writeFileSync(join(work, 'site', 'index.html'), 'hello '.repeat(20_000));
    const cfg = await writeBackupConfig(work, server(), undefined, [
      {
        name: 'checked',
        site: join(work, 'site'),
        extra: [
          'verify: { schedule: "* * * * * *", mode: test-restore }',
          `notifications: [{ type: webhook, url: "${hook.url}/hook" }]`,
        ],
      },
    ]);
    const env = { TEST_FTPS_PASSWORD: server().password };
    const run = await runCli(['run', 'checked', '-c', cfg], env);
    expect(run.code, run.stderr).toBe(0);
    const set = /set (\d{8}T\d{6}Z) published/.exec(run.stderr)?.[1];
    expect(set).toBeDefined();

    const daemon = startCli(['daemon', '-c', cfg], env);
    try {
      await daemon.waitFor(new RegExp(`verify of job checked: set ${set} OK`));
      const obj = join(server().home, 'backups', 'checked', set!, 'files-site.tar.zst');
      const bytes = readFileSync(obj);
      bytes[20] = (bytes[20] ?? 0) ^ 0xff;
      writeFileSync(obj, bytes);
      await daemon.waitFor(/verify of job checked: set \d{8}T\d{6}Z failed verification/);
      // the failure reaches the job's failure channels; the passed verifications before it did not
      const [post] = await hook.received(1);
      const body = JSON.parse(post!.body) as { job: string; task: string; outcome: string; error: string };
      expect(body).toMatchObject({ job: 'checked', task: 'verify', outcome: 'failure' });
      expect(body.error).toMatch(/files-site\.tar\.zst: sha256 [0-9a-f]{64} differs/);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    const history = JSON.parse(readFileSync(join(work, 'state', 'history', 'checked.json'), 'utf8')) as Run[];
    expect(history[0]).toMatchObject({ outcome: 'success' }); // the backup (no task: a backup record)
    expect(history[0]?.task).toBeUndefined();
    const verifies = history.filter((r) => r.task === 'verify');
    expect(verifies[0]).toMatchObject({ outcome: 'success', set });
    const failed = verifies.find((r) => r.outcome === 'failure');
    expect(failed?.error).toMatch(
      new RegExp(`^set ${set} failed verification: files-site\\.tar\\.zst: sha256 [0-9a-f]{64} differs`),
    );

    const status = await runCli(['status', '-c', cfg], env);
    expect(status.stdout).toMatch(/^checked: last success at .*set \d{8}T\d{6}Z/m);
    expect(status.stdout).toMatch(
      /^checked verify \(test-restore\): last (failure|success|cancelled) at .*; (next \S+|NOT RUNNING: no daemon) \(\* \* \* \* \* \* UTC\)$/m,
    );
  });
});
