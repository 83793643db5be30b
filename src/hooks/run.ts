/**
 * Runs hook commands: spawn without a shell, in a process group of its own (a timeout stops the whole
 * group, a shell's children included), output logged line by line through the job's logger (which
 * redacts), bounded and stripped of control characters. Nothing here decides what a failure means for
 * the run: that is the caller's (the job runner's) business.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Logger } from '../logging/index.ts';
import type { HookCommand, HookPhase } from './plan.ts';

/** Lines of output logged per command; the rest is counted. */
export const HOOK_OUTPUT_LINES = 200;
/** Characters of one logged line; a longer line is cut. */
export const HOOK_LINE_CHARS = 1000;
/** Time between SIGTERM and SIGKILL when a command is stopped. */
const KILL_GRACE_MS = 5000;
/** Time the output may still arrive after the command exited. */
const OUTPUT_DRAIN_MS = 2000;

export interface HookFailure {
  label: string;
  reason: string;
}

/** Runs one command to its end; resolves to its failure, or undefined when it exited with status 0. */
export function runHookCommand(
  cmd: HookCommand,
  log: Logger,
  signal?: AbortSignal,
): Promise<HookFailure | undefined> {
  const fail = (reason: string): HookFailure => ({ label: cmd.label, reason });
  if (signal?.aborted === true) return Promise.resolve(fail('not started: the run was cancelled'));
  return new Promise((resolve) => {
    const child = spawn(cmd.file, cmd.args, {
      env: cmd.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stopped: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: string): void => {
      if (stopped !== undefined || child.exitCode !== null || child.signalCode !== null) return;
      stopped = why;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop(`timed out after ${seconds(cmd.timeoutMs)}`), cmd.timeoutMs);
    const onAbort = (): void => stop('stopped: the run was cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const budget = { left: HOOK_OUTPUT_LINES, dropped: 0 };
    const outputs = [
      logLines(child.stdout, (line) => emit(log, cmd.label, '', line, budget)),
      logLines(child.stderr, (line) => emit(log, cmd.label, ' (stderr)', line, budget)),
    ];
    let done = false;
    const finish = (result: HookFailure | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      if (budget.dropped > 0)
        log.info(`hook ${cmd.label}: ${budget.dropped} more line(s) of output not logged`);
      resolve(result);
    };
    child.once('error', (err) => finish(fail(`cannot run ${cmd.file}: ${err.message}`)));
    child.once('exit', (code, sig) => {
      // A background process the hook left behind may hold its output open: wait a moment, then let go.
      const drained = Promise.race([
        Promise.all(outputs),
        new Promise((r) => setTimeout(r, OUTPUT_DRAIN_MS).unref()),
      ]);
      void drained.then(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        if (stopped !== undefined) finish(fail(stopped));
        else if (sig !== null) finish(fail(`killed by ${sig}`));
        else if (code !== 0) finish(fail(`exited with status ${code}`));
        else finish(undefined);
      });
    });
  });
}

/**
 * Runs a phase's commands in order, each logged as it starts and ends. `stopAtFailure` (for `before`)
 * leaves the rest unrun after the first failure; otherwise every command runs. Resolves to the failures.
 */
export async function runHookPhase(
  phase: HookPhase,
  cmds: readonly HookCommand[],
  log: Logger,
  options: { stopAtFailure?: boolean; signal?: AbortSignal | undefined } = {},
): Promise<HookFailure[]> {
  const failures: HookFailure[] = [];
  for (const cmd of cmds) {
    log.info(`hook ${cmd.label}: running ${[cmd.file, ...cmd.args].map(quote).join(' ')}`);
    const failure = await runHookCommand(cmd, log, options.signal);
    if (failure === undefined) {
      log.info(`hook ${cmd.label}: done`);
      continue;
    }
    log.warn(`hook ${cmd.label}: failed — ${failure.reason}`);
    failures.push(failure);
    if (options.stopAtFailure === true) {
      const skipped = cmds.length - cmds.indexOf(cmd) - 1;
      if (skipped > 0) log.warn(`hook ${phase}: ${skipped} later command(s) not run`);
      break;
    }
  }
  return failures;
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // The group is gone already.
  }
}

function emit(
  log: Logger,
  label: string,
  stream: string,
  line: string,
  budget: { left: number; dropped: number },
): void {
  if (budget.left <= 0) {
    budget.dropped++;
    return;
  }
  budget.left--;
  log.info(`hook ${label}${stream}: ${printable(line)}`);
}

/** Calls `onLine` for each line of `stream` (a last line without a newline included); resolves at its end. */
function logLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
      // A line without an end is cut where it is logged anyway, so it need not be held whole.
      if (pending.length > HOOK_LINE_CHARS) {
        onLine(pending);
        pending = '';
      }
    });
    stream.once('close', () => {
      if (pending !== '') onLine(pending);
      resolve();
    });
  });
}

/** Control characters (a terminal's escape sequences among them) become `?`; a long line is cut. */
function printable(line: string): string {
  let clean = '';
  for (const ch of line.endsWith('\r') ? line.slice(0, -1) : line) {
    const c = ch.charCodeAt(0);
    clean += (c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f) ? '?' : ch;
  }
  return clean.length > HOOK_LINE_CHARS ? `${clean.slice(0, HOOK_LINE_CHARS)}… (cut)` : clean;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
