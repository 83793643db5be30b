/**
 * Sends to every channel that wants the outcome, all at once, each bounded by its deadline. Never throws:
 * a failing channel is logged as a warning and the run's outcome stays what it was (habit 9: the
 * original error wins).
 */
import type { JobReport, JobStart, Notifier, NotifyLog } from './types.ts';

/** What became of one channel's send: `error` is set when it failed (already logged). */
export interface SendResult {
  label: string;
  error?: string | undefined;
}

async function guarded(
  n: Notifier,
  what: string,
  log: NotifyLog,
  send: () => Promise<void>,
  limitMs = Infinity,
): Promise<SendResult> {
  let timer: NodeJS.Timeout | undefined;
  const ms = Math.min(n.deadlineMs, limitMs);
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${Math.round(ms / 1000)} s`)), ms);
    timer.unref();
  });
  try {
    await Promise.race([send(), deadline]);
    log.info(`${what}: sent ${n.label}`);
    return { label: n.label };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log.warn(`${what}: ${n.label} failed: ${error}`);
    return { label: n.label, error };
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

/**
 * The end of a run, to every channel that wants its outcome (`all`: to every channel, as notify-test
 * does). `limitMs` shortens every channel's deadline (a cancelled run should not hold up a stopping
 * process).
 */
export async function notifyFinish(
  notifiers: readonly Notifier[],
  report: JobReport,
  log: NotifyLog,
  opts: { limitMs?: number | undefined; all?: boolean } = {},
): Promise<SendResult[]> {
  const what = `job ${report.job}: ${report.test === true ? 'test' : report.outcome} notification`;
  return Promise.all(
    notifiers
      .filter((n) => opts.all === true || n.wants(report.outcome))
      .map((n) => guarded(n, what, log, () => n.finish(report), opts.limitMs)),
  );
}
