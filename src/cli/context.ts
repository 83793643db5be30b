/** What every command gets from the composition root: streams, environment and a logger. */
import type { Logger, Redactor } from '../logging/index.ts';

export interface CliContext {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Secret values seen so far (resolved passwords): every log line is cleaned of them. */
  redactor?: Redactor;
}
