/**
 * Secret references ({ env }, { file }, { credential }) are resolved only when a job needs them, never at
 * load time. Error messages name the variable, file or credential, never the value.
 *
 * A credential is read from $CREDENTIALS_DIRECTORY (systemd's LoadCredential=) when that is set, else
 * from the configuration's credentialsDir: loadConfig writes that folder into every credential
 * reference it returns (credentialsDir below), so whoever resolves a secret needs nothing more.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CREDENTIALS_DIR, type SecretRef } from './schema.ts';

export class SecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretError';
  }
}

export interface ResolveSecretOptions {
  env: NodeJS.ProcessEnv;
  /** Told about a secret file that group or others may read (the secret is still returned). */
  onWarning?: (message: string) => void;
}

/** 'environment variable FTPS_PASSWORD', 'file /etc/ftps-backup/ftps.pass', 'systemd credential ftps'. */
export function describeSecretRef(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  return `credential ${ref.credential}`;
}

/** Not a key of the file: the configuration's credentialsDir, set on each credential reference by loadConfig. */
export type WithCredentialsDir = { credentialsDir?: string };

/** The folder a credential reference falls back to without $CREDENTIALS_DIRECTORY. */
export function credentialsDirOf(ref: SecretRef): string {
  return (ref as WithCredentialsDir).credentialsDir ?? DEFAULT_CREDENTIALS_DIR;
}

/** Where a credential is read from here: $CREDENTIALS_DIRECTORY/name, else credentialsDir/name. */
export function credentialPath(
  ref: Extract<SecretRef, { credential: string }>,
  env: NodeJS.ProcessEnv,
): { path: string; systemd: boolean } {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (dir !== undefined && dir !== '') return { path: join(dir, ref.credential), systemd: true };
  return { path: join(credentialsDirOf(ref), ref.credential), systemd: false };
}

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return code ?? 'it cannot be read';
}

/** Drops one trailing newline (an editor's or `echo`'s), nothing else. */
function trimNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

async function readSecretFile(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SecretError(`cannot read the ${what} (${path}): ${errnoText(err)}`, { cause: err });
  }
  const value = trimNewline(text);
  if (value === '') throw new SecretError(`the ${what} (${path}) is empty`);
  return value;
}

/**
 * A warning when the secret file may be read by its group or by others; undefined when it is private.
 * (0640 owned by a dedicated group is common under systemd, so this warns rather than refuses.)
 */
export async function secretFileWarning(path: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    return undefined; // reading it reports the real problem
  }
  if ((mode & 0o004) !== 0) {
    return `secret file ${path} is readable by every user (mode ${(mode & 0o777).toString(8)}): chmod 600 it`;
  }
  if ((mode & 0o040) !== 0) {
    return `secret file ${path} is readable by its group (mode ${(mode & 0o777).toString(8)}): chmod 600 it unless the group is dedicated to ftps-backup`;
  }
  return undefined;
}

export async function resolveSecret(ref: SecretRef, opts: ResolveSecretOptions): Promise<string> {
  if ('env' in ref) {
    const value = opts.env[ref.env];
    if (value === undefined) throw new SecretError(`environment variable ${ref.env} is not set`);
    if (value === '') throw new SecretError(`environment variable ${ref.env} is empty`);
    return value;
  }
  if ('file' in ref) {
    const value = await readSecretFile(ref.file, 'secret file');
    const warning = await secretFileWarning(ref.file);
    if (warning !== undefined) opts.onWarning?.(warning);
    return value;
  }
  const { path, systemd } = credentialPath(ref, opts.env);
  if (systemd) return readSecretFile(path, `systemd credential ${ref.credential}`);
  try {
    await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SecretError(
        `credential ${ref.credential} is not available: not under systemd ($CREDENTIALS_DIRECTORY is not set, for a service with LoadCredential=${ref.credential}:/path/to/file) and no file ${path} (credentialsDir)`,
        { cause: err },
      );
    }
  }
  const value = await readSecretFile(path, `credential ${ref.credential} (credentialsDir)`);
  const warning = await secretFileWarning(path);
  if (warning !== undefined) opts.onWarning?.(warning);
  return value;
}
