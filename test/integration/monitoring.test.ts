/**
 * Monitoring through the real CLI (in-process) with a local destination: `status --check` after a
 * failure, a warning, a stale success and with no daemon (exit 1, one line per problem; 0 when all is
 * well), `status` not promising next runs without a daemon, and the Prometheus textfile rewritten after
 * every run — parsed line by line after a success, a warning and a failure.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeHeartbeat } from '../../src/scheduler/index.ts';
import { runCli } from '../support/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'monitoring-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every sample of the textfile as `name{labels}` → value; HELP and TYPE lines checked on the way. */
function parseMetrics(file: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\w+) (.+)$/.exec(line);
    if (meta !== null) {
      if (meta[1] === 'TYPE') {
        expect(meta[3]).toBe('gauge');
        typed.add(meta[2]!);
      }
      continue;
    }
    const m = /^(\w+)(\{[^}]*\}) (-?[0-9.e+]+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    expect(typed.has(m[1]!), `${m[1]} has a TYPE line before its samples`).toBe(true);
    samples.set(`${m[1]}${m[2]}`, Number(m[3]));
  }
  return samples;
}

describe('monitoring: status --check and the metrics textfile', () => {
  it('says what is wrong after a success without daemon, a failure, a warning and a stale success; metrics follow every run', async () => {
    const dir = join(work, 'm');
    const site = join(dir, 'site');
    mkdirSync(site, { recursive: true });
    for (let i = 0; i < 10; i++) writeFileSync(join(site, `page${i}.html`), `<p>${'x'.repeat(1000)}</p>\n`);
    const prom = join(dir, 'ftps_backup.prom');
    const state = join(dir, 'state');
    const cfg = join(dir, 'config.yaml');
    writeFileSync(
      cfg,
      [
        'destinations:',
        `  disk: { type: local, path: ${JSON.stringify(join(dir, 'dest'))} }`,
        `state: { dir: ${JSON.stringify(state)} }`,
        `metrics: { textfile: ${JSON.stringify(prom)} }`,
        'jobs:',
        '  - name: site',
        '    destination: disk',
        "    schedule: '0 3 * * *'",
        '    maxAge: 2d',
        `    sources: [{ type: directory, label: site, path: ${JSON.stringify(site)} }]`,
        '    retention: { keepLast: 5 }',
        '',
      ].join('\n'),
    );

    // 1. success, but no daemon keeps the schedule
    expect((await runCli(['run', 'site', '-c', cfg])).code).toBe(0);
    let m = parseMetrics(prom);
    expect(m.get('ftps_backup_last_run_outcome{job="site",outcome="success"}')).toBe(1);
    expect(m.get('ftps_backup_last_run_outcome{job="site",outcome="failure"}')).toBe(0);
    expect(m.get('ftps_backup_last_run_warnings{job="site"}')).toBe(0);
    expect(m.get('ftps_backup_last_run_bytes{job="site"}')).toBeGreaterThan(0);
    const successAt = m.get('ftps_backup_last_success_timestamp_seconds{job="site"}');
    expect(successAt).toBe(m.get('ftps_backup_last_run_timestamp_seconds{job="site"}'));
    expect(m.has('ftps_backup_last_run_duration_seconds{job="site"}')).toBe(true);

    let check = await runCli(['status', '--check', '-c', cfg]);
    expect(check.code).toBe(1);
    expect(check.stdout).toBe(
      `jobs have schedules but no daemon is running (no ${join(state, 'daemon.json')}): nothing runs them (systemctl start ftps-backup)\n`,
    );
    const status = await runCli(['status', '-c', cfg]);
    expect(status.stdout).toMatch(/the schedules below are not being kept/);
    expect(status.stdout).toMatch(/^site: last success at .*; NOT RUNNING: scheduled 0 3 \* \* \* UTC/m);
    expect(status.stdout).not.toMatch(/next 20/);

    // a live heartbeat (this process, just now): all is well
    await writeHeartbeat(state, new Date(), new Date());
    check = await runCli(['status', '--check', '-c', cfg]);
    expect(check).toMatchObject({ code: 0, stdout: 'OK: no problems\n' });
    expect((await runCli(['status', '-c', cfg])).stdout).toMatch(
      /^site: last success at .*; next 20\S+ \(0 3/m,
    );

    // 2. the folder shrinks to one file: a warning (anomaly check), exit 4
    for (let i = 1; i < 10; i++) unlinkSync(join(site, `page${i}.html`));
    await new Promise((r) => setTimeout(r, 1100)); // set names have whole seconds
    expect((await runCli(['run', 'site', '-c', cfg])).code).toBe(4);
    m = parseMetrics(prom);
    expect(m.get('ftps_backup_last_run_outcome{job="site",outcome="warning"}')).toBe(1);
    expect(m.get('ftps_backup_last_run_outcome{job="site",outcome="success"}')).toBe(0);
    expect(m.get('ftps_backup_last_run_warnings{job="site"}')).toBe(2);
    expect(m.get('ftps_backup_last_success_timestamp_seconds{job="site"}')).toBe(successAt);
    check = await runCli(['status', '--check', '-c', cfg]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(
      /^job site: last backup at \S+ \(set \d{8}T\d{6}Z\) has 2 warning\(s\): .*folder site: 1 files/,
    );

    // 3. the folder is gone: a failure, exit 1
    rmSync(site, { recursive: true });
    expect((await runCli(['run', 'site', '-c', cfg])).code).toBe(1);
    m = parseMetrics(prom);
    expect(m.get('ftps_backup_last_run_outcome{job="site",outcome="failure"}')).toBe(1);
    expect(m.get('ftps_backup_last_run_outcome{job="site",outcome="warning"}')).toBe(0);
    expect(m.has('ftps_backup_last_run_bytes{job="site"}')).toBe(false);
    check = await runCli(['status', '--check', '-c', cfg]);
    expect(check.code).toBe(1);
    expect(check.stdout.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/^job site: last backup FAILED at \S+: .*site/),
    ]);

    // 4. a stale success: the last success is older than maxAge (2d)
    const history = join(state, 'history', 'site.json');
    writeFileSync(
      history,
      JSON.stringify([
        {
          start: '2020-01-01T03:00:00.000Z',
          end: '2020-01-01T03:01:00.000Z',
          outcome: 'success',
          trigger: 'schedule',
          bytes: 1,
          set: '20200101T030000Z',
        },
      ]),
    );
    check = await runCli(['status', '--check', '-c', cfg]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(
      /^job site: last successful backup started 2020-01-01T03:00:00.000Z, before \S+ \(limit: maxAge 2d\)$/m,
    );
  }, 60_000);
});
