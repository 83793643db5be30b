import { describe, expect, it } from 'vitest';
import { isTimeZone } from '../../../src/config/schema.ts';

describe('isTimeZone', () => {
  it.each([
    ['UTC', true],
    ['Europe/Berlin', true],
    ['America/Argentina/Buenos_Aires', true],
    // aliases are not in Intl.supportedValuesOf('timeZone'): they take the Intl.DateTimeFormat path
    ['Etc/UTC', true],
    ['US/Eastern', true],
    ['Europe/Berln', false],
    ['Mars/Olympus', false],
    ['', false],
    ['  ', false],
  ])('%j → %s', (tz, expected) => {
    expect(isTimeZone(tz)).toBe(expected);
  });
});
