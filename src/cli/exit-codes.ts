/**
 * The exit code of every command, decided in one place from the error (and its cause chain) that ended
 * it, so `run`, `list`, `restore`, `verify`, `prune` and the rest agree with the README's table:
 *
 *   0 success · 1 the operation failed · 2 usage, configuration or secret error · 3 could not connect,
 *   log in or trust the server · 4 (`run`) every set was published, at least one with warnings.
 *
 * A wrapper (a job that failed, a retry that gave up) keeps what it wraps as `cause`, so a 530 deep in
 * a run is still 3. `run` with several jobs exits with the most severe code of its jobs.
 */
import { CommanderError } from 'commander';
import { SecretError } from '../config/index.ts';
import {
  FtpConnectionError,
  FtpLoginError,
  FtpReplyError,
  FtpTimeoutError,
  FtpTlsError,
} from '../ftp/index.ts';
import { UsageError } from './ftp-url.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2, connect: 3, warning: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Could not connect to or log in to something other than an FTPS server (a database): exit 3. */
export class LoginFailedError extends Error {
  override name = 'LoginFailedError';
}

/** An error that stands for several (one per job): its code is the most severe of theirs. */
export interface ErrorGroup {
  readonly errors: readonly unknown[];
}

/**
 * Most severe first: a configuration or secret problem (nothing can work until it is fixed), then the
 * server (login, trust, network), then any other failure, then warnings.
 */
const SEVERITY: readonly ExitCode[] = [EXIT.usage, EXIT.connect, EXIT.failed, EXIT.warning, EXIT.ok];

export function mostSevere(codes: readonly ExitCode[]): ExitCode {
  for (const code of SEVERITY) if (codes.includes(code)) return code;
  return EXIT.ok;
}

/** The code one error stands for by itself, or undefined when it says nothing specific. */
function classify(err: unknown): ExitCode | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof UsageError || err instanceof SecretError || err.name === 'ConfigError')
    return EXIT.usage;
  if (
    err instanceof FtpLoginError ||
    err instanceof FtpTlsError ||
    err instanceof FtpConnectionError ||
    err instanceof FtpTimeoutError ||
    err instanceof LoginFailedError ||
    (err instanceof FtpReplyError && err.code === 530) // "not logged in", whenever it comes
  ) {
    return EXIT.connect;
  }
  if (err.name === 'JobsWarnedError') return EXIT.warning;
  return undefined;
}

function isGroup(err: unknown): err is ErrorGroup {
  return typeof err === 'object' && err !== null && Array.isArray((err as Partial<ErrorGroup>).errors);
}

const MAX_CAUSES = 16;

/** The exit code for the error that ended a command. */
export function exitCodeFor(err: unknown): ExitCode {
  let e: unknown = err;
  for (let depth = 0; depth < MAX_CAUSES && e !== undefined && e !== null; depth++) {
    if (isGroup(e) && e.errors.length > 0) return mostSevere(e.errors.map(exitCodeFor));
    const code = classify(e);
    if (code !== undefined) return code;
    e = e instanceof Error ? e.cause : undefined;
  }
  return EXIT.failed;
}
