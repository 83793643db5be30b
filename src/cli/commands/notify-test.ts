/**
 * `ftps-backup notify-test <job>`: sends a test report (marked test, no backup made) through every
 * notification channel of a job, whatever its `on`, and says for each whether it arrived. Healthchecks
 * get a success ping. Exit code 1 when any channel failed.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { Redactor } from '../../logging/index.ts';
import { notifyFinish } from '../../notify/index.ts';
import { addConfigOption, loadCliConfig } from '../config-option.ts';
import { findJob } from '../compose.ts';
import { UsageError } from '../ftp-url.ts';
import { buildNotifiers } from '../notifications.ts';
import type { CliContext } from '../context.ts';

export class NotifyTestFailedError extends Error {
  override name = 'NotifyTestFailedError';
}

export function registerNotifyTest(program: Command, ctx: CliContext): void {
  addConfigOption(
    program
      .command('notify-test')
      .description("send a test notification through each of a job's channels")
      .argument('<job>', 'job name'),
  ).action(async (name: string, opts: { config?: string }) => {
    const config = await loadCliConfig(opts, ctx);
    const job = findJob(config, name);
    if (job.notifications.length === 0)
      throw new UsageError(`job ${job.name} has no notifications (nor do the defaults)`);
    const notifiers = await buildNotifiers(job, ctx.env, ctx.log, ctx.redactor ?? new Redactor());
    const now = new Date();
    const results = await notifyFinish(
      notifiers,
      {
        job: job.name,
        host: hostname(),
        outcome: 'success',
        startedAt: now,
        finishedAt: now,
        warnings: [],
        logTail: `${now.toISOString()} info: ftps-backup notify-test: a test notification; no backup was made`,
        test: true,
      },
      ctx.log,
      { all: true },
    );
    for (const r of results) {
      ctx.stdout.write(r.error === undefined ? `sent    ${r.label}\n` : `FAILED  ${r.label}: ${r.error}\n`);
    }
    const skipped = job.notifications.length - notifiers.length;
    const failed = results.filter((r) => r.error !== undefined).length;
    if (failed + skipped > 0) {
      throw new NotifyTestFailedError(
        `${failed + skipped} of ${job.notifications.length} notification(s) of job ${job.name} did not go out`,
      );
    }
  });
}
