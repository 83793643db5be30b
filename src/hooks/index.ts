/**
 * src/hooks — the commands a job runs around its backup (`hooks: { before, after, onError, always }`).
 * plan.ts builds each command as data (program, arguments, environment, timeout) and is tested by
 * equality; run.ts is the small spawn wrapper that runs one and logs its output. May import src/domain,
 * src/logging (the Logger type) and src/sources/child-env.ts (the allow-listed child environment).
 */
export {
  HOOK_PHASES,
  hookCommands,
  hookEnv,
  type HookCommand,
  type HookContext,
  type HookOutcome,
  type HookPhase,
  type HookSettings,
  type HookSpec,
} from './plan.ts';
export { runHookCommand, runHookPhase, type HookFailure } from './run.ts';
