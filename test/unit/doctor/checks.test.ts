import { describe, expect, it } from 'vitest';
import { classifyExpiry, classifyPasvAddress, pinLine } from '../../../src/doctor/index.ts';

const day = 86_400_000;
const now = new Date('2026-06-15T12:00:00Z');
const at = (days: number): Date => new Date(now.getTime() + days * day);

describe('classifyExpiry', () => {
  it.each([
    ['valid for a year', at(-10), at(365), 'valid', 365],
    ['exactly 30 days left is still fine', at(-10), at(30), 'valid', 30],
    ['29 days and a bit left warns', at(-10), new Date(at(30).getTime() - 1), 'expiring', 29],
    ['expires later today', at(-10), new Date(now.getTime() + 3600_000), 'expiring', 0],
    ['expired yesterday', at(-100), at(-1), 'expired', -1],
    ['not valid before tomorrow', at(1), at(100), 'not-yet-valid', 100],
  ] as const)('%s', (_what, from, to, state, daysLeft) => {
    expect(classifyExpiry(from, to, now)).toEqual({ state, daysLeft });
  });
});

describe('classifyPasvAddress', () => {
  it.each([
    ['the control address itself', '203.0.113.7', '203.0.113.7', { differs: false, private: false }],
    ['a LAN server naming itself', '192.168.1.20', '192.168.1.20', { differs: false, private: true }],
    [
      'NAT: a private address behind a public one',
      '10.0.0.5',
      '203.0.113.7',
      { differs: true, private: true },
    ],
    ['172.16/12 is private', '172.31.255.1', '203.0.113.7', { differs: true, private: true }],
    ['172.32 is not', '172.32.0.1', '203.0.113.7', { differs: true, private: false }],
    ['another public address', '198.51.100.9', '203.0.113.7', { differs: true, private: false }],
    ['an IPv4-mapped control peer', '127.0.0.1', '::ffff:127.0.0.1', { differs: false, private: true }],
    [
      '0.0.0.0 (a server that did not set its address)',
      '0.0.0.0',
      '203.0.113.7',
      { differs: true, private: true },
    ],
  ] as const)('%s', (_what, pasv, control, expected) => {
    expect(classifyPasvAddress(pasv, control)).toEqual(expected);
  });
});

describe('pinLine', () => {
  it('is the line the destination schema accepts', () => {
    const fp = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');
    expect(pinLine(fp)).toBe(`fingerprint: "sha256:${fp}"`);
  });
});
