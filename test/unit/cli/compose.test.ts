/**
 * The composition root passes everything on: the effective jobs of config.example.yaml (and jobs/) are
 * turned into RunJobInput by runJobInput, and every key a job can have (the schema's job keys, the
 * defaults' keys and the effective job's own) must either be checked to reach RunJobInput here, or be on
 * the commented allow-list of keys another part of the program consumes. A key added to the schema and
 * not wired fails the first test.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultsSchema, jobSchema, loadConfig, type EffectiveJob } from '../../../src/config/index.ts';
import { runJobInput } from '../../../src/cli/compose.ts';
import { setsFolder } from '../../../src/domain/index.ts';
import type { RunJobInput } from '../../../src/app/run-job.ts';
import { Redactor, type Logger } from '../../../src/logging/index.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = `${root}config.example.yaml`;

const log: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const env = { FTPS_PASSWORD: 'ftps-secret', MYSQL_PASSWORD: 'mysql-secret', AGE_PASS: 'age-secret' };

/** Keys that reach RunJobInput: the actual value there, and the value it must be. */
const WIRED: Record<string, (input: RunJobInput, job: EffectiveJob) => [unknown, unknown]> = {
  name: (i, j) => [i.job, j.name],
  // the destination becomes the stores and the root the sets live under
  destination: (i) => [setsFolder(i.root, i.job), '/backups/blog'],
  sources: (i, j) => [i.objects.length, j.sources.length],
  compression: (i, j) => [i.compression, j.compression],
  encryption: (i, j) => [i.encryption !== undefined, j.encryption !== undefined],
  retry: (i, j) => [
    i.retry,
    { attempts: j.retry.attempts, initialDelayMs: j.retry.initialDelay, maxDelayMs: j.retry.maxDelay },
  ],
  spool: (i, j) => [i.spool !== undefined, j.spool],
  spoolDir: (i, j) => [i.spool?.dir, j.spool ? j.spoolDir : undefined],
  replayWindow: (i, j) => [i.replayWindowBytes, j.replayWindow],
  anomaly: (i, j) => [
    i.anomaly,
    j.anomaly.enabled ? { rowDrop: j.anomaly.rowDrop, folderShrink: j.anomaly.folderShrink } : undefined,
  ],
};

/** Keys consumed elsewhere, never by runJob (each says where). */
const CONSUMED_ELSEWHERE: Record<string, string> = {
  schedule: 'the scheduler (src/scheduler) decides when runJob is called',
  timezone: 'the scheduler reads the cron expression in this zone',
  randomDelay: 'the scheduler waits before a scheduled run',
  retention: 'the job runner prunes after a successful run (src/cli/job-runner.ts)',
  verify: 'the scheduled verification (src/cli/verify-runner.ts)',
  notifications: 'the job runner notifies after the run (src/cli/notifications.ts)',
  hooks: 'the job runner runs them around runJob (src/cli/job-runner.ts, src/hooks)',
  file: 'where the job is defined: messages only',
  maxAge: 'status --check (src/scheduler/health.ts) compares the last success with it',
};

async function exampleJobs(): Promise<EffectiveJob[]> {
  const config = await loadConfig(EXAMPLE, { env });
  expect(config.jobs.length).toBeGreaterThan(0);
  return config.jobs;
}

/** The example's jobs with their secrets taken from env (the files they name do not exist here). */
async function inputsFor(
  edit: (job: EffectiveJob) => EffectiveJob,
): Promise<Array<{ job: EffectiveJob; input: RunJobInput }>> {
  const config = await loadConfig(EXAMPLE, { env });
  const out = [];
  for (const original of config.jobs) {
    const job = edit({
      ...original,
      sources: original.sources.map((s) =>
        s.type === 'mysql' && s.password !== undefined ? { ...s, password: { env: 'MYSQL_PASSWORD' } } : s,
      ),
    });
    out.push({ job, input: await runJobInput(config, job, env, log, new Redactor()) });
  }
  return out;
}

describe('runJobInput (the composition root)', () => {
  it('every key of a job is either wired to RunJobInput or consumed elsewhere', async () => {
    const [job] = await exampleJobs();
    const keys = new Set([
      ...Object.keys(jobSchema.shape),
      ...Object.keys(defaultsSchema.shape),
      ...Object.keys(job!),
    ]);
    const unaccounted = [...keys].filter((k) => !(k in WIRED) && !(k in CONSUMED_ELSEWHERE));
    expect(unaccounted).toEqual([]);
    const both = Object.keys(WIRED).filter((k) => k in CONSUMED_ELSEWHERE);
    expect(both).toEqual([]);
  });

  it.each([
    ['as the example says', (j: EffectiveJob) => j],
    [
      'with every optional feature on',
      (j: EffectiveJob): EffectiveJob => ({
        ...j,
        spool: true,
        spoolDir: '/srv/spool-for-test',
        replayWindow: 12_345_678,
        compression: { algorithm: 'gzip', level: 9 },
        retry: { attempts: 7, initialDelay: 1234, maxDelay: 56_789 },
        encryption: { passphrase: { env: 'AGE_PASS' } },
        anomaly: { enabled: true, rowDrop: 0.2, folderShrink: 0.8 },
      }),
    ],
    [
      'with the anomaly check off',
      (j: EffectiveJob): EffectiveJob => ({ ...j, anomaly: { ...j.anomaly, enabled: false } }),
    ],
  ])('passes every wired key on (%s)', async (_title, edit) => {
    for (const { job, input } of await inputsFor(edit)) {
      for (const [key, check] of Object.entries(WIRED)) {
        const [actual, expected] = check(input, job);
        expect({ key, value: actual }).toEqual({ key, value: expected });
      }
    }
  });
});
