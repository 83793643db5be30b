/**
 * Runs a command as a child process and measures wall time, CPU time and peak RSS. The command runs under
 * GNU time (/usr/bin/time), which reports the user+sys CPU seconds of the command and of every process it
 * waited for (a shell pipeline's stages too) and the peak RSS of the largest of them (getrusage's
 * ru_maxrss: exact, no sampling). The sum over the process tree is sampled from /proc/<pid>/status
 * VmHWM every 20 ms (the last sample before each process exits is kept, so a peak in its final 20 ms
 * could be missed).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measurement {
  seconds: number;
  /** Peak RSS of the command (ru_maxrss; for a shell, of its largest process). */
  peakRssBytes: number;
  /** User + system CPU seconds of the command and every process it waited for. */
  cpuSeconds: number;
  /** Sum of the peak RSS of the process and every descendant seen (for shell pipelines; an upper bound). */
  treePeakRssBytes: number;
  /** CPU seconds the whole machine spent busy while the command ran (every process: the server too). */
  machineCpuSeconds: number;
  code: number | null;
  stderr: string;
}

/** Busy CPU time of the whole machine so far, in seconds (user, nice, system, irq, softirq, steal of /proc/stat). */
function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
}

function vmHwm(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number): void => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids: string[] = [];
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      } catch {
        // gone
      }
      for (const k of kids) {
        out.push(Number(k));
        visit(Number(k));
      }
    }
  };
  visit(pid);
  return out;
}

export function measure(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const busyAtStart = machineBusySeconds();
    const timeDir = mkdtempSync(join(tmpdir(), 'bench-time-'));
    const timeFile = join(timeDir, 'time');
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, command, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
    });
    const peaks = new Map<number, number>();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const timer = setInterval(() => {
      if (child.pid === undefined) return;
      for (const pid of descendants(child.pid)) {
        const h = vmHwm(pid);
        if (h !== undefined && h > (peaks.get(pid) ?? 0)) peaks.set(pid, h);
      }
    }, 20);
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      let tree = 0;
      for (const v of peaks.values()) tree += v;
      // The last line of GNU time's output: "<user> <sys> <max RSS in KiB>" (a line before it may say
      // the command exited with a non-zero status).
      const times = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
      rmSync(timeDir, { recursive: true, force: true });
      resolve({
        seconds,
        peakRssBytes: (times[2] ?? 0) * 1024,
        cpuSeconds: (times[0] ?? 0) + (times[1] ?? 0),
        treePeakRssBytes: tree,
        machineCpuSeconds: machineBusySeconds() - busyAtStart,
        code,
        stderr,
      });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const MB = 1_000_000;
