/** Cron shortcuts: table-driven, by equality. */
import { describe, expect, it } from 'vitest';
import { CRON_SHORTCUTS, expandCronShortcut, type CronExpansion } from '../../../src/domain/index.ts';

const cases: [string, CronExpansion][] = [
  ['@hourly', { ok: true, expression: '0 * * * *', shortcut: '@hourly' }],
  ['@daily', { ok: true, expression: '0 0 * * *', shortcut: '@daily' }],
  ['@midnight', { ok: true, expression: '0 0 * * *', shortcut: '@midnight' }],
  ['@weekly', { ok: true, expression: '0 0 * * 0', shortcut: '@weekly' }],
  ['@monthly', { ok: true, expression: '0 0 1 * *', shortcut: '@monthly' }],
  ['@yearly', { ok: true, expression: '0 0 1 1 *', shortcut: '@yearly' }],
  ['@annually', { ok: true, expression: '0 0 1 1 *', shortcut: '@annually' }],
  [' @daily ', { ok: true, expression: '0 0 * * *', shortcut: '@daily' }],
  ['30 3 * * *', { ok: true, expression: '30 3 * * *' }],
  ['  0 30 3 * * 1-5 ', { ok: true, expression: '0 30 3 * * 1-5' }],
  [
    '@reboot',
    {
      ok: false,
      reason:
        '@reboot is not supported: the daemon runs schedules, and catchUpMissed runs a job missed while it was down',
    },
  ],
  [
    '@DAILY',
    {
      ok: false,
      reason:
        'unknown cron shortcut "@DAILY": expected one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually (lower case)',
    },
  ],
  [
    '@daily 3',
    {
      ok: false,
      reason:
        'unknown cron shortcut "@daily 3": expected one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually (lower case)',
    },
  ],
  [
    '@toString',
    {
      ok: false,
      reason:
        'unknown cron shortcut "@toString": expected one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually (lower case)',
    },
  ],
];

describe('expandCronShortcut', () => {
  it.each(cases)('%j', (written, expected) => {
    expect(expandCronShortcut(written)).toEqual(expected);
  });

  it('every shortcut stands for five plain fields', () => {
    for (const expression of Object.values(CRON_SHORTCUTS)) {
      expect(expression.split(' ')).toHaveLength(5);
      expect(expression).not.toMatch(/@/);
    }
  });
});
