/**
 * `ftps-backup ls <url>`: list a remote folder (MLSD, or LIST with Unix/DOS parsing). Names are the
 * server's: control characters are printed escaped (\x1b), never raw.
 */
import type { Command } from 'commander';
import { escapeControls } from '../../ftp/index.ts';
import { addFtpOptions, connectUrl, type FtpCliOptions } from '../ftp-connect.ts';
import type { CliContext } from '../context.ts';

export function registerLs(program: Command, ctx: CliContext): void {
  addFtpOptions(
    program
      .command('ls')
      .description('list a remote folder')
      .argument('<url>', 'the remote folder')
      .option('--json', 'print JSON'),
  ).action(async (urlText: string, opts: FtpCliOptions) => {
    const { client, retry, url } = await connectUrl(urlText, opts, ctx);
    try {
      const entries = await retry(`listing ${url.path}`, () => client.list(url.path));
      entries.sort((a, b) => a.name.localeCompare(b.name));
      if (opts.json === true) {
        ctx.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      for (const e of entries) {
        const kind = e.type === 'dir' ? 'd' : e.type === 'link' ? 'l' : e.type === 'file' ? '-' : '?';
        const size = e.size === undefined ? '' : String(e.size);
        const when = e.modified === undefined ? '' : e.modified.toISOString().replace('.000Z', 'Z');
        ctx.stdout.write(
          // the server chose the names: control characters are printed as escapes, never sent raw
          `${kind} ${size.padStart(14)} ${when.padEnd(20)} ${escapeControls(e.name)}${e.target ? ` -> ${escapeControls(e.target)}` : ''}\n`,
        );
      }
    } finally {
      await client.close();
    }
  });
}
