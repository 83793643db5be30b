/** Where the configuration comes from: --config, then FTPS_BACKUP_CONFIG, then /etc/ftps-backup/config.yaml. */
import type { Command } from 'commander';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/index.ts';
import { createLogger, type ClosableLogger } from '../logging/index.ts';
import type { CliContext } from './context.ts';

export const DEFAULT_CONFIG = '/etc/ftps-backup/config.yaml';

export function addConfigOption(cmd: Command): Command {
  return cmd.option(
    '-c, --config <file>',
    `configuration file (default: $FTPS_BACKUP_CONFIG or ${DEFAULT_CONFIG})`,
  );
}

export function configPath(opts: { config?: string }, env: NodeJS.ProcessEnv): string {
  return opts.config ?? env.FTPS_BACKUP_CONFIG ?? DEFAULT_CONFIG;
}

/**
 * Loads and validates; from then on the process logs as the configuration's `log:` says (level, file,
 * text or JSON; --debug still wins). Warnings are logged. A ConfigError propagates (exit code 2).
 */
export async function loadCliConfig(opts: { config?: string }, ctx: CliContext): Promise<LoadedConfig> {
  const config = await loadConfig(configPath(opts, ctx.env), { env: ctx.env });
  const previous = ctx.log;
  ctx.log = await configuredLogger(config, ctx);
  await previous.close();
  for (const w of config.warnings) ctx.log.warn(w);
  return config;
}

/**
 * A new logger as the configuration's `log:` section says (the log file opened now: an error if it
 * cannot be). The daemon calls it again at every SIGHUP, which is how the log file is reopened.
 */
export async function configuredLogger(config: LoadedConfig, ctx: CliContext): Promise<ClosableLogger> {
  try {
    return await createLogger(
      {
        level: ctx.debug === true ? 'debug' : config.log.level,
        format: config.log.format,
        file: config.log.file,
        journal: ctx.env.JOURNAL_STREAM !== undefined,
        stream: ctx.stderr,
      },
      ctx.redactor,
    );
  } catch (err) {
    throw new Error(`cannot open the log file ${config.log.file ?? ''}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export { ConfigError };
