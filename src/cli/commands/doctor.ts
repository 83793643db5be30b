/**
 * `ftps-backup doctor <destination|url>`: checks every step from DNS to a write test in the destination
 * root and prints ✓/✗ per step with what to try, a summary and the destination config to use. The probes
 * live in src/doctor/; this file presents them (text or --json). Exit code 1 when a step failed.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { resolveSecret, type FtpsDestination, type SecretRef } from '../../config/index.ts';
import { diagnose, type DiagnoseOptions, type Diagnosis, type DiagnosisStep } from '../../doctor/index.ts';
import { normaliseFingerprint, type FtpLogger, type TlsMode } from '../../ftp/index.ts';
import { addConfigOption, loadCliConfig } from '../config-option.ts';
import { addFtpOptions, readPassword, type FtpCliOptions } from '../ftp-connect.ts';
import { parseFtpUrl, UsageError } from '../ftp-url.ts';
import type { CliContext } from '../context.ts';
import { sourceSteps } from '../doctor-sources.ts';

export class DoctorFoundProblemsError extends Error {
  override name = 'DoctorFoundProblemsError';
}

interface DoctorOptions extends FtpCliOptions {
  config?: string;
  appendOnly?: boolean;
}

/** What the suggested destination config is made of. */
export interface Suggestion {
  name: string;
  host: string;
  port: number;
  tls: TlsMode;
  user: string;
  password: SecretRef;
  root: string;
  /** A CA file that verified the certificate. */
  ca?: string | undefined;
  /** The pin line's fingerprint (upper-case colon hex), when the certificate is not publicly trusted. */
  fingerprint?: string | undefined;
  /** The fingerprint comes from a certificate nothing vouched for: say to check it before pinning. */
  unverifiedPin?: boolean | undefined;
  tlsMaxVersion?: '1.2' | undefined;
}

interface Target {
  options: Omit<DiagnoseOptions, 'now' | 'testFileName' | 'onStep' | 'log'>;
  suggestion: Omit<Suggestion, 'ca' | 'fingerprint'>;
  caFile: string | undefined;
}

const DEFAULT_TIMEOUTS = { connectMs: 15_000, replyMs: 30_000, dataMs: 60_000, finalReplyMs: 60_000 };

export function registerDoctor(program: Command, ctx: CliContext): void {
  addConfigOption(
    addFtpOptions(
      program
        .command('doctor')
        .description(
          'check a destination step by step (DNS, TLS, certificate, login, passive mode, a write test) and say what to fix',
        )
        .argument(
          '<destination>',
          "a destination name from the configuration, an ftpes:// / ftps:// URL, or a job name (then the dump user's grants on its databases are checked too)",
        )
        .option('--json', 'print the steps as JSON')
        .option(
          '--append-only',
          'the login should be append-only: fail when it can delete, rename or overwrite (set by appendOnly: true on a configured destination)',
        ),
    ),
  ).action(async (named: string, opts: DoctorOptions) => {
    let which = named;
    let sourcesOk = true;
    if (!which.includes('://')) {
      const config = await loadCliConfig(opts, ctx);
      const job = which in config.destinations ? undefined : config.jobs.find((j) => j.name === which);
      if (job !== undefined) {
        const steps = await sourceSteps(job, ctx);
        sourcesOk = steps.every((s) => s.ok !== false);
        const ftps = config.destinations[job.destination]?.type === 'ftps';
        if (opts.json === true || !ftps) {
          if (opts.json === true)
            ctx.stdout.write(`${JSON.stringify({ job: job.name, ok: sourcesOk, steps }, null, 2)}\n`);
          else for (const s of steps) ctx.stdout.write(formatStep(s));
          if (!sourcesOk)
            throw new DoctorFoundProblemsError(
              `doctor found problems: ${steps
                .filter((s) => s.ok === false)
                .map((s) => s.detail)
                .join('; ')}`,
            );
          return;
        }
        ctx.stdout.write(`Checking job ${job.name}: the dump user's grants\n`);
        for (const s of steps) ctx.stdout.write(formatStep(s));
        ctx.stdout.write('\n');
        which = job.destination;
      }
    }
    const target = which.includes('://')
      ? await urlTarget(which, opts, ctx)
      : await configTarget(which, opts, ctx);
    const log = ctx.log;
    const ftpLog: FtpLogger = {
      debug: (m) => (opts.verbose === true ? log.info(m) : log.debug(m)),
      info: (m) => log.debug(m),
      warn: (m) => log.warn(m),
    };
    const text = opts.json !== true;
    if (text) {
      const t = target.options;
      ctx.stdout.write(
        `Checking ${t.tlsMode === 'implicit' ? 'ftps' : t.tlsMode === 'none' ? 'ftp' : 'ftpes'}://${t.user}@${t.host}:${t.port}${t.root}\n`,
      );
    }
    const diagnosis = await diagnose({
      ...target.options,
      now: new Date(),
      testFileName: `.ftps-backup-doctor-${randomBytes(4).toString('hex')}`,
      onStep: text ? (step) => ctx.stdout.write(formatStep(step)) : undefined,
      log: ftpLog,
    });
    const suggestion = suggestionFor(diagnosis, target);
    const yaml = suggestDestinationYaml(suggestion);
    if (text) {
      ctx.stdout.write(`\n${summaryLine(diagnosis)}\n`);
      ctx.stdout.write(`\nSuggested destination config:\n\n${yaml}`);
    } else {
      ctx.stdout.write(
        `${JSON.stringify(
          {
            ok: diagnosis.ok,
            target: {
              host: target.options.host,
              port: target.options.port,
              tls: target.options.tlsMode,
              user: target.options.user,
              root: target.options.root,
            },
            steps: diagnosis.steps,
            stoppedBecause: diagnosis.stoppedBecause,
            facts: diagnosis.facts,
            suggestedConfig: yaml,
          },
          null,
          2,
        )}\n`,
      );
    }
    if (!diagnosis.ok || !sourcesOk) {
      const failed = diagnosis.steps.filter((s) => s.ok === false).map((s) => s.title);
      throw new DoctorFoundProblemsError(`doctor found problems: ${failed.join(', ')}`);
    }
  });
}

async function urlTarget(text: string, opts: DoctorOptions, ctx: CliContext): Promise<Target> {
  const url = parseFtpUrl(text, { plainAllowed: opts.plain === true });
  const password = await readPassword(opts, ctx.env);
  ctx.redactor?.add(password);
  if (opts.insecure === true && opts.fingerprint !== undefined) {
    throw new UsageError('--insecure and --fingerprint contradict each other: keep the fingerprint');
  }
  const port = url.port ?? (url.tlsMode === 'implicit' ? 990 : 21);
  const caFile = opts.caFile !== undefined ? resolve(opts.caFile) : undefined;
  return {
    options: {
      host: url.host,
      port,
      tlsMode: url.tlsMode,
      tls: {
        ca: caFile !== undefined ? await readCa(caFile) : undefined,
        fingerprint256: opts.fingerprint !== undefined ? normaliseFingerprint(opts.fingerprint) : undefined,
        insecure: opts.insecure === true,
        maxVersion: opts.tls12 === true ? 'TLSv1.2' : 'TLSv1.3',
      },
      user: url.user,
      password,
      root: url.path,
      timeouts: DEFAULT_TIMEOUTS,
      appendOnly: opts.appendOnly === true,
    },
    suggestion: {
      name: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(url.host) ? url.host : 'server',
      host: url.host,
      port,
      tls: url.tlsMode,
      user: url.user,
      password:
        opts.passwordFile !== undefined ? { file: resolve(opts.passwordFile) } : { env: 'FTPS_PASSWORD' },
      root: url.path,
      tlsMaxVersion: opts.tls12 === true ? '1.2' : undefined,
    },
    caFile,
  };
}

async function configTarget(name: string, opts: DoctorOptions, ctx: CliContext): Promise<Target> {
  const config = await loadCliConfig(opts, ctx);
  const dest = config.destinations[name];
  if (dest === undefined) {
    const known = Object.keys(config.destinations).join(', ') || 'none';
    throw new UsageError(
      `no destination named "${name}" in ${config.configFile} (known: ${known}); or give an ftpes://user@host/root URL`,
    );
  }
  if (dest.type !== 'ftps') {
    throw new UsageError(`destination ${name} is a local folder (${dest.path}); doctor checks FTPS servers`);
  }
  const password =
    opts.passwordFile !== undefined
      ? await readPassword(opts, ctx.env)
      : await resolveSecret(dest.password, { env: ctx.env, onWarning: (m) => ctx.log.warn(m) });
  ctx.redactor?.add(password);
  // compose.ts brings the sources and stores along: loaded only when a configured destination is checked.
  const { destinationTlsSettings } = await import('../compose.ts');
  const tls = await destinationTlsSettings(dest);
  // Command-line trust options override the destination's (to try a pin or TLS 1.2 before editing it).
  if (opts.caFile !== undefined) tls.ca = await readCa(resolve(opts.caFile));
  if (opts.fingerprint !== undefined) tls.fingerprint256 = normaliseFingerprint(opts.fingerprint);
  if (opts.insecure === true) tls.insecure = true;
  if (opts.tls12 === true) tls.maxVersion = 'TLSv1.2';
  return {
    options: {
      host: dest.host,
      port: dest.port,
      tlsMode: dest.tls,
      tls,
      user: dest.user,
      password,
      root: dest.root,
      timeouts: destinationTimeouts(dest),
      appendOnly: dest.appendOnly || opts.appendOnly === true,
    },
    suggestion: {
      name,
      host: dest.host,
      port: dest.port,
      tls: dest.tls,
      user: dest.user,
      password: dest.password,
      root: dest.root,
      tlsMaxVersion: tls.maxVersion === 'TLSv1.2' ? '1.2' : undefined,
    },
    caFile: opts.caFile !== undefined ? resolve(opts.caFile) : dest.ca,
  };
}

function destinationTimeouts(dest: FtpsDestination): DiagnoseOptions['timeouts'] {
  return {
    connectMs: dest.timeouts.connect,
    replyMs: dest.timeouts.idle,
    dataMs: dest.timeouts.data,
    finalReplyMs: dest.timeouts.finalReply,
  };
}

/** A CA file's PEM, or a usage error naming it. */
export async function readCa(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new UsageError(
      `cannot read the CA file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

const MARK = { true: '✓', false: '✗', warn: '!', skip: '-' } as const;

/** One step as printed: the mark, title and detail, then the hint indented below. */
export function formatStep(step: DiagnosisStep): string {
  const head = `${MARK[String(step.ok) as keyof typeof MARK]} ${step.title}: ${step.detail}\n`;
  if (step.hint === undefined || step.hint === '' || step.ok === true) return head;
  const lines = step.hint.split('\n');
  return head + lines.map((l, i) => `    ${i === 0 ? '→ ' : ''}${l}\n`).join('');
}

export function summaryLine(d: Diagnosis): string {
  const count = (ok: DiagnosisStep['ok']): number => d.steps.filter((s) => s.ok === ok).length;
  const failed = count(false);
  const warnings = count('warn');
  const tally = `${count(true)} ✓, ${warnings} warning${warnings === 1 ? '' : 's'}, ${failed} ✗`;
  const stopped = d.stoppedBecause !== undefined ? `\nStopped early: ${d.stoppedBecause}.` : '';
  if (failed === 0 && d.stoppedBecause === undefined) {
    return `Summary: ${tally}. ftps-backup can back up to this destination${warnings > 0 ? ' (see the warnings)' : ''}.`;
  }
  return `Summary: ${tally}. Fix the ✗ steps above and run doctor again.${stopped}`;
}

function suggestionFor(d: Diagnosis, target: Target): Suggestion {
  const cert = d.facts.certificate;
  const byCa = cert?.trustedBy === 'CA file';
  return {
    ...target.suggestion,
    ca: byCa ? target.caFile : undefined,
    fingerprint:
      cert !== undefined && !byCa && cert.trustedBy !== 'system CAs' ? cert.fingerprint256 : undefined,
    unverifiedPin: cert !== undefined && (cert.trustedBy === 'nothing' || cert.trustedBy === 'insecure'),
  };
}

/** The destination snippet for config.yaml; the password as a reference, never its value. */
export function suggestDestinationYaml(s: Suggestion): string {
  const scalar = (v: string | number): string => stringify(v).trimEnd();
  const password =
    'env' in s.password
      ? `{ env: ${scalar(s.password.env)} }`
      : 'file' in s.password
        ? `{ file: ${scalar(s.password.file)} }`
        : `{ credential: ${scalar(s.password.credential)} }`;
  const lines = [
    'destinations:',
    `  ${scalar(s.name)}:`,
    '    type: ftps',
    `    host: ${scalar(s.host)}`,
    `    port: ${s.port}`,
    `    tls: ${s.tls}`,
    `    user: ${scalar(s.user)}`,
    `    password: ${password}`,
    `    root: ${scalar(s.root)}`,
  ];
  if (s.ca !== undefined) lines.push(`    ca: ${scalar(s.ca)}`);
  if (s.fingerprint !== undefined && s.unverifiedPin === true) {
    lines.push(
      '    # pin only after checking this fingerprint on the server itself (openssl x509 -fingerprint -sha256)',
    );
  }
  if (s.fingerprint !== undefined) lines.push(`    fingerprint: "sha256:${s.fingerprint}"`);
  if (s.tlsMaxVersion !== undefined) lines.push(`    tlsMaxVersion: "${s.tlsMaxVersion}"`);
  return `${lines.join('\n')}\n`;
}
