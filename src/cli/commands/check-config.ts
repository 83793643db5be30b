/**
 * `ftps-backup check-config`: validate the configuration and the job files, then check offline what the
 * runs will need (config-checks.ts: folders, CA and recipients files, secret files and their modes);
 * every problem at once, each with file:line:column, exit 2. `--online` also logs in to each destination
 * and database the jobs use.
 */
import type { Command } from 'commander';
import { ConfigError, formatProblem, type ConfigProblem } from '../../config/index.ts';
import { addConfigOption, loadCliConfig } from '../config-option.ts';
import { checkConfigOffline } from '../config-checks.ts';
import type { CliContext } from '../context.ts';
import type { ErrorGroup } from '../exit-codes.ts';
import type { OnlineResult } from '../config-online.ts';

/** check-config --online found problems: the exit code follows the errors behind them (exit-codes.ts). */
class OnlineCheckError extends Error implements ErrorGroup {
  override name = 'OnlineCheckError';
  readonly errors: readonly unknown[];
  constructor(problems: ConfigProblem[], errors: readonly unknown[]) {
    super(problems.map(formatProblem).join('\n'));
    this.errors = errors;
  }
}

export function registerCheckConfig(program: Command, ctx: CliContext): void {
  addConfigOption(
    program
      .command('check-config')
      .description('validate the configuration and job files, and check the files and folders they name')
      .option('--online', 'also log in to each destination and database')
      .option('--json', 'print JSON'),
  ).action(async (opts: { config?: string; json?: boolean; online?: boolean }) => {
    const config = await loadCliConfig(opts, ctx);
    const problems = await checkConfigOffline(config, ctx.env);
    let online: OnlineResult | undefined;
    if (opts.online === true && problems.length === 0) {
      const { checkConfigOnline } = await import('../config-online.ts');
      online = await checkConfigOnline(config, ctx);
      problems.push(...online.problems);
    }
    if (opts.json === true) {
      ctx.stdout.write(
        `${JSON.stringify(
          {
            ok: problems.length === 0,
            files: config.files,
            jobs: config.jobs.map((j) => j.name),
            warnings: config.warnings,
            problems: problems.map(formatProblem),
          },
          null,
          2,
        )}\n`,
      );
    }
    // offline problems are configuration errors (2); a refused login is 3, like in every command
    if (online !== undefined && online.errors.length > 0) throw new OnlineCheckError(problems, online.errors);
    if (problems.length > 0) throw new ConfigError(problems);
    if (opts.json === true) return;
    ctx.stdout.write(
      `configuration OK: ${config.files.length} file(s), ${config.jobs.length} job(s): ${config.jobs.map((j) => j.name).join(', ')}` +
        `${opts.online === true ? '; every destination and database accepted the login' : ''}\n`,
    );
  });
}
