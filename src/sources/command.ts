/**
 * The command source: a program's standard output becomes the object (`redis-cli --rdb -`, an export
 * tool, …). It runs without a shell, with the child environment built from scratch (childEnv) plus the
 * variables the job names explicitly — the only way a secret reaches it (never argv). A non-zero exit or
 * a signal fails the object; the end of its stderr (bounded) is in the error.
 */
import { spawn } from 'node:child_process';
import { Transform } from 'node:stream';
import { childEnv } from './child-env.ts';
import type { BackupSource, CommandSourceSummary, SourceRun } from './types.ts';

export interface CommandSourceOptions {
  label: string;
  /** Program and arguments. */
  command: readonly string[];
  /** Variables added to the child's environment (secrets resolved by the caller). */
  env: Readonly<Record<string, string>>;
  /** Passed on from the agent's environment: default process.env. */
  from?: NodeJS.ProcessEnv;
}

/** Characters of stderr kept for an error message (the end of it). */
const STDERR_KEEP = 2000;

/** The spawn of a command source, as data. */
export function commandSpawn(options: CommandSourceOptions): {
  file: string;
  args: string[];
  env: Record<string, string>;
} {
  const [file, ...args] = options.command;
  if (file === undefined || file === '') throw new Error(`command ${options.label}: no program given`);
  return { file, args, env: childEnv(options.env, options.from) };
}

export function createCommandSource(options: CommandSourceOptions): BackupSource {
  const { label } = options;
  const plan = commandSpawn(options);
  return {
    kind: 'command',
    id: label,
    open(signal?: AbortSignal): SourceRun {
      let bytes = 0;
      const stream = new Transform({
        highWaterMark: 1 << 20,
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          cb(null, chunk);
        },
      });
      const child = spawn(plan.file, plan.args, { env: plan.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr = (stderr + d).slice(-STDERR_KEEP);
      });
      const onAbort = (): void => void child.kill('SIGTERM');
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.pipe(stream);
      const exited = new Promise<void>((resolve, reject) => {
        child.once('error', (e) =>
          reject(new Error(`command ${label}: cannot run ${plan.file}: ${e.message}`)),
        );
        child.once('close', (code, sig) => {
          signal?.removeEventListener('abort', onAbort);
          if (code === 0) return resolve();
          const how = sig !== null ? `was killed by ${sig}` : `exited with status ${code}`;
          const said = stderr.trim().split('\n').slice(-5).join(' | ');
          reject(new Error(`command ${label}: ${plan.file} ${how}${said !== '' ? `: ${said}` : ''}`));
        });
      });
      const ended = new Promise<void>((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('error', reject);
        stream.once('close', () => reject(new Error(`command ${label}: its output was closed early`)));
      });
      const done = (async (): Promise<CommandSourceSummary> => {
        try {
          await exited;
        } catch (err) {
          stream.destroy(err as Error);
          throw err;
        }
        await ended;
        return { kind: 'command', label, program: plan.file, bytes, warnings: [] };
      })();
      done.catch(() => {}); // observed by the caller, whose verdict waits for it (not for the stream's end)
      return { stream, done };
    },
  };
}
