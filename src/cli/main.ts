/**
 * src/cli — the command line: the only place that touches process.argv, process.exit and stdout, and the
 * composition root that builds concrete objects. One small file per command.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from './version.ts';

/** Runs the CLI and resolves to the process exit code (documented in the README). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('ftps-backup')
    .description('Scheduled backups of MySQL/MariaDB databases and site folders to FTPS servers')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  }
}
