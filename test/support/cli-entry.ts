/** Runs the CLI from the TypeScript sources in a child process (Node >= 22.18 strips the types). */
import { main } from '../../src/cli/main.ts';

process.exitCode = await main(process.argv);
