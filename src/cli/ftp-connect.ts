/** Shared options of put/get/ls/rm: the URL, where the password comes from, and how to trust the server. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FtpsClient, normaliseFingerprint, type FtpLogger } from '../ftp/index.ts';
import { FtpsStore } from '../storage/ftps.ts';
import { RetryingStore, withRetry, type RetryContext, type RetryPolicy } from '../storage/retrying.ts';

/** The retry budget of the one-off commands (put, get, ls, rm): a job's default `retry:` is the config's. */
export const CLI_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 1000, maxDelayMs: 30_000 };

export type CliRetry = <T>(what: string, op: () => Promise<T>) => Promise<T>;
import { parseFtpUrl, UsageError, type FtpUrl } from './ftp-url.ts';
import type { CliContext } from './context.ts';

export interface FtpCliOptions {
  passwordFile?: string;
  caFile?: string;
  fingerprint?: string;
  insecure?: boolean;
  tls12?: boolean;
  plain?: boolean;
  verbose?: boolean;
  json?: boolean;
}

export function addFtpOptions(cmd: Command): Command {
  return cmd
    .option(
      '--password-file <file>',
      'read the password from this file (default: the FTPS_PASSWORD environment variable)',
    )
    .option('--ca-file <file>', 'trust the CA certificate(s) in this PEM file')
    .option(
      '--fingerprint <sha256>',
      'trust exactly the certificate with this SHA-256 fingerprint (sha256:AB:CD:…)',
    )
    .option('--insecure', 'accept any certificate (dangerous: anyone in the middle can read the password)')
    .option('--tls12', 'cap TLS at version 1.2 (for servers with broken TLS 1.3)')
    .option('--plain', 'allow ftp:// URLs (plain FTP without TLS)')
    .option('-v, --verbose', 'log the FTP conversation (the password is masked)');
}

export async function readPassword(opts: FtpCliOptions, env: NodeJS.ProcessEnv): Promise<string> {
  if (opts.passwordFile !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.passwordFile, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read the password file ${opts.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    return text.replace(/\r?\n$/, '');
  }
  const fromEnv = env.FTPS_PASSWORD;
  if (fromEnv === undefined) {
    throw new UsageError('no password: set FTPS_PASSWORD or pass --password-file <file>');
  }
  return fromEnv;
}

export async function connectUrl(
  urlText: string,
  opts: FtpCliOptions,
  ctx: CliContext,
): Promise<{ client: FtpsClient; store: RetryingStore; retry: CliRetry; url: FtpUrl }> {
  const log = ctx.log;
  const url = parseFtpUrl(urlText, { plainAllowed: opts.plain === true });
  const password = await readPassword(opts, ctx.env);
  ctx.redactor?.add(password);
  if (opts.insecure === true && opts.fingerprint !== undefined) {
    throw new UsageError(
      '--insecure and --fingerprint contradict each other: a pinned fingerprint is the safe choice',
    );
  }
  if (opts.insecure === true) {
    log.warn('--insecure: the server certificate is NOT checked; the password and data can be intercepted');
  }
  const ftpLog: FtpLogger = {
    debug: (m) => (opts.verbose === true ? log.info(m) : log.debug(m)),
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
  };
  const retryContext: RetryContext = {
    policy: CLI_RETRY,
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
  };
  const retry: CliRetry = (what, op) => withRetry(retryContext, what, op);
  const ca = opts.caFile !== undefined ? await readFile(opts.caFile) : undefined;
  const client = await retry(`connecting to ${url.host}`, () =>
    FtpsClient.connect({
      host: url.host,
      port: url.port,
      tlsMode: url.tlsMode,
      user: url.user,
      password,
      tls: {
        ca,
        fingerprint256: opts.fingerprint !== undefined ? normaliseFingerprint(opts.fingerprint) : undefined,
        insecure: opts.insecure === true,
        maxVersion: opts.tls12 === true ? 'TLSv1.2' : 'TLSv1.3',
      },
      log: ftpLog,
    }),
  );
  const store = new RetryingStore(new FtpsStore(client, url.host), retryContext);
  return { client, store, retry, url };
}
