/**
 * `check-config --online`: logs in to every destination the jobs use (and lists its root folder) and to
 * every database source (SHOW DATABASES, and each configured database is there), with the secrets
 * resolved as a run would. A failure is a problem at the destination's or source's place in the YAML.
 */
import { readFile } from 'node:fs/promises';
import { YamlFile, type ConfigProblem, type LoadedConfig, type PathSegment } from '../config/index.ts';
import { listDatabases } from '../sources/index.ts';
import { Redactor } from '../logging/index.ts';
import { buildDestination, mysqlConnection } from './compose.ts';
import type { CliContext } from './context.ts';
import { LoginFailedError } from './exit-codes.ts';

/** What --online found: each problem, and the errors behind them (they decide the exit code). */
export interface OnlineResult {
  problems: ConfigProblem[];
  errors: unknown[];
}

export async function checkConfigOnline(config: LoadedConfig, ctx: CliContext): Promise<OnlineResult> {
  const redactor = ctx.redactor ?? new Redactor();
  const problems: ConfigProblem[] = [];
  const errors: unknown[] = [];
  const yamls = new Map<string, YamlFile>();
  const problem = async (
    file: string,
    path: PathSegment[],
    message: string,
    atKey = false,
  ): Promise<void> => {
    let y = yamls.get(file);
    if (y === undefined) {
      y = new YamlFile(file, await readFile(file, 'utf8'));
      yamls.set(file, y);
    }
    problems.push(y.problem(path, redactor.redact(message), atKey));
  };
  const why = (err: unknown): string => (err instanceof Error ? err.message : String(err));

  const used = new Set(config.jobs.map((j) => j.destination));
  for (const name of used) {
    const dest = config.destinations[name];
    if (dest === undefined) continue;
    try {
      const built = await buildDestination(dest, ctx.env, ctx.log, redactor);
      const store = await built.store.open();
      try {
        await store.list(built.root);
        ctx.log.info(`destination ${name}: login OK (${built.store.description})`);
      } finally {
        await store.close();
      }
    } catch (err) {
      errors.push(err);
      await problem(config.configFile, ['destinations', name], `login failed: ${why(err)}`, true);
    }
  }

  const inline = config.jobs.filter((j) => j.file === config.configFile);
  for (const job of config.jobs) {
    const prefix: PathSegment[] = job.file === config.configFile ? ['jobs', inline.indexOf(job)] : [];
    for (const [i, source] of job.sources.entries()) {
      if (source.type !== 'mysql') continue;
      try {
        const connection = await mysqlConnection(source, ctx.env, ctx.log, redactor);
        const visible = await listDatabases({ ...connection, includeMysql: true });
        const missing =
          source.databases === 'all' ? [] : source.databases.filter((d) => !visible.includes(d));
        if (missing.length > 0) {
          await problem(
            job.file,
            [...prefix, 'sources', i, 'databases'],
            `user ${source.user} logs in but does not see ${missing.join(', ')}`,
          );
        } else ctx.log.info(`job ${job.name}: database login OK (${source.user})`);
      } catch (err) {
        errors.push(new LoginFailedError(`database login failed: ${why(err)}`, { cause: err }));
        await problem(job.file, [...prefix, 'sources', i], `database login failed: ${why(err)}`);
      }
    }
  }
  return { problems, errors };
}
