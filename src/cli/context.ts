/** What every command gets from the composition root: streams, environment and a logger. */
import type { Logger } from '../logging/index.ts';

export interface CliContext {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  log: Logger;
}
