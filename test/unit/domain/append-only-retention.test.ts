/**
 * Append-only prune by server time: table of hand-worked cases, including sets forged by someone holding
 * the backup login (any names, manifests uploaded at the server's current time).
 */
import { describe, expect, it } from 'vitest';
import {
  applyAppendOnlyRetention,
  RetentionPolicyError,
  type AppendOnlyPrunePolicy,
  type AppendOnlySet,
} from '../../../src/domain/index.ts';

const DAY = 86_400_000;
const now = new Date('2026-12-03T12:00:00Z');
/** A complete set whose manifest the server timestamped `days` days before now. */
const set = (name: string, days: number): AppendOnlySet => {
  const t = new Date(now.getTime() - days * DAY);
  return { name, manifestTime: t, folderTime: t };
};
const incomplete = (name: string, days: number): AppendOnlySet => ({
  name,
  manifestTime: undefined,
  folderTime: new Date(now.getTime() - days * DAY),
});
const policy = (p: Partial<AppendOnlyPrunePolicy>): AppendOnlyPrunePolicy => ({ minAgeMs: 7 * DAY, ...p });

/** Ten real daily sets at 03:00 UTC, 0.375 to 9.375 days old. */
const real = Array.from({ length: 10 }, (_, i) => set(`20261${i}`, i + 0.375));

describe('applyAppendOnlyRetention', () => {
  it.each([
    {
      what: 'keepDaily 3 with minAge 7 days: the last 7 days stay, older non-window sets go',
      sets: real,
      p: policy({ keepDaily: 3 }),
      removed: ['202617', '202618', '202619'],
    },
    {
      what: 'keepDaily 9 keeps 8 days back too (windows by calendar day)',
      sets: real,
      p: policy({ keepDaily: 9, minAgeMs: 1 * DAY }),
      removed: ['202619'],
    },
    {
      what: 'a flood of forged sets uploaded now (names pretending to be old) pushes nothing out',
      sets: [
        ...real,
        ...Array.from({ length: 50 }, (_, i) => set(`20200101T0000${String(i).padStart(2, '0')}Z`, 0.01)),
      ],
      p: policy({ keepDaily: 3 }),
      removed: ['202617', '202618', '202619'],
    },
    {
      what: 'forged sets during a compromise 10 days ago take the windows of those days only',
      sets: [...real, set('forged-a', 9.2), set('forged-b', 8.2)],
      p: policy({ keepDaily: 10, minAgeMs: 1 * DAY }),
      // Day windows 8 and 9 days back now hold forged sets newer than the real ones of those days.
      removed: ['202618', '202619'],
    },
    {
      // now is Thursday 2026-12-03: 5 weeks reach back to W45 (from 11-02), 3 months to October.
      what: 'weekly and monthly windows keep the newest of each; an incomplete old set goes',
      sets: [
        set('nov-08', 25),
        set('oct-24', 40),
        set('oct-31', 33),
        set('sep-24', 70),
        incomplete('broken', 20),
        incomplete('fresh', 1),
      ],
      p: policy({ keepWeekly: 5, keepMonthly: 3 }),
      removed: ['broken', 'oct-24', 'sep-24'],
    },
    {
      what: 'no keep rule: only the minimum age protects',
      sets: [set('a', 6.9), set('b', 7.1)],
      p: policy({}),
      removed: ['b'],
    },
    {
      what: 'a manifest time in the future is kept, and does not take today',
      sets: [set('future', -3), set('today', 0.2), set('week-old', 8)],
      p: policy({ keepDaily: 1 }),
      removed: ['week-old'],
    },
    {
      what: 'a set without any server time is kept',
      sets: [{ name: 'blind', manifestTime: undefined, folderTime: undefined }, set('x', 30)],
      p: policy({}),
      removed: ['x'],
    },
  ])('$what', ({ sets, p, removed }) => {
    const r = applyAppendOnlyRetention(sets, p, now);
    expect(r.remove.map((x) => x.name).sort()).toEqual([...removed].sort());
    expect(r.keep.length + r.remove.length).toBe(sets.length);
    for (const k of r.keep) expect(k.reasons.length).toBeGreaterThan(0);
  });

  it('gives each decision its reason', () => {
    const r = applyAppendOnlyRetention(
      [set('today', 0.2), set('old', 20), set('older', 21), incomplete('broken', 30)],
      { keepWeekly: 4, minAgeMs: 7 * DAY },
      now,
    );
    expect(r.keep).toEqual([
      {
        name: 'today',
        reasons: ['younger than 7 days (server time)', 'weekly 2026-W49 (newest by server time)'],
      },
      { name: 'old', reasons: ['weekly 2026-W46 (newest by server time)'] },
    ]);
    expect(r.remove).toEqual([
      {
        name: 'older',
        reason: 'older than 7 days and not the newest of a kept day, week or month (server time)',
      },
      { name: 'broken', reason: 'no manifest, older than 7 days (server time)' },
    ]);
  });

  it.each([
    [{ minAgeMs: 0 }, /minimum age > 0/],
    [{ minAgeMs: Number.NaN }, /minimum age > 0/],
    [{ minAgeMs: DAY, keepDaily: -1 }, /keepDaily must be an integer/],
    [{ minAgeMs: DAY, keepMonthly: 1.5 }, /keepMonthly must be an integer/],
  ])('refuses %o', (p, message) => {
    expect(() => applyAppendOnlyRetention([], p, now)).toThrow(RetentionPolicyError);
    expect(() => applyAppendOnlyRetention([], p, now)).toThrow(message);
  });

  it('refuses duplicate names', () => {
    expect(() => applyAppendOnlyRetention([set('a', 1), set('a', 2)], { minAgeMs: DAY }, now)).toThrow(
      /duplicate/,
    );
  });
});
