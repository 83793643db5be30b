/** Runs the CLI in-process with captured standard streams. */
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (c: Buffer) => void o.push(c));
  err.on('data', (c: Buffer) => void e.push(c));
  const code = await main(['node', 'ftps-backup', ...args], {
    stdout: out as unknown as NodeJS.WriteStream,
    stderr: err as unknown as NodeJS.WriteStream,
    env: { PATH: process.env.PATH, ...env },
  });
  return { code, stdout: Buffer.concat(o).toString(), stderr: Buffer.concat(e).toString() };
}
