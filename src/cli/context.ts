/** What every command gets from the composition root: streams, environment and a logger. */
import type { ClosableLogger, Redactor } from '../logging/index.ts';

export interface CliContext {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Replaced once a configuration is loaded (its log: section); closed by main at exit. */
  log: ClosableLogger;
  /** --debug was given. */
  debug?: boolean;
  /** Secret values seen so far (resolved passwords): every log line is cleaned of them. */
  redactor?: Redactor;
}
