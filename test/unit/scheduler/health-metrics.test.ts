/** status --check's problems and the Prometheus textfile, from run histories (pure, table-driven). */
import { describe, expect, it } from 'vitest';
import {
  healthProblems,
  renderMetrics,
  type JobHealthInput,
  type RunRecord,
} from '../../../src/scheduler/index.ts';

const ok = (start: string, end: string, extra: Partial<RunRecord> = {}): RunRecord => ({
  start,
  end,
  outcome: 'success',
  trigger: 'schedule',
  bytes: 100,
  set: start.replace(/[-:]/g, '').replace(/\.\d+/, ''),
  ...extra,
});
const S1 = ok('2026-11-21T03:00:00.000Z', '2026-11-21T03:01:00.000Z');
const S2 = ok('2026-11-22T03:00:00.000Z', '2026-11-22T03:02:30.000Z');
const FAIL: RunRecord = {
  start: '2026-11-22T03:00:00.000Z',
  end: '2026-11-22T03:00:05.000Z',
  outcome: 'failure',
  trigger: 'schedule',
  error: 'login refused (530)',
};
const WARN = ok('2026-11-22T03:00:00.000Z', '2026-11-22T03:00:09.000Z', {
  outcome: 'warning',
  warnings: ['site: wp-config.php unreadable'],
  warningCount: 1,
});
const SKIP: RunRecord = {
  start: '2026-11-22T04:00:00.000Z',
  end: '2026-11-22T04:00:00.000Z',
  outcome: 'skipped',
  trigger: 'manual',
};
const VFAIL: RunRecord = {
  start: '2026-11-22T05:00:00.000Z',
  end: '2026-11-22T05:00:10.000Z',
  outcome: 'failure',
  trigger: 'schedule',
  task: 'verify',
  error: 'sha256 differs',
};
const VOK: RunRecord = { ...VFAIL, outcome: 'success', error: undefined };
const LIMIT = new Date('2026-11-21T03:00:00.000Z');
const alive = { alive: true } as const;
const dead = { alive: false, reason: 'no daemon is running (no /var/lib/ftps-backup/daemon.json)' } as const;

const job = (history: RunRecord[], over: Partial<JobHealthInput> = {}): JobHealthInput => ({
  job: 'blog',
  scheduled: true,
  staleBefore: LIMIT,
  limit: 'two scheduled intervals of 0 3 * * * UTC',
  history,
  ...over,
});

describe('healthProblems', () => {
  it.each([
    ['all well', [job([S1, S2])], alive, []],
    ['a skipped run after a success is no problem', [job([S1, S2, SKIP])], alive, []],
    [
      'last backup failed',
      [job([S1, FAIL])],
      alive,
      ['job blog: last backup FAILED at 2026-11-22T03:00:05.000Z: login refused (530)'],
    ],
    [
      'last backup warned',
      [job([S1, WARN])],
      alive,
      [
        'job blog: last backup at 2026-11-22T03:00:09.000Z (set 20261122T030000Z) has 1 warning(s): site: wp-config.php unreadable',
      ],
    ],
    [
      'the last success is older than the limit',
      [job([ok('2026-11-20T03:00:00.000Z', '2026-11-20T03:01:00.000Z')])],
      alive,
      [
        'job blog: last successful backup started 2026-11-20T03:00:00.000Z, before 2026-11-21T03:00:00.000Z (limit: two scheduled intervals of 0 3 * * * UTC)',
      ],
    ],
    [
      'never succeeded',
      [job([])],
      alive,
      ['job blog: no successful backup yet (limit: two scheduled intervals of 0 3 * * * UTC)'],
    ],
    [
      'no age limit, no history: nothing to say',
      [job([], { staleBefore: undefined, scheduled: false })],
      dead,
      [],
    ],
    [
      'last verification failed',
      [job([S1, S2, VFAIL])],
      alive,
      ['job blog: last verification FAILED at 2026-11-22T05:00:10.000Z: sha256 differs'],
    ],
    ['a verification that passed later clears it', [job([S1, S2, VFAIL, VOK])], alive, []],
    [
      'scheduled jobs and no daemon',
      [job([S1, S2])],
      dead,
      [
        'jobs have schedules but no daemon is running (no /var/lib/ftps-backup/daemon.json): nothing runs them (systemctl start ftps-backup)',
      ],
    ],
    ['no daemon needed when nothing is scheduled', [job([S1, S2], { scheduled: false })], dead, []],
  ] as const)('%s', (_t, jobs, daemon, problems) => {
    expect(healthProblems(jobs, daemon)).toEqual(problems);
  });
});

describe('renderMetrics', () => {
  it('writes HELP and TYPE for every series and the values of each job', () => {
    const text = renderMetrics([
      { job: 'blog', history: [S1, WARN, { ...VOK }] },
      { job: 'shop', history: [S2, FAIL] },
      { job: 'new', history: [] },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2])).toEqual([
      'ftps_backup_last_success_timestamp_seconds',
      'ftps_backup_last_run_timestamp_seconds',
      'ftps_backup_last_run_outcome',
      'ftps_backup_last_run_bytes',
      'ftps_backup_last_run_duration_seconds',
      'ftps_backup_last_run_warnings',
      'ftps_backup_last_verify_success_timestamp_seconds',
    ]);
    expect(lines.filter((l) => l.startsWith('# TYPE ')).every((l) => l.endsWith(' gauge'))).toBe(true);
    expect(lines.filter((l) => !l.startsWith('#'))).toEqual([
      'ftps_backup_last_success_timestamp_seconds{job="blog"} 1795230060',
      'ftps_backup_last_success_timestamp_seconds{job="shop"} 1795316550',
      'ftps_backup_last_run_timestamp_seconds{job="blog"} 1795316409',
      'ftps_backup_last_run_timestamp_seconds{job="shop"} 1795316405',
      'ftps_backup_last_run_outcome{job="blog",outcome="success"} 0',
      'ftps_backup_last_run_outcome{job="blog",outcome="warning"} 1',
      'ftps_backup_last_run_outcome{job="blog",outcome="failure"} 0',
      'ftps_backup_last_run_outcome{job="blog",outcome="cancelled"} 0',
      'ftps_backup_last_run_outcome{job="shop",outcome="success"} 0',
      'ftps_backup_last_run_outcome{job="shop",outcome="warning"} 0',
      'ftps_backup_last_run_outcome{job="shop",outcome="failure"} 1',
      'ftps_backup_last_run_outcome{job="shop",outcome="cancelled"} 0',
      'ftps_backup_last_run_bytes{job="blog"} 100',
      'ftps_backup_last_run_duration_seconds{job="blog"} 9',
      'ftps_backup_last_run_duration_seconds{job="shop"} 5',
      'ftps_backup_last_run_warnings{job="blog"} 1',
      'ftps_backup_last_run_warnings{job="shop"} 0',
      'ftps_backup_last_verify_success_timestamp_seconds{job="blog"} 1795323610',
    ]);
  });

  it('escapes label values', () => {
    expect(renderMetrics([{ job: 'a"b\\c', history: [S1] }])).toContain('{job="a\\"b\\\\c"}');
  });
});
