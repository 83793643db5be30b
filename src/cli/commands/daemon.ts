/**
 * `ftps-backup daemon`: the scheduler service (systemd/ftps-backup.service). SIGTERM/SIGINT stop
 * scheduling and abort running jobs (nothing is published; partial objects are left for the next run's
 * cleanup; locks are released) within 30 s. SIGHUP reloads and validates the configuration and keeps the
 * old one if the new one is invalid, saying why; either way it reopens the log file (logrotate's
 * convention: systemd/ftps-backup.logrotate). Everything here logs through one SwitchableLogger, so a
 * reload never leaves the scheduler or a running job holding a closed logger.
 *
 * A daemon that cannot keep running (an exception nothing caught) stops its jobs and exits 1 with the
 * reason on stderr and in the log: systemd then shows it, and Restart=on-failure applies.
 */
import type { Command } from 'commander';
import { loadConfig, type EffectiveJob, type LoadedConfig } from '../../config/index.ts';
import { Redactor, SwitchableLogger } from '../../logging/index.ts';
import {
  cronMatcher,
  cronTrigger,
  HEARTBEAT_MS,
  removeHeartbeat,
  Scheduler,
  StateStore,
  writeHeartbeat,
  type ScheduledJob,
} from '../../scheduler/index.ts';
import { addConfigOption, configPath, configuredLogger, loadCliConfig } from '../config-option.ts';
import { runConfiguredJob } from '../job-runner.ts';
import { runConfiguredVerify } from '../verify-runner.ts';
import { metricsWriter } from '../metrics.ts';
import type { CliContext } from '../context.ts';

const STOP_LIMIT_MS = 25_000;

/** Thrown out of the action when the daemon had to stop: main logs it and exits 1. */
export class DaemonFatalError extends Error {
  override name = 'DaemonFatalError';
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

/** Every job's backup schedule and, where it has one, its verification schedule. */
function scheduled(jobs: EffectiveJob[]): ScheduledJob[] {
  const out: ScheduledJob[] = [];
  for (const j of jobs) {
    if (j.schedule !== undefined) {
      out.push({ name: j.name, schedule: j.schedule, timezone: j.timezone, randomDelay: j.randomDelay });
    }
    if (j.verify !== undefined) {
      out.push({
        name: j.name,
        schedule: j.verify.schedule,
        timezone: j.timezone,
        randomDelay: 0,
        task: 'verify',
      });
    }
  }
  return out;
}

export function registerDaemon(program: Command, ctx: CliContext): void {
  addConfigOption(
    program.command('daemon').description('run the scheduler (normally as the systemd service)'),
  ).action(async (opts: { config?: string }) => {
    let config: LoadedConfig = await loadCliConfig(opts, ctx);
    const log = new SwitchableLogger(ctx.log);
    ctx.log = log;
    const redactor = ctx.redactor ?? new Redactor();
    const state = new StateStore(config.state.dir);
    const scheduler = new Scheduler({
      stateDir: config.state.dir,
      state,
      log,
      runJob: async (name, signal) => {
        const job = config.jobs.find((j) => j.name === name);
        if (job === undefined) throw new Error(`job ${name} is no longer in the configuration`);
        const r = await runConfiguredJob(config, job, ctx.env, log, redactor, signal);
        return { bytes: r.bytes, set: r.setName, warnings: r.warnings };
      },
      runVerify: (name, signal) => {
        const job = config.jobs.find((j) => j.name === name);
        if (job === undefined) throw new Error(`job ${name} is no longer in the configuration`);
        return runConfiguredVerify(config, job, ctx.env, log, redactor, signal);
      },
      trigger: cronTrigger,
      matcher: cronMatcher,
      now: () => new Date(),
      random: Math.random,
      sleep: (ms, signal) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(resolve, ms);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          });
        }),
      maxConcurrentJobs: config.scheduler.maxConcurrentJobs,
      catchUpMissed: config.scheduler.catchUpMissed,
      // the configuration in effect (a reload may change metrics.textfile)
      afterRecord: () => metricsWriter(config)?.() ?? Promise.resolve(),
    });
    let fatal: string | undefined;
    let stop: ((reason: string) => void) | undefined;
    const onFatal = (err: unknown): void => {
      if (fatal !== undefined) return;
      fatal = describe(err);
      stop?.('a fatal error');
    };
    process.on('uncaughtException', onFatal);
    process.on('unhandledRejection', onFatal);

    await scheduler.start(scheduled(config.jobs));
    // status tells from this heartbeat whether the schedules are kept (src/scheduler/heartbeat.ts)
    const started = new Date();
    const beat = (): Promise<void> =>
      writeHeartbeat(config.state.dir, started, new Date()).catch((e: unknown) =>
        log.warn(`daemon: cannot write the heartbeat: ${String(e)}`),
      );
    await beat();
    const heartbeat = setInterval(() => void beat(), HEARTBEAT_MS);
    heartbeat.unref();
    log.info(
      `daemon: running (pid ${process.pid}); SIGHUP reloads ${configPath(opts, ctx.env)} and reopens the log, SIGTERM stops`,
    );

    /**
     * Reads the configuration again and opens the log it names (or, when it is invalid, the log of the
     * configuration in effect): a valid one takes effect, an invalid one is refused with its reasons.
     */
    const reload = async (): Promise<void> => {
      log.info('SIGHUP: reloading the configuration and reopening the log');
      // Every problem is said after the swap, so it lands in the reopened log, not the rotated one.
      const problems: string[] = [];
      let next: LoadedConfig | undefined;
      try {
        next = await loadConfig(configPath(opts, ctx.env), { env: ctx.env });
      } catch (err) {
        problems.push(
          `SIGHUP: the new configuration is invalid; keeping the old one:\n${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (next !== undefined) {
        try {
          await log.replace(await configuredLogger(next, ctx));
        } catch (err) {
          problems.push(
            `SIGHUP: the new configuration's log: ${(err as Error).message}; keeping the old configuration`,
          );
          next = undefined;
        }
      }
      if (next === undefined) {
        try {
          await log.replace(await configuredLogger(config, ctx));
        } catch (err) {
          problems.push(`SIGHUP: ${(err as Error).message}; still writing to the one open before`);
        }
        for (const p of problems) log.error(p);
        return;
      }
      config = next;
      for (const w of next.warnings) log.warn(w);
      scheduler.reschedule(scheduled(next.jobs));
      log.info('SIGHUP: new configuration in effect');
    };
    let reloading = Promise.resolve();
    const onHup = (): void => {
      // one reload at a time, in the order the signals came
      reloading = reloading.then(reload).catch(onFatal);
    };
    process.on('SIGHUP', onHup);
    await new Promise<void>((resolve) => {
      const onStop = (why: string): void => {
        stop = undefined;
        log.info(`${why}: stopping the scheduler and cancelling running jobs (nothing of them is published)`);
        const hard = setTimeout(() => {
          log.error(`jobs did not stop within ${STOP_LIMIT_MS / 1000} s; exiting anyway`);
          resolve();
        }, STOP_LIMIT_MS);
        hard.unref();
        void scheduler.stop().then(() => {
          clearTimeout(hard);
          resolve();
        });
      };
      stop = onStop;
      if (fatal !== undefined) onStop('a fatal error');
      process.once('SIGTERM', onStop);
      process.once('SIGINT', onStop);
    });
    process.off('SIGHUP', onHup);
    clearInterval(heartbeat);
    await removeHeartbeat(config.state.dir).catch(() => {});
    await reloading;
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    if (fatal !== undefined) {
      // Whatever broke may still hold the event loop open: leave within 5 s even then.
      setTimeout(() => process.exit(1), 5_000).unref();
      throw new DaemonFatalError(`daemon: cannot keep running, stopped: ${fatal}`);
    }
    log.info('daemon: stopped');
  });
}
