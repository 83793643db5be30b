/** The scheduler driven by an injected clock and fake triggers: no real waiting. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acquireJobLock,
  cronMatcher,
  HISTORY_LIMIT,
  nextRun,
  previousRun,
  Scheduler,
  StateStore,
  type JobOutcome,
  type ScheduledJob,
  type SchedulerDeps,
} from '../../../src/scheduler/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sched-'));
  dirs.push(d);
  return d;
}

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const nightly: ScheduledJob = {
  name: 'blog',
  schedule: '30 3 * * *',
  timezone: 'Europe/Berlin',
  randomDelay: 0,
};

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

function setup(over: Partial<SchedulerDeps> = {}) {
  const stateDir = tempDir();
  const fires = new Map<string, () => void>();
  const calls: string[] = [];
  const deps: SchedulerDeps = {
    stateDir,
    state: new StateStore(stateDir),
    log: quiet,
    runJob: (name) => {
      calls.push(name);
      return Promise.resolve({ bytes: 1, set: 'S' });
    },
    trigger: (job, fire) => {
      fires.set(job.name, fire);
      return { stop: () => fires.delete(job.name) };
    },
    matcher: cronMatcher,
    now: () => new Date('2026-11-22T10:00:00Z'),
    random: () => 0.5,
    sleep: () => Promise.resolve(),
    maxConcurrentJobs: 1,
    catchUpMissed: false,
    ...over,
  };
  return { deps, fires, calls, scheduler: new Scheduler(deps) };
}

describe('schedule arithmetic (node-cron matcher, time zones)', () => {
  it('finds the previous and next run in the job time zone, across a DST change', () => {
    const m = cronMatcher(nightly);
    // 03:30 in Berlin is 02:30 UTC in winter, 01:30 UTC in summer.
    expect(previousRun(m, new Date('2026-11-22T10:00:00Z'))?.toISOString()).toBe('2026-11-22T02:30:00.000Z');
    expect(nextRun(m, new Date('2026-11-22T10:00:00Z'))?.toISOString()).toBe('2026-11-23T02:30:00.000Z');
    expect(nextRun(m, new Date('2026-03-28T12:00:00Z'))?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(previousRun(m, new Date('2026-11-22T02:30:00Z'))?.toISOString()).toBe('2026-11-21T02:30:00.000Z');
  });

  it('expands cron shortcuts in the job time zone', () => {
    const at = (schedule: string, after: string, timezone = 'Europe/Berlin') =>
      nextRun(cronMatcher({ ...nightly, schedule, timezone }), new Date(after))?.toISOString();
    // 2026-11-22 is a Sunday; Berlin is UTC+1 in winter, UTC+2 in summer.
    expect(at('@hourly', '2026-11-22T10:20:00Z')).toBe('2026-11-22T11:00:00.000Z');
    expect(at('@daily', '2026-11-22T10:00:00Z')).toBe('2026-11-22T23:00:00.000Z');
    expect(at('@midnight', '2026-11-22T10:00:00Z')).toBe('2026-11-22T23:00:00.000Z');
    expect(at('@weekly', '2026-11-22T10:00:00Z')).toBe('2026-11-28T23:00:00.000Z');
    expect(at('@monthly', '2026-11-22T10:00:00Z')).toBe('2026-11-30T23:00:00.000Z');
    expect(at('@yearly', '2026-11-22T10:00:00Z')).toBe('2026-12-31T23:00:00.000Z');
    expect(at('@annually', '2026-06-01T00:00:00Z', 'UTC')).toBe('2027-01-01T00:00:00.000Z');
    expect(at('@yearly', '2027-01-01T00:00:00Z', 'UTC')).toBe('2028-01-01T00:00:00.000Z');
    expect(at('@monthly', '2026-06-15T00:00:00Z')).toBe('2026-06-30T22:00:00.000Z');
    const weekly = cronMatcher({ ...nightly, schedule: '@weekly', timezone: 'UTC' });
    expect(previousRun(weekly, new Date('2026-11-25T12:00:00Z'))?.toISOString()).toBe(
      '2026-11-22T00:00:00.000Z',
    );
    expect(() => cronMatcher({ ...nightly, schedule: '@reboot' })).toThrow(/@reboot is not supported/);
    // Fields node-cron keeps as text (last day, last Friday) are not pre-checked: nothing is skipped.
    expect(at('0 0 L * *', '2026-11-22T10:00:00Z', 'UTC')).toBe('2026-11-30T00:00:00.000Z');
    expect(at('0 0 * * 5L', '2026-11-22T10:00:00Z', 'UTC')).toBe('2026-11-27T00:00:00.000Z');
  });

  it('the hourly pre-check skips no matching minute (odd offsets, DST changes)', { timeout: 30_000 }, () => {
    // Each start is a Sunday with a DST change somewhere: EU spring, Lord Howe (30 min) spring, US autumn.
    const starts = ['2026-03-29T00:10:00Z', '2026-10-04T00:50:00Z', '2026-11-01T03:59:00Z'];
    for (const timezone of ['Europe/Berlin', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns']) {
      for (const schedule of ['30 2 * * *', '45 1,2,3 * * 0', '15 */10 * * * *', '@weekly']) {
        const fast = cronMatcher({ ...nightly, schedule, timezone });
        const { mayMatchHour, ...slow } = fast; // without the pre-check: every minute is asked
        expect(mayMatchHour).toBeDefined();
        for (const s of starts) {
          const at = new Date(s);
          const got = [nextRun(fast, at, 1), previousRun(fast, new Date(at.getTime() + 86_400_000), 1)];
          const want = [nextRun(slow, at, 1), previousRun(slow, new Date(at.getTime() + 86_400_000), 1)];
          expect([timezone, schedule, s, got]).toEqual([timezone, schedule, s, want]);
        }
      }
    }
  });

  it('handles six-field expressions with seconds', () => {
    const m = cronMatcher({ ...nightly, schedule: '15 */10 * * * *', timezone: 'UTC' });
    expect(nextRun(m, new Date('2026-11-22T10:00:20Z'))?.toISOString()).toBe('2026-11-22T10:10:15.000Z');
  });
});

describe('run history', () => {
  it('keeps the last 50 runs, written atomically', async () => {
    const dir = tempDir();
    const s = new StateStore(dir);
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) {
      await s.record('blog', {
        start: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
        end: 'x',
        outcome: i % 2 ? 'success' : 'failure',
        trigger: 'manual',
      });
    }
    const h = await s.history('blog');
    expect(h).toHaveLength(HISTORY_LIMIT);
    expect(h[0]?.start).toBe('2026-01-01T00:00:05Z');
    expect((await s.lastSuccess('blog'))?.start).toBe('2026-01-01T00:00:53Z');
    expect(readdirSync(join(dir, 'history'))).toEqual(['blog.json']);
  });
});

describe('job lock', () => {
  it('refuses a second holder while the first lives, and takes over a stale lock', async () => {
    const dir = tempDir();
    const a = await acquireJobLock(dir, 'blog');
    expect('release' in a).toBe(true);
    const b = await acquireJobLock(dir, 'blog');
    expect(b).toEqual({ heldBy: expect.objectContaining({ pid: process.pid }) as unknown });
    if ('release' in a) await a.release();
    // A lock left by a process that is gone (PID 2^22+1 is beyond pid_max here).
    mkdirSync(join(dir, 'locks'), { recursive: true });
    const { hostname } = await import('node:os');
    writeFileSync(
      join(dir, 'locks', 'blog.lock'),
      JSON.stringify({ pid: 4194305, host: hostname(), since: 'then' }),
    );
    const c = await acquireJobLock(dir, 'blog');
    expect('release' in c).toBe(true);
  });
});

describe('Scheduler', () => {
  it('runs a job when its trigger fires and records it', async () => {
    const { scheduler, fires, calls, deps } = setup();
    await scheduler.start([nightly]);
    fires.get('blog')!();
    await scheduler.idle();
    await scheduler.stop();
    expect(calls).toEqual(['blog']);
    expect((await deps.state.history('blog')).map((r) => [r.outcome, r.trigger])).toEqual([
      ['success', 'schedule'],
    ]);
  });

  it('records a run that published a set with warnings as outcome warning, with the first warnings', async () => {
    const warnings = Array.from({ length: 25 }, (_, i) => `site: cannot open file /srv/f${i}: EACCES`);
    const { scheduler, fires, deps } = setup({
      runJob: () => Promise.resolve({ bytes: 5, set: 'S', warnings }),
    });
    await scheduler.start([nightly]);
    fires.get('blog')!();
    await scheduler.idle();
    await scheduler.stop();
    const [rec] = await deps.state.history('blog');
    expect(rec).toMatchObject({ outcome: 'warning', set: 'S', bytes: 5 });
    expect(rec!.warnings).toEqual([...warnings.slice(0, 20), '… and 5 more (see the log)']);
    // a warning published a set (catch-up does not repeat it) but is not a success
    expect(await deps.state.lastSuccess('blog')).toBeUndefined();
    expect((await deps.state.lastPublished('blog'))?.set).toBe('S');
  });

  it('skips a run while the same job is still running', async () => {
    const gate = deferred<JobOutcome>();
    const { scheduler, calls } = setup({ runJob: (name) => (calls.push(name), gate.promise) });
    await scheduler.start([nightly]);
    const first = scheduler.fire(nightly, 'schedule');
    await new Promise((r) => setTimeout(r, 10));
    const second = scheduler.fire(nightly, 'schedule');
    expect(second).toBe(first); // not a new run
    gate.resolve({ bytes: 1, set: 'S' });
    await first;
    expect(calls).toEqual(['blog']);
  });

  it('never runs more jobs at once than maxConcurrentJobs', async () => {
    const gates = new Map<string, ReturnType<typeof deferred<JobOutcome>>>();
    let running = 0;
    let peak = 0;
    const { scheduler } = setup({
      maxConcurrentJobs: 1,
      runJob: async (name) => {
        running++;
        peak = Math.max(peak, running);
        const g = deferred<JobOutcome>();
        gates.set(name, g);
        try {
          return await g.promise;
        } finally {
          running--;
        }
      },
    });
    const a = { ...nightly, name: 'a' };
    const b = { ...nightly, name: 'b' };
    await scheduler.start([a, b]);
    const pa = scheduler.fire(a, 'schedule');
    const pb = scheduler.fire(b, 'schedule');
    await new Promise((r) => setTimeout(r, 20));
    expect([...gates.keys()]).toEqual(['a']);
    gates.get('a')!.resolve({ bytes: 1, set: 'A' });
    await pa;
    await new Promise((r) => setTimeout(r, 20));
    expect([...gates.keys()]).toEqual(['a', 'b']);
    gates.get('b')!.resolve({ bytes: 1, set: 'B' });
    await pb;
    expect(peak).toBe(1);
  });

  it('catches up a missed run at start, and not when the last success is recent', async () => {
    const missed = setup({ catchUpMissed: true });
    await missed.deps.state.record('blog', {
      start: '2026-11-20T02:30:00.000Z',
      end: 'x',
      outcome: 'success',
      trigger: 'schedule',
    });
    await missed.scheduler.start([nightly]);
    await missed.scheduler.stop();
    expect(missed.calls).toEqual(['blog']);
    expect((await missed.deps.state.history('blog')).at(-1)?.trigger).toBe('catch-up');

    const fresh = setup({ catchUpMissed: true });
    await fresh.deps.state.record('blog', {
      start: '2026-11-22T02:30:05.000Z',
      end: 'x',
      outcome: 'success',
      trigger: 'schedule',
    });
    await fresh.scheduler.start([nightly]);
    await fresh.scheduler.stop();
    expect(fresh.calls).toEqual([]);

    const warned = setup({ catchUpMissed: true });
    await warned.deps.state.record('blog', {
      start: '2026-11-22T02:30:05.000Z',
      end: 'x',
      outcome: 'warning',
      trigger: 'schedule',
      warnings: ['w'],
    });
    await warned.scheduler.start([nightly]);
    await warned.scheduler.stop();
    expect(warned.calls).toEqual([]);
  });

  it('waits a random delay before a scheduled run', async () => {
    const waits: number[] = [];
    const { scheduler, calls } = setup({
      random: () => 0.25,
      sleep: (ms) => (waits.push(ms), Promise.resolve()),
    });
    const job = { ...nightly, randomDelay: 600_000 };
    await scheduler.start([job]);
    await scheduler.fire(job, 'schedule');
    await scheduler.stop();
    expect(waits).toEqual([150_000]);
    expect(calls).toEqual(['blog']);
  });

  it('stop() cancels a running job through its signal and records it as cancelled', async () => {
    let seen: AbortSignal | undefined;
    const { scheduler, deps } = setup({
      runJob: (_name, signal) =>
        new Promise<JobOutcome>((_, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(new Error('cancelled')));
        }),
    });
    await scheduler.start([nightly]);
    const p = scheduler.fire(nightly, 'schedule');
    // stop once the job runs (not after a fixed delay: on a loaded machine taking the lock can take longer)
    while (seen === undefined) await new Promise((r) => setTimeout(r, 5));
    await scheduler.stop();
    await p;
    expect(seen?.aborted).toBe(true);
    expect((await deps.state.history('blog')).map((r) => r.outcome)).toEqual(['cancelled']);
    // The lock is released.
    expect(readdirSync(join(deps.stateDir, 'locks'))).toEqual([]);
  });
});

describe('scheduled verification', () => {
  const verifyBlog: ScheduledJob = { ...nightly, schedule: '0 5 * * 0', task: 'verify' };

  it('runs the verification, records it as a verify run, and keeps it out of the backup catch-up', async () => {
    const verified: string[] = [];
    const { scheduler, deps, calls } = setup({
      runVerify: (name) => {
        verified.push(name);
        return Promise.resolve({ bytes: 7, set: '20261122T023000Z' });
      },
      catchUpMissed: true,
    });
    await scheduler.fire(verifyBlog, 'schedule');
    expect(verified).toEqual(['blog']);
    expect(calls).toEqual([]);
    expect(await deps.state.history('blog')).toEqual([
      expect.objectContaining({ outcome: 'success', task: 'verify', set: '20261122T023000Z', bytes: 7 }),
    ]);
    // a successful verification is not a backup: the missed nightly backup is still caught up
    expect(await deps.state.lastSuccess('blog')).toBeUndefined();
    await scheduler.start([nightly, verifyBlog]);
    await scheduler.idle();
    expect(calls).toEqual(['blog']);
    expect(verified).toEqual(['blog']); // verification is never caught up
    await scheduler.stop();
  });

  it("a verification due while the job's backup holds the lock is skipped and recorded", async () => {
    const backup = deferred<JobOutcome>();
    const started = deferred<void>();
    const { scheduler, deps } = setup({
      runJob: () => {
        started.resolve(); // called under the lock
        return backup.promise;
      },
      runVerify: () => Promise.resolve({ bytes: 1, set: 'S' }),
      maxConcurrentJobs: 2,
    });
    const running = scheduler.fire(nightly, 'schedule');
    await started.promise;
    await scheduler.fire(verifyBlog, 'schedule');
    backup.resolve({ bytes: 1, set: 'S' });
    await running;
    const h = await deps.state.history('blog');
    expect(h.map((r) => [r.task ?? 'backup', r.outcome])).toEqual([
      ['verify', 'skipped'],
      ['backup', 'success'],
    ]);
    expect(h[0]?.error).toMatch(/this verification is skipped/);
  });

  it('a failed verification is recorded with its error', async () => {
    const { scheduler, deps } = setup({
      runVerify: () => Promise.reject(new Error('set S failed verification: db-wp.sql.zst: sha256 …')),
    });
    await scheduler.fire(verifyBlog, 'schedule');
    expect(await deps.state.history('blog')).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        task: 'verify',
        error: expect.stringMatching(/^set S failed/) as unknown,
      }),
    ]);
  });
});
