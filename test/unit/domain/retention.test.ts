import { describe, expect, it } from 'vitest';
import {
  applyRetention,
  DEFAULT_INCOMPLETE_GRACE_MS,
  describeRetention,
  formatDuration,
  isEmptyRetentionPolicy,
  isoWeek,
  RetentionPolicyError,
  type RetentionPolicy,
  type RetentionResult,
  type RetentionSet,
} from '../../../src/domain/index.ts';

// ---- fixtures ----
// Set times are written out as set names; `at` turns one into its UTC time without the code under test.

const H = 3_600_000;
const D = 24 * H;

function at(name: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(name);
  if (m === null) throw new Error(`bad fixture name ${name}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

const nameOf = (t: number): string => new Date(t).toISOString().replace(/[-:]/g, '').replace('.000', '');

const c = (name: string): RetentionSet => ({ name, time: at(name), complete: true });
const inc = (name: string): RetentionSet => ({ name, time: at(name), complete: false });
/** A complete set whose manifest carries `warnings` warnings. */
const w = (name: string, warnings: number): RetentionSet => ({ ...c(name), warnings });

/** Complete sets every `step` ms from `first` to `last` (inclusive), oldest first. */
function series(first: string, last: string, step: number): RetentionSet[] {
  const out: RetentionSet[] = [];
  for (let t = at(first).getTime(); t <= at(last).getTime(); t += step) out.push(c(nameOf(t)));
  return out;
}

/** `n` hourly names ending with `last`, newest first (for long golden lists). */
function hoursBack(last: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => nameOf(at(last).getTime() - i * H));
}

// A: ten daily sets at 03:15, 2026-11-13 … 2026-11-22 (a Sunday; 2026-W47 is Mon 16 … Sun 22).
const A = series('20261113T031500Z', '20261122T031500Z', D);
const A22 = '20261122T031500Z';
const A21 = '20261121T031500Z';
const A20 = '20261120T031500Z';
const A19 = '20261119T031500Z';
const A18 = '20261118T031500Z';
const A17 = '20261117T031500Z';
const A16 = '20261116T031500Z';
const A15 = '20261115T031500Z';
const A14 = '20261114T031500Z';
const A13 = '20261113T031500Z';
const NOW_A = '2026-11-22T12:00:00Z';

// B: a set every day at 02:00 from 2025-10-01 to 2026-11-22: 92 + 326 = 418 sets.
const B = series('20251001T020000Z', '20261122T020000Z', D);

// Spring DST (Europe: 2026-03-29 01:00 UTC, local 02:00 → 03:00) and autumn DST (2026-10-25 01:00 UTC,
// local 03:00 → 02:00): a set every hour for three UTC days around each switch.
const SPRING = series('20260328T000000Z', '20260330T230000Z', H);
const AUTUMN = series('20261024T000000Z', '20261026T230000Z', H);

// Year boundary: daily at 12:00, 2026-12-20 (Sun, 2026-W51) … 2027-01-10 (Sun, 2027-W01); 2026 has an
// ISO week 53 (Mon 2026-12-28 … Sun 2027-01-03) because 2026-01-01 is a Thursday.
const NEW_YEAR = series('20261220T120000Z', '20270110T120000Z', D);
// ISO week-year starting in the previous calendar year: 2026-W01 is Mon 2025-12-29 … Sun 2026-01-04.
const WEEK_YEAR = series('20251226T120000Z', '20260106T120000Z', D);

// Incomplete sets next to complete ones (now 2026-11-22T12:00Z).
const MIXED = [
  c(A22),
  inc('20261122T110000Z'), // 1 h old
  inc('20261121T100000Z'), // 26 h old
  c(A21),
  c(A20),
];

interface Case {
  title: string;
  sets: RetentionSet[];
  policy: RetentionPolicy;
  now: string;
  graceMs?: number;
  keep: string[];
  /** The removed names newest first, or 'rest' for "every other set" with `removeCount` giving how many. */
  remove: string[] | 'rest';
  removeCount?: number;
  ignored?: string[];
  reasons?: Record<string, string[]>;
  removeReasons?: Record<string, string>;
  ignoredReasons?: Record<string, string>;
}

const cases: Case[] = [
  // --- sets published with warnings ---
  {
    title: 'keepLast 2 after three warned runs keeps the newest set without warnings',
    sets: [w(A22, 1), w(A21, 2), w(A20, 1), w(A19, 0), w(A18, 0)],
    policy: { keepLast: 2 },
    now: NOW_A,
    keep: [A22, A21, A19],
    remove: [A20, A18],
    reasons: { [A22]: ['last #1', 'newest complete set'], [A19]: ['newest set without warnings'] },
  },
  {
    title: 'a clean newest set needs no second reason',
    sets: [w(A22, 0), w(A21, 0), w(A20, 3)],
    policy: { keepLast: 1 },
    now: NOW_A,
    keep: [A22],
    remove: [A21, A20],
    reasons: { [A22]: ['last #1', 'newest complete set'] },
  },
  {
    title: 'sets whose warnings are unknown are passed over, not trusted',
    sets: [w(A22, 2), c(A21), w(A20, 0), c(A19)],
    policy: { keepLast: 1 },
    now: NOW_A,
    keep: [A22, A20],
    remove: [A21, A19],
    reasons: { [A20]: ['newest set without warnings'] },
  },
  {
    title: 'every set warned: only the policy and the newest complete set keep',
    sets: [w(A22, 1), w(A21, 1), w(A20, 1)],
    policy: { keepLast: 1 },
    now: NOW_A,
    keep: [A22],
    remove: [A21, A20],
  },
  {
    title: 'a clean set in the future is not the newest set without warnings',
    sets: [w('20261123T031500Z', 0), w(A22, 1), w(A21, 0), w(A20, 0)],
    policy: { keepLast: 1 },
    now: NOW_A,
    keep: ['20261123T031500Z', A22, A21],
    remove: [A20],
    reasons: { [A21]: ['newest set without warnings'] },
  },
  // --- one rule at a time ---
  {
    title: 'keepLast 3',
    sets: A,
    policy: { keepLast: 3 },
    now: NOW_A,
    keep: [A22, A21, A20],
    remove: [A19, A18, A17, A16, A15, A14, A13],
    reasons: { [A22]: ['last #1', 'newest complete set'], [A20]: ['last #3'] },
    removeReasons: { [A19]: 'not kept by any rule' },
  },
  {
    title: 'keepDaily 5',
    sets: A,
    policy: { keepDaily: 5 },
    now: NOW_A,
    keep: [A22, A21, A20, A19, A18],
    remove: [A17, A16, A15, A14, A13],
    reasons: { [A18]: ['daily #5 (2026-11-18)'] },
  },
  {
    title: 'keepWeekly 2: newest set of 2026-W47 and of 2026-W46 (Sunday 15th)',
    sets: A,
    policy: { keepWeekly: 2 },
    now: NOW_A,
    keep: [A22, A15],
    remove: [A21, A20, A19, A18, A17, A16, A14, A13],
    reasons: { [A22]: ['weekly #1 (2026-W47)', 'newest complete set'], [A15]: ['weekly #2 (2026-W46)'] },
  },
  {
    title: 'keepWeekly 5 with sets in only two weeks: no "oldest" fill-up',
    sets: A,
    policy: { keepWeekly: 5 },
    now: NOW_A,
    keep: [A22, A15],
    remove: [A21, A20, A19, A18, A17, A16, A14, A13],
  },
  {
    title: 'keepMonthly 3 with every set in one month',
    sets: A,
    policy: { keepMonthly: 3 },
    now: NOW_A,
    keep: [A22],
    remove: [A21, A20, A19, A18, A17, A16, A15, A14, A13],
    reasons: { [A22]: ['monthly #1 (2026-11)', 'newest complete set'] },
  },
  {
    title: 'a rule set to 0 is off (keepDaily 0, keepLast 1)',
    sets: A,
    policy: { keepDaily: 0, keepLast: 1 },
    now: NOW_A,
    keep: [A22],
    remove: [A21, A20, A19, A18, A17, A16, A15, A14, A13],
  },
  {
    title: 'keepWithin 3d: strictly newer than now − 3d (2026-11-19T12:00Z)',
    sets: A,
    policy: { keepWithin: 3 * D },
    now: NOW_A,
    keep: [A22, A21, A20],
    remove: [A19, A18, A17, A16, A15, A14, A13],
    reasons: { [A22]: ['within 3d', 'newest complete set'], [A20]: ['within 3d'] },
  },
  {
    title: 'keepWithin 2d boundary: a set exactly 2d old is not kept; one exactly at now is',
    sets: A,
    policy: { keepWithin: 2 * D },
    now: '2026-11-22T03:15:00Z',
    keep: [A22, A21],
    remove: [A20, A19, A18, A17, A16, A15, A14, A13],
    reasons: { [A21]: ['within 2d'] },
  },
  // --- combined rules ---
  {
    title: 'keepLast 2 + keepWeekly 2: a set kept by one rule still counts for the other',
    sets: A,
    policy: { keepLast: 2, keepWeekly: 2 },
    now: NOW_A,
    keep: [A22, A21, A15],
    remove: [A20, A19, A18, A17, A16, A14, A13],
    reasons: {
      [A22]: ['last #1', 'weekly #1 (2026-W47)', 'newest complete set'],
      [A21]: ['last #2'],
      [A15]: ['weekly #2 (2026-W46)'],
    },
  },
  {
    title: 'keepLast 1 + keepDaily 3 + keepWithin 2d: every reason listed, in rule order',
    sets: A,
    policy: { keepLast: 1, keepDaily: 3, keepWithin: 2 * D },
    now: NOW_A,
    keep: [A22, A21, A20],
    remove: [A19, A18, A17, A16, A15, A14, A13],
    reasons: {
      [A22]: ['last #1', 'daily #1 (2026-11-22)', 'within 2d', 'newest complete set'],
      [A21]: ['daily #2 (2026-11-21)', 'within 2d'],
      [A20]: ['daily #3 (2026-11-20)'],
    },
  },
  {
    title: 'GFS over 418 daily sets: daily 7, weekly 4, monthly 6, yearly 2',
    sets: B,
    policy: { keepDaily: 7, keepWeekly: 4, keepMonthly: 6, keepYearly: 2 },
    now: NOW_A,
    keep: [
      '20261122T020000Z',
      '20261121T020000Z',
      '20261120T020000Z',
      '20261119T020000Z',
      '20261118T020000Z',
      '20261117T020000Z',
      '20261116T020000Z',
      '20261115T020000Z', // weekly W46
      '20261108T020000Z', // weekly W45
      '20261101T020000Z', // weekly W44
      '20261031T020000Z', // monthly 2026-10
      '20260930T020000Z',
      '20260831T020000Z',
      '20260731T020000Z',
      '20260630T020000Z', // monthly #6
      '20251231T020000Z', // yearly 2025
    ],
    remove: 'rest',
    removeCount: 402,
    reasons: {
      '20261122T020000Z': [
        'daily #1 (2026-11-22)',
        'weekly #1 (2026-W47)',
        'monthly #1 (2026-11)',
        'yearly #1 (2026)',
        'newest complete set',
      ],
      '20261116T020000Z': ['daily #7 (2026-11-16)'],
      '20261115T020000Z': ['weekly #2 (2026-W46)'],
      '20261101T020000Z': ['weekly #4 (2026-W44)'],
      '20261031T020000Z': ['monthly #2 (2026-10)'],
      '20260630T020000Z': ['monthly #6 (2026-06)'],
      '20251231T020000Z': ['yearly #2 (2025)'],
    },
  },
  {
    title: 'keepYearly 5 with only two years of sets',
    sets: B,
    policy: { keepYearly: 5 },
    now: NOW_A,
    keep: ['20261122T020000Z', '20251231T020000Z'],
    remove: 'rest',
    removeCount: 416,
    reasons: { '20251231T020000Z': ['yearly #2 (2025)'] },
  },
  {
    title: 'keepLast 2 + keepMonthly 3 over 418 sets',
    sets: B,
    policy: { keepLast: 2, keepMonthly: 3 },
    now: NOW_A,
    keep: ['20261122T020000Z', '20261121T020000Z', '20261031T020000Z', '20260930T020000Z'],
    remove: 'rest',
    removeCount: 414,
  },
  // --- daylight saving time (set names are UTC: a DST switch changes nothing) ---
  {
    title: 'spring DST, hourly sets: keepDaily 3 keeps 23:00Z of each UTC day (not a local-time day)',
    sets: SPRING,
    policy: { keepDaily: 3 },
    now: '2026-03-31T00:00:00Z',
    keep: ['20260330T230000Z', '20260329T230000Z', '20260328T230000Z'],
    remove: 'rest',
    removeCount: 69,
    reasons: { '20260329T230000Z': ['daily #2 (2026-03-29)'] },
  },
  {
    title: 'spring DST, hourly sets: keepHourly 30 keeps exactly the 30 newest UTC hours',
    sets: SPRING,
    policy: { keepHourly: 30 },
    now: '2026-03-31T00:00:00Z',
    keep: hoursBack('20260330T230000Z', 30), // 2026-03-30T23 … 2026-03-29T18
    remove: 'rest',
    removeCount: 42,
    reasons: { '20260329T180000Z': ['hourly #30 (2026-03-29T18)'] },
  },
  {
    title: 'spring DST, hourly sets: keepHourly 72 keeps all 72 (no hour missing or merged)',
    sets: SPRING,
    policy: { keepHourly: 72 },
    now: '2026-03-31T00:00:00Z',
    keep: hoursBack('20260330T230000Z', 72),
    remove: [],
    reasons: {
      '20260329T010000Z': ['hourly #47 (2026-03-29T01)'],
      '20260329T020000Z': ['hourly #46 (2026-03-29T02)'],
    },
  },
  {
    title: 'spring DST at :30 around 01:00Z: keepHourly 4',
    sets: ['20260328T223000Z', '20260328T233000Z', '20260329T003000Z', '20260329T013000Z']
      .map(c)
      .concat(['20260329T023000Z', '20260329T033000Z'].map(c)),
    policy: { keepHourly: 4 },
    now: '2026-03-29T04:00:00Z',
    keep: ['20260329T033000Z', '20260329T023000Z', '20260329T013000Z', '20260329T003000Z'],
    remove: ['20260328T233000Z', '20260328T223000Z'],
    reasons: { '20260329T013000Z': ['hourly #3 (2026-03-29T01)'] },
  },
  {
    title: 'spring DST at :30 around 01:00Z: keepDaily 2 (23:30Z is still 2026-03-28)',
    sets: ['20260328T223000Z', '20260328T233000Z', '20260329T003000Z', '20260329T013000Z']
      .map(c)
      .concat(['20260329T023000Z', '20260329T033000Z'].map(c)),
    policy: { keepDaily: 2 },
    now: '2026-03-29T04:00:00Z',
    keep: ['20260329T033000Z', '20260328T233000Z'],
    remove: ['20260329T023000Z', '20260329T013000Z', '20260329T003000Z', '20260328T223000Z'],
  },
  {
    title: 'autumn DST, hourly sets: keepDaily 2 + keepHourly 3',
    sets: AUTUMN,
    policy: { keepDaily: 2, keepHourly: 3 },
    now: '2026-10-27T00:00:00Z',
    keep: ['20261026T230000Z', '20261026T220000Z', '20261026T210000Z', '20261025T230000Z'],
    remove: 'rest',
    removeCount: 68,
    reasons: {
      '20261026T230000Z': ['hourly #1 (2026-10-26T23)', 'daily #1 (2026-10-26)', 'newest complete set'],
      '20261025T230000Z': ['daily #2 (2026-10-25)'],
    },
  },
  {
    // 00:30Z and 01:30Z are both 02:30 in Berlin (CEST, then CET): bucketing by local time would merge them.
    title: 'autumn DST: the repeated local hour is two UTC hours (keepHourly 3)',
    sets: [
      '20261024T223000Z',
      '20261024T233000Z',
      '20261025T003000Z',
      '20261025T013000Z',
      '20261025T023000Z',
    ].map(c),
    policy: { keepHourly: 3 },
    now: '2026-10-25T02:45:00Z',
    keep: ['20261025T023000Z', '20261025T013000Z', '20261025T003000Z'],
    remove: ['20261024T233000Z', '20261024T223000Z'],
    reasons: {
      '20261025T013000Z': ['hourly #2 (2026-10-25T01)'],
      '20261025T003000Z': ['hourly #3 (2026-10-25T00)'],
    },
  },
  {
    title: 'autumn DST: keepWithin 3h is three real hours across the switch',
    sets: [
      '20261024T223000Z',
      '20261024T233000Z',
      '20261025T003000Z',
      '20261025T013000Z',
      '20261025T023000Z',
    ].map(c),
    policy: { keepWithin: 3 * H },
    now: '2026-10-25T02:45:00Z',
    keep: ['20261025T023000Z', '20261025T013000Z', '20261025T003000Z'],
    remove: ['20261024T233000Z', '20261024T223000Z'],
    reasons: { '20261025T003000Z': ['within 3h'] },
  },
  // --- year boundaries and ISO weeks ---
  {
    title: 'year boundary: keepWeekly 4 through 2026-W53',
    sets: NEW_YEAR,
    policy: { keepWeekly: 4 },
    now: '2027-01-10T18:00:00Z',
    keep: ['20270110T120000Z', '20270103T120000Z', '20261227T120000Z', '20261220T120000Z'],
    remove: 'rest',
    removeCount: 18,
    reasons: {
      '20270110T120000Z': ['weekly #1 (2027-W01)', 'newest complete set'],
      '20270103T120000Z': ['weekly #2 (2026-W53)'],
      '20261227T120000Z': ['weekly #3 (2026-W52)'],
      '20261220T120000Z': ['weekly #4 (2026-W51)'],
    },
  },
  {
    title: 'year boundary: keepYearly 3 keeps 2026-12-31 for 2026',
    sets: NEW_YEAR,
    policy: { keepYearly: 3 },
    now: '2027-01-10T18:00:00Z',
    keep: ['20270110T120000Z', '20261231T120000Z'],
    remove: 'rest',
    removeCount: 20,
    reasons: { '20261231T120000Z': ['yearly #2 (2026)'] },
  },
  {
    title: 'year boundary: keepWeekly 2 + keepMonthly 2 (2027-01-03 is in 2026-W53, month 2027-01)',
    sets: NEW_YEAR,
    policy: { keepWeekly: 2, keepMonthly: 2 },
    now: '2027-01-10T18:00:00Z',
    keep: ['20270110T120000Z', '20270103T120000Z', '20261231T120000Z'],
    remove: 'rest',
    removeCount: 19,
    reasons: {
      '20270110T120000Z': ['weekly #1 (2027-W01)', 'monthly #1 (2027-01)', 'newest complete set'],
      '20270103T120000Z': ['weekly #2 (2026-W53)'],
      '20261231T120000Z': ['monthly #2 (2026-12)'],
    },
  },
  {
    title: 'year boundary: keepDaily 3 around midnight of 2026-12-31',
    sets: [
      '20261230T230000Z',
      '20261231T120000Z',
      '20261231T235959Z',
      '20270101T000000Z',
      '20270101T001500Z',
    ].map(c),
    policy: { keepDaily: 3 },
    now: '2027-01-01T00:30:00Z',
    keep: ['20270101T001500Z', '20261231T235959Z', '20261230T230000Z'],
    remove: ['20270101T000000Z', '20261231T120000Z'],
  },
  {
    title: 'ISO week-year: 2025-12-31 is in 2026-W01 for keepWeekly but in 2025 for keepYearly',
    sets: WEEK_YEAR,
    policy: { keepWeekly: 3, keepYearly: 2 },
    now: '2026-01-06T18:00:00Z',
    keep: ['20260106T120000Z', '20260104T120000Z', '20251231T120000Z', '20251228T120000Z'],
    remove: [
      '20260105T120000Z',
      '20260103T120000Z',
      '20260102T120000Z',
      '20260101T120000Z',
      '20251230T120000Z',
      '20251229T120000Z',
      '20251227T120000Z',
      '20251226T120000Z',
    ],
    reasons: {
      '20260106T120000Z': ['weekly #1 (2026-W02)', 'yearly #1 (2026)', 'newest complete set'],
      '20260104T120000Z': ['weekly #2 (2026-W01)'],
      '20251231T120000Z': ['yearly #2 (2025)'],
      '20251228T120000Z': ['weekly #3 (2025-W52)'],
    },
  },
  // --- several sets per period ---
  {
    title: 'several sets in one hour: keepHourly 2 keeps the newest of each hour',
    sets: ['20261122T100500Z', '20261122T104500Z', '20261122T111000Z', '20261122T095900Z'].map(c),
    policy: { keepHourly: 2 },
    now: NOW_A,
    keep: ['20261122T111000Z', '20261122T104500Z'],
    remove: ['20261122T100500Z', '20261122T095900Z'],
  },
  {
    title: 'several sets in one hour: keepHourly 3 reaches the previous hour',
    sets: ['20261122T100500Z', '20261122T104500Z', '20261122T111000Z', '20261122T095900Z'].map(c),
    policy: { keepHourly: 3 },
    now: NOW_A,
    keep: ['20261122T111000Z', '20261122T104500Z', '20261122T095900Z'],
    remove: ['20261122T100500Z'],
  },
  {
    title: 'periods without sets are skipped, not counted (keepDaily 3 over a gap)',
    sets: ['20261122T031500Z', '20261110T031500Z', '20261101T031500Z', '20261031T031500Z'].map(c),
    policy: { keepDaily: 3 },
    now: NOW_A,
    keep: ['20261122T031500Z', '20261110T031500Z', '20261101T031500Z'],
    remove: ['20261031T031500Z'],
  },
  // --- incomplete sets and the grace period ---
  {
    title: 'incomplete: 26 h old removed, 1 h old left alone (default grace 24 h)',
    sets: MIXED,
    policy: { keepLast: 1 },
    now: NOW_A,
    keep: [A22],
    remove: ['20261121T100000Z', A21, A20],
    ignored: ['20261122T110000Z'],
    removeReasons: {
      '20261121T100000Z': 'incomplete (no manifest), older than the 1d grace period (age 1d2h)',
    },
    ignoredReasons: {
      '20261122T110000Z':
        'incomplete (no manifest), within the 1d grace period (age 1h): a run may still be in progress',
    },
  },
  {
    title: 'incomplete: grace 48 h leaves both alone',
    sets: MIXED,
    policy: { keepLast: 1 },
    now: NOW_A,
    graceMs: 48 * H,
    keep: [A22],
    remove: [A21, A20],
    ignored: ['20261122T110000Z', '20261121T100000Z'],
  },
  {
    title: 'incomplete: grace 0 removes both',
    sets: MIXED,
    policy: { keepLast: 1 },
    now: NOW_A,
    graceMs: 0,
    keep: [A22],
    remove: ['20261122T110000Z', '20261121T100000Z', A21, A20],
  },
  {
    title: 'incomplete: exactly 24 h old is left alone, 24 h + 1 s is removed',
    sets: [c(A22), inc('20261121T120000Z'), inc('20261121T115959Z')],
    policy: { keepLast: 5 },
    now: NOW_A,
    keep: [A22],
    remove: ['20261121T115959Z'],
    ignored: ['20261121T120000Z'],
  },
  {
    title: 'incomplete sets never take a period: keepDaily 2',
    sets: [c(A22), inc('20261121T230000Z'), c(A21), c(A20)],
    policy: { keepDaily: 2 },
    now: NOW_A,
    keep: [A22, A21],
    remove: [A20],
    ignored: ['20261121T230000Z'],
  },
  {
    title: 'only incomplete sets: nothing kept, the stale one removed',
    sets: [inc('20261122T110000Z'), inc('20261120T000000Z')],
    policy: { keepLast: 3 },
    now: NOW_A,
    keep: [],
    remove: ['20261120T000000Z'],
    ignored: ['20261122T110000Z'],
  },
  // --- the newest complete set is always kept ---
  {
    title: 'keepWithin 1h keeps nothing, but the newest complete set stays',
    sets: A,
    policy: { keepWithin: H },
    now: NOW_A,
    keep: [A22],
    remove: [A21, A20, A19, A18, A17, A16, A15, A14, A13],
    reasons: { [A22]: ['newest complete set'] },
  },
  {
    title: 'the newest complete set stays even when newer incomplete sets exist',
    sets: [c('20261101T000000Z'), c('20261025T000000Z'), inc('20261122T110000Z'), inc('20261120T000000Z')],
    policy: { keepWithin: D },
    now: NOW_A,
    keep: ['20261101T000000Z'],
    remove: ['20261120T000000Z', '20261025T000000Z'],
    ignored: ['20261122T110000Z'],
    reasons: { '20261101T000000Z': ['newest complete set'] },
  },
  // --- clock skew ---
  {
    title: 'a complete set in the future is kept and does not count for keepLast',
    sets: [c('20261123T000000Z'), c(A22), c(A21), c(A20)],
    policy: { keepLast: 1 },
    now: NOW_A,
    keep: ['20261123T000000Z', A22],
    remove: [A21, A20],
    reasons: {
      '20261123T000000Z': ['in the future by 12h (clock skew?): kept, not counted by the policy'],
      [A22]: ['last #1', 'newest complete set'],
    },
  },
  {
    title: 'an incomplete set in the future is left alone',
    sets: [inc('20261124T000000Z'), c(A22), c(A21)],
    policy: { keepLast: 1 },
    now: NOW_A,
    keep: [A22],
    remove: [A21],
    ignored: ['20261124T000000Z'],
    ignoredReasons: {
      '20261124T000000Z': 'incomplete (no manifest) and 1d12h in the future (clock skew?): left alone',
    },
  },
  {
    title: 'a set exactly at now is not in the future',
    sets: [c('20261122T120000Z'), c(A22)],
    policy: { keepLast: 1 },
    now: NOW_A,
    keep: ['20261122T120000Z'],
    remove: [A22],
    reasons: { '20261122T120000Z': ['last #1', 'newest complete set'] },
  },
  // --- equal times: ties broken by name, descending ---
  {
    title: 'two sets with the same time: keepLast 1 keeps the greater name',
    sets: [
      { name: 'set-a', time: at(A22), complete: true },
      { name: 'set-b', time: at(A22), complete: true },
      { name: 'set-c', time: at(A21), complete: true },
    ],
    policy: { keepLast: 1 },
    now: NOW_A,
    keep: ['set-b'],
    remove: ['set-a', 'set-c'],
  },
  {
    title: 'two sets with the same time: keepDaily 2 takes one per day',
    sets: [
      { name: 'set-c', time: at(A21), complete: true },
      { name: 'set-a', time: at(A22), complete: true },
      { name: 'set-b', time: at(A22), complete: true },
    ],
    policy: { keepDaily: 2 },
    now: NOW_A,
    keep: ['set-b', 'set-c'],
    remove: ['set-a'],
  },
];

/** A fixed permutation (no randomness in tests): interleave from both ends. */
function scramble<T>(xs: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0, j = xs.length - 1; i <= j; i++, j--) {
    out.push(xs[j] as T);
    if (i !== j) out.push(xs[i] as T);
  }
  return out;
}

const names = (xs: readonly { name: string }[]): string[] => xs.map((x) => x.name);

describe('applyRetention golden cases', () => {
  it('has at least 25 policy cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((k) => [k.title, k] as const))('%s', (_title, k) => {
    const now = new Date(k.now);
    const opts = k.graceMs === undefined ? {} : { incompleteGraceMs: k.graceMs };
    const r = applyRetention(k.sets, k.policy, now, opts);

    expect(names(r.keep)).toEqual(k.keep);
    expect(names(r.ignoredIncomplete)).toEqual(k.ignored ?? []);
    if (k.remove === 'rest') {
      const expected = [...k.sets]
        .map((s) => s.name)
        .filter((n) => !k.keep.includes(n) && !(k.ignored ?? []).includes(n))
        .sort()
        .reverse();
      expect(names(r.remove)).toEqual(expected);
      expect(r.remove).toHaveLength(k.removeCount ?? -1);
    } else {
      expect(names(r.remove)).toEqual(k.remove);
    }

    // Every set lands in exactly one list.
    const all = [...names(r.keep), ...names(r.remove), ...names(r.ignoredIncomplete)];
    expect(all.sort()).toEqual(k.sets.map((s) => s.name).sort());

    for (const [name, reasons] of Object.entries(k.reasons ?? {}))
      expect(r.keep.find((x) => x.name === name)?.reasons, name).toEqual(reasons);
    for (const [name, reason] of Object.entries(k.removeReasons ?? {}))
      expect(r.remove.find((x) => x.name === name)?.reason, name).toBe(reason);
    for (const [name, reason] of Object.entries(k.ignoredReasons ?? {}))
      expect(r.ignoredIncomplete.find((x) => x.name === name)?.reason, name).toBe(reason);
    for (const kept of r.keep) expect(kept.reasons.length, kept.name).toBeGreaterThan(0);

    // The input order does not matter, and the input is not modified.
    const before = k.sets.map((s) => s.name);
    expect(applyRetention([...k.sets].reverse(), k.policy, now, opts)).toEqual(r);
    expect(applyRetention(scramble(k.sets), k.policy, now, opts)).toEqual(r);
    expect(k.sets.map((s) => s.name)).toEqual(before);
  });
});

describe('applyRetention and the host time zone', () => {
  it('gives the same results under Europe/Berlin, America/New_York and Australia/Lord_Howe', () => {
    const original = process.env.TZ;
    const run = (): RetentionResult[] =>
      cases.map((k) =>
        applyRetention(
          k.sets,
          k.policy,
          new Date(k.now),
          k.graceMs === undefined ? {} : { incompleteGraceMs: k.graceMs },
        ),
      );
    try {
      process.env.TZ = 'UTC';
      const utc = run();
      for (const tz of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe']) {
        process.env.TZ = tz;
        // Node applies a TZ change at once; prove it took effect before trusting the comparison.
        expect(new Date('2026-07-01T00:00:00Z').getTimezoneOffset(), tz).not.toBe(0);
        expect(run(), tz).toEqual(utc);
      }
    } finally {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    }
  });
});

describe('applyRetention safety rails and input checks', () => {
  const now = new Date(NOW_A);

  it.each([
    ['{}', {}],
    [
      'every rule 0',
      { keepLast: 0, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 },
    ],
    ['keepWithin 0', { keepWithin: 0 }],
    ['undefined values', { keepLast: undefined, keepWithin: undefined }],
  ] satisfies [string, RetentionPolicy][])('refuses an empty policy: %s', (_t, policy) => {
    expect(() => applyRetention(A, policy, now)).toThrow(RetentionPolicyError);
    expect(() => applyRetention(A, policy, now)).toThrow(/refusing to prune with an empty retention policy/);
    // Even with no sets at all: the policy is wrong whatever the listing.
    expect(() => applyRetention([], policy, now)).toThrow(/empty retention policy/);
  });

  it.each([
    [{ keepDaily: -1 }, /keepDaily must be a whole number ≥ 0, got -1/],
    [{ keepLast: 1.5 }, /keepLast must be a whole number ≥ 0, got 1.5/],
    [{ keepWeekly: Number.NaN }, /keepWeekly/],
    [{ keepYearly: Number.POSITIVE_INFINITY }, /keepYearly/],
    [{ keepWithin: -1 }, /keepWithin must be a duration ≥ 0 ms, got -1/],
    [{ keepWithin: Number.NaN }, /keepWithin/],
  ] satisfies [RetentionPolicy, RegExp][])('rejects %j', (policy, message) => {
    expect(() => applyRetention(A, policy, now)).toThrow(message);
  });

  it('rejects duplicate names, invalid times, an invalid now and a bad grace period', () => {
    expect(() => applyRetention([c(A22), c(A22)], { keepLast: 1 }, now)).toThrow(/listed twice/);
    expect(() =>
      applyRetention([{ name: 'x', time: new Date(Number.NaN), complete: true }], { keepLast: 1 }, now),
    ).toThrow(/invalid time/);
    expect(() => applyRetention(A, { keepLast: 1 }, new Date(Number.NaN))).toThrow(/now/);
    expect(() => applyRetention(A, { keepLast: 1 }, now, { incompleteGraceMs: -1 })).toThrow(
      /incompleteGraceMs/,
    );
  });

  it('keeps the newest complete set whatever the policy', () => {
    const policies: RetentionPolicy[] = [
      { keepWithin: 1 },
      { keepHourly: 1 },
      { keepDaily: 1 },
      { keepWeekly: 1 },
      { keepMonthly: 1 },
      { keepYearly: 1 },
      { keepLast: 1 },
    ];
    for (const policy of policies) {
      for (const sets of [A, B, SPRING, NEW_YEAR, MIXED]) {
        const newest = sets
          .filter((s) => s.complete)
          .map((s) => s.name)
          .sort()
          .at(-1);
        const r = applyRetention(sets, policy, new Date('2027-06-01T00:00:00Z'));
        expect(names(r.keep), JSON.stringify(policy)).toContain(newest);
        expect(r.keep.find((k) => k.name === newest)?.reasons).toContain('newest complete set');
      }
    }
  });

  it('defaults the grace period to 24 hours', () => {
    expect(DEFAULT_INCOMPLETE_GRACE_MS).toBe(24 * H);
  });

  it('an empty listing gives an empty result', () => {
    expect(applyRetention([], { keepLast: 3 }, now)).toEqual({ keep: [], remove: [], ignoredIncomplete: [] });
  });
});

describe('isEmptyRetentionPolicy', () => {
  it.each([
    [{}, true],
    [{ keepLast: 0, keepWithin: 0 }, true],
    [{ keepLast: 1 }, false],
    [{ keepYearly: 1 }, false],
    [{ keepWithin: 1 }, false],
  ] satisfies [RetentionPolicy, boolean][])('%j → %s', (policy, empty) => {
    expect(isEmptyRetentionPolicy(policy)).toBe(empty);
  });
});

describe('isoWeek', () => {
  it.each([
    ['2026-01-01T00:00:00Z', 2026, 1], // a Thursday: week 1 of 2026
    ['2025-12-29T00:00:00Z', 2026, 1], // Monday of 2026-W01
    ['2025-12-28T23:59:59Z', 2025, 52],
    ['2026-11-22T03:15:00Z', 2026, 47],
    ['2026-12-28T00:00:00Z', 2026, 53],
    ['2026-12-31T23:59:59Z', 2026, 53],
    ['2027-01-03T23:59:59Z', 2026, 53], // Sunday, still 2026-W53
    ['2027-01-04T00:00:00Z', 2027, 1],
    ['2020-12-31T12:00:00Z', 2020, 53], // 2020: a leap year starting on Wednesday
    ['2021-01-03T12:00:00Z', 2020, 53],
    ['2024-12-30T12:00:00Z', 2025, 1],
    ['2008-12-29T12:00:00Z', 2009, 1],
    ['2010-01-03T12:00:00Z', 2009, 53],
    ['1969-12-31T12:00:00Z', 1970, 1], // before the epoch (floor, not truncation)
  ])('%s → %i-W%i', (iso, year, week) => {
    expect(isoWeek(new Date(iso))).toEqual({ year, week });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1500, '1s500ms'],
    [90 * 60_000, '1h30m'],
    [D, '1d'],
    [36 * H, '1d12h'],
    [7 * D, '7d'],
    [-H, '-1h'],
  ])('%i → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('describeRetention', () => {
  it('prints one line per set, newest first, then a summary', () => {
    const r = applyRetention(MIXED, { keepLast: 1 }, new Date(NOW_A));
    expect(describeRetention(r)).toEqual([
      'leave   20261122T110000Z  incomplete (no manifest), within the 1d grace period (age 1h): a run may still be in progress',
      'keep    20261122T031500Z  last #1, newest complete set',
      'remove  20261121T100000Z  incomplete (no manifest), older than the 1d grace period (age 1d2h)',
      'remove  20261121T031500Z  not kept by any rule',
      'remove  20261120T031500Z  not kept by any rule',
      '1 set to keep, 3 to remove, 1 incomplete set left alone',
    ]);
  });

  it('summarises an empty result', () => {
    const empty: RetentionResult = { keep: [], remove: [], ignoredIncomplete: [] };
    expect(describeRetention(empty)).toEqual(['0 sets to keep, 0 to remove, 0 incomplete sets left alone']);
  });
});
