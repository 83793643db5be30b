import { describe, expect, it } from 'vitest';
import {
  decodeNamePart,
  encodeNamePart,
  formatSetName,
  isOurObjectName,
  isSetName,
  MANIFEST_NAME,
  objectName,
  parseObjectName,
  parseSetName,
  PARTIAL_SUFFIX,
  type Compression,
  type ObjectSource,
} from '../../../src/domain/index.ts';

describe('formatSetName / parseSetName', () => {
  it.each([
    [Date.UTC(2026, 10, 22, 3, 15, 0), '20261122T031500Z'],
    [Date.UTC(2026, 10, 22, 3, 15, 0, 999), '20261122T031500Z'], // milliseconds truncated
    [Date.UTC(2027, 0, 1, 0, 0, 0), '20270101T000000Z'],
    [Date.UTC(2024, 1, 29, 23, 59, 59), '20240229T235959Z'],
    [Date.UTC(1999, 11, 31, 23, 59, 59), '19991231T235959Z'],
  ])('%i → %s (UTC) and back', (ms, name) => {
    expect(formatSetName(new Date(ms))).toBe(name);
    expect(parseSetName(name)?.getTime()).toBe(Math.floor(ms / 1000) * 1000);
    expect(isSetName(name)).toBe(true);
  });

  it('round-trips years below 100 (no 19xx mapping)', () => {
    const d = new Date(0);
    d.setUTCFullYear(50, 0, 2);
    expect(formatSetName(d)).toBe('00500102T000000Z');
    expect(parseSetName('00500102T000000Z')?.getUTCFullYear()).toBe(50);
  });

  it('is independent of the host time zone', () => {
    const original = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati'; // UTC+14
      expect(new Date(0).getTimezoneOffset()).not.toBe(0);
      expect(formatSetName(new Date('2026-11-22T23:30:00Z'))).toBe('20261122T233000Z');
      expect(parseSetName('20261122T233000Z')?.toISOString()).toBe('2026-11-22T23:30:00.000Z');
    } finally {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    }
  });

  it.each([
    '',
    '20261122T031500', // no Z
    '20261122t031500Z',
    '20261122T031500z',
    '2026-11-22T03:15:00Z',
    '20261122T031500.000Z',
    ' 20261122T031500Z',
    '20261122T031500Z ',
    '20261122T031500Z/',
    '+20261122T031500Z',
    '202611220T31500Z',
    '20261131T000000Z', // 31 November
    '20260229T000000Z', // 2026 is not a leap year
    '20261300T000000Z',
    '20261100T000000Z',
    '20261122T240000Z',
    '20261122T236000Z',
    '20261122T235960Z', // no leap seconds
    '２0261122T031500Z', // full-width digit
    'latest',
  ])('rejects %j', (name) => {
    expect(parseSetName(name)).toBeUndefined();
    expect(isSetName(name)).toBe(false);
  });

  it('refuses to format an invalid Date or a year beyond 9999', () => {
    expect(() => formatSetName(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => formatSetName(new Date(Date.UTC(10000, 0, 1)))).toThrow(RangeError);
  });

  it('sorts chronologically as plain strings', () => {
    const times = [Date.UTC(2026, 0, 2), Date.UTC(2025, 11, 31, 23, 59, 59), Date.UTC(2026, 9, 1)];
    const sortedByName = times.map((t) => formatSetName(new Date(t))).sort();
    expect(sortedByName).toEqual(['20251231T235959Z', '20260102T000000Z', '20261001T000000Z']);
  });
});

describe('encodeNamePart / decodeNamePart', () => {
  it.each([
    ['wp', 'wp'],
    ['db.name_1-2', 'db.name_1-2'],
    ['my db', 'my%20db'],
    ['a%b', 'a%25b'],
    ['a/b', 'a%2Fb'],
    ['..', '..'],
    ['ünï', '%C3%BCn%C3%AF'],
    ['日本', '%E6%97%A5%E6%9C%AC'],
    ['🎉', '%F0%9F%8E%89'],
    ['\uFEFFbom', '%EF%BB%BFbom'],
    ['tab\there', 'tab%09here'],
  ])('%j ↔ %s', (raw, encoded) => {
    expect(encodeNamePart(raw)).toBe(encoded);
    expect(decodeNamePart(encoded)).toBe(raw);
  });

  it.each([
    ['', 'empty'],
    ['lone \uD800 surrogate', 'not reversible'],
  ])('refuses %j (%s)', (raw) => {
    expect(() => encodeNamePart(raw)).toThrow(RangeError);
  });

  it.each([
    'a b', // unencoded space
    '%41', // canonical form of A is A
    '%c3%bc', // lower-case hex
    '%FF', // not UTF-8
    '%C3', // truncated UTF-8
    '%2', // truncated escape
    '%zz',
    '',
  ])('decodeNamePart rejects %j', (part) => {
    expect(decodeNamePart(part)).toBeUndefined();
  });
});

describe('objectName / parseObjectName', () => {
  it.each([
    [{ kind: 'mysql', database: 'wp' }, 'zstd', false, 'db-wp.sql.zst'],
    [{ kind: 'mysql', database: 'wp' }, 'gzip', false, 'db-wp.sql.gz'],
    [{ kind: 'mysql', database: 'wp' }, 'none', false, 'db-wp.sql'],
    [{ kind: 'mysql', database: 'wp' }, 'zstd', true, 'db-wp.sql.zst.age'],
    [{ kind: 'mysql', database: 'my shop' }, 'none', true, 'db-my%20shop.sql.age'],
    [{ kind: 'mysql', database: 'a.sql' }, 'zstd', false, 'db-a.sql.sql.zst'],
    [{ kind: 'directory', label: 'site' }, 'zstd', false, 'files-site.tar.zst'],
    [{ kind: 'directory', label: 'site' }, 'gzip', true, 'files-site.tar.gz.age'],
    [{ kind: 'directory', label: 'wp-content' }, 'none', false, 'files-wp-content.tar'],
    [{ kind: 'sqlite', label: 'app' }, 'zstd', false, 'sqlite-app.db.zst'],
    [{ kind: 'sqlite', label: 'app.db' }, 'none', true, 'sqlite-app.db.db.age'],
    [{ kind: 'command', label: 'redis' }, 'gzip', false, 'cmd-redis.out.gz'],
  ] satisfies [ObjectSource, Compression, boolean, string][])(
    '%j %s encrypted=%s → %s',
    (source, compression, encrypted, name) => {
      expect(objectName(source, compression, encrypted)).toBe(name);
      expect(parseObjectName(name)).toEqual({ source, compression, encrypted });
      expect(isOurObjectName(name)).toBe(true);
      expect(isOurObjectName(`${name}${PARTIAL_SUFFIX}`)).toBe(true);
    },
  );

  it('round-trips every kind × compression × encryption for awkward names', () => {
    const ids = ['wp', 'my db', '%', 'ä/ö', '-', '.hidden', 'a.tar', '日本語', 'x'.repeat(64)];
    for (const id of ids) {
      for (const compression of ['zstd', 'gzip', 'none'] as const) {
        for (const encrypted of [false, true]) {
          for (const source of [
            { kind: 'mysql', database: id },
            { kind: 'directory', label: id },
            { kind: 'sqlite', label: id },
            { kind: 'command', label: id },
          ] satisfies ObjectSource[]) {
            const name = objectName(source, compression, encrypted);
            expect(name, name).toMatch(/^[A-Za-z0-9_.%-]+$/);
            expect(parseObjectName(name), name).toEqual({ source, compression, encrypted });
          }
        }
      }
    }
  });

  it('refuses an empty database name or label', () => {
    expect(() => objectName({ kind: 'mysql', database: '' }, 'zstd', false)).toThrow(RangeError);
    expect(() => objectName({ kind: 'directory', label: '' }, 'zstd', false)).toThrow(RangeError);
    expect(() => objectName({ kind: 'sqlite', label: '' }, 'zstd', false)).toThrow(RangeError);
  });
});

describe('isOurObjectName', () => {
  it.each([MANIFEST_NAME, `${MANIFEST_NAME}.partial`, 'db-wp.sql', 'files-a.tar.zst.age.partial'])(
    'accepts %s',
    (name) => {
      expect(isOurObjectName(name)).toBe(true);
    },
  );

  it.each([
    'db-wp.tar.zst', // db objects are .sql
    'files-x.sql', // directory objects are .tar
    'sqlite-x.sql.zst', // sqlite objects are .db
    'db-x.db',
    'files-x.db.zst',
    'sqlite-.db',
    'cmd-x.db',
    'cmd-x.sql.zst',
    'db-.sql',
    'db-wp.sql.xz',
    'db-wp.sql.age.zst', // encryption comes last
    'db-wp.sql.zst.bak',
    'db-wp.sql.zst.partial.partial',
    'db-a b.sql',
    'db-%41.sql',
    'db-%FF.sql',
    'db-%zz.sql',
    'manifest.json.bak',
    'Manifest.json',
    '.partial',
    'notes.txt',
    '20261122T031500Z',
    '../db-wp.sql',
  ])('rejects %s', (name) => {
    expect(isOurObjectName(name)).toBe(false);
  });
});
