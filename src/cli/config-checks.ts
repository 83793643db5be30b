/**
 * What `check-config` checks beyond the schema, offline, as the current user: every site folder exists
 * and can be read; every CA file and age recipients file parses; every secret file and credential
 * exists with a safe mode (not readable by group or others); an identity file for verification exists.
 * Every problem is collected (never the first only) with its file:line:column and key path, taken from
 * the YAML the value was written in (a job's file, or config.yaml's defaults for what a job inherits).
 */
import { X509Certificate } from 'node:crypto';
import { access, readFile, stat } from 'node:fs/promises';
import {
  credentialPath,
  YamlFile,
  type ConfigProblem,
  type LoadedConfig,
  type PathSegment,
  type SecretRef,
} from '../config/index.ts';
import { loadRecipients } from '../pipeline/index.ts';

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read by this user (permission denied)';
  if (code === 'ENOTDIR') return 'does not exist (a part of the path is not a folder)';
  return `cannot be read (${code ?? (err as Error).message})`;
}

/** Where a problem is reported: a YAML file and the key path inside it. */
interface Place {
  yaml: YamlFile;
  path: PathSegment[];
}

/** A secret file must exist, be readable and not be readable by group or others. */
async function checkSecretFile(path: string, what: string): Promise<string | undefined> {
  let mode: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) return `${what} ${path} is not a file`;
    mode = s.mode;
    await access(path, 4 /* R_OK */);
  } catch (err) {
    return `${what} ${path} ${errnoText(err)}`;
  }
  if ((mode & 0o044) !== 0) {
    return `${what} ${path} is readable by ${(mode & 0o004) !== 0 ? 'every user' : 'its group'} (mode ${(mode & 0o777).toString(8)}): chmod 600 it`;
  }
  return undefined;
}

async function checkSecret(ref: SecretRef, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if ('env' in ref) return undefined; // an unset variable is a load warning: the service may have it
  if ('file' in ref) return checkSecretFile(ref.file, 'secret file');
  const { path, systemd } = credentialPath(ref, env);
  const problem = await checkSecretFile(path, `credential ${ref.credential}:`);
  if (problem === undefined || systemd) return problem;
  return `${problem} (and $CREDENTIALS_DIRECTORY is not set: not under systemd)`;
}

async function checkCa(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return `CA file ${path} ${errnoText(err)}`;
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return `CA file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  for (const [i, pem] of blocks.entries()) {
    try {
      new X509Certificate(pem);
    } catch (err) {
      return `CA file ${path}: certificate ${i + 1} of ${blocks.length} does not parse: ${(err as Error).message}`;
    }
  }
  return undefined;
}

async function checkFolder(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    if (!s.isDirectory()) return `${path} is not a folder`;
    await access(path, 4 | 1 /* R_OK | X_OK */);
  } catch (err) {
    return `folder ${path} ${errnoText(err)}`;
  }
  return undefined;
}

async function checkReadable(path: string, what: string): Promise<string | undefined> {
  try {
    await access(path, 4 /* R_OK */);
  } catch (err) {
    return `${what} ${path} ${errnoText(err)}`;
  }
  return undefined;
}

/** Every problem found, in file order. */
export async function checkConfigOffline(
  config: LoadedConfig,
  env: NodeJS.ProcessEnv,
): Promise<ConfigProblem[]> {
  const yamls = new Map<string, YamlFile>();
  const yamlOf = async (file: string): Promise<YamlFile> => {
    let y = yamls.get(file);
    if (y === undefined) {
      y = new YamlFile(file, await readFile(file, 'utf8'));
      yamls.set(file, y);
    }
    return y;
  };
  const main = await yamlOf(config.configFile);
  const checks: Array<{ at: Place; check: Promise<string | undefined> }> = [];
  const add = (at: Place, check: Promise<string | undefined>): void => void checks.push({ at, check });

  for (const [name, d] of Object.entries(config.destinations)) {
    if (d.type !== 'ftps') continue;
    add({ yaml: main, path: ['destinations', name, 'password'] }, checkSecret(d.password, env));
    if (d.ca !== undefined) add({ yaml: main, path: ['destinations', name, 'ca'] }, checkCa(d.ca));
  }

  const inline = config.jobs.filter((j) => j.file === config.configFile);
  for (const job of config.jobs) {
    const yaml = await yamlOf(job.file);
    const prefix: PathSegment[] = job.file === config.configFile ? ['jobs', inline.indexOf(job)] : [];
    const own = (key: string): boolean => {
      const node = yaml.doc.getIn([...prefix, key], true);
      return node !== undefined;
    };
    /** A key the job may inherit from defaults: its own place, else config.yaml's defaults. */
    const place = (key: string, rest: PathSegment[]): Place =>
      own(key) ? { yaml, path: [...prefix, key, ...rest] } : { yaml: main, path: ['defaults', key, ...rest] };
    job.sources.forEach((s, i) => {
      const at = { yaml, path: [...prefix, 'sources', i] };
      if (s.type === 'directory') add({ ...at, path: [...at.path, 'path'] }, checkFolder(s.path));
      else if (s.type === 'sqlite')
        add({ ...at, path: [...at.path, 'path'] }, checkReadable(s.path, 'sqlite database'));
      else if (s.type === 'command') {
        for (const [name, ref] of Object.entries(s.env))
          add({ ...at, path: [...at.path, 'env', name] }, checkSecret(ref, env));
      } else if (s.password !== undefined)
        add({ ...at, path: [...at.path, 'password'] }, checkSecret(s.password, env));
    });
    const e = job.encryption;
    if (e?.recipientsFile !== undefined) {
      const file = e.recipientsFile;
      add(
        place('encryption', ['recipientsFile']),
        loadRecipients(file).then(
          (r) => (r.length === 0 ? `recipients file ${file} lists no recipient` : undefined),
          (err: unknown) => `recipients file ${file}: ${(err as Error).message}`,
        ),
      );
    }
    if (e?.passphrase !== undefined) add(place('encryption', ['passphrase']), checkSecret(e.passphrase, env));
    if (job.verify?.identity !== undefined)
      add(
        { yaml, path: [...prefix, 'verify', 'identity'] },
        checkReadable(job.verify.identity, 'identity file'),
      );
  }

  const problems: ConfigProblem[] = [];
  for (const { at, check } of checks) {
    const message = await check;
    if (message !== undefined) problems.push(at.yaml.problem(at.path, message));
  }
  // the same place may be reached twice (a destination used by several jobs is checked once here)
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.file}:${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
