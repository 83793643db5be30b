/** `ftps-backup check-config`: validate the configuration and the job files; every problem at once. */
import type { Command } from 'commander';
import { addConfigOption, loadCliConfig } from '../config-option.ts';
import type { CliContext } from '../context.ts';

export function registerCheckConfig(program: Command, ctx: CliContext): void {
  addConfigOption(
    program
      .command('check-config')
      .description('validate the configuration and job files')
      .option('--json', 'print JSON'),
  ).action(async (opts: { config?: string; json?: boolean }) => {
    const config = await loadCliConfig(opts, ctx);
    if (opts.json === true) {
      ctx.stdout.write(
        `${JSON.stringify({ ok: true, files: config.files, jobs: config.jobs.map((j) => j.name), warnings: config.warnings }, null, 2)}\n`,
      );
      return;
    }
    ctx.stdout.write(
      `configuration OK: ${config.files.length} file(s), ${config.jobs.length} job(s): ${config.jobs.map((j) => j.name).join(', ')}\n`,
    );
  });
}
