/**
 * src/cli — the command line: the only place that touches process.argv, process.exit and stdout, and the
 * composition root that builds concrete objects. One small file per command.
 *
 * Exit codes: see exit-codes.ts (one function decides them for every command).
 */
import { Command, CommanderError } from 'commander';
import { createLogger, Redactor } from '../logging/index.ts';
import { VERSION } from './version.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import type { CliContext } from './context.ts';

export { EXIT };

export interface MainIo {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

type Register = (program: Command, ctx: CliContext) => void;

/** Every command, by name, loaded on demand. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  put: () => import('./commands/put.ts').then((m) => m.registerPut),
  get: () => import('./commands/get.ts').then((m) => m.registerGet),
  ls: () => import('./commands/ls.ts').then((m) => m.registerLs),
  rm: () => import('./commands/rm.ts').then((m) => m.registerRm),
  run: () => import('./commands/run.ts').then((m) => m.registerRun),
  'check-config': () => import('./commands/check-config.ts').then((m) => m.registerCheckConfig),
  list: () => import('./commands/list.ts').then((m) => m.registerList),
  quickstart: () => import('./commands/quickstart.ts').then((m) => m.registerQuickstart),
  prune: () => import('./commands/prune.ts').then((m) => m.registerPrune),
  daemon: () => import('./commands/daemon.ts').then((m) => m.registerDaemon),
  status: () => import('./commands/status.ts').then((m) => m.registerStatus),
  verify: () => import('./commands/verify.ts').then((m) => m.registerVerify),
  doctor: () => import('./commands/doctor.ts').then((m) => m.registerDoctor),
  'notify-test': () => import('./commands/notify-test.ts').then((m) => m.registerNotifyTest),
  restore: () => import('./commands/restore.ts').then((m) => m.registerRestore),
  init: () => import('./commands/init.ts').then((m) => m.registerInit),
};

/**
 * Registers the command named on the command line, or all of them (for help, or an unknown name, so
 * commander can list them). Loading only what runs keeps memory down: the FTP commands need only src/ftp,
 * and `run` never loads the daemon, quick start or verification code.
 */
async function registerCommands(program: Command, ctx: CliContext, argv: readonly string[]): Promise<void> {
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  const only = name !== undefined ? COMMANDS[name] : undefined;
  const loaders = only !== undefined ? [only] : Object.values(COMMANDS);
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program, ctx);
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
  await registerCommands(program, ctx, argv);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return exitCodeFor(err); // commander said it already
    const e = err instanceof Error ? err : new Error(String(err));
    // not an error: every set was published, some with warnings (said by the run itself)
    const warned = e.name === 'JobsWarnedError';
    const [first, ...rest] = e.message.split('\n');
    for (const line of [first ?? e.name, ...rest]) {
      if (warned) ctx.log.warn(line);
      else ctx.log.error(line);
    }
    return exitCodeFor(e);
  } finally {
    await ctx.log.close();
  }
}
