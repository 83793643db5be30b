// Child-process plumbing shared by every server of the harness: spawn in the foreground (own process
// group), stop by PID (SIGTERM, then SIGKILL after a timeout), kill leftovers when the test process
// exits, wait for readiness, and show a log tail when something goes wrong.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

export interface ServerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Servers not stopped yet: PID (= process-group id, since every server is spawned detached) → whether
 * the server process itself has exited (its session processes may still be around in the group).
 */
const live = new Map<number, { exited: boolean }>();
let handlersInstalled = false;

/**
 * Signals the server's process group. Only while the server itself has not exited (so its PID cannot
 * have been reused) do we fall back to the PID alone, e.g. if it left its group.
 */
function killGroup(pid: number, signal: NodeJS.Signals, serverExited: boolean): void {
  try {
    process.kill(-pid, signal);
  } catch {
    if (serverExited) return;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Temp folders to remove if the test process ends before the servers' stop() ran. */
const tempRoots = new Set<string>();

export function trackTempRoot(dir: string): void {
  installExitHandlers();
  tempRoots.add(dir);
}

export function untrackTempRoot(dir: string): void {
  tempRoots.delete(dir);
}

function killAllLeftovers(): void {
  for (const [pid, state] of live) killGroup(pid, 'SIGKILL', state.exited);
  live.clear();
  if (process.env.FTPS_TEST_KEEP_TMP !== '1' && tempRoots.size > 0) {
    // Hand the removal to a detached `rm`: vitest SIGKILLs a worker 500 ms after SIGTERM, which can
    // cut a synchronous removal short. spawn() itself returns at once.
    try {
      spawn('rm', ['-rf', '--', ...tempRoots], { detached: true, stdio: 'ignore' }).unref();
    } catch {
      for (const dir of tempRoots) {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {
          // best effort while exiting
        }
      }
    }
  }
  tempRoots.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // 'exit' covers a normal end and process.exit(); listeners must be synchronous, and kill() is.
  process.on('exit', killAllLeftovers);
  // A signal ends the worker without 'exit': kill our servers, then let the signal do what it would
  // have done (re-raise it once we are the only listener left).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllLeftovers();
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

let setprivPath: string | null | undefined;

function findSetpriv(): string | undefined {
  if (setprivPath === undefined) {
    setprivPath = null;
    for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
      try {
        accessSync(candidate, constants.X_OK);
        setprivPath = candidate;
        break;
      } catch {
        // try the next one
      }
    }
  }
  return setprivPath ?? undefined;
}

export interface SpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  /** stdout and stderr of the server go to this file (no pipes to drain). */
  stdioFile: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Also connect stdin to the log file. vsftpd writes its startup errors ("500 OOPS: could not bind
   * listening IPv4 socket") to fd 0, the control connection in inetd mode; with /dev/null there they
   * would be lost.
   */
  stdinToLog?: boolean;
}

/**
 * Starts a server in the foreground as our child, in its own process group so that its session
 * processes (ProFTPD, vsftpd and Pure-FTPd fork one per connection) can be stopped together by PID.
 */
export function spawnServer(opts: SpawnOptions): ServerProcess {
  installExitHandlers();
  const fd = openSync(opts.stdioFile, 'a', 0o600);
  // With setpriv (util-linux), the kernel SIGKILLs the server when the test process dies, even by
  // SIGKILL (vitest kills its workers that way when the run is interrupted), where no exit handler
  // runs. setpriv execs the server, so the PID stays the server's.
  const setpriv = findSetpriv();
  const [command, args] =
    setpriv !== undefined
      ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', opts.command, ...opts.args]]
      : [opts.command, opts.args];
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      stdio: [opts.stdinToLog === true ? fd : 'ignore', fd, fd],
      detached: true,
      env: opts.env ?? process.env,
    });
  } finally {
    closeSync(fd);
  }
  const state = { exited: false };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      state.exited = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      state.exited = true;
      resolve({ code: null, signal: null });
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${command} (see ${opts.stdioFile})`);
  live.set(pid, state);
  // The harness must never keep the test process alive by itself.
  child.unref();

  const stop = async (graceMs = 5_000): Promise<void> => {
    if (!state.exited) {
      killGroup(pid, 'SIGTERM', false);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const result = await Promise.race([exited.then(() => 'exited' as const), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        killGroup(pid, 'SIGKILL', state.exited);
        await exited;
      }
    }
    // Session processes that outlived their master (same process group) go too.
    killGroup(pid, 'SIGKILL', true);
    live.delete(pid);
  };

  return { pid, child, exited, hasExited: () => state.exited, stop };
}

/** The last `lines` lines of a text file, or a note that it is missing. */
export function readTail(file: string, lines = 40): string {
  if (!existsSync(file)) return `(${file} does not exist)`;
  const text = readFileSync(file, 'utf8');
  const all = text.split('\n');
  return all.slice(Math.max(0, all.length - lines - 1)).join('\n');
}

/** Tails of several files, each under a heading, for error messages. */
export function logTails(files: readonly string[], lines = 40): string {
  return files.map((f) => `--- ${f} (tail) ---\n${readTail(f, lines)}`).join('\n');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface BannerProbe {
  host: string;
  port: number;
  /** For implicit FTPS: TLS handshake first, then the banner over TLS. */
  tls?: { ca: string; servername: string };
}

/**
 * One attempt: connect, read the first reply line. Resolves with the line, rejects on connection
 * errors, timeouts or a line that is not a 220 greeting.
 */
export function readFtpGreeting(probe: BannerProbe, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: net.Socket = probe.tls
      ? tls.connect({
          host: probe.host,
          port: probe.port,
          ca: probe.tls.ca,
          servername: probe.tls.servername,
        })
      : net.connect({ host: probe.host, port: probe.port });
    let buffer = '';
    const finish = (err: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.on('error', () => undefined);
      socket.destroy();
      if (err) reject(err);
      else resolve(line ?? '');
    };
    const timer = setTimeout(() => finish(new Error('timed out waiting for the greeting')), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const eol = buffer.indexOf('\n');
      if (eol < 0) return;
      const first = buffer.slice(0, eol).replace(/\r$/, '');
      // A multi-line greeting ("220-…") is fine too: the code is what counts.
      if (/^220[ -]/.test(first)) finish(undefined, first);
      else finish(new Error(`unexpected greeting: ${JSON.stringify(first)}`));
    });
    socket.on('error', (err) => finish(err));
    socket.on('end', () =>
      finish(new Error(`connection closed before a greeting (got ${JSON.stringify(buffer)})`)),
    );
  });
}

export interface ReadinessOptions {
  name: string;
  server: ServerProcess;
  logFiles: readonly string[];
  timeoutMs?: number;
  /** One readiness attempt; throws while not ready. */
  attempt: () => Promise<unknown>;
}

/** Polls `attempt` until it succeeds, the server exits or the timeout passes (error with log tails). */
export async function waitUntilReady(opts: ReadinessOptions): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    if (opts.server.hasExited()) {
      const { code, signal } = await opts.server.exited;
      throw new Error(
        `${opts.name} exited during startup (code ${String(code)}, signal ${String(signal)})\n${logTails(opts.logFiles)}`,
      );
    }
    try {
      await opts.attempt();
      return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(
        `${opts.name} not ready after ${opts.timeoutMs ?? 10_000} ms: ${reason}\n${logTails(opts.logFiles)}`,
      );
    }
    await sleep(50);
  }
}
