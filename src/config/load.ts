/**
 * loadConfig: config.yaml plus every job file of the jobs folder, validated against the schema, checked
 * across files (destination names, duplicate job names), with the defaults resolved into each job.
 * All problems of all files are thrown together as one ConfigError.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  ConfigError,
  formatProblem,
  problemsFromIssues,
  YamlFile,
  type ConfigProblem,
  type PathSegment,
} from './errors.ts';
import {
  configSchema,
  jobSchema,
  type Compression,
  type Config,
  type HookCommandSpec,
  type Hooks,
  type Job,
  type Notification,
  type RetentionPolicy,
  type RetryPolicy,
  type SecretRef,
} from './schema.ts';
import type { WithCredentialsDir } from './secrets.ts';

/** A job with the defaults applied: everything a run needs besides the destination and the secrets. */
export type EffectiveJob = Omit<
  Job,
  'compression' | 'retention' | 'retry' | 'spool' | 'randomDelay' | 'notifications' | 'hooks'
> & {
  compression: Compression;
  /** The job's own policy if it has one, else defaults.retention (policies are not merged). */
  retention: RetentionPolicy;
  /** defaults.retry with the job's fields laid over it. */
  retry: RetryPolicy;
  spool: boolean;
  spoolDir: string;
  /** Bytes. */
  replayWindow: number;
  /** Milliseconds. */
  randomDelay: number;
  /** The job's own list if it has one (even an empty one), else defaults.notifications (lists are not merged). */
  notifications: Notification[];
  /** Per phase, the job's list if it has one, else the defaults' list; the timeout likewise. */
  hooks: EffectiveHooks;
  /** The file the job is defined in (config.yaml for inline jobs). */
  file: string;
};

export type LoadedConfig = Omit<Config, 'jobs' | 'jobsDir'> & {
  /** The configuration file as given to loadConfig. */
  configFile: string;
  /** Absolute folder of the job files (it may not exist). */
  jobsDir: string;
  /** Inline jobs first, then those of the job files in name order. */
  jobs: EffectiveJob[];
  /** Things that work but deserve attention (TLS off, certificate not checked…), formatted like problems. */
  warnings: string[];
  /** Every file read: the configuration file, then the job files. */
  files: string[];
};

export interface LoadConfigOptions {
  /** The environment secrets will be resolved from (only used for warnings here). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

interface JobEntry {
  file: YamlFile;
  /** Where the job is in its file: [] for a job file, ['jobs', i] for an inline job. */
  prefix: PathSegment[];
  raw: unknown;
  parsed: Job | undefined;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function readProblem(file: string, what: string, err: unknown): ConfigProblem {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'it does not exist'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder'
          : (code ?? String(err));
  return { file, line: 0, column: 0, path: '', message: `cannot read the ${what}: ${why}` };
}

async function readYaml(
  file: string,
  what: string,
  problems: ConfigProblem[],
): Promise<YamlFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    problems.push(readProblem(file, what, err));
    return undefined;
  }
  const yaml = new YamlFile(file, text);
  problems.push(...yaml.syntaxProblems);
  return yaml;
}

/** The job files of a folder, sorted; undefined when the folder does not exist. */
async function listJobFiles(dir: string): Promise<string[] | undefined> {
  try {
    const names = await readdir(dir);
    return names
      .filter((n) => !n.startsWith('.') && /\.ya?ml$/.test(n))
      .sort()
      .map((n) => join(dir, n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export interface EffectiveHooks {
  /** Milliseconds each command may take. */
  timeout: number;
  before: HookCommandSpec[];
  after: HookCommandSpec[];
  onError: HookCommandSpec[];
  always: HookCommandSpec[];
}

/** The hook timeout when neither the job nor the defaults set one. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5 * 60_000;

function effectiveHooks(job: Hooks | undefined, defaults: Hooks | undefined): EffectiveHooks {
  return {
    timeout: job?.timeout ?? defaults?.timeout ?? DEFAULT_HOOK_TIMEOUT_MS,
    before: job?.before ?? defaults?.before ?? [],
    after: job?.after ?? defaults?.after ?? [],
    onError: job?.onError ?? defaults?.onError ?? [],
    always: job?.always ?? defaults?.always ?? [],
  };
}

function effectiveJob(job: Job, config: Config, file: string): EffectiveJob {
  const d = config.defaults;
  return {
    ...job,
    compression: job.compression ?? d.compression,
    retention: job.retention ?? d.retention,
    retry: {
      attempts: job.retry?.attempts ?? d.retry.attempts,
      initialDelay: job.retry?.initialDelay ?? d.retry.initialDelay,
      maxDelay: job.retry?.maxDelay ?? d.retry.maxDelay,
    },
    spool: job.spool ?? d.spool,
    spoolDir: d.spoolDir,
    replayWindow: d.replayWindow,
    randomDelay: job.randomDelay ?? d.randomDelay,
    encryption: job.encryption ?? d.encryption,
    notifications: job.notifications ?? d.notifications,
    hooks: effectiveHooks(job.hooks, d.hooks),
    file,
  };
}

/** Every secret reference of a loaded configuration, with where it is written (for check-config, redaction). */
export function secretRefs(
  config: Pick<LoadedConfig, 'destinations' | 'jobs'>,
): Array<{ where: string; ref: SecretRef }> {
  const out: Array<{ where: string; ref: SecretRef }> = [];
  for (const [name, d] of Object.entries(config.destinations)) {
    if (d.type === 'ftps') out.push({ where: `destinations.${name}.password`, ref: d.password });
  }
  for (const job of config.jobs) {
    job.sources.forEach((s, i) => {
      if (s.type === 'mysql' && s.password !== undefined) {
        out.push({ where: `job ${job.name}: sources[${i}].password`, ref: s.password });
      }
      if (s.type === 'command') {
        for (const [name, ref] of Object.entries(s.env)) {
          out.push({ where: `job ${job.name}: sources[${i}].env.${name}`, ref });
        }
      }
    });
    if (job.encryption?.passphrase !== undefined) {
      out.push({ where: `job ${job.name}: encryption.passphrase`, ref: job.encryption.passphrase });
    }
    job.notifications.forEach((n, i) => {
      const at = `job ${job.name}: notifications[${i}]`;
      if (n.type === 'webhook') {
        for (const [header, value] of Object.entries(n.headers)) {
          if (typeof value !== 'string') out.push({ where: `${at}.headers.${header}`, ref: value });
        }
      } else if (n.type === 'healthchecks') {
        if (typeof n.url !== 'string') out.push({ where: `${at}.url`, ref: n.url });
      } else if (n.password !== undefined) {
        out.push({ where: `${at}.password`, ref: n.password });
      }
    });
  }
  return out;
}

function secretWarning(ref: SecretRef, env: NodeJS.ProcessEnv, credentialsDir: string): string | undefined {
  if ('env' in ref && env[ref.env] === undefined) {
    return `environment variable ${ref.env} is not set here: the password will be missing when this runs`;
  }
  if (
    'credential' in ref &&
    (env.CREDENTIALS_DIRECTORY ?? '') === '' &&
    !existsSync(join(credentialsDir, ref.credential))
  ) {
    return `credential ${ref.credential} cannot be read here: $CREDENTIALS_DIRECTORY is not set (not under systemd) and ${join(credentialsDir, ref.credential)} does not exist`;
  }
  return undefined;
}

/**
 * Writes the configuration's credentialsDir into every { credential } reference (see secrets.ts), so
 * resolving one needs nothing but the reference and the environment.
 */
function attachCredentialsDir(value: unknown, dir: string, seen = new Set<object>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const v of value) attachCredentialsDir(v, dir, seen);
    return;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.credential === 'string' && Object.keys(record).length === 1) {
    // not enumerable: the configuration still prints and compares as written
    Object.defineProperty(record, 'credentialsDir' satisfies keyof WithCredentialsDir, {
      value: dir,
      enumerable: false,
    });
    return;
  }
  for (const v of Object.values(record)) attachCredentialsDir(v, dir, seen);
}

function configWarnings(config: Config, file: YamlFile, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const warn = (path: PathSegment[], message: string, atKey = false) =>
    out.push(formatProblem(file.problem(path, message, atKey)));
  for (const [name, d] of Object.entries(config.destinations)) {
    if (d.type !== 'ftps') continue;
    const at = ['destinations', name];
    if (d.tls === 'none') {
      warn([...at, 'tls'], 'TLS is off: the password and the backups cross the network unencrypted');
      if (d.fingerprint !== undefined || d.ca !== undefined) {
        warn([...at, 'tls'], 'fingerprint and ca have no effect without TLS');
      }
    }
    if (d.insecure) {
      warn(
        [...at, 'insecure'],
        'the server certificate is not checked: anyone in the middle can read the password and the backups (pin it with fingerprint instead)',
      );
      if (d.ca !== undefined) warn([...at, 'ca'], 'ca has no effect while insecure is true');
    }
    const s = secretWarning(d.password, env, config.credentialsDir);
    if (s !== undefined) warn([...at, 'password'], s);
  }
  return out;
}

function jobWarnings(
  entry: JobEntry,
  job: EffectiveJob,
  env: NodeJS.ProcessEnv,
  credentialsDir: string,
): string[] {
  const out: string[] = [];
  const warn = (path: PathSegment[], message: string) =>
    out.push(formatProblem(entry.file.problem([...entry.prefix, ...path], message)));
  job.sources.forEach((s, i) => {
    if (s.type !== 'mysql' || s.password === undefined) return;
    const w = secretWarning(s.password, env, credentialsDir);
    if (w !== undefined) warn(['sources', i, 'password'], w);
  });
  const r = job.retention;
  if (Object.values(r).every((v) => v === undefined)) {
    warn(['name'], `job ${job.name} has no retention policy: every set is kept forever`);
  }
  return out;
}

/** The position of a node as 'file:line:col', for messages that point at another place. */
function where(file: YamlFile, path: PathSegment[]): string {
  const { line, column } = file.locate(path);
  return `${file.file}:${line}:${column}`;
}

export async function loadConfig(path: string, opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];

  const configFile = await readYaml(path, 'configuration file', problems);
  if (configFile === undefined) throw new ConfigError(problems);

  let config: Config | undefined;
  if (configFile.data !== undefined) {
    const result = configSchema.safeParse(configFile.data);
    if (result.success) config = result.data;
    else problems.push(...problemsFromIssues(result.error.issues, configFile));
  }
  const rawConfig = asRecord(configFile.data);

  // The jobs folder: jobsDir relative to the configuration file, default ./jobs beside it.
  const rawJobsDir = typeof rawConfig?.jobsDir === 'string' ? rawConfig.jobsDir : undefined;
  const jobsDir = resolve(dirname(path), rawJobsDir ?? 'jobs');
  let jobPaths: string[] = [];
  try {
    const listed = await listJobFiles(jobsDir);
    if (listed === undefined && rawJobsDir !== undefined) {
      warnings.push(formatProblem(configFile.problem(['jobsDir'], `jobs folder ${jobsDir} does not exist`)));
    }
    jobPaths = listed ?? [];
  } catch (err) {
    const p = readProblem(configFile.file, `jobs folder ${jobsDir}`, err);
    problems.push(rawJobsDir !== undefined ? configFile.problem(['jobsDir'], p.message) : p);
  }

  const entries: JobEntry[] = [];
  const inline = Array.isArray(rawConfig?.jobs) ? (rawConfig.jobs as unknown[]) : [];
  inline.forEach((raw, i) => {
    entries.push({ file: configFile, prefix: ['jobs', i], raw, parsed: config?.jobs?.[i] });
  });
  const jobFiles: YamlFile[] = [];
  for (const jobPath of jobPaths) {
    const file = await readYaml(jobPath, 'job file', problems);
    if (file === undefined || file.data === undefined) continue;
    jobFiles.push(file);
    const result = jobSchema.safeParse(file.data);
    if (!result.success) problems.push(...problemsFromIssues(result.error.issues, file));
    entries.push({ file, prefix: [], raw: file.data, parsed: result.success ? result.data : undefined });
  }

  // Across files: job names are unique, destinations exist. Checked on the raw data so that these
  // problems are reported together with the others.
  const rawDestinations = asRecord(rawConfig?.destinations);
  const destinationNames = rawDestinations !== undefined ? Object.keys(rawDestinations) : undefined;
  const firstByName = new Map<string, JobEntry>();
  for (const entry of entries) {
    const raw = asRecord(entry.raw);
    if (raw === undefined) continue;
    if (typeof raw.name === 'string') {
      const first = firstByName.get(raw.name);
      if (first === undefined) firstByName.set(raw.name, entry);
      else {
        problems.push(
          entry.file.problem(
            [...entry.prefix, 'name'],
            `duplicate job name "${raw.name}": already defined at ${where(first.file, [...first.prefix, 'name'])}`,
          ),
        );
      }
    }
    if (typeof raw.destination === 'string' && destinationNames !== undefined) {
      if (!destinationNames.includes(raw.destination)) {
        problems.push(
          entry.file.problem(
            [...entry.prefix, 'destination'],
            destinationNames.length === 0
              ? `unknown destination "${raw.destination}": ${configFile.file} defines no destinations`
              : `unknown destination "${raw.destination}" (expected one of: ${destinationNames.join(', ')})`,
          ),
        );
      }
    }
  }

  const jobs: EffectiveJob[] = [];
  if (config !== undefined) {
    for (const entry of entries) {
      if (entry.parsed === undefined) continue;
      const job = effectiveJob(entry.parsed, config, entry.file.file);
      if (job.retry.initialDelay > job.retry.maxDelay) {
        problems.push(
          entry.file.problem(
            [...entry.prefix, 'retry'],
            'expected maxDelay to be at least initialDelay (after applying defaults.retry)',
          ),
        );
      }
      jobs.push(job);
      warnings.push(...jobWarnings(entry, job, env, config.credentialsDir));
    }
  }

  if (problems.length > 0 || config === undefined) {
    const order = [configFile.file, ...jobPaths];
    const rank = (p: ConfigProblem) => {
      const i = order.indexOf(p.file);
      return i < 0 ? order.length : i;
    };
    problems.sort((a, b) => rank(a) - rank(b) || a.line - b.line || a.column - b.column);
    throw new ConfigError(problems);
  }

  warnings.unshift(...configWarnings(config, configFile, env));
  attachCredentialsDir([config, jobs], config.credentialsDir);
  const { jobs: _inline, jobsDir: _dir, ...rest } = config;
  return {
    ...rest,
    configFile: configFile.file,
    jobsDir,
    jobs,
    warnings,
    files: [configFile.file, ...jobFiles.map((f) => f.file)],
  };
}
