/**
 * The composition root of a backup run: turns a loaded configuration into concrete objects — the store
 * factory of a destination (secrets resolved here, registered with the redactor), the object plans of
 * a job (one per database, one per folder) and its age recipients.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  resolveSecret,
  type Destination,
  type EffectiveJob,
  type FtpsDestination,
  type LoadedConfig,
  type MysqlSource,
} from '../config/index.ts';
import { objectName, shownName } from '../domain/index.ts';
import {
  createDirectorySource,
  createCommandSource,
  createMysqlSource,
  createSqliteSource,
  listDatabases,
  unsafeDatabaseName,
  type MysqlConnectionOptions,
} from '../sources/index.ts';
import { ageRecipients, loadRecipients, type Recipient } from '../pipeline/index.ts';
import { ftpsStoreFactory } from '../storage/ftps.ts';
import { localStoreFactory } from '../storage/local.ts';
import type { StoreFactory } from '../storage/types.ts';
import type { ObjectPlan, RunJobInput } from '../app/run-job.ts';
import { Redactor, type Logger } from '../logging/index.ts';
import { loadCliConfig } from './config-option.ts';
import type { CliContext } from './context.ts';
import { normaliseFingerprint, type TlsSettings } from '../ftp/index.ts';
import { VERSION } from './version.ts';
import { UsageError } from './ftp-url.ts';

export interface Destinations {
  store: StoreFactory;
  /** Root folder inside the store under which `<job>/<set>/` live. */
  root: string;
  connections: number;
}

export async function buildDestination(
  dest: Destination,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
): Promise<Destinations> {
  if (dest.type === 'local') {
    return { store: localStoreFactory(dest.path), root: '/', connections: 2 };
  }
  const password = await resolveSecret(dest.password, { env, onWarning: (m) => log.warn(m) });
  redactor.add(password);
  if (dest.tls === 'none')
    log.warn(`destination ${dest.host}: tls: none — the password and the backups travel in clear text`);
  if (dest.insecure)
    log.warn(`destination ${dest.host}: insecure: true — the server certificate is not checked`);
  const store = ftpsStoreFactory({
    host: dest.host,
    port: dest.port,
    tlsMode: dest.tls,
    user: dest.user,
    password,
    tls: await destinationTlsSettings(dest),
    maxSessionAgeMs: dest.maxSessionAge,
    timeouts: {
      connectMs: dest.timeouts.connect,
      replyMs: dest.timeouts.idle,
      dataMs: dest.timeouts.data,
      finalReplyMs: dest.timeouts.finalReply,
    },
    log: { debug: (m) => log.debug(m), info: (m) => log.info(m), warn: (m) => log.warn(m) },
  });
  return { store, root: dest.root, connections: dest.connections };
}

/** How an FTPS destination's server is trusted (its CA file is read here). */
export async function destinationTlsSettings(dest: FtpsDestination): Promise<TlsSettings> {
  return {
    ca: dest.ca !== undefined ? await readFile(dest.ca) : undefined,
    fingerprint256: dest.fingerprint !== undefined ? normaliseFingerprint(dest.fingerprint) : undefined,
    insecure: dest.insecure,
    maxVersion: dest.tlsMaxVersion === '1.2' ? 'TLSv1.2' : 'TLSv1.3',
    legacyRenegotiation: dest.legacyRenegotiation,
  };
}

/**
 * The object plans of a job; `warnings` says what was left out (a database whose name cannot be passed
 * safely to the dump client): the run then ends with the outcome `warning`.
 */
export async function buildObjectPlans(
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
): Promise<{ plans: ObjectPlan[]; warnings: string[] }> {
  const plans: ObjectPlan[] = [];
  const warnings: string[] = [];
  const algorithm = job.compression.algorithm;
  const encrypted = job.encryption !== undefined;
  for (const source of job.sources) {
    if (source.type === 'directory') {
      plans.push({
        name: objectName({ kind: 'directory', label: source.label }, algorithm, encrypted),
        source: createDirectorySource({
          label: source.label,
          path: source.path,
          exclude: source.exclude,
          excludeIfPresent: source.excludeIfPresent,
          onUnreadable: source.onUnreadable,
          onWarning: (m) => log.warn(`${source.label}: ${m}`),
        }),
      });
      continue;
    }
    if (source.type === 'sqlite') {
      plans.push({
        name: objectName({ kind: 'sqlite', label: source.label }, algorithm, encrypted),
        source: createSqliteSource({ label: source.label, path: source.path }),
      });
      continue;
    }
    if (source.type === 'command') {
      const vars: Record<string, string> = {};
      for (const [name, ref] of Object.entries(source.env)) {
        vars[name] = await resolveSecret(ref, { env, onWarning: (m) => log.warn(m) });
        redactor.add(vars[name]);
      }
      plans.push({
        name: objectName({ kind: 'command', label: source.label }, algorithm, encrypted),
        source: createCommandSource({ label: source.label, command: source.command, env: vars }),
      });
      continue;
    }
    const connection = await mysqlConnection(source, env, log, redactor);
    let databases = source.databases;
    if (databases === 'all') {
      const visible = await listDatabases(connection);
      databases = [];
      for (const name of visible) {
        const why = unsafeDatabaseName(name);
        if (why === undefined) databases.push(name);
        else {
          const w = `source ${source.label}: database ${shownName(name)} is skipped: ${why}`;
          log.warn(w);
          warnings.push(w);
        }
      }
    }
    if (databases.length === 0)
      throw new UsageError(`job ${job.name}: source ${source.label} found no databases to back up`);
    for (const database of databases) {
      plans.push({
        name: objectName({ kind: 'mysql', database }, algorithm, encrypted),
        source: createMysqlSource({
          ...connection,
          database,
          excludeTables: source.excludeTables,
          extraOptions: source.extraOptions,
          onWarning: (m) => log.warn(`${database}: ${m}`),
        }),
      });
    }
  }
  return { plans, warnings };
}

/** A mysql source's connection, its password resolved and registered with the redactor. */
export async function mysqlConnection(
  source: MysqlSource,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
): Promise<MysqlConnectionOptions & { password?: string }> {
  const password =
    source.password === undefined
      ? undefined
      : await resolveSecret(source.password, { env, onWarning: (m) => log.warn(m) });
  redactor.add(password);
  return {
    user: source.user,
    ...(source.socket !== undefined
      ? { socket: source.socket }
      : { host: source.host, ...(source.port !== undefined ? { port: source.port } : {}) }),
    ...(password !== undefined ? { password } : {}),
  };
}

/**
 * The age recipients of a job's `encryption` (recipientsFile read and checked; the passphrase resolved
 * and registered with the redactor), or undefined when the job is not encrypted.
 */
export async function buildEncryption(
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
): Promise<{ recipients: Recipient[] } | undefined> {
  const e = job.encryption;
  if (e === undefined) return undefined;
  try {
    if (e.passphrase !== undefined) {
      const passphrase = await resolveSecret(e.passphrase, { env, onWarning: (m) => log.warn(m) });
      redactor.add(passphrase);
      log.info(`job ${job.name}: objects are encrypted with age (passphrase)`);
      return { recipients: ageRecipients({ passphrase }) };
    }
    const listed = [
      ...(e.recipients ?? []),
      ...(e.recipientsFile !== undefined ? await loadRecipients(e.recipientsFile) : []),
    ];
    log.info(`job ${job.name}: objects are encrypted with age to ${listed.length} recipient(s)`);
    return { recipients: ageRecipients({ recipients: listed }) };
  } catch (err) {
    throw new UsageError(`job ${job.name}: encryption: ${(err as Error).message}`, { cause: err });
  }
}

export function findJob(config: LoadedConfig, name: string): EffectiveJob {
  const job = config.jobs.find((j) => j.name === name);
  if (job === undefined) {
    const known = config.jobs.map((j) => j.name).join(', ') || 'none';
    throw new UsageError(`no job named "${name}" in ${config.configFile} (known: ${known})`);
  }
  return job;
}

/** The job's destination, built (its password resolved); an unknown destination name is a UsageError. */
export async function buildJobDestination(
  config: LoadedConfig,
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
): Promise<Destinations> {
  const destination = config.destinations[job.destination];
  if (destination === undefined)
    throw new UsageError(`job ${job.name}: unknown destination ${job.destination}`);
  return buildDestination(destination, env, log, redactor);
}

/** The configuration, one job of it and that job's destination: what list and prune start from. */
export async function jobDestination(
  opts: { config?: string },
  name: string,
  ctx: CliContext,
): Promise<{ config: LoadedConfig; job: EffectiveJob; dest: Destinations }> {
  const config = await loadCliConfig(opts, ctx);
  const job = findJob(config, name);
  const dest = await buildJobDestination(config, job, ctx.env, ctx.log, ctx.redactor ?? new Redactor());
  return { config, job, dest };
}

/**
 * Backup runs and prune do not yet know how to work on an append-only destination (final names, no
 * rename, no cleanup; prune with its own login): refused with the reason rather than failing midway.
 */
export function refuseAppendOnly(config: LoadedConfig, job: EffectiveJob, what: string): void {
  const dest = config.destinations[job.destination];
  if (dest?.type === 'ftps' && dest.appendOnly) {
    throw new UsageError(
      `job ${job.name}: destination ${job.destination} has appendOnly: true, and ${what} on an append-only destination is not supported yet (ftps-backup doctor ${job.destination} checks the login)`,
    );
  }
}

export async function runJobInput(
  config: LoadedConfig,
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  log: Logger,
  redactor: Redactor,
): Promise<RunJobInput> {
  refuseAppendOnly(config, job, 'a backup run');
  const destination = await buildJobDestination(config, job, env, log, redactor);
  const encryption = await buildEncryption(job, env, log, redactor);
  const { plans: objects, warnings } = await buildObjectPlans(job, env, log, redactor);
  return {
    job: job.name,
    host: hostname(),
    toolVersion: VERSION,
    root: destination.root,
    objects,
    compression:
      job.compression.algorithm === 'none'
        ? { algorithm: 'none' }
        : { algorithm: job.compression.algorithm, level: job.compression.level },
    encryption,
    stores: destination.store,
    parallel: destination.connections,
    replayWindowBytes: job.replayWindow,
    spool: job.spool ? { dir: job.spoolDir } : undefined,
    retry: {
      attempts: job.retry.attempts,
      initialDelayMs: job.retry.initialDelay,
      maxDelayMs: job.retry.maxDelay,
    },
    log,
    warnings,
    anomaly: job.anomaly.enabled
      ? { rowDrop: job.anomaly.rowDrop, folderShrink: job.anomaly.folderShrink }
      : undefined,
  };
}
