// The directory source against GNU tar: archives written with tar-stream must extract with `tar -xf`
// byte-exact with modes, mtimes, owners and symlinks; `tar -d` must find no difference; a FIFO is
// skipped with a warning; an 8 GiB file's PAX size header is read by GNU tar.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  createWriteStream,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createDirectorySource, type SourceSummary } from '../../src/sources/index.ts';

const roots: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

/** Every path under `root` (relative, sorted), not descending into symlinks. */
function walk(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    out.push(relative(root, path));
    if (lstatSync(path).isDirectory()) out.push(...walk(root, path));
  }
  return out;
}

async function archive(path: string, file: string): Promise<{ summary: SourceSummary; warnings: string[] }> {
  const warnings: string[] = [];
  const run = createDirectorySource({ label: 'site', path, onWarning: (m) => warnings.push(m) }).open();
  await pipeline(run.stream, createWriteStream(file));
  return { summary: await run.done, warnings };
}

describe('directory source → GNU tar', () => {
  it('extracts byte-exact with modes, mtimes, owners and symlinks; tar -d sees no difference', async () => {
    const src = tempDir('tar-src-');
    const longDir = `${'long-folder-name-'.repeat(6)}x`; // 103 bytes
    const longFile = `${'a-very-long-file-name-'.repeat(7)}.bin`; // 158 bytes
    const files: [string, Buffer, number][] = [
      ['index.php', Buffer.from('<?php echo "hi";\n'), 0o644],
      ['wp-config.php', Buffer.from('<?php define("DB_PASSWORD", "x");\n'), 0o640],
      ['bin/run.sh', Buffer.from('#!/bin/sh\necho ok\n'), 0o755],
      ['uploads/2026/11/photo.jpg', randomBytes(300_000), 0o644],
      ['uploads/2026/11/Grüße 👋.txt', Buffer.from('unicode ✓'), 0o644],
      ['uploads/日本/ファイル.txt', Buffer.from('日本語'), 0o600],
      [`deep/${longDir}/${longDir}/${longFile}`, randomBytes(1234), 0o644],
      ['empty.txt', Buffer.alloc(0), 0o644],
      ['sticky/file', Buffer.from('s'), 0o4755],
      ['exact-512.bin', randomBytes(512), 0o644],
    ];
    for (const [rel, content, mode] of files) {
      const path = join(src, rel);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, content);
      chmodSync(path, mode);
    }
    mkdirSync(join(src, 'empty-dir'));
    chmodSync(join(src, 'empty-dir'), 0o700);
    chmodSync(join(src, 'sticky'), 0o1777);
    chownSync(join(src, 'index.php'), 33, 33); // www-data on Debian
    linkSync(join(src, 'index.php'), join(src, 'hardlink.php'));
    symlinkSync('index.php', join(src, 'link-to-index'));
    symlinkSync('/nonexistent/target', join(src, 'dangling'));
    symlinkSync(`../${'t'.repeat(150)}`, join(src, 'uploads', 'long-target'));
    symlinkSync('uploads/2026', join(src, 'link-to-dir'));
    execFileSync('mkfifo', [join(src, 'a-fifo')]);

    // whole-second mtimes, deepest first so folder mtimes stick
    const paths = walk(src).reverse();
    paths.forEach((rel, i) => {
      const path = join(src, rel);
      const t = 1_600_000_000 + i * 3600;
      if (lstatSync(path).isSymbolicLink()) lutimesSync(path, t, t);
      else utimesSync(path, t, t);
    });

    const tarFile = join(tempDir('tar-out-'), 'site.tar');
    const { summary, warnings } = await archive(src, tarFile);
    expect(warnings).toEqual([`${join(src, 'a-fifo')}: fifo skipped`]);
    expect(summary).toMatchObject({ kind: 'directory', files: files.length + 1, symlinks: 4 });

    const listing = execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8' });
    expect(listing).toContain(`./deep/${longDir}/${longDir}/${longFile}`);
    expect(listing).not.toContain('a-fifo');
    expect(listing).not.toContain('PaxHeader');

    // tar -d compares content, mode, mtime, owner and link targets with the file system
    const diff = spawnSync('tar', ['-df', tarFile, '-C', src], { encoding: 'utf8' });
    expect(diff.stdout + diff.stderr).toBe('');
    expect(diff.status).toBe(0);

    const dest = tempDir('tar-dest-');
    execFileSync('tar', ['-xf', tarFile, '-C', dest, '--same-owner', '--same-permissions']);
    const expected = walk(src).filter((rel) => rel !== 'a-fifo');
    expect(walk(dest)).toEqual(expected);
    for (const rel of expected) {
      const a = lstatSync(join(src, rel));
      const b = lstatSync(join(dest, rel));
      const what = { rel, mode: b.mode, uid: b.uid, gid: b.gid };
      expect(what).toEqual({ rel, mode: a.mode, uid: a.uid, gid: a.gid });
      if (!a.isDirectory()) expect({ rel, mtime: b.mtimeMs }).toEqual({ rel, mtime: a.mtimeMs });
      if (a.isFile()) expect(readFileSync(join(dest, rel)).equals(readFileSync(join(src, rel)))).toBe(true);
      if (a.isSymbolicLink()) expect(readlinkSync(join(dest, rel))).toBe(readlinkSync(join(src, rel)));
    }
    // folder mtimes: tar sets them after filling the folder
    expect(lstatSync(join(dest, 'uploads')).mtimeMs).toBe(lstatSync(join(src, 'uploads')).mtimeMs);
  });

  it('stores sub-second mtimes as whole seconds, as ustar does', async () => {
    const src = tempDir('tar-frac-');
    writeFileSync(join(src, 'f'), 'x');
    utimesSync(join(src, 'f'), 1_700_000_000.75, 1_700_000_000.75);
    const tarFile = join(tempDir('tar-out-'), 'frac.tar');
    await archive(src, tarFile);
    const dest = tempDir('tar-dest-');
    execFileSync('tar', ['-xf', tarFile, '-C', dest]);
    expect(lstatSync(join(dest, 'f')).mtimeMs).toBe(1_700_000_000_000);
  });

  it('writes a PAX size GNU tar reads for a file over 8 GiB', async () => {
    const src = tempDir('tar-huge-');
    const size = 8 * 1024 ** 3 + 1;
    writeFileSync(join(src, 'huge.bin'), '');
    truncateSync(join(src, 'huge.bin'), size); // sparse
    const run = createDirectorySource({ label: 'huge', path: src }).open();
    run.done.catch(() => {});
    // the headers are in the first few blocks: take 64 KiB, then stop the source
    const head: Buffer[] = [];
    let got = 0;
    for await (const chunk of run.stream as AsyncIterable<Buffer>) {
      head.push(chunk);
      got += chunk.length;
      if (got >= 64 * 1024) break;
    }
    await expect(run.done).rejects.toThrow();
    const listed = spawnSync('tar', ['-tvf', '-'], { input: Buffer.concat(head), encoding: 'utf8' });
    // tar complains about the truncated archive, after listing the entry with its full size
    expect(listed.stdout).toMatch(new RegExp(`^-rw-r--r-- \\S+ +${size} .* \\./huge\\.bin$`, 'm'));
  });
});
