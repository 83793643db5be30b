/**
 * `ftps-backup init`: a first configuration from a few answers (or flags, for scripts). It checks the
 * FTPS server with the doctor's checks (TLS, certificate — pinned when the system's CAs do not trust it —,
 * login, a write test), looks at the site folder (WordPress: database settings from wp-config.php, its
 * login checked, the usual excludes), then writes config.yaml, jobs/<name>.yaml and the credential files
 * (0600, owned by the ftps-backup user when it exists), validated by the real loader before anything is
 * put in place, refusing to replace a configuration without --force. It offers the first run and verify.
 * The pure parts are in src/cli/init/.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { diagnose, type Diagnosis } from '../../doctor/index.ts';
import { loadConfig } from '../../config/index.ts';
import { cronProblem } from '../../config/schema.ts';
import { normaliseFingerprint, type TlsSettings } from '../../ftp/index.ts';
import { findDumpBinary, whichInPath } from '../../sources/mysql-command.ts';
import { runClient } from '../../sources/mysql.ts';
import { parseFtpUrl, UsageError, type FtpUrl } from '../ftp-url.ts';
import { VERSION } from '../version.ts';
import { formatStep, readCa, suggestDestinationYaml, summaryLine } from './doctor.ts';
import {
  CREDENTIALS,
  checkName,
  credentialsDropIn,
  initFiles,
  jobNameFromSite,
  type InitPlanInput,
  type MysqlEndpoint,
} from '../init/plan.ts';
import { nonInteractivePrompter, terminalPrompter, type Prompter } from '../init/prompt.ts';
import {
  parseDbHost,
  parseWpConfig,
  USUAL_SOCKETS,
  WORDPRESS_EXCLUDES,
  type WpConfig,
} from '../init/wp-config.ts';
import type { CliContext } from '../context.ts';

export const DEFAULT_CONFIG_DIR = '/etc/ftps-backup';
export const DEFAULT_SCHEDULE = '30 3 * * *';
const SERVICE_USER = 'ftps-backup';
const WP_CONFIG_LIMIT = 1024 * 1024;
const TIMEOUTS = { connectMs: 15_000, replyMs: 30_000, dataMs: 60_000, finalReplyMs: 60_000 };

interface InitOptions {
  url?: string;
  passwordFile?: string;
  caFile?: string;
  fingerprint?: string;
  tls12?: boolean;
  site?: string;
  name?: string;
  schedule?: string;
  database?: boolean;
  dbPasswordFile?: string;
  configDir?: string;
  stateDir?: string;
  yes?: boolean;
  force?: boolean;
  run?: boolean;
}

export class InitServerError extends Error {
  override name = 'InitServerError';
}

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description(
      'write a first configuration: check the FTPS server, look at the site (WordPress: its database), write config.yaml, a job and the credentials',
    )
    .option(
      '--url <url>',
      'the FTPS server and folder: ftpes://user@host[:port]/path (or ftps:// for implicit TLS)',
    )
    .option('--password-file <file>', 'the FTPS password (default: $FTPS_PASSWORD, or asked on a terminal)')
    .option('--ca-file <file>', 'trust the CA certificate(s) in this PEM file')
    .option('--fingerprint <sha256>', 'trust exactly the certificate with this SHA-256 fingerprint')
    .option('--tls12', 'cap TLS at version 1.2 (for servers with broken TLS 1.3)')
    .option('--site <folder>', 'the site folder to back up (e.g. /var/www/blog)')
    .option('--name <job>', 'the job name (default: the site folder name)')
    .option('--schedule <cron>', `when the job runs (default: "${DEFAULT_SCHEDULE}", 03:30 every night)`)
    .option('--no-database', 'do not back up the database named in wp-config.php')
    .option('--db-password-file <file>', "the database password (default: wp-config.php's DB_PASSWORD)")
    .option('--config-dir <folder>', `where to write the configuration (default: ${DEFAULT_CONFIG_DIR})`)
    .option('--state-dir <folder>', 'state folder to write into config.yaml (default: the built-in one)')
    .option('-y, --yes', 'no questions: take the flags and the defaults, pin an untrusted certificate')
    .option('--force', 'replace an existing configuration (the old files are kept as *.before-init)')
    .option('--no-run', 'do not offer the first backup and verify')
    .action(async (opts: InitOptions) => {
      const tty = ctx.stdin.isTTY === true && ctx.stdout.isTTY === true && opts.yes !== true;
      const p = tty
        ? terminalPrompter(ctx.stdin, ctx.stdout)
        : nonInteractivePrompter(ctx.stdout, opts.yes === true);
      try {
        await init(opts, ctx, p);
      } finally {
        p.close();
      }
    });
}

async function init(opts: InitOptions, ctx: CliContext, p: Prompter): Promise<void> {
  const configDir = resolve(opts.configDir ?? DEFAULT_CONFIG_DIR);
  const configFile = join(configDir, 'config.yaml');
  if (existsSync(configFile) && opts.force !== true) {
    throw new UsageError(
      `${configFile} exists already: edit it (ftps-backup check-config checks it), or run init --force to replace it (the old files are kept as *.before-init)`,
    );
  }
  p.say(`ftps-backup init: a configuration in ${configDir}. Enter takes the value in [brackets].`);

  // 1. the server
  const url = await p.ask<FtpUrl>({
    text: 'FTPS server and folder (ftpes://user@host/path)',
    given: opts.url,
    flag: '--url',
    check: (s) => parseFtpUrl(s),
  });
  const fromFile =
    opts.passwordFile !== undefined ? await readSecretFile(opts.passwordFile, '--password-file') : undefined;
  const passwordQuestion = {
    text: `Password of ${url.user}@${url.host}`,
    flag: '--password-file (or FTPS_PASSWORD)',
    check: nonEmpty,
  };
  let password = await p.secret(passwordQuestion, fromFile ?? ctx.env.FTPS_PASSWORD);
  ctx.redactor?.add(password);
  const port = url.port ?? (url.tlsMode === 'implicit' ? 990 : 21);
  const caFile = opts.caFile !== undefined ? resolve(opts.caFile) : undefined;
  const tls: TlsSettings = {
    ca: caFile !== undefined ? await readCa(caFile) : undefined,
    fingerprint256: opts.fingerprint !== undefined ? normaliseFingerprint(opts.fingerprint) : undefined,
    maxVersion: opts.tls12 === true ? 'TLSv1.2' : 'TLSv1.3',
  };
  let diagnosis: Diagnosis;
  for (let attempt = 1; ; attempt++) {
    p.say(
      `\nChecking ${url.tlsMode === 'implicit' ? 'ftps' : 'ftpes'}://${url.user}@${url.host}:${port}${url.path}`,
    );
    diagnosis = await diagnose({
      host: url.host,
      port,
      tlsMode: url.tlsMode,
      tls,
      user: url.user,
      password,
      root: url.path,
      timeouts: TIMEOUTS,
      now: new Date(),
      testFileName: `.ftps-backup-init-${randomBytes(4).toString('hex')}`,
      onStep: (step) => ctx.stdout.write(formatStep(step)),
      log: { debug: (m) => ctx.log.debug(m), info: (m) => ctx.log.debug(m), warn: (m) => ctx.log.warn(m) },
    });
    const cert = diagnosis.facts.certificate;
    if (
      cert !== undefined &&
      cert.trustedBy === 'nothing' &&
      tls.fingerprint256 === undefined &&
      attempt < 4
    ) {
      p.say(
        [
          '',
          "The server's certificate is not trusted by this machine's CAs.",
          `  SHA-256 fingerprint: ${cert.fingerprint256}`,
          `  subject: ${cert.subject}; issuer: ${cert.issuer}; valid until ${cert.validTo}`,
          'Compare it with the one on the server (openssl x509 -noout -fingerprint -sha256 -in <its certificate>)',
          'or ask your hosting provider. Pinning trusts exactly this certificate from now on.',
        ].join('\n'),
      );
      if (!(await p.confirm('Pin this certificate?', false))) {
        throw new InitServerError(
          `the server's certificate is not trusted: pin it with --fingerprint sha256:${cert.fingerprint256} (after checking it), or give its CA with --ca-file`,
        );
      }
      tls.fingerprint256 = cert.fingerprint256;
      continue;
    }
    const loginFailed = diagnosis.steps.some((s) => s.id === 'login' && s.ok === false);
    if (loginFailed && p.interactive && attempt < 4) {
      p.say('The login failed (see the checklist above). Try the password again, or Ctrl-C to stop.');
      password = await p.secret(passwordQuestion, undefined);
      ctx.redactor?.add(password);
      continue;
    }
    break;
  }
  p.say(`\n${summaryLine(diagnosis)}`);
  if (!diagnosis.ok || diagnosis.stoppedBecause !== undefined) {
    const failed = diagnosis.steps.filter((s) => s.ok === false).map((s) => s.title);
    throw new InitServerError(
      `the server check failed (${failed.join(', ') || diagnosis.stoppedBecause}); nothing was written. Fix it and run init again (ftps-backup doctor ${url.tlsMode === 'implicit' ? 'ftps' : 'ftpes'}://${url.user}@${url.host}:${port}${url.path} repeats the checks)`,
    );
  }
  const cert = diagnosis.facts.certificate;
  const destinationName = checkName('destination', url.host) === undefined ? url.host : 'server';
  const destinationYaml = suggestDestinationYaml({
    name: destinationName,
    host: url.host,
    port,
    tls: url.tlsMode,
    user: url.user,
    password: { credential: CREDENTIALS.ftps },
    root: url.path,
    ca: cert?.trustedBy === 'CA file' ? caFile : undefined,
    fingerprint: cert?.trustedBy === 'pinned fingerprint' ? cert.fingerprint256 : undefined,
    unverifiedPin: false,
    tlsMaxVersion: opts.tls12 === true ? '1.2' : undefined,
  });

  // 2. the site
  const site = await p.ask<string>({
    text: '\nSite folder to back up',
    given: opts.site,
    default: p.interactive ? '/var/www/html' : undefined,
    flag: '--site',
    check: checkSiteFolder,
  });
  const wp = findWpConfig(site);
  let mysql: { plan: NonNullable<InitPlanInput['mysql']>; password: string } | undefined;
  if (wp !== undefined) {
    p.say(
      `WordPress found: ${wp.file}${wp.config.tablePrefix !== undefined ? ` (table prefix ${wp.config.tablePrefix})` : ''}`,
    );
    if (opts.database === false) {
      p.say('  its database is left out (--no-database)');
    } else {
      mysql = await databaseSource(wp.config, opts, p, ctx);
    }
  } else {
    p.say(`No wp-config.php in ${site} or its parent: the files only.`);
  }

  // 3. the job
  const jobName = await p.ask<string>({
    text: 'Job name',
    given: opts.name,
    default: jobNameFromSite(site),
    flag: '--name',
    check: (s) => {
      const problem = checkName('job name', s);
      if (problem !== undefined) throw new Error(problem);
      if (existsSync(join(configDir, 'jobs', `${s}.yaml`)) && opts.force !== true) {
        throw new Error(
          `${join(configDir, 'jobs', `${s}.yaml`)} exists already: choose another name, or use --force`,
        );
      }
      return s;
    },
  });
  const schedule = await p.ask<string>({
    text: 'Schedule (cron: minute hour day-of-month month day-of-week)',
    given: opts.schedule,
    default: DEFAULT_SCHEDULE,
    flag: '--schedule',
    check: (s) => {
      const problem = cronProblem(s);
      if (problem !== undefined) throw new Error(problem);
      return s;
    },
  });

  // 4. write: into a temporary folder first, validated by the loader, then moved in place
  const plan: InitPlanInput = {
    destinationYaml,
    destinationName,
    jobName,
    schedule,
    site: { path: site, excludes: wp !== undefined ? WORDPRESS_EXCLUDES : [], wordpress: wp !== undefined },
    mysql: mysql?.plan,
    stateDir: opts.stateDir !== undefined ? resolve(opts.stateDir) : undefined,
    header: `Written by ftps-backup init ${VERSION} on ${new Date().toISOString().slice(0, 10)}`,
  };
  const { files } = initFiles(plan, { ftps: password, mysql: mysql?.password });
  const owner = serviceOwner();
  await writeConfiguration(configDir, files, owner, opts.force === true, p);
  const credentialsDir = join(configDir, 'credentials');
  // as the unit runs it: the credentials in CREDENTIALS_DIRECTORY
  const loaded = await loadConfig(configFile, { env: { ...ctx.env, CREDENTIALS_DIRECTORY: credentialsDir } });
  p.say(
    `\ncheck-config: configuration OK: ${loaded.files.length} file(s), ${loaded.jobs.length} job(s): ${loaded.jobs.map((j) => j.name).join(', ')}`,
  );
  for (const w of loaded.warnings) p.say(`  warning: ${w}`);
  const how = owner !== undefined ? ` as the ${SERVICE_USER} user` : '';

  // 5. the first run and verify
  const runArgs = ['run', jobName, '--config', configFile];
  const verifyArgs = ['verify', jobName, '--config', configFile];
  if (opts.run !== false && (await p.confirm(`\nRun the first backup now${how}, then verify it?`, true))) {
    const env = { ...ctx.env, CREDENTIALS_DIRECTORY: credentialsDir };
    for (const args of [runArgs, verifyArgs]) {
      p.say(`\n$ ftps-backup ${args.join(' ')}`);
      const code = await runSelf(args, env, owner, ctx);
      if (code !== 0) {
        throw new Error(
          `ftps-backup ${args[0]} ended with exit code ${code}; the configuration stays in ${configDir}`,
        );
      }
    }
  } else {
    p.say(
      `\nBy hand: CREDENTIALS_DIRECTORY=${credentialsDir} ftps-backup ${runArgs.join(' ')}` +
        `\n   then: CREDENTIALS_DIRECTORY=${credentialsDir} ftps-backup ${verifyArgs.join(' ')}`,
    );
  }
  // the packaged unit loads credentials/mysql too: without a database password it would not start
  if (mysql?.plan.password !== true && owner !== undefined && existsSync('/etc/systemd/system')) {
    const dropInDir = '/etc/systemd/system/ftps-backup.service.d';
    await mkdir(dropInDir, { recursive: true });
    await writeFile(join(dropInDir, 'credentials.conf'), credentialsDropIn(configDir, [CREDENTIALS.ftps]));
    p.say(
      `wrote ${dropInDir}/credentials.conf (the unit loads only credentials/${CREDENTIALS.ftps}; systemctl daemon-reload)`,
    );
  }
  p.say(
    `\nDone. Start the schedule with: systemctl enable --now ftps-backup\n` +
      `(the unit loads credentials/${CREDENTIALS.ftps}${mysql?.plan.password === true ? ` and credentials/${CREDENTIALS.mysql}` : ''}; see README "Install")`,
  );
}

function nonEmpty(s: string): string {
  if (s === '') throw new Error('the password is empty');
  return s;
}

async function readSecretFile(file: string, flag: string): Promise<string> {
  try {
    const text = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    if (text === '') throw new UsageError(`${flag}: ${file} is empty`);
    return text;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

function checkSiteFolder(s: string): string {
  if (!isAbsolute(s)) throw new Error(`give the full path of the folder (starting with /), not "${s}"`);
  const path = resolve(s);
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${path}: ${code === 'ENOENT' ? 'no such folder' : (code ?? String(err))}`, {
      cause: err,
    });
  }
  if (!st.isDirectory()) throw new Error(`${path} is not a folder`);
  return path;
}

/** wp-config.php in the site folder, or one level up (WordPress looks there too). */
function findWpConfig(site: string): { file: string; config: WpConfig } | undefined {
  for (const file of [join(site, 'wp-config.php'), join(dirname(site), 'wp-config.php')]) {
    let st;
    try {
      st = statSync(file);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    if (st.size > WP_CONFIG_LIMIT) {
      throw new UsageError(`${file} is larger than 1 MiB: not a wp-config.php init can read`);
    }
    return { file, config: parseWpConfig(readFileSync(file, 'utf8')) };
  }
  return undefined;
}

/** The mysql source from wp-config.php, its login checked; re-asked on a terminal when it fails. */
async function databaseSource(
  wp: WpConfig,
  opts: InitOptions,
  p: Prompter,
  ctx: CliContext,
): Promise<{ plan: NonNullable<InitPlanInput['mysql']>; password: string }> {
  for (const problem of wp.problems) p.say(`  wp-config.php: ${problem}`);
  try {
    findDumpBinary((name) => whichInPath(name, ctx.env.PATH ?? ''));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; or run init with --no-database`);
  }
  const database = await p.ask<string>({
    text: 'Database',
    given: wp.dbName,
    flag: 'DB_NAME in wp-config.php',
    check: (s) => {
      if (!/^[^/\\.\0]{1,64}$/.test(s)) throw new Error(`not a database name: "${s}"`);
      return s;
    },
  });
  const endpoint = await p.ask<MysqlEndpoint>({
    text: 'Database server (DB_HOST: localhost, host:port or localhost:/path/to.sock)',
    given: wp.dbHost,
    flag: 'DB_HOST in wp-config.php',
    check: (s) => {
      const parsed = parseDbHost(s);
      if (parsed.kind === 'socket') return { socket: parsed.socket };
      if (parsed.kind === 'tcp')
        return { host: parsed.host, ...(parsed.port !== undefined ? { port: parsed.port } : {}) };
      const socket = USUAL_SOCKETS.find((path) => existsSync(path));
      return socket !== undefined ? { socket } : { host: 'localhost' };
    },
  });
  let user = await p.ask<string>({
    text: 'Database user',
    given: wp.dbUser,
    flag: 'DB_USER in wp-config.php',
    check: (s) => s,
  });
  let password =
    opts.dbPasswordFile !== undefined
      ? await readSecretFile(opts.dbPasswordFile, '--db-password-file')
      : wp.dbPassword;
  if (password === undefined) {
    password = await p.secret(
      { text: `Password of database user ${user}`, flag: '--db-password-file', check: (s) => s },
      undefined,
    );
  }
  for (let attempt = 1; ; attempt++) {
    ctx.redactor?.add(password);
    const where =
      'socket' in endpoint
        ? `socket ${endpoint.socket}`
        : `${endpoint.host}${endpoint.port !== undefined ? `:${endpoint.port}` : ''}`;
    try {
      await runClient(
        { ...endpoint, user, password: password === '' ? undefined : password },
        ['--batch', '--skip-column-names', `--database=${database}`, '--execute=SELECT 1'],
        'the login check',
      );
      p.say(`✓ database: logged in to ${database} on ${where} as ${user}`);
      break;
    } catch (err) {
      p.say(`✗ database: cannot log in to ${database} on ${where} as ${user}: ${(err as Error).message}`);
      if (!p.interactive || attempt >= 3) {
        throw new InitServerError(
          `the database login failed; nothing was written. Fix DB_* in wp-config.php or the grants, give --db-password-file, or run init with --no-database`,
        );
      }
      user = await p.ask<string>({ text: 'Database user', given: user, flag: '--', check: (s) => s });
      password = await p.secret(
        { text: `Password of database user ${user}`, flag: '--db-password-file', check: (s) => s },
        undefined,
      );
    }
  }
  return { plan: { database, endpoint, user, password: password !== '' }, password };
}

interface Owner {
  uid: number;
  gid: number;
}

/** The ftps-backup user's ids when it exists and we are root (who else could chown). */
function serviceOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  const line = passwd.split('\n').find((l) => l.startsWith(`${SERVICE_USER}:`));
  const fields = line?.split(':');
  if (fields === undefined || fields.length < 4) return undefined;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

/**
 * Writes the files into a temporary folder inside configDir, validates them with the loader there, then
 * renames each into place (an existing file is first renamed to *.before-init, with --force only).
 */
async function writeConfiguration(
  configDir: string,
  files: { path: string; content: string; secret: boolean }[],
  owner: Owner | undefined,
  force: boolean,
  p: Prompter,
): Promise<void> {
  await mkdir(configDir, { recursive: true });
  const tmp = await mkdtemp(join(configDir, '.init-'));
  try {
    for (const f of files) {
      const target = join(tmp, f.path);
      await mkdir(dirname(target), { recursive: true, mode: f.secret ? 0o700 : 0o755 });
      await writeFile(target, f.content, { mode: f.secret ? 0o600 : 0o644, flag: 'wx' });
      if (f.secret) {
        chmodSync(target, 0o600);
        if (owner !== undefined) chownSync(target, owner.uid, owner.gid);
      }
    }
    // the loader sees exactly what will be in place (state and credentials are not read at load time)
    await loadConfig(join(tmp, 'config.yaml'), { env: {} });
    for (const f of files) {
      const target = join(configDir, f.path);
      if (existsSync(target)) {
        if (!force) throw new UsageError(`${target} exists already: run init --force to replace it`);
        await rename(target, `${target}.before-init`);
        p.say(`kept the old ${target} as ${target}.before-init`);
      }
    }
    for (const f of files) {
      const target = join(configDir, f.path);
      const dir = dirname(target);
      if (!existsSync(dir)) {
        await mkdir(dir, { recursive: true, mode: f.secret ? 0o700 : 0o755 });
        if (f.secret && owner !== undefined) chownSync(dir, owner.uid, owner.gid);
      }
      await rename(join(tmp, f.path), target);
      p.say(
        `wrote ${target}${f.secret ? ` (mode 0600${owner !== undefined ? `, owner ${SERVICE_USER}` : ''})` : ''}`,
      );
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Runs this program again (the same runtime and flags) with `args`, as the service user when given. */
function runSelf(
  args: string[],
  env: NodeJS.ProcessEnv,
  owner: Owner | undefined,
  ctx: CliContext,
): Promise<number> {
  const script = process.argv[1];
  if (script === undefined) return Promise.reject(new Error('cannot find this program to run it again'));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
      env:
        owner !== undefined
          ? { ...env, HOME: '/var/lib/ftps-backup', USER: SERVICE_USER, LOGNAME: SERVICE_USER }
          : env,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: owner !== undefined ? '/' : process.cwd(),
      ...(owner !== undefined ? { uid: owner.uid, gid: owner.gid } : {}),
    });
    child.stdout.on('data', (c: Buffer) => ctx.stdout.write(c));
    child.stderr.on('data', (c: Buffer) => ctx.stderr.write(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise(code ?? (signal !== null ? 1 : 0)));
  });
}
