/**
 * The daemon's heartbeat: `<state>/daemon.json` holds its pid, host, start and last beat, rewritten
 * atomically every HEARTBEAT_MS and removed at a clean stop. `status` reads it to tell whether the
 * schedules are being kept: alive = the file is there, written on this host, its process exists and it
 * beat within STALE_AFTER_MS.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { alive } from './lock.ts';

export const HEARTBEAT_MS = 60_000;
export const STALE_AFTER_MS = 5 * HEARTBEAT_MS;

export interface DaemonBeat {
  pid: number;
  host: string;
  started: string;
  beat: string;
}

export function heartbeatFile(stateDir: string): string {
  return join(stateDir, 'daemon.json');
}

export async function writeHeartbeat(stateDir: string, started: Date, now: Date): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const beat: DaemonBeat = {
    pid: process.pid,
    host: hostname(),
    started: started.toISOString(),
    beat: now.toISOString(),
  };
  const file = heartbeatFile(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(beat)}\n`, { mode: 0o644 });
  await rename(tmp, file);
}

export async function removeHeartbeat(stateDir: string): Promise<void> {
  await rm(heartbeatFile(stateDir), { force: true });
}

/** Whether a daemon keeps the schedules, and if not, why (for `status` and `status --check`). */
export async function daemonAlive(
  stateDir: string,
  now: Date,
  isRunning: (pid: number) => boolean = alive,
): Promise<{ alive: true; pid: number } | { alive: false; reason: string }> {
  const file = heartbeatFile(stateDir);
  let beat: Partial<DaemonBeat>;
  try {
    beat = JSON.parse(await readFile(file, 'utf8')) as Partial<DaemonBeat>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { alive: false, reason: `no daemon is running (no ${file})` };
    return {
      alive: false,
      reason: `no daemon is known to run (${file} unreadable: ${(err as Error).message})`,
    };
  }
  if (typeof beat.pid !== 'number' || typeof beat.beat !== 'string')
    return { alive: false, reason: `no daemon is known to run (${file} is not a heartbeat)` };
  if (beat.host !== hostname())
    return { alive: false, reason: `the daemon of ${file} runs on another host (${String(beat.host)})` };
  if (!isRunning(beat.pid))
    return { alive: false, reason: `no daemon is running (pid ${beat.pid} of ${file} is gone)` };
  const age = now.getTime() - Date.parse(beat.beat);
  if (!(age <= STALE_AFTER_MS))
    return {
      alive: false,
      reason: `the daemon (pid ${beat.pid}) last beat at ${beat.beat}, more than ${STALE_AFTER_MS / 60_000} min ago: hung?`,
    };
  return { alive: true, pid: beat.pid };
}
