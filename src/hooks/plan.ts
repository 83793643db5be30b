/**
 * Hook commands as data. A configured command is an argv list (run without a shell) or `{ shell }` (run
 * by /bin/sh -c, only when asked for). Its environment is built from scratch by childEnv — never the
 * agent's own, which holds its secrets — plus the run's facts as FTPS_BACKUP_* variables.
 */
import { childEnv } from '../sources/child-env.ts';

export const HOOK_PHASES = ['before', 'after', 'onError', 'always'] as const;
export type HookPhase = (typeof HOOK_PHASES)[number];

export type HookSpec = readonly string[] | { readonly shell: string };

export interface HookSettings {
  /** Milliseconds each command may take. */
  timeout: number;
  before: readonly HookSpec[];
  after: readonly HookSpec[];
  onError: readonly HookSpec[];
  always: readonly HookSpec[];
}

export type HookOutcome = 'success' | 'warning' | 'failure';

export interface HookContext {
  job: string;
  /** The set this run makes (or made, or would have made). */
  set: string;
  /** Unset for `before`: the run has no outcome yet. */
  outcome?: HookOutcome;
  /** The run's error, already redacted; only with outcome failure. */
  error?: string;
}

export interface HookCommand {
  /** How logs name it: `before[0]`. */
  label: string;
  file: string;
  args: string[];
  env: Record<string, string>;
  timeoutMs: number;
}

/** FTPS_BACKUP_ERROR is cut here: an environment variable is no place for a long stack of causes. */
export const HOOK_ERROR_LIMIT = 4096;

/** The FTPS_BACKUP_* variables of a hook run. */
export function hookEnv(ctx: HookContext): Record<string, string> {
  const env: Record<string, string> = { FTPS_BACKUP_JOB: ctx.job, FTPS_BACKUP_SET: ctx.set };
  if (ctx.outcome !== undefined) env.FTPS_BACKUP_OUTCOME = ctx.outcome;
  if (ctx.error !== undefined) {
    // NUL cannot be in an environment value; the message is cut to a bounded length.
    const clean = ctx.error.replaceAll('\0', '?');
    env.FTPS_BACKUP_ERROR =
      clean.length > HOOK_ERROR_LIMIT ? `${clean.slice(0, HOOK_ERROR_LIMIT - 1)}…` : clean;
  }
  return env;
}

/**
 * The commands of one phase, in order. `timeoutCapMs` shortens every timeout (after SIGTERM the service
 * has to stop soon); `from` is the environment the allow-listed variables are taken from.
 */
export function hookCommands(
  phase: HookPhase,
  settings: HookSettings,
  ctx: HookContext,
  options: { from: NodeJS.ProcessEnv; timeoutCapMs?: number | undefined },
): HookCommand[] {
  const env = childEnv(hookEnv(ctx), options.from);
  const timeoutMs = Math.min(settings.timeout, options.timeoutCapMs ?? Infinity);
  return settings[phase].map((spec, i) => {
    const [file, ...args] = isShell(spec) ? ['/bin/sh', '-c', spec.shell] : [...spec];
    if (file === undefined) throw new Error(`hook ${phase}[${i}] is an empty command`);
    return { label: `${phase}[${i}]`, file, args, env: { ...env }, timeoutMs };
  });
}

function isShell(spec: HookSpec): spec is { readonly shell: string } {
  return !Array.isArray(spec);
}
