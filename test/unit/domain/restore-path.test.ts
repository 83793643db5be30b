/** restore's pure path decisions: which tar names may be extracted, modes, where objects land. */
import { describe, expect, it } from 'vitest';
import { entryPath, firstFew, landingOf, restoredMode } from '../../../src/domain/index.ts';

describe('entryPath', () => {
  it.each([
    ['./', []],
    ['.', []],
    ['./a/', ['a']],
    ['./a/b.txt', ['a', 'b.txt']],
    ['a//b/./c', ['a', 'b', 'c']],
    ['..a/b..', ['..a', 'b..']],
    ['a\\..\\b', ['a\\..\\b']],
  ])('%j → %j', (name, parts) => {
    expect(entryPath(name)).toEqual({ ok: true, parts });
  });

  it.each([
    ['', 'empty name'],
    ['/abs.txt', 'absolute path'],
    ['//x', 'absolute path'],
    ['../escape.txt', 'path contains a ".." component'],
    ['a/../../x', 'path contains a ".." component'],
    ['a/../b', 'path contains a ".." component'],
    ['./..', 'path contains a ".." component'],
    ['a/\u0000b', 'name contains NUL'],
  ])('%j is refused (%s)', (name, reason) => {
    expect(entryPath(name)).toEqual({ ok: false, reason });
  });
});

describe('restoredMode', () => {
  it.each([
    [0o644, false, 0o644],
    [0o4755, false, 0o755],
    [0o2775, false, 0o775],
    [0o1777, false, 0o777],
    [0o4755, true, 0o4755],
    [0o100644, true, 0o644],
    [undefined, false, 0o600],
  ])('%o as root=%s → %o', (mode, root, want) => {
    expect(restoredMode(mode, 0o600, root)).toBe(want);
  });
});

describe('landingOf', () => {
  it.each([
    ['files-site.tar.zst', { kind: 'directory', label: 'site', path: 'site' }],
    ['files-my%20site.tar.gz.age', { kind: 'directory', label: 'my site', path: 'my%20site' }],
    ['db-wp.sql.zst', { kind: 'mysql', database: 'wp', path: 'db-wp.sql' }],
    ['db-wp.sql', { kind: 'mysql', database: 'wp', path: 'db-wp.sql' }],
    ['sqlite-app.db.zst.age', { kind: 'sqlite', label: 'app', path: 'sqlite-app.db' }],
    ['sqlite-my%20app.db', { kind: 'sqlite', label: 'my app', path: 'sqlite-my%20app.db' }],
    ['cmd-redis.out.zst', { kind: 'command', label: 'redis', path: 'cmd-redis.out' }],
  ])('%s → %j', (name, landing) => {
    expect(landingOf(name)).toEqual(landing);
  });

  it.each([
    'manifest.json',
    'sqlite-..db',
    'cmd-..out.zst',
    'files-..tar.zst',
    'files-...tar',
    'files-a/b.tar',
    'other.bin',
  ])('%s has no landing', (name) => {
    expect(landingOf(name)).toBeUndefined();
  });
});

describe('firstFew', () => {
  it('lists a short list whole and a long one with a count', () => {
    expect(firstFew(['a', 'b'])).toBe('a, b');
    expect(firstFew(['a', 'b', 'c', 'd'], 2)).toBe('a, b and 2 more');
  });
});
