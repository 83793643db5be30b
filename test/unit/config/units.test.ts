import { describe, expect, it } from 'vitest';
import { formatDuration, parseByteSize, parseDuration } from '../../../src/config/index.ts';

describe('parseDuration', () => {
  it.each([
    ['0s', 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['10m', 600_000],
    ['3h', 10_800_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1d12h', 129_600_000],
    ['1m30s500ms', 90_500],
    ['120s', 120_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '30 s', ' 30s', '30sec', '1.5h', '-5m', '5M', '30m1h', '1m1m', 'm', '1h 30m'])(
    'refuses %j and says what a duration looks like',
    (text) => {
      expect(() => parseDuration(text)).toThrow(
        /^expected a duration like "30s", "10m" or "1h30m" \(units: ms, s, m, h, d, w\)/,
      );
      expect(() => parseDuration(text)).toThrow(RangeError);
    },
  );

  it('refuses durations beyond the safe integer range', () => {
    expect(() => parseDuration('99999999999999999w')).toThrow(/too large/);
  });
});

describe('parseByteSize', () => {
  it.each([
    ['0B', 0],
    ['512B', 512],
    ['1KiB', 1024],
    ['64MiB', 67_108_864],
    ['2GiB', 2_147_483_648],
    ['1TiB', 1_099_511_627_776],
    ['5KB', 5_000],
    ['64MB', 64_000_000],
    ['1GB', 1_000_000_000],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', '64', '64mb', '64 MiB', '1.5GiB', '-1B', 'MiB', '64Mi'])('refuses %j', (text) => {
    expect(() => parseByteSize(text)).toThrow(/^expected a size like "64MiB" or "1GB"/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [90_500, '1m30s500ms'],
    [5_400_000, '1h30m'],
    [604_800_000 + 3_600_000, '1w1h'],
  ])('%d ms is %s, and parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
