/**
 * `ftps-backup daemon`: the scheduler service (systemd/ftps-backup.service). SIGTERM/SIGINT stop
 * scheduling and abort running jobs (nothing is published; partial objects are left for the next run's
 * cleanup; locks are released) within 30 s. SIGHUP reloads and validates the configuration and keeps the
 * old one if the new one is invalid, saying why.
 */
import type { Command } from 'commander';
import type { EffectiveJob, LoadedConfig } from '../../config/index.ts';
import { Redactor } from '../../logging/index.ts';
import { cronMatcher, cronTrigger, Scheduler, StateStore, type ScheduledJob } from '../../scheduler/index.ts';
import { addConfigOption, configPath, loadCliConfig } from '../config-option.ts';
import { runConfiguredJob } from '../job-runner.ts';
import { runConfiguredVerify } from '../verify-runner.ts';
import type { CliContext } from '../context.ts';

const STOP_LIMIT_MS = 25_000;

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
    const redactor = ctx.redactor ?? new Redactor();
    const state = new StateStore(config.state.dir);
    const scheduler = new Scheduler({
      stateDir: config.state.dir,
      state,
      log: ctx.log,
      runJob: async (name, signal) => {
        const job = config.jobs.find((j) => j.name === name);
        if (job === undefined) throw new Error(`job ${name} is no longer in the configuration`);
        const r = await runConfiguredJob(config, job, ctx.env, ctx.log, redactor, signal);
        return { bytes: r.bytes, set: r.setName, warnings: r.warnings };
      },
      runVerify: (name, signal) => {
        const job = config.jobs.find((j) => j.name === name);
        if (job === undefined) throw new Error(`job ${name} is no longer in the configuration`);
        return runConfiguredVerify(config, job, ctx.env, ctx.log, redactor, signal);
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
    });
    await scheduler.start(scheduled(config.jobs));
    ctx.log.info(
      `daemon: running (pid ${process.pid}); SIGHUP reloads ${configPath(opts, ctx.env)}, SIGTERM stops`,
    );

    const onHup = (): void => {
      ctx.log.info('SIGHUP: reloading the configuration');
      loadCliConfig(opts, ctx).then(
        (next) => {
          config = next;
          scheduler.reschedule(scheduled(next.jobs));
          ctx.log.info('SIGHUP: new configuration in effect');
        },
        (err: unknown) => {
          ctx.log.error(
            `SIGHUP: the new configuration is invalid; keeping the old one:\n${err instanceof Error ? err.message : String(err)}`,
          );
        },
      );
    };
    process.on('SIGHUP', onHup);
    await new Promise<void>((resolve) => {
      const onStop = (sig: NodeJS.Signals): void => {
        ctx.log.info(
          `${sig}: stopping the scheduler and cancelling running jobs (nothing of them is published)`,
        );
        const hard = setTimeout(() => {
          ctx.log.error(`jobs did not stop within ${STOP_LIMIT_MS / 1000} s; exiting anyway`);
          resolve();
        }, STOP_LIMIT_MS);
        hard.unref();
        void scheduler.stop().then(() => {
          clearTimeout(hard);
          resolve();
        });
      };
      process.once('SIGTERM', onStop);
      process.once('SIGINT', onStop);
    });
    process.off('SIGHUP', onHup);
    ctx.log.info('daemon: stopped');
  });
}
