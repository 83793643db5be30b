import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { extract, pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTarHeader,
  createDirectorySource,
  MAX_USTAR_SIZE,
  nodeDirectoryFs,
  type DirectoryFs,
  type DirectorySourceOptions,
  type DirectorySourceSummary,
  type ReadableFile,
  type SourceSummary,
} from '../../../src/sources/index.ts';

interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string | null;
  content: Buffer;
  pax: Record<string, string> | null;
}

/** Parses a whole archive with tar-stream's extract(). */
async function readTar(data: Buffer): Promise<TarEntry[]> {
  const ex = extract();
  ex.end(data);
  const entries: TarEntry[] = [];
  for await (const entry of ex) {
    const h = entry.header;
    const parts: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) parts.push(chunk);
    const content = Buffer.concat(parts);
    entries.push({
      name: h.name,
      type: h.type,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      size: h.size,
      mtime: h.mtime.getTime() / 1000,
      linkname: h.linkname,
      content,
      pax: (h.pax as Record<string, string> | null) ?? null,
    });
  }
  return entries;
}

function asDirectory(summary: SourceSummary): DirectorySourceSummary {
  if (summary.kind !== 'directory') throw new Error('expected a directory summary');
  return summary;
}

/** Runs a source to the end and returns its archive bytes and summary. */
async function runSource(
  opts: Partial<DirectorySourceOptions> & { path: string },
): Promise<{ data: Buffer; summary: DirectorySourceSummary; warnings: string[] }> {
  const warnings: string[] = [];
  const source = createDirectorySource({ label: 'site', onWarning: (m) => warnings.push(m), ...opts });
  const run = source.open();
  const [data, summary] = await Promise.all([buffer(run.stream), run.done]);
  return { data, summary: asDirectory(summary), warnings };
}

/** Starts a source and collects what happens: the error of its stream and of `done`. */
async function runFailing(
  opts: Partial<DirectorySourceOptions> & { path: string },
): Promise<{ streamError: unknown; doneError: unknown }> {
  const source = createDirectorySource({ label: 'site', ...opts });
  const run = source.open();
  let streamError: unknown;
  run.stream.on('error', (e) => {
    streamError = e;
  });
  run.stream.resume();
  const doneError = await run.done.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { streamError, doneError };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const errno = (code: string): Error => Object.assign(new Error(`${code}: simulated`), { code });

const roots: string[] = [];
function tempDir(prefix = 'dirsrc-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of roots) {
    try {
      chmodSync(dir, 0o755);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Whether chmod 000 stops this process from reading (not for root with CAP_DAC_OVERRIDE). */
function permissionsEnforced(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'perm-probe-'));
  try {
    const probe = join(dir, 'probe');
    writeFileSync(probe, 'x');
    chmodSync(probe, 0);
    try {
      readFileSync(probe);
      return false;
    } catch {
      return true;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('createDirectorySource: a realistic tree', () => {
  const root = tempDir();
  const longDir = `long-dir-${'d'.repeat(90)}`; // 99 bytes
  const longName = `long-name-${'n'.repeat(140)}.txt`; // 154 bytes: needs a PAX path
  const longTarget = `../${'t'.repeat(200)}`;
  const BASE = 1_700_000_000;
  let server: Server;

  beforeAll(async () => {
    const files: [string, string | Buffer, number][] = [
      ['a/b/deep.txt', 'deep\n', 0o644],
      [`a/${longDir}/${longName}`, 'long name content', 0o600],
      ['Grüße/日本語.txt', 'こんにちは 🌸', 0o644],
      ['cache/junk.bin', Buffer.alloc(5000, 1), 0o644],
      ['logs/app.log', 'noise', 0o644],
      ['logs/keep.log', 'kept', 0o644],
      ['private/.nobackup', '', 0o644],
      ['private/secret.txt', 'secret', 0o644],
      ['empty.txt', '', 0o644],
      ['exec.sh', '#!/bin/sh\necho hi\n', 0o755],
      ['readonly.txt', 'ro', 0o400],
      ['setgid-dir/x', 'x', 0o644],
    ];
    for (const [rel, content, mode] of files) {
      const path = join(root, rel);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, content);
      chmodSync(path, mode);
    }
    chmodSync(join(root, 'a'), 0o750);
    chmodSync(join(root, 'setgid-dir'), 0o2775);
    symlinkSync('a/b/deep.txt', join(root, 'link-rel'));
    symlinkSync('/etc/hostname', join(root, 'link-abs'));
    symlinkSync('does/not/exist', join(root, 'dangling'));
    symlinkSync(longTarget, join(root, 'long-link'));
    // a name that is not UTF-8
    writeFileSync(Buffer.concat([Buffer.from(`${root}/bad-name-`), Buffer.from([0xff, 0xfe])]), 'x');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(join(root, 'sock'), resolve));
    // fixed mtimes, children first (creating a child changes its folder's mtime)
    const all = [
      ...files.map(([rel]) => rel),
      'a/b',
      `a/${longDir}`,
      'a',
      'Grüße',
      'cache',
      'logs',
      'private',
      'setgid-dir',
    ];
    all.forEach((rel, i) => utimesSync(join(root, rel), BASE + i, BASE + i));
    ['link-rel', 'link-abs', 'dangling', 'long-link'].forEach((rel, i) =>
      lutimesSync(join(root, rel), BASE + 100 + i, BASE + 100 + i),
    );
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const options = (): DirectorySourceOptions => ({
    label: 'site',
    path: root,
    exclude: ['cache/', '*.log', '!keep.log'],
    excludeIfPresent: '.nobackup',
  });

  it('stores files, folders and symlinks in sorted order, with their metadata', async () => {
    const { data, summary, warnings } = await runSource(options());
    const entries = await readTar(data);
    expect(entries.map((e) => e.name)).toEqual([
      './',
      './Grüße/',
      './Grüße/日本語.txt',
      './a/',
      './a/b/',
      './a/b/deep.txt',
      `./a/${longDir}/`,
      `./a/${longDir}/${longName}`,
      './dangling',
      './empty.txt',
      './exec.sh',
      './link-abs',
      './link-rel',
      './logs/',
      './logs/keep.log',
      './long-link',
      './readonly.txt',
      './setgid-dir/',
      './setgid-dir/x',
    ]);
    for (const entry of entries) {
      const path = join(root, entry.name);
      const st = lstatSync(path);
      expect({ name: entry.name, mode: entry.mode }).toEqual({ name: entry.name, mode: st.mode & 0o7777 });
      expect({ name: entry.name, mtime: entry.mtime }).toEqual({
        name: entry.name,
        mtime: Math.floor(st.mtimeMs / 1000),
      });
      expect(entry.uid).toBe(st.uid);
      expect(entry.gid).toBe(st.gid);
      if (st.isDirectory()) {
        expect(entry.type).toBe('directory');
        expect(entry.size).toBe(0);
      } else if (st.isSymbolicLink()) {
        expect(entry.type).toBe('symlink');
        expect(entry.size).toBe(0);
      } else {
        expect(entry.type).toBe('file');
        expect(entry.size).toBe(st.size);
      }
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('./Grüße/日本語.txt')?.content.toString()).toBe('こんにちは 🌸');
    expect(byName.get(`./a/${longDir}/${longName}`)?.content.toString()).toBe('long name content');
    expect(byName.get('./link-rel')?.linkname).toBe('a/b/deep.txt');
    expect(byName.get('./link-abs')?.linkname).toBe('/etc/hostname');
    expect(byName.get('./dangling')?.linkname).toBe('does/not/exist');
    expect(byName.get('./long-link')?.linkname).toBe(longTarget);
    expect(byName.get('./setgid-dir/')?.mode).toBe(0o2775);
    expect(byName.get('./readonly.txt')?.mode).toBe(0o400);
    // long and non-ASCII names travel in PAX records
    expect(byName.get(`./a/${longDir}/${longName}`)?.pax?.path).toBe(`./a/${longDir}/${longName}`);
    expect(byName.get('./long-link')?.pax?.linkpath).toBe(longTarget);
    expect(byName.get('./Grüße/日本語.txt')?.pax?.path).toBe('./Grüße/日本語.txt');

    expect(summary).toEqual({
      kind: 'directory',
      label: 'site',
      path: root,
      files: 8,
      dirs: 6,
      symlinks: 4,
      bytes: entries.filter((e) => e.type === 'file').reduce((n, e) => n + e.size, 0),
      excluded: 3, // cache/, logs/app.log, private/ (marker)
      warnings: summary.warnings,
    });
    expect(summary.bytes).toBe(5 + 17 + Buffer.byteLength('こんにちは 🌸') + 4 + 0 + 18 + 2 + 1);
    expect(warnings).toEqual(summary.warnings);
    expect(warnings).toHaveLength(2);
    expect(warnings).toContain(`${join(root, 'sock')}: socket skipped`);
    expect(
      warnings.some(
        (w) => w.startsWith(`${root}/bad-name-`) && w.endsWith('name is not valid UTF-8 (skipped)'),
      ),
    ).toBe(true);
  });

  it('writes the same bytes on every run (a factory, deterministic)', async () => {
    const source = createDirectorySource(options());
    const first = source.open();
    const [a] = await Promise.all([buffer(first.stream), first.done]);
    const second = source.open();
    const [b] = await Promise.all([buffer(second.stream), second.done]);
    expect(a.length % 512).toBe(0);
    expect(sha(a)).toBe(sha(b));
  });

  it('archives everything without excludes', async () => {
    const { data, summary } = await runSource({ path: root });
    const names = (await readTar(data)).map((e) => e.name);
    expect(names).toContain('./cache/junk.bin');
    expect(names).toContain('./logs/app.log');
    expect(names).toContain('./private/.nobackup');
    expect(names).toContain('./private/secret.txt');
    expect(summary.excluded).toBe(0);
  });

  it('follows a symlink given as the root', async () => {
    const parent = tempDir();
    symlinkSync(root, join(parent, 'current'));
    const { data } = await runSource({ ...options(), path: join(parent, 'current') });
    const direct = await runSource(options());
    expect(sha(data)).toBe(sha(direct.data));
  });
});

describe('createDirectorySource: options and root errors', () => {
  it('validates its options', () => {
    expect(() => createDirectorySource({ label: '', path: '/tmp' })).toThrow(/label/);
    expect(() => createDirectorySource({ label: 'x', path: 'relative/path' })).toThrow(/absolute/);
    expect(() => createDirectorySource({ label: 'x', path: '/tmp', excludeIfPresent: 'a/b' })).toThrow(
      /plain file name/,
    );
    expect(() => createDirectorySource({ label: 'x', path: '/tmp', chunkSize: 0 })).toThrow(RangeError);
  });

  it('fails when the root is missing or not a folder', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    for (const path of [join(dir, 'missing'), join(dir, 'file')]) {
      const { streamError, doneError } = await runFailing({ path });
      expect(String(doneError)).toMatch(new RegExp(`cannot read ${path}`));
      expect(streamError).toBe(doneError);
    }
  });

  it('excludes folders only with a trailing-slash pattern, and matches case-sensitively', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'build'));
    writeFileSync(join(dir, 'build', 'out.js'), 'x');
    writeFileSync(join(dir, 'Build'), 'a file named Build');
    writeFileSync(join(dir, 'tmp'), 'a file named tmp');
    mkdirSync(join(dir, 'sub', 'tmp'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'tmp', 'x'), 'x');
    const { data, summary } = await runSource({ path: dir, exclude: ['build/', 'tmp/'] });
    expect((await readTar(data)).map((e) => e.name)).toEqual(['./', './Build', './sub/', './tmp']);
    expect(summary.excluded).toBe(2);
  });
});

/** Counts open and closed handles and can change a file between lstat and read. */
function instrumentedFs(hooks: {
  beforeOpen?: (path: string) => void;
  wrap?: (path: string, file: ReadableFile) => ReadableFile;
  /** Throws to refuse the open; returns nothing to open normally. */
  open?: (path: string) => void;
  readdir?: (path: string) => Buffer[] | undefined;
}): { fs: Partial<DirectoryFs>; handles: { opened: number; closed: number; bytesRead: number } } {
  const handles = { opened: 0, closed: 0, bytesRead: 0 };
  const fs: Partial<DirectoryFs> = {
    open(path) {
      hooks.open?.(path);
      hooks.beforeOpen?.(path);
      const real = nodeDirectoryFs.open(path);
      handles.opened++;
      const counted: ReadableFile = {
        read(buf, offset, length, position) {
          const got = real.read(buf, offset, length, position);
          handles.bytesRead += got;
          return got;
        },
        close() {
          handles.closed++;
          real.close();
        },
      };
      return hooks.wrap?.(path, counted) ?? counted;
    },
    readdir: (path) => hooks.readdir?.(path) ?? nodeDirectoryFs.readdir(path),
  };
  return { fs, handles };
}

describe('createDirectorySource: files that change while read', () => {
  const original = Buffer.from(Array.from({ length: 1000 }, (_v, i) => i % 251));

  function setup(): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.bin'), original);
    writeFileSync(join(dir, 'z.txt'), 'after');
    return dir;
  }

  for (const chunkSize of [64, 100, 1000, 4096]) {
    it(`cuts a file that grew after lstat at its header size (chunk ${chunkSize})`, async () => {
      const dir = setup();
      const { fs, handles } = instrumentedFs({
        beforeOpen: (p) => {
          if (p.endsWith('a.bin')) appendFileSync(p, 'GROWN');
        },
      });
      const { data, warnings, summary } = await runSource({ path: dir, fs, chunkSize });
      const entries = await readTar(data);
      const a = entries.find((e) => e.name === './a.bin');
      expect(a?.size).toBe(1000);
      expect(a?.content.equals(original)).toBe(true);
      expect(entries.find((e) => e.name === './z.txt')?.content.toString()).toBe('after');
      expect(warnings).toEqual([`file changed while reading: ${join(dir, 'a.bin')}`]);
      expect(summary.bytes).toBe(1005);
      expect(handles.opened).toBe(handles.closed);
    });

    it(`pads a file that shrank after lstat with zeros (chunk ${chunkSize})`, async () => {
      const dir = setup();
      const { fs } = instrumentedFs({
        beforeOpen: (p) => {
          if (p.endsWith('a.bin')) truncateSync(p, 10);
        },
      });
      const { data, warnings } = await runSource({ path: dir, fs, chunkSize });
      const entries = await readTar(data);
      const a = entries.find((e) => e.name === './a.bin');
      expect(a?.size).toBe(1000);
      expect(a?.content.subarray(0, 10).equals(original.subarray(0, 10))).toBe(true);
      expect(a?.content.subarray(10).equals(Buffer.alloc(990))).toBe(true);
      expect(entries.find((e) => e.name === './z.txt')?.content.toString()).toBe('after');
      expect(warnings).toEqual([`file changed while reading: ${join(dir, 'a.bin')}`]);
    });
  }

  it('pads a file truncated in the middle of reading', async () => {
    const dir = setup();
    const { fs } = instrumentedFs({
      wrap: (path, file) => ({
        read(buf, offset, length, position) {
          const got = file.read(buf, offset, length, position);
          if (path.endsWith('a.bin') && position === 0) truncateSync(path, 0);
          return got;
        },
        close: () => file.close(),
      }),
    });
    const { data, warnings } = await runSource({ path: dir, fs, chunkSize: 100 });
    const a = (await readTar(data)).find((e) => e.name === './a.bin');
    expect(a?.content.subarray(0, 100).equals(original.subarray(0, 100))).toBe(true);
    expect(a?.content.subarray(100).equals(Buffer.alloc(900))).toBe(true);
    expect(warnings).toEqual([`file changed while reading: ${join(dir, 'a.bin')}`]);
  });

  it('notices an empty file that gained content', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty'), '');
    const { fs } = instrumentedFs({ beforeOpen: (p) => appendFileSync(p, 'now') });
    const { data, warnings } = await runSource({ path: dir, fs });
    const entry = (await readTar(data)).find((e) => e.name === './empty');
    expect(entry?.size).toBe(0);
    expect(warnings).toEqual([`file changed while reading: ${join(dir, 'empty')}`]);
  });

  it('reports nothing for a file that did not change', async () => {
    const dir = setup();
    const { data, warnings } = await runSource({ path: dir, chunkSize: 100 });
    expect((await readTar(data)).find((e) => e.name === './a.bin')?.content.equals(original)).toBe(true);
    expect(warnings).toEqual([]);
  });
});

describe('createDirectorySource: unreadable entries', () => {
  function setup(): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'a');
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    mkdirSync(join(dir, 'locked'));
    writeFileSync(join(dir, 'locked', 'inside.txt'), 'inside');
    writeFileSync(join(dir, 'z.txt'), 'z');
    return dir;
  }
  // Running as root, chmod 000 does not stop reads, so permission errors come through the fs seam.
  const denied = (): ReturnType<typeof instrumentedFs> =>
    instrumentedFs({
      open: (p) => {
        if (p.endsWith('secret.txt')) throw errno('EACCES');
      },
      readdir: (p) => {
        if (p.endsWith('locked')) throw errno('EACCES');
        return undefined;
      },
    });

  it("warns and skips with onUnreadable: 'warn' (default)", async () => {
    const dir = setup();
    const { fs } = denied();
    const { data, warnings, summary } = await runSource({ path: dir, fs });
    expect((await readTar(data)).map((e) => e.name)).toEqual(['./', './a.txt', './z.txt']);
    expect(warnings).toEqual([
      `${join(dir, 'locked')}: cannot list folder: EACCES (skipped)`,
      `${join(dir, 'secret.txt')}: cannot open file: EACCES (skipped)`,
    ]);
    expect(summary).toMatchObject({ files: 2, dirs: 0 });
  });

  it("fails the source with onUnreadable: 'fail', destroying the stream with the same error", async () => {
    const dir = setup();
    const { fs, handles } = denied();
    const { streamError, doneError } = await runFailing({ path: dir, fs, onUnreadable: 'fail' });
    expect(String(doneError)).toMatch(/directory source "site": .*locked: cannot list folder: EACCES/);
    expect(streamError).toBe(doneError);
    expect(handles.opened).toBe(handles.closed);
  });

  it('treats a read error in the middle of a file per onUnreadable', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'disk.bin'), Buffer.alloc(300, 9));
    const hooks = {
      wrap: (_p: string, file: ReadableFile): ReadableFile => ({
        read: (buf: Buffer, offset: number, length: number, position: number): number => {
          if (position >= 100) throw errno('EIO');
          return file.read(buf, offset, length, position);
        },
        close: () => file.close(),
      }),
    };
    const warned = await runSource({ path: dir, fs: instrumentedFs(hooks).fs, chunkSize: 100 });
    const entry = (await readTar(warned.data)).find((e) => e.name === './disk.bin');
    expect(entry?.size).toBe(300);
    expect(entry?.content.equals(Buffer.concat([Buffer.alloc(100, 9), Buffer.alloc(200)]))).toBe(true);
    expect(warned.warnings).toEqual([
      `${join(dir, 'disk.bin')}: read error after 100 of 300 bytes: EIO (padded with zeros)`,
    ]);

    const { fs, handles } = instrumentedFs(hooks);
    const failed = await runFailing({ path: dir, fs, chunkSize: 100, onUnreadable: 'fail' });
    expect(String(failed.doneError)).toMatch(/read error after 100 of 300 bytes: EIO/);
    expect(handles.opened).toBe(handles.closed);
  });

  it('only warns about an entry removed during the walk, even in fail mode', async () => {
    const dir = setup();
    const { fs } = instrumentedFs({
      readdir: (p) => {
        if (p !== dir) return undefined;
        const names = nodeDirectoryFs.readdir(p);
        rmSync(join(dir, 'a.txt'));
        return names;
      },
    });
    const { data, warnings } = await runSource({ path: dir, fs, onUnreadable: 'fail' });
    expect((await readTar(data)).map((e) => e.name)).not.toContain('./a.txt');
    expect(warnings).toEqual([`${join(dir, 'a.txt')}: removed before it could be read`]);
  });

  // runs where permissions are enforced (a normal user; root only without CAP_DAC_OVERRIDE)
  it.skipIf(!permissionsEnforced())('skips a real chmod-000 file and folder', async () => {
    const dir = setup();
    chmodSync(join(dir, 'secret.txt'), 0);
    chmodSync(join(dir, 'locked'), 0);
    try {
      const { data, warnings } = await runSource({ path: dir });
      expect((await readTar(data)).map((e) => e.name)).toEqual(['./', './a.txt', './z.txt']);
      expect(warnings).toHaveLength(2);
    } finally {
      chmodSync(join(dir, 'locked'), 0o755);
    }
  });
});

describe('createDirectorySource: stopping and back-pressure', () => {
  function bigTree(size: number): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'big.bin'), '');
    truncateSync(join(dir, 'big.bin'), size); // sparse: reads zeros, costs no disk
    writeFileSync(join(dir, 'small.txt'), 'x');
    return dir;
  }

  it('reads a large file only as fast as the consumer takes it', async () => {
    const size = 64 * 1024 * 1024;
    const dir = bigTree(size);
    const { fs, handles } = instrumentedFs({});
    const source = createDirectorySource({ label: 'big', path: dir, fs });
    const run = source.open();
    let consumed = 0;
    let maxLead = 0;
    for await (const chunk of run.stream as AsyncIterable<Buffer>) {
      consumed += chunk.length;
      maxLead = Math.max(maxLead, handles.bytesRead - consumed);
      if (consumed < 4 * 1024 * 1024) await new Promise((r) => setTimeout(r, 1));
    }
    const summary = asDirectory(await run.done);
    expect(summary.bytes).toBe(size + 1); // big.bin and small.txt
    expect(consumed).toBeGreaterThan(size);
    expect(maxLead).toBeLessThan(2 * 1024 * 1024);
    expect(handles.opened).toBe(handles.closed);
  });

  it('does not run ahead of a stalled consumer with many empty entries (folders, symlinks)', async () => {
    const dir = tempDir();
    for (let i = 0; i < 1500; i++) {
      const n = String(i).padStart(4, '0');
      mkdirSync(join(dir, `d${n}`));
      symlinkSync('target', join(dir, `l${n}`));
      writeFileSync(join(dir, `e${n}`), '');
    }
    let visited = 0;
    const fs: Partial<DirectoryFs> = {
      lstat: (p) => {
        visited++;
        return nodeDirectoryFs.lstat(p);
      },
    };
    const run = createDirectorySource({ label: 'many', path: dir, fs }).open();
    await new Promise((r) => setTimeout(r, 300)); // nobody reads
    const ahead = visited;
    const [data, summary] = await Promise.all([buffer(run.stream), run.done]);
    // The output buffer (512 KiB) holds 1024 headers of 512 bytes; once it is handed on, the walk waits
    // for the consumer. 4500 entries exist.
    expect(ahead).toBeLessThan(1100);
    expect(asDirectory(summary)).toMatchObject({ dirs: 1500, symlinks: 1500, files: 1500 });
    expect((await readTar(data)).length).toBe(4501);
  });

  it('stops on abort: done rejects with the reason, files are closed', async () => {
    const dir = bigTree(32 * 1024 * 1024);
    const { fs, handles } = instrumentedFs({});
    const source = createDirectorySource({ label: 'big', path: dir, fs });
    const controller = new AbortController();
    const run = source.open(controller.signal);
    const streamErrors: unknown[] = [];
    run.stream.on('error', (e) => streamErrors.push(e));
    let consumed = 0;
    run.stream.on('data', (chunk: Buffer) => {
      consumed += chunk.length;
      if (consumed > 1024 * 1024 && !controller.signal.aborted) controller.abort();
    });
    const err = await run.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe('AbortError');
    expect(streamErrors).toEqual([err]);
    expect(handles.opened).toBeGreaterThanOrEqual(1);
    expect(handles.closed).toBe(handles.opened);
    expect(handles.bytesRead).toBeLessThan(8 * 1024 * 1024);
  });

  it('stops when the consumer destroys the stream', async () => {
    const dir = bigTree(32 * 1024 * 1024);
    const { fs, handles } = instrumentedFs({});
    const run = createDirectorySource({ label: 'big', path: dir, fs }).open();
    await new Promise<void>((resolve) => run.stream.once('data', () => resolve()));
    run.stream.destroy();
    await expect(run.done).rejects.toThrow(/premature close|output stream closed/i);
    expect(handles.opened).toBe(handles.closed);
  });

  it('does not start when the signal is already aborted', async () => {
    const dir = bigTree(1024);
    const run = createDirectorySource({ label: 'x', path: dir }).open(AbortSignal.abort());
    run.stream.on('error', () => {});
    await expect(run.done).rejects.toThrow(/aborted/i);
  });
});

describe('buildTarHeader: beyond ustar limits', () => {
  const stats = { mode: 0o100644, uid: 1000, gid: 1000, size: 0, mtimeMs: 1_700_000_000_500 };

  it('keeps plain ustar headers when everything fits', () => {
    expect(buildTarHeader('./a', { ...stats, size: MAX_USTAR_SIZE }, 'file')).toEqual({
      name: './a',
      type: 'file',
      mode: 0o644,
      uid: 1000,
      gid: 1000,
      size: MAX_USTAR_SIZE,
      mtime: new Date(1_700_000_000_000),
    });
    expect(buildTarHeader('./d', { ...stats, mode: 0o40755, size: 4096 }, 'directory')).toMatchObject({
      name: './d/',
      size: 0,
    });
  });

  it('adds PAX size, uid, gid and mtime when they do not fit', () => {
    expect(buildTarHeader('./big', { ...stats, size: 8 * 1024 ** 3 + 5 }, 'file').pax).toEqual({
      size: '8589934597',
    });
    expect(buildTarHeader('./u', { ...stats, uid: 300_000, gid: 400_000 }, 'file')).toMatchObject({
      uid: 0,
      gid: 0,
      pax: { uid: '300000', gid: '400000' },
    });
    expect(buildTarHeader('./old', { ...stats, mtimeMs: -100_000 }, 'file')).toMatchObject({
      mtime: new Date(0),
      pax: { mtime: '-100' },
    });
    expect(buildTarHeader('./future', { ...stats, mtimeMs: 4_102_444_800_000 }, 'file').pax).toEqual({
      mtime: '4102444800',
    });
  });

  it('produces headers tar-stream extract reads back (an 8 GiB entry, without writing 8 GiB)', async () => {
    const size = 8 * 1024 ** 3 + 5;
    const p = pack();
    p.entry(buildTarHeader('./big.bin', { ...stats, size, uid: 300_000 }, 'file'));
    // the pax header, its records and the ustar header are the first three blocks
    const head: Buffer[] = [];
    let got = 0;
    for await (const chunk of p as AsyncIterable<Buffer>) {
      head.push(chunk);
      got += chunk.length;
      if (got >= 1536) break;
    }
    const ex = extract();
    const header = await new Promise<{ name: string; size: number; pax: unknown }>((resolve, reject) => {
      ex.on('entry', (h, stream) => {
        resolve({ name: h.name, size: h.size, pax: h.pax });
        stream.resume();
      });
      ex.on('error', reject);
      ex.write(Buffer.concat(head));
    });
    ex.destroy();
    expect(header.name).toBe('./big.bin');
    expect(header.size).toBe(size);
    expect(header.pax).toMatchObject({ path: './big.bin', size: String(size), uid: '300000' });
  });
});
