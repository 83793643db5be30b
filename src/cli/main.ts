/**
 * src/cli — the command line: the only place that touches process.argv, process.exit and stdout, and the
 * composition root that builds concrete objects. One small file per command.
 *
 * Exit codes: 0 success; 1 the operation failed; 2 usage or configuration error; 3 could not connect,
 * log in or trust the server.
 */
import { Command, CommanderError } from 'commander';
import { FtpConnectionError, FtpLoginError, FtpTimeoutError, FtpTlsError } from '../ftp/index.ts';
import { createLogger, Redactor } from '../logging/index.ts';
import { ConfigError } from '../config/index.ts';
import { VERSION } from './version.ts';
import { UsageError } from './ftp-url.ts';
import type { CliContext } from './context.ts';
import { registerPut } from './commands/put.ts';
import { registerGet } from './commands/get.ts';
import { registerLs } from './commands/ls.ts';
import { registerRm } from './commands/rm.ts';
import { registerRun } from './commands/run.ts';
import { registerCheckConfig } from './commands/check-config.ts';
import { registerList } from './commands/list.ts';
import { registerQuickstart } from './commands/quickstart.ts';
import { registerPrune } from './commands/prune.ts';
import { registerDaemon } from './commands/daemon.ts';
import { registerStatus } from './commands/status.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2, connect: 3 } as const;

export interface MainIo {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: readonly string[], io: MainIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const stderr = io.stderr ?? process.stderr;
  const redactor = new Redactor();
  const log = await createLogger(
    {
      level: argv.includes('--debug') ? 'debug' : 'info',
      journal: env.JOURNAL_STREAM !== undefined,
      stream: stderr,
    },
    redactor,
  );
  const ctx: CliContext = {
    stdin: io.stdin ?? process.stdin,
    stdout: io.stdout ?? process.stdout,
    stderr,
    env,
    log,
    redactor,
    debug: argv.includes('--debug'),
  };
  const program = new Command('ftps-backup')
    .description('Scheduled backups of MySQL/MariaDB databases and site folders to FTPS servers')
    .version(VERSION)
    .option('--debug', 'log debug detail')
    .exitOverride()
    .configureOutput({ writeErr: (s) => stderr.write(s), writeOut: (s) => ctx.stdout.write(s) });
  registerPut(program, ctx);
  registerGet(program, ctx);
  registerLs(program, ctx);
  registerRm(program, ctx);
  registerRun(program, ctx);
  registerCheckConfig(program, ctx);
  registerList(program, ctx);
  registerQuickstart(program, ctx);
  registerPrune(program, ctx);
  registerDaemon(program, ctx);
  registerStatus(program, ctx);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    const [first, ...rest] = e.message.split('\n');
    ctx.log.error(`${first ?? e.name}`);
    for (const line of rest) ctx.log.error(line);
    if (e instanceof UsageError || e instanceof ConfigError) return EXIT.usage;
    if (
      e instanceof FtpLoginError ||
      e instanceof FtpTlsError ||
      e instanceof FtpConnectionError ||
      e instanceof FtpTimeoutError
    ) {
      return EXIT.connect;
    }
    return EXIT.failed;
  } finally {
    await ctx.log.close();
  }
}
