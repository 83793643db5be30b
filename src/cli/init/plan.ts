/**
 * The files `ftps-backup init` writes, as data (pure; see wp-config.ts for the folder's header): the
 * configuration with one FTPS destination, one job file, and the credential files the secrets name.
 * Passwords go only into credential files; the YAML refers to them with `{ credential: NAME }` (the names
 * the systemd unit's LoadCredential= lines load). The command validates the result with the real loader
 * before anything is written in place.
 */
import { stringify } from 'yaml';
import { NAME_PATTERN } from '../../config/schema.ts';
import type { SiteExclude } from './wp-config.ts';

/** Credential names: the unit's `LoadCredential=ftps:…` and `LoadCredential=mysql:…`. */
export const CREDENTIALS = { ftps: 'ftps', mysql: 'mysql' } as const;

/** The retention init proposes: the last 3 sets, then one a day for a week, a week for a month, a month for half a year. */
export const RETENTION = { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 } as const;

export type MysqlEndpoint = { host: string; port?: number | undefined } | { socket: string };

export interface InitPlanInput {
  /** The destination block (from the doctor's suggestDestinationYaml), starting with `destinations:`. */
  destinationYaml: string;
  destinationName: string;
  jobName: string;
  schedule: string;
  site: { path: string; excludes: readonly SiteExclude[]; wordpress: boolean };
  /** `password: false` for a database user without one (WordPress allows an empty DB_PASSWORD). */
  mysql?: { database: string; endpoint: MysqlEndpoint; user: string; password: boolean } | undefined;
  stateDir?: string | undefined;
  /** First comment line, e.g. `Written by ftps-backup init 0.1.0 on 2026-12-03`. */
  header: string;
}

export interface InitFiles {
  /** Relative to the configuration folder. */
  files: { path: string; content: string; secret: boolean }[];
}

/** A job name from a site folder (its last path part), fitted to the name rule; `site` when nothing fits. */
export function jobNameFromSite(sitePath: string): string {
  const base = sitePath.replace(/\/+$/, '').split('/').pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return NAME_PATTERN.test(cleaned) ? cleaned : 'site';
}

/** A job or destination name is valid, or the message saying why not. */
export function checkName(what: string, value: string): string | undefined {
  return NAME_PATTERN.test(value)
    ? undefined
    : `a ${what} is 1 to 64 letters, digits, "_", "." or "-" starting with a letter or digit, not "${value}"`;
}

export function configYaml(input: InitPlanInput): string {
  const lines = [
    `# ${input.header}.`,
    '# Reference: /usr/share/doc/ftps-backup/configuration.md; every key: config.yaml.example beside this file.',
    '# The job is in jobs/; passwords are in credentials/ (mode 0600), never here.',
    '',
    input.destinationYaml.trimEnd(),
  ];
  if (input.stateDir !== undefined) lines.push('', `state: { dir: ${JSON.stringify(input.stateDir)} }`);
  return `${lines.join('\n')}\n`;
}

export function jobYaml(input: InitPlanInput): string {
  const sources: Record<string, unknown>[] = [];
  if (input.mysql !== undefined) {
    sources.push({
      type: 'mysql',
      label: 'db',
      databases: [input.mysql.database],
      ...input.mysql.endpoint,
      user: input.mysql.user,
      ...(input.mysql.password ? { password: { credential: CREDENTIALS.mysql } } : {}),
    });
  }
  sources.push({
    type: 'directory',
    label: 'site',
    path: input.site.path,
    ...(input.site.excludes.length > 0 ? { exclude: input.site.excludes.map((e) => e.pattern) } : {}),
  });
  const body = stringify(
    {
      name: input.jobName,
      schedule: input.schedule,
      destination: input.destinationName,
      sources,
      retention: RETENTION,
    },
    { flowCollectionPadding: false },
  );
  const head = [
    `# ${input.header}.`,
    input.site.wordpress
      ? `# WordPress at ${input.site.path}: its database (from wp-config.php) and its files.`
      : `# The files of ${input.site.path}.`,
  ];
  if (input.site.excludes.length > 0) {
    head.push('# Left out of the files:');
    for (const e of input.site.excludes) head.push(`#   ${e.pattern}: ${e.reason}`);
  }
  head.push('# Retry and compression: the defaults (see config.yaml.example, "defaults:").');
  return `${head.join('\n')}\n${body}`;
}

/** Everything init writes, given the two passwords (the database's only with a mysql source). */
export function initFiles(
  input: InitPlanInput,
  secrets: { ftps: string; mysql?: string | undefined },
): InitFiles {
  const files: InitFiles['files'] = [
    { path: 'config.yaml', content: configYaml(input), secret: false },
    { path: `jobs/${input.jobName}.yaml`, content: jobYaml(input), secret: false },
    { path: `credentials/${CREDENTIALS.ftps}`, content: secrets.ftps, secret: true },
  ];
  if (input.mysql?.password === true) {
    if (secrets.mysql === undefined || secrets.mysql === '')
      throw new Error('the mysql source needs its password');
    files.push({ path: `credentials/${CREDENTIALS.mysql}`, content: secrets.mysql, secret: true });
  }
  return { files };
}

/**
 * A systemd drop-in for the packaged unit when init wrote no database credential: the unit's
 * `LoadCredential=mysql:…` would otherwise fail the start (systemd refuses a missing credential file).
 * An empty `LoadCredential=` clears the unit's list; the ftps one is loaded again.
 */
export function credentialsDropIn(configDir: string, names: readonly string[]): string {
  return [
    '# Written by ftps-backup init: load only the credentials it wrote.',
    '[Service]',
    'LoadCredential=',
    ...names.map((n) => `LoadCredential=${n}:${configDir}/credentials/${n}`),
    '',
  ].join('\n');
}
