// Where the server binaries live and whether they are there. ProFTPD and MariaDB come from Debian
// packages; vsftpd and Pure-FTPd conflict with proftpd as packages, so .ci/run unpacks their .debs
// (dpkg -x) into FTPS_TEST_SERVERS_DIR (default <repo>/.test-servers/root) and we run them from there.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Servers, and the `age` command line tool (the reference our age encryption is checked against). */
export type ServerKind = 'proftpd' | 'vsftpd' | 'pure-ftpd' | 'mariadb' | 'age' | 'sqlite3';
export type Availability = { ok: true } | { ok: false; hint: string };

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Root of the unpacked vsftpd/pure-ftpd packages (contains usr/sbin/vsftpd …). */
export function testServersDir(): string {
  const fromEnv = process.env.FTPS_TEST_SERVERS_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(repoRoot, '.test-servers', 'root');
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` on PATH or in the extra folders (sbin folders are often not on PATH). */
export function findExecutable(
  name: string,
  extraDirs: readonly string[] = ['/usr/sbin', '/sbin'],
): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** ProFTPD's DSO folder, read from Debian's modules.conf (falls back to /usr/lib/proftpd). */
export function proftpdModulePath(): string {
  try {
    const conf = readFileSync('/etc/proftpd/modules.conf', 'utf8');
    const match = /^\s*ModulePath\s+(\S+)/m.exec(conf);
    if (match?.[1] !== undefined) return match[1];
  } catch {
    // no Debian config: use the default below
  }
  return '/usr/lib/proftpd';
}

export const binaries = {
  proftpd: () => findExecutable('proftpd'),
  vsftpd: () => join(testServersDir(), 'usr', 'sbin', 'vsftpd'),
  pureFtpd: () => join(testServersDir(), 'usr', 'sbin', 'pure-ftpd'),
  purePw: () => join(testServersDir(), 'usr', 'bin', 'pure-pw'),
  mariadbd: () => findExecutable('mariadbd'),
  mariadbInstallDb: () => findExecutable('mariadb-install-db'),
  mariadb: () => findExecutable('mariadb'),
  openssl: () => findExecutable('openssl'),
} as const;

const unpackHint = (pkg: string): string =>
  `run .ci/run, or unpack it yourself: \`apt-get download ${pkg} && dpkg -x ${pkg}_*.deb ${testServersDir()}\`` +
  ' (or point FTPS_TEST_SERVERS_DIR at the folder you unpacked into)';

/** Which server binaries exist; missing ones carry the install hint. */
export function serverAvailability(kind: ServerKind): Availability {
  const missing: string[] = [];
  const need = (label: string, path: string | undefined): void => {
    if (path === undefined || !isExecutable(path)) missing.push(label);
  };
  const ftpNeedsOpenssl = (): void => need('openssl', binaries.openssl());
  let hint: string;
  switch (kind) {
    case 'proftpd': {
      need('proftpd', binaries.proftpd());
      const modules = proftpdModulePath();
      for (const mod of ['mod_tls.so', 'mod_digest.so']) {
        if (!existsSync(join(modules, mod))) missing.push(join(modules, mod));
      }
      ftpNeedsOpenssl();
      hint = 'install with `apt-get install proftpd-core proftpd-mod-crypto openssl`';
      break;
    }
    case 'vsftpd': {
      need('vsftpd', binaries.vsftpd());
      ftpNeedsOpenssl();
      // vsftpd authenticates local users through PAM: the harness adds a system user and a PAM
      // service, which needs root.
      if (process.getuid?.() !== 0) missing.push('root (for the test system user and PAM service)');
      for (const tool of ['useradd', 'usermod', 'chpasswd', 'getent']) need(tool, findExecutable(tool));
      hint = unpackHint('vsftpd');
      break;
    }
    case 'pure-ftpd': {
      need('pure-ftpd', binaries.pureFtpd());
      need('pure-pw', binaries.purePw());
      ftpNeedsOpenssl();
      hint = unpackHint('pure-ftpd');
      break;
    }
    case 'mariadb': {
      need('mariadbd', binaries.mariadbd());
      need('mariadb-install-db', binaries.mariadbInstallDb());
      need('mariadb', binaries.mariadb());
      hint = 'install with `apt-get install mariadb-server mariadb-client`';
      break;
    }
    case 'age': {
      need('age', findExecutable('age'));
      need('age-keygen', findExecutable('age-keygen'));
      // `age -p` reads the passphrase from a terminal: util-linux script(1) provides one
      need('script', findExecutable('script'));
      hint = 'install with `apt-get install age` (script comes with bsdutils)';
      break;
    }
    case 'sqlite3': {
      need('sqlite3', findExecutable('sqlite3'));
      hint = 'install with `apt-get install sqlite3`';
      break;
    }
  }
  return missing.length === 0
    ? { ok: true }
    : { ok: false, hint: `${hint} (missing: ${missing.join(', ')})` };
}
