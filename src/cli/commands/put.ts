/** `ftps-backup put <file|-> [<file>…] <url>`: verified uploads over one session, via a .partial name. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { ReplayableSource } from '../../ftp/index.ts';
import type { RetryingStore } from '../../storage/retrying.ts';
import { addFtpOptions, connectUrl, type FtpCliOptions } from '../ftp-connect.ts';
import { createProgress, formatBytes } from '../progress.ts';
import { UsageError } from '../ftp-url.ts';
import type { CliContext } from '../context.ts';
import { PARTIAL_SUFFIX } from '../../domain/index.ts';

export function registerPut(program: Command, ctx: CliContext): void {
  addFtpOptions(
    program
      .command('put')
      .description(
        'upload files (or - for standard input) to an FTPS URL; several files go into the URL as a folder',
      )
      .argument('<files...>', 'files to upload, then the destination URL'),
  ).action(async (args: string[], opts: FtpCliOptions) => {
    if (args.length < 2) throw new UsageError('put needs at least one file and a destination URL');
    const urlText = args.at(-1)!;
    const files = args.slice(0, -1);
    if (files.filter((f) => f === '-').length > 0 && files.length > 1) {
      throw new UsageError('standard input (-) can only be uploaded alone');
    }
    const { client, store, url } = await connectUrl(urlText, opts, ctx);
    try {
      const intoFolder = files.length > 1 || url.path.endsWith('/');
      if (intoFolder && url.path !== '/') await store.mkdirp(url.path);
      for (const file of files) {
        const remote = intoFolder
          ? `${url.path.replace(/\/+$/, '')}/${file === '-' ? 'stdin' : basename(file)}`
          : url.path;
        await putOne(store, file, remote, ctx);
      }
    } finally {
      await client.close();
    }
  });
}

async function putOne(store: RetryingStore, file: string, remote: string, ctx: CliContext): Promise<void> {
  let source: ReplayableSource;
  let total: number | undefined;
  if (file === '-') {
    let used = false;
    // Standard input can be read once: a drop mid-way cannot be resumed.
    source = {
      open: (offset) => {
        if (used || offset !== 0) return undefined;
        used = true;
        return ctx.stdin;
      },
      replayable: () => (used ? undefined : { from: 0, to: 0 }),
    };
  } else {
    const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
    });
    if (!st.isFile()) throw new UsageError(`${file} is not a regular file`);
    total = st.size;
    source = { open: (offset) => createReadStream(file, { start: offset, highWaterMark: 256 * 1024 }) };
  }
  const partial = `${remote}${PARTIAL_SUFFIX}`;
  const progress = createProgress(`put ${remote}`, total, ctx.stderr, (l) => ctx.log.info(l));
  const started = Date.now();
  // Standard input is the one source that cannot be read again: past its window a drop ends the upload.
  const result = await store.putObject(partial, () => source, {
    onProgress: (b) => progress.update(b),
    restartable: false,
  });
  await store.rename(partial, remote);
  progress.done(
    `uploaded ${remote}: ${formatBytes(result.bytes)}, sha256 ${result.sha256}, verified by ${result.verified}` +
      (result.resumedFrom.length > 0 ? `, resumed at ${result.resumedFrom.join(', ')}` : '') +
      ` (${Date.now() - started} ms, ${result.attempts} attempt${result.attempts === 1 ? '' : 's'})`,
  );
}
