/** The dump user's grants on a database (doctor <job>): batch output parsed, steps decided, table-driven. */
import { describe, expect, it } from 'vitest';
import { parsePrivilegeRows, privilegeSql, privilegeSteps } from '../../../src/doctor/index.ts';

const U = "'backup'@'…'";
const FULL_DB = [
  'G\tPROCESS\t',
  'D\tSELECT\t',
  'D\tSHOW VIEW\t',
  'D\tTRIGGER\t',
  'D\tEVENT\t',
  'D\tLOCK TABLES\t',
];
const OBJECTS = ['O\tBASE TABLE\titems', 'O\tBASE TABLE\torders', 'O\tVIEW\trecent'];

describe('privilegeSteps', () => {
  it.each([
    [
      'database-level grants: all there',
      [...FULL_DB, ...OBJECTS],
      [
        {
          ok: true,
          detail: 'SELECT, SHOW VIEW, TRIGGER and EVENT on all 2 table(s) and 1 view(s) it can see',
        },
      ],
    ],
    [
      'database-level grants without SELECT, SELECT on items only: orders and the view dumped empty',
      ['G\tPROCESS\t', 'D\tSHOW VIEW\t', 'D\tTRIGGER\t', 'D\tEVENT\t', 'T\tSELECT\titems', ...OBJECTS],
      [
        {
          ok: false,
          detail:
            'SELECT is missing on orders, recent: mariadb-dump writes their structure without rows and exits 0',
        },
        { ok: 'warn', detail: /^SELECT is granted table by table \(items, orders\)/ },
      ],
    ],
    [
      'table grants only: SELECT per table (warning), no EVENT (✗)',
      ['G\tPROCESS\t', 'T\tSELECT\titems', 'T\tTRIGGER\titems', 'O\tBASE TABLE\titems'],
      [
        { ok: 'warn', detail: /^SELECT is granted table by table \(items\)/ },
        { ok: false, detail: /^EVENT is missing/ },
      ],
    ],
    [
      'no SHOW VIEW, no TRIGGER, no PROCESS',
      ['D\tSELECT\t', 'D\tEVENT\t', ...OBJECTS],
      [
        { ok: false, detail: 'SHOW VIEW is missing on the views recent: the dump fails' },
        { ok: false, detail: 'TRIGGER is missing on items, orders: their triggers are not dumped' },
        { ok: 'warn', detail: /^PROCESS is not granted/ },
      ],
    ],
    [
      'sees nothing',
      ['G\tPROCESS\t', 'D\tEVENT\t'],
      [{ ok: false, detail: 'the dump user sees no table in shop: nothing of it would be dumped' }],
    ],
  ] as const)('%s', (_t, lines, expected) => {
    const steps = privilegeSteps('shop', U, parsePrivilegeRows(lines.join('\n')));
    expect(steps.map((s) => s.ok)).toEqual(expected.map((e) => e.ok));
    steps.forEach((step, i) => {
      const detail: string | RegExp = expected[i]!.detail;
      if (typeof detail === 'string') expect(step.detail).toBe(detail);
      else expect(step.detail).toMatch(detail);
    });
  });

  it('says the GRANT to run, with the database quoted', () => {
    const [step] = privilegeSteps('we`ird', U, parsePrivilegeRows(['G\tPROCESS\t', 'D\tEVENT\t'].join('\n')));
    expect(step?.hint).toBe(
      "GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON `we``ird`.* TO 'backup'@'…';",
    );
  });
});

describe('privilegeSql', () => {
  it('quotes the database name as a string literal', () => {
    expect(privilegeSql("a'b\\c")).toContain("TABLE_SCHEMA = 'a\\'b\\\\c'");
  });
});
