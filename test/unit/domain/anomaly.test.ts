/** findAnomalies: a run's objects against the previous set's manifest, table-driven. */
import { describe, expect, it } from 'vitest';
import {
  findAnomalies,
  MAX_TABLE_FINDINGS,
  shownName,
  type AnomalyThresholds,
  type ManifestObject,
} from '../../../src/domain/index.ts';

const PREV = '20261122T031500Z';

function db(
  database: string,
  counts: Partial<Record<'tables' | 'views' | 'routines' | 'triggers' | 'events', number>>,
  rows?: Record<string, number>,
): ManifestObject {
  return {
    name: `db-${database}.sql.zst`,
    size: 100,
    sha256: 'a'.repeat(64),
    compression: 'zstd',
    encrypted: false,
    source: { kind: 'mysql', database, tables: 0, ...counts, ...(rows !== undefined ? { rows } : {}) },
  };
}

function dir(label: string, files: number, bytes: number): ManifestObject {
  return {
    name: `files-${label}.tar.zst`,
    size: 100,
    sha256: 'b'.repeat(64),
    compression: 'zstd',
    encrypted: false,
    source: { kind: 'directory', label, path: `/srv/${label}`, files, dirs: 1, symlinks: 0, bytes },
  };
}

/** Database shop with 3 tables, 1 view, 2 routines, 1 trigger, 1 event and these rows. */
function shop(rows: Record<string, number>): ManifestObject {
  return db('shop', { tables: 3, views: 1, routines: 2, triggers: 1, events: 1 }, rows);
}

const SHOP = shop({ items: 120, log: 0, orders: 10 });

interface Case {
  title: string;
  previous: ManifestObject[];
  current: ManifestObject[];
  thresholds?: AnomalyThresholds;
  messages: string[];
}

const cases: Case[] = [
  {
    title: 'nothing changed',
    previous: [SHOP, dir('site', 100, 5000)],
    current: [SHOP, dir('site', 100, 5000)],
    messages: [],
  },
  {
    title: 'growth is never a finding',
    previous: [SHOP, dir('site', 100, 5000)],
    current: [
      db(
        'shop',
        { tables: 4, views: 2, routines: 2, triggers: 1, events: 1 },
        { items: 500, log: 3, orders: 11, new: 1 },
      ),
      dir('site', 300, 9000),
    ],
    messages: [],
  },
  {
    title: 'a table the dump user can no longer see: one table fewer, and which',
    previous: [SHOP],
    current: [
      db('shop', { tables: 2, views: 1, routines: 2, triggers: 1, events: 1 }, { items: 120, log: 0 }),
    ],
    messages: [
      `database shop: 2 tables, 1 fewer since set ${PREV} (3)`,
      `database shop: table orders is missing (it had 10 rows in the previous set) since set ${PREV}`,
    ],
  },
  {
    title: 'rows fell to zero (structure dumped without SELECT), and by more than half',
    previous: [SHOP],
    current: [shop({ items: 0, log: 0, orders: 4 })],
    messages: [
      `database shop: table items: rows fell from 120 to 0 since set ${PREV}`,
      `database shop: table orders: rows fell from 10 to 4 (−60%) since set ${PREV}`,
    ],
  },
  {
    title: 'a drop of exactly the threshold is not a finding; a stricter threshold finds it',
    previous: [SHOP],
    current: [shop({ items: 60, log: 0, orders: 10 })],
    messages: [],
  },
  {
    title: 'rowDrop 0.25',
    previous: [SHOP],
    current: [shop({ items: 60, log: 0, orders: 10 })],
    thresholds: { rowDrop: 0.25, folderShrink: 0.5 },
    messages: [`database shop: table items: rows fell from 120 to 60 (−50%) since set ${PREV}`],
  },
  {
    title: 'views, routines, triggers and events each counted',
    previous: [SHOP],
    current: [
      db(
        'shop',
        { tables: 3, views: 0, routines: 0, triggers: 0, events: 0 },
        { items: 120, log: 0, orders: 10 },
      ),
    ],
    messages: [
      `database shop: 0 views, 1 fewer since set ${PREV} (1)`,
      `database shop: 0 routines, 2 fewer since set ${PREV} (2)`,
      `database shop: 0 triggers, 1 fewer since set ${PREV} (1)`,
      `database shop: 0 events, 1 fewer since set ${PREV} (1)`,
    ],
  },
  {
    title: 'rows are compared only when both sets have them',
    previous: [db('shop', { tables: 3 })],
    current: [db('shop', { tables: 3 }, { items: 0 })],
    messages: [],
  },
  {
    title: 'a database and a folder missing',
    previous: [SHOP, dir('site', 10, 10)],
    current: [],
    messages: [
      `database shop is missing: it was in set ${PREV}`,
      `folder site is missing: it was in set ${PREV}`,
    ],
  },
  {
    title: 'a folder with less than half the files and bytes',
    previous: [dir('site', 100, 5000)],
    current: [dir('site', 49, 2499)],
    messages: [
      `folder site: 49 files, 51% fewer since set ${PREV} (100)`,
      `folder site: 2499 bytes of content, 50% less since set ${PREV} (5000)`,
    ],
  },
  {
    title: 'a folder with exactly half is not a finding',
    previous: [dir('site', 100, 5000)],
    current: [dir('site', 50, 2500)],
    messages: [],
  },
  {
    title: 'folderShrink 0.9: ten percent fewer files is a finding',
    previous: [dir('site', 100, 5000)],
    current: [dir('site', 89, 5000)],
    thresholds: { rowDrop: 0.5, folderShrink: 0.9 },
    messages: [`folder site: 89 files, 11% fewer since set ${PREV} (100)`],
  },
  {
    title: 'a table name with control characters is shown escaped',
    previous: [db('shop', { tables: 1 }, { 'evil\u001b[2Jname': 5 })],
    current: [db('shop', { tables: 1 }, { 'evil\u001b[2Jname': 0 })],
    messages: [`database shop: table evil\\x1b[2Jname: rows fell from 5 to 0 since set ${PREV}`],
  },
];

describe('findAnomalies', () => {
  it.each(cases.map((c) => [c.title, c] as const))('%s', (_t, c) => {
    expect(findAnomalies(c.previous, c.current, PREV, c.thresholds).map((a) => a.message)).toEqual(
      c.messages,
    );
  });

  it('names the object of each finding (this run, or the previous set for a missing one)', () => {
    expect(
      findAnomalies([SHOP, dir('site', 10, 10)], [dir('site', 1, 1)], PREV).map((a) => a.object),
    ).toEqual(['db-shop.sql.zst', 'files-site.tar.zst', 'files-site.tar.zst']);
  });

  it('sums up the tables past MAX_TABLE_FINDINGS in one line', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_TABLE_FINDINGS + 5 }, (_, i) => [`t${i}`, 10]));
    const empty = Object.fromEntries(Object.keys(many).map((t) => [t, 0]));
    const found = findAnomalies([db('shop', {}, many)], [db('shop', {}, empty)], PREV);
    expect(found).toHaveLength(MAX_TABLE_FINDINGS + 1);
    expect(found.at(-1)?.message).toBe('database shop: … and 5 more tables shrank');
  });

  it('refuses a threshold outside 0–1', () => {
    expect(() => findAnomalies([], [], PREV, { rowDrop: 2, folderShrink: 0.5 })).toThrow(
      /rowDrop must be 0–1/,
    );
  });
});

describe('shownName', () => {
  it.each([
    ['plain', 'plain'],
    ['a\nb', 'a\\x0ab'],
    ['x'.repeat(150), `${'x'.repeat(97)}...`],
  ])('%j → %j', (name, shown) => {
    expect(shownName(name)).toBe(shown);
  });
});
