/**
 * The per-job lock, shared by the daemon and `ftps-backup run`: `<state>/locks/<job>.lock`, created with
 * O_EXCL and holding the owner's PID. A lock whose process is gone is stale and taken over; a live one
 * means the job is running elsewhere and this run is skipped.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface JobLock {
  file: string;
  release(): Promise<void>;
}

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock, or the holder when another live process has it. */
export async function acquireJobLock(
  stateDir: string,
  job: string,
): Promise<JobLock | { heldBy: LockHolder }> {
  const dir = join(stateDir, 'locks');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${job}.lock`);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      return {
        file,
        release: async () => {
          const holder = await readHolder(file);
          if (holder?.pid === process.pid) await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readHolder(file);
      if (holder !== undefined && holder.host === me.host && alive(holder.pid)) return { heldBy: holder };
      if (holder !== undefined && holder.host !== me.host) return { heldBy: holder };
      // Stale (its process is gone) or unreadable: take it over.
      await rm(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number'
      ? { pid: h.pid, host: String(h.host ?? ''), since: String(h.since ?? '') }
      : undefined;
  } catch {
    return undefined;
  }
}
