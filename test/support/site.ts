/**
 * A generated WordPress-like site for round-trip tests: nested folders, many small files, a few large
 * random binaries, symlinks (to a file, to a folder, dangling), Unicode names, modes and mtimes, and a
 * cache folder the job excludes. Plus a comparison of a restored tree against the original.
 */
import { randomBytes } from 'node:crypto';
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  symlink,
  utimes,
  writeFile,
  chmod,
} from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface SiteSpec {
  smallFiles: number;
  bigFiles: number;
  bigFileBytes: number;
}

export async function makeSite(root: string, spec: SiteSpec): Promise<void> {
  await mkdir(join(root, 'wp-content', 'cache', 'page'), { recursive: true });
  await writeFile(join(root, 'wp-config.php'), "<?php define('DB_NAME', 'wp');\n", { mode: 0o640 });
  await writeFile(join(root, 'index.php'), '<?php require "wp-blog-header.php";\n');
  await writeFile(join(root, 'wp-content', 'cache', 'page', 'index.html'), 'cached\n');
  for (let i = 0; i < spec.smallFiles; i++) {
    const dir = join(
      root,
      'wp-content',
      'uploads',
      String(2020 + (i % 6)),
      String(1 + (i % 12)).padStart(2, '0'),
    );
    if (i < 72) await mkdir(dir, { recursive: true });
    const name = i % 500 === 0 ? `bild-größe-${i}-日本.txt` : `file-${i}.txt`;
    await writeFile(join(dir, name), randomBytes(50 + ((i * 37) % 2000)));
  }
  await mkdir(join(root, 'wp-content', 'plugins', 'big'), { recursive: true });
  for (let i = 0; i < spec.bigFiles; i++) {
    await writeFile(
      join(root, 'wp-content', 'plugins', 'big', `blob-${i}.bin`),
      randomBytes(spec.bigFileBytes),
    );
  }
  await mkdir(join(root, 'wp-content', 'themes', 'twenty'), { recursive: true });
  await writeFile(join(root, 'wp-content', 'themes', 'twenty', 'run.sh'), '#!/bin/sh\necho hi\n', {
    mode: 0o755,
  });
  await chmod(join(root, 'wp-content', 'themes', 'twenty', 'run.sh'), 0o755);
  await symlink('../../wp-config.php', join(root, 'wp-content', 'themes', 'config-link.php'));
  await symlink('themes/twenty', join(root, 'wp-content', 'current-theme'));
  await symlink('does-not-exist', join(root, 'wp-content', 'dangling'));
  // Old, distinct mtimes on a few files (seconds precision, as tar keeps them).
  await utimes(join(root, 'index.php'), new Date('2021-03-04T05:06:07Z'), new Date('2021-03-04T05:06:07Z'));
  await utimes(
    join(root, 'wp-config.php'),
    new Date('2019-12-31T23:59:59Z'),
    new Date('2019-12-31T23:59:59Z'),
  );
}

export interface TreeEntry {
  type: 'file' | 'dir' | 'link';
  mode: number;
  mtime: number;
  size?: number;
  target?: string;
}

/** Every entry under root (relative path → type, permission bits, mtime in whole seconds, link target). */
export async function snapshotTree(
  root: string,
  skip: (rel: string) => boolean = () => false,
): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (skip(rel)) continue;
      const st = await lstat(p);
      const base = { mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
      if (st.isSymbolicLink()) out.set(rel, { type: 'link', ...base, target: await readlink(p) });
      else if (st.isDirectory()) {
        out.set(rel, { type: 'dir', ...base });
        await walk(p);
      } else out.set(rel, { type: 'file', ...base, size: st.size });
    }
  };
  await walk(root);
  return out;
}

/** Lists the differences between two trees (content compared byte for byte); empty when identical. */
export async function diffTrees(a: string, b: string, skip: (rel: string) => boolean): Promise<string[]> {
  const sa = await snapshotTree(a, skip);
  const sb = await snapshotTree(b, skip);
  const diffs: string[] = [];
  for (const [rel, ea] of sa) {
    const eb = sb.get(rel);
    if (eb === undefined) {
      diffs.push(`missing: ${rel}`);
      continue;
    }
    // Symlink modes are not meaningful on Linux; folder mtimes change as entries are extracted.
    const cmp =
      ea.type === 'link' ? { ...ea, mode: 0, mtime: 0 } : ea.type === 'dir' ? { ...ea, mtime: 0 } : ea;
    const cmpb =
      eb.type === 'link' ? { ...eb, mode: 0, mtime: 0 } : eb.type === 'dir' ? { ...eb, mtime: 0 } : eb;
    if (JSON.stringify(cmp) !== JSON.stringify(cmpb))
      diffs.push(`differs: ${rel} ${JSON.stringify(ea)} vs ${JSON.stringify(eb)}`);
    else if (ea.type === 'file' && !(await readFile(join(a, rel))).equals(await readFile(join(b, rel))))
      diffs.push(`content differs: ${rel}`);
  }
  for (const rel of sb.keys()) if (!sa.has(rel)) diffs.push(`extra: ${rel}`);
  return diffs;
}
