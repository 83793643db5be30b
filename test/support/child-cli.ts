/** Starts the CLI as a real child process (for signals and lock contention), collecting its output. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildCli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<void>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): ChildCli {
  const entry = new URL('./cli-entry.ts', import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=48', '--max-semi-space-size=1', entry, ...args],
    {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // A test that fails before it stops its child must not leave a daemon behind: kill it at exit.
  const reap = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (re: RegExp, timeoutMs = 30_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const tick = (): void => {
        if (re.test(out)) resolve();
        else if (Date.now() - started > timeoutMs)
          reject(new Error(`timed out waiting for ${re} in:\n${out}`));
        else if (child.exitCode !== null)
          reject(new Error(`the CLI exited (${child.exitCode}) before ${re}:\n${out}`));
        else setTimeout(tick, 50);
      };
      tick();
    });
  return { child, output: () => out, exited, waitFor };
}
