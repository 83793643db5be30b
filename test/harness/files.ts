// Seeding a server's home with files the FTP user may read, overwrite and delete.
import { chown, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { FtpServerInfo } from './types.ts';

/**
 * Writes `data` to `relPath` under the server's home (creating folders) and gives the new folders and
 * the file to the home's owner, so the FTP user can work with them like with its own uploads.
 */
export async function putFile(
  info: FtpServerInfo,
  relPath: string,
  data: string | Uint8Array,
): Promise<string> {
  const home = resolve(info.home);
  const target = resolve(home, relPath);
  const rel = relative(home, target);
  if (rel === '' || rel.startsWith('..')) throw new Error(`putFile: ${relPath} is outside the home folder`);
  const owner = await stat(home);
  // Create and chown every missing folder between home and the file.
  let dir = home;
  for (const part of dirname(rel)
    .split('/')
    .filter((p) => p !== '' && p !== '.')) {
    dir = join(dir, part);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await chown(dir, owner.uid, owner.gid);
  }
  await writeFile(target, data, { mode: 0o644 });
  await chown(target, owner.uid, owner.gid);
  return target;
}
