/** `ftps-backup rm <url>`: delete a remote file, or a folder with -r. */
import type { Command } from 'commander';
import { addFtpOptions, connectUrl, type FtpCliOptions } from '../ftp-connect.ts';
import type { CliContext } from '../context.ts';

export function registerRm(program: Command, ctx: CliContext): void {
  addFtpOptions(
    program
      .command('rm')
      .description('delete a remote file (or a folder and its contents with -r)')
      .argument('<url>', 'the remote file or folder')
      .option('-r, --recursive', 'remove a folder and everything in it'),
  ).action(async (urlText: string, opts: FtpCliOptions & { recursive?: boolean }) => {
    const { client, store, url } = await connectUrl(urlText, opts, ctx);
    try {
      if (opts.recursive === true) await store.removeTree(url.path);
      else await store.remove(url.path);
      ctx.log.info(`removed ${url.path}`);
    } finally {
      await client.close();
    }
  });
}
