// Small helpers shared by the server starters: temp folders, running a tool with secrets on stdin
// (never in argv), random secrets, password hashes, and the per-start self-signed certificate.
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackTempRoot, untrackTempRoot } from './process.ts';

const TEMP_PREFIX = 'ftps-test-';
const OWNER_FILE = '.owner-pid';
let swept = false;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp roots left behind by test processes that died without cleaning up (vitest SIGKILLs
 * interrupted workers; their servers die with them through setpriv's parent-death signal). A root
 * belongs to the PID in its .owner-pid file; roots without one (kept logs of failed starts) stay.
 */
async function sweepStaleTempRoots(): Promise<void> {
  if (swept) return;
  swept = true;
  const base = tmpdir();
  const entries = await readdir(base).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => name.startsWith(TEMP_PREFIX))
      .map(async (name) => {
        const dir = join(base, name);
        const owner = Number(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => 'NaN'));
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !isAlive(owner)) {
          await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        }
      }),
  );
}

/** A fresh folder under the OS temp dir; 0711 so that unprivileged server users can reach their home. */
export async function makeTempRoot(label: string): Promise<string> {
  await sweepStaleTempRoots();
  const dir = await mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${label}-`));
  trackTempRoot(dir);
  await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`);
  await chmod(dir, 0o711);
  return dir;
}

/** Removes a temp root unless FTPS_TEST_KEEP_TMP=1 (handy when debugging a server). */
export async function removeTempRoot(dir: string): Promise<void> {
  untrackTempRoot(dir);
  if (process.env.FTPS_TEST_KEEP_TMP === '1') return;
  await rm(dir, { recursive: true, force: true });
}

/** Leaves a temp root on disk for good, even after the test process exits (logs of a failed start). */
export async function keepTempRoot(dir: string): Promise<void> {
  untrackTempRoot(dir);
  await rm(join(dir, OWNER_FILE), { force: true });
}

export function randomSecret(): string {
  return randomBytes(18).toString('base64url');
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool and resolves with its output; rejects with stderr in the message. Anything secret must
 * go through `input` (stdin), never through `args`.
 */
export function run(
  command: string,
  args: readonly string[],
  opts: { input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`, { cause: error }),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
    // A tool that does not read stdin may close it first: ignore EPIPE, the exit status decides.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

/** SHA-512 crypt(3) hash ("$6$…"), as `openssl passwd -6` makes it; the password goes via stdin. */
export async function sha512Crypt(password: string): Promise<string> {
  const { stdout } = await run('openssl', ['passwd', '-6', '-stdin'], { input: `${password}\n` });
  const hash = stdout.trim();
  if (!hash.startsWith('$6$')) throw new Error(`openssl passwd -6 gave an unexpected hash: ${hash}`);
  return hash;
}

export interface SelfSignedCert {
  certFile: string;
  keyFile: string;
  pem: string;
  /** 'AB:CD:…' SHA-256 of the DER certificate, as X509Certificate.fingerprint256. */
  fingerprint256: string;
  hostname: string;
}

/** A self-signed RSA certificate for CN=localhost with SANs DNS:localhost and IP:127.0.0.1. */
export async function makeSelfSignedCert(dir: string): Promise<SelfSignedCert> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  await chmod(keyFile, 0o600);
  const pem = await readFile(certFile, 'utf8');
  const cert = new X509Certificate(pem);
  return { certFile, keyFile, pem, fingerprint256: cert.fingerprint256, hostname: 'localhost' };
}
