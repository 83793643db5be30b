/**
 * Sends to every channel that wants the outcome, all at once, each bounded by its deadline. Never throws:
 * a failing channel is logged as a warning and the run's outcome stays what it was (habit 9: the
 * original error wins).
 */
import type { JobReport, JobStart, Notifier, NotifyLog } from './types.ts';

async function guarded(
  n: Notifier,
  what: string,
  log: NotifyLog,
  send: () => Promise<void>,
  limitMs = Infinity,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ms = Math.min(n.deadlineMs, limitMs);
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${Math.round(ms / 1000)} s`)), ms);
    timer.unref();
  });
  try {
    await Promise.race([send(), deadline]);
    log.info(`${what}: sent ${n.label}`);
  } catch (err) {
    log.warn(`${what}: ${n.label} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

export async function notifyStart(
  notifiers: readonly Notifier[],
  job: JobStart,
  log: NotifyLog,
): Promise<void> {
  const what = `job ${job.job}: start notification`;
  await Promise.all(
    notifiers.flatMap((n) => {
      const start = n.start;
      return start === undefined ? [] : [guarded(n, what, log, () => start(job))];
    }),
  );
}

/** `limitMs` shortens every channel's deadline (a cancelled run should not hold up a stopping process). */
export async function notifyFinish(
  notifiers: readonly Notifier[],
  report: JobReport,
  log: NotifyLog,
  limitMs?: number,
): Promise<void> {
  const what = `job ${report.job}: ${report.outcome} notification`;
  await Promise.all(
    notifiers
      .filter((n) => n.wants(report.outcome))
      .map((n) => guarded(n, what, log, () => n.finish(report), limitMs)),
  );
}
