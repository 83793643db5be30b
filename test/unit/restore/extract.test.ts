/**
 * extractTar and placeAll on the real file system (a temporary folder): hostile entries refuse the
 * object, special entries are skipped with a warning, setuid bits are stripped unless root, conflicts
 * are all reported before anything moves.
 */
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { tarOf } from '../../support/tar.ts';
import { extractTar, HostileArchiveError, placeAll, PlaceConflictError } from '../../../src/restore/index.ts';

const work = mkdtempSync(join(tmpdir(), 'extract-unit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

async function extractInto(
  tar: Buffer,
  asRoot = false,
): Promise<{ root: string; result: Awaited<ReturnType<typeof run>> }> {
  const root = join(work, `x${n++}`);
  mkdirSync(root);
  const run = async () => {
    const x = extractTar(root, 'files-t.tar', asRoot);
    await pipeline(Readable.from([tar]), x.input);
    return x.done;
  };
  return { root, result: await run() };
}

describe('extractTar', () => {
  it('writes files, folders and symlinks with modes and mtimes; folders are left for later', async () => {
    const mtime = new Date('2020-02-03T04:05:06Z');
    const tar = await tarOf([
      { name: './', type: 'directory', mode: 0o750, mtime },
      { name: './a/', type: 'directory', mode: 0o555, mtime },
      { name: './a/f.txt', body: 'hello', mode: 0o640, mtime },
      { name: './a/run', body: '#!', mode: 0o4755 },
      { name: './l', type: 'symlink', linkname: 'a/f.txt', mtime },
      { name: './h', type: 'link', linkname: './a/f.txt' },
      { name: './p', type: 'fifo' },
    ]);
    const { root, result } = await extractInto(tar);
    expect(readFileSync(join(root, 'a', 'f.txt'), 'utf8')).toBe('hello');
    expect(lstatSync(join(root, 'a', 'f.txt')).mode & 0o7777).toBe(0o640);
    expect(lstatSync(join(root, 'a', 'f.txt')).mtime).toEqual(mtime);
    expect(lstatSync(join(root, 'a', 'run')).mode & 0o7777).toBe(0o755); // setuid stripped
    expect(lstatSync(join(root, 'l')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(root, 'l')).mtime).toEqual(mtime);
    expect(lstatSync(join(root, 'a')).mode & 0o777).toBe(0o700); // writable until placed
    expect(readdirSync(root).sort()).toEqual(['a', 'l']);
    expect(result).toMatchObject({ files: 2, dirs: 1, symlinks: 1, bytes: 7 });
    expect(result.warnings).toEqual([
      'files-t.tar: "./h" is a hard link to "./a/f.txt": skipped',
      'files-t.tar: "./p" is a fifo: skipped',
    ]);
    expect(result.dirMeta.map((d) => [d.parts.join('/'), d.mode.toString(8)])).toEqual([
      ['a', '555'],
      ['', '750'],
    ]);
  });

  it('keeps setuid as root', async () => {
    const { root } = await extractInto(await tarOf([{ name: 'run', body: '#!', mode: 0o4755 }]), true);
    expect(lstatSync(join(root, 'run')).mode & 0o7777).toBe(0o4755);
  });

  it.each([
    ['../up.txt', [{ name: '../up.txt', body: 'x' }], /unsafe entry "\.\.\/up\.txt"/],
    ['absolute', [{ name: '/etc/x', body: 'x' }], /absolute path/],
    [
      'through a symlink',
      [
        { name: 'd', type: 'symlink' as const, linkname: '/tmp' },
        { name: 'd/x/y', body: 'x' },
      ],
      /"d\/x\/y" would be written through the symlink "d"/,
    ],
    [
      'through a file',
      [
        { name: 'f', body: 'x' },
        { name: 'f/y', body: 'x' },
      ],
      /through the non-folder "f"/,
    ],
    [
      'twice',
      [
        { name: 'f', body: 'x' },
        { name: './f', body: 'y' },
      ],
      /"\.\/f" appears twice/,
    ],
    [
      'a folder over a symlink',
      [
        { name: 'd', type: 'symlink' as const, linkname: '/tmp' },
        { name: 'd/', type: 'directory' as const },
      ],
      /"d\/" appears twice/,
    ],
  ])('refuses %s', async (_label, entries, message) => {
    const root = join(work, `x${n++}`);
    mkdirSync(root);
    const x = extractTar(root, 'files-t.tar');
    const fed = pipeline(Readable.from([await tarOf(entries)]), x.input);
    await expect(x.done).rejects.toThrow(HostileArchiveError);
    await expect(x.done).rejects.toThrow(message);
    await expect(fed).rejects.toThrow();
  });
});

describe('placeAll', () => {
  it('reports every conflict and moves nothing; with overwrite replaces them and merges folders', async () => {
    const base = join(work, `p${n++}`);
    const staged = join(base, 'stage', 'site');
    const target = join(base, 'to');
    mkdirSync(join(staged, 'd'), { recursive: true });
    writeFileSync(join(staged, 'a.txt'), 'new a');
    writeFileSync(join(staged, 'd', 'b.txt'), 'new b');
    writeFileSync(join(staged, 'c.txt'), 'new c');
    mkdirSync(join(target, 'site', 'd'), { recursive: true });
    writeFileSync(join(target, 'site', 'a.txt'), 'old a');
    symlinkSync('/etc', join(target, 'site', 'c.txt'));
    writeFileSync(join(target, 'site', 'd', 'mine.txt'), 'mine');
    const item = {
      from: staged,
      to: join(target, 'site'),
      dirMeta: [{ parts: [], mode: 0o751, mtime: undefined }],
    };

    const err = await placeAll([item], target, false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlaceConflictError);
    expect((err as PlaceConflictError).conflicts.sort()).toEqual(['site/a.txt', 'site/c.txt']);
    expect(readFileSync(join(target, 'site', 'a.txt'), 'utf8')).toBe('old a');
    expect(readdirSync(join(target, 'site', 'd'))).toEqual(['mine.txt']);

    expect(await placeAll([item], target, true)).toEqual({ replaced: 2 });
    expect(readFileSync(join(target, 'site', 'a.txt'), 'utf8')).toBe('new a');
    expect(lstatSync(join(target, 'site', 'c.txt')).isFile()).toBe(true);
    expect(readdirSync(join(target, 'site', 'd')).sort()).toEqual(['b.txt', 'mine.txt']);
    expect(lstatSync(join(target, 'site')).mode & 0o777).toBe(0o751);
  });
});
