/** `ftps-backup get <url> <file|->`: download to a .partial file, renamed when complete. */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { addFtpOptions, connectUrl, type FtpCliOptions } from '../ftp-connect.ts';
import { createProgress, formatBytes } from '../progress.ts';
import type { CliContext } from '../context.ts';
import { PARTIAL_SUFFIX } from '../../domain/index.ts';

export function registerGet(program: Command, ctx: CliContext): void {
  addFtpOptions(
    program
      .command('get')
      .description('download a file from an FTPS URL to a local file (or - for standard output)')
      .argument('<url>', 'the remote file')
      .argument('<file>', 'local file, or - for standard output'),
  ).action(async (urlText: string, file: string, opts: FtpCliOptions) => {
    const { client, store, url } = await connectUrl(urlText, opts, ctx);
    try {
      const total = await store.size(url.path);
      if (total === undefined) throw new Error(`${url.path} does not exist on the server`);
      const progress = createProgress(`get ${url.path}`, total, ctx.stderr, (l) => ctx.log.info(l));
      if (file === '-') {
        const n = await store.get(url.path, ctx.stdout, (b) => progress.update(b));
        progress.done(`downloaded ${url.path}: ${formatBytes(n)}`);
        return;
      }
      const tmp = `${file}${PARTIAL_SUFFIX}`;
      const out = createWriteStream(tmp);
      try {
        const n = await store.get(url.path, out, (b) => progress.update(b));
        out.end();
        await finished(out);
        if (n !== total) throw new Error(`received ${n} bytes but the server reported ${total}`);
        await rename(tmp, file);
        progress.done(`downloaded ${url.path} to ${file}: ${formatBytes(n)}`);
      } catch (err) {
        out.destroy();
        await rm(tmp, { force: true });
        throw err;
      }
    } finally {
      await client.close();
    }
  });
}
