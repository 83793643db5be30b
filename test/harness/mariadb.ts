// MariaDB 10.11 in a temp folder: mariadb-install-db, then mariadbd in the foreground on a free
// loopback port and a socket in the folder, utf8mb4, small buffers so it starts in about a second.
// Root gets a random password; a `backup` user (@localhost and @127.0.0.1) gets the grants mysqldump
// needs. Passwords never appear in argv: setup SQL goes through the client's stdin, later clients read
// a 0600 --defaults-extra-file.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import net from 'node:net';
import { binaries } from './availability.ts';
import { keepTempRoot, makeTempRoot, randomSecret, removeTempRoot, run } from './common.ts';
import { freePort } from './ports.ts';
import { spawnServer, waitUntilReady, type ServerProcess } from './process.ts';
import type { MariadbInfo, RunningServer } from './types.ts';

/** Privileges mysqldump/mariadb-dump needs for a consistent dump with routines, events and triggers. */
export const BACKUP_GRANTS = 'SELECT, SHOW VIEW, TRIGGER, LOCK TABLES, EVENT, PROCESS, RELOAD';

const SMALL_BUFFERS = ['--innodb-buffer-pool-size=32M', '--innodb-log-file-size=8M'];

/** Resolves when the server sends its handshake packet (protocol version 10) on TCP. */
function readMysqlGreeting(host: string, port: number, timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffer = Buffer.alloc(0);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error('timed out waiting for the handshake')), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 5) return;
      // 3-byte length, 1-byte sequence id, then 0x0a (handshake v10) or 0xff (error packet).
      if (buffer[4] === 0x0a) finish();
      else finish(new Error(`not a handshake packet: ${buffer.subarray(0, 64).toString('latin1')}`));
    });
    socket.on('error', (err) => finish(err));
    socket.on('end', () => finish(new Error('connection closed before the handshake')));
  });
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** [client] option file for `--defaults-extra-file`; values are quoted for the option-file parser. */
function clientOptions(info: MariadbInfo, who: 'backup' | 'root', protocol: 'tcp' | 'socket'): string {
  const user = who === 'root' ? info.rootUser : info.user;
  const password = who === 'root' ? info.rootPassword : info.password;
  const lines = ['[client]', `user="${user}"`, `password="${password.replace(/(["\\])/g, '\\$1')}"`];
  if (protocol === 'tcp') lines.push(`host=${info.host}`, `port=${info.port}`, 'protocol=TCP');
  else lines.push(`socket=${info.socket}`, 'protocol=SOCKET');
  lines.push('default-character-set=utf8mb4', '');
  return lines.join('\n');
}

/**
 * Writes a 0600 option file for the `mariadb`/`mariadb-dump` clients into `dir` (default: the
 * server's temp folder) and returns its path. Pass it as the FIRST option: `--defaults-extra-file=<path>`.
 */
export async function writeMariadbDefaultsFile(
  info: MariadbInfo,
  who: 'backup' | 'root' = 'backup',
  opts: { dir?: string; protocol?: 'tcp' | 'socket' } = {},
): Promise<string> {
  const file = join(opts.dir ?? dirname(info.datadir), `client-${who}-${randomBytes(6).toString('hex')}.cnf`);
  await writeFile(file, clientOptions(info, who, opts.protocol ?? 'tcp'), { mode: 0o600 });
  return file;
}

/**
 * Runs SQL (given on stdin) with the `mariadb` client and returns its tab-separated output without
 * column names. `as: 'backup'` (default) connects as the backup user over TCP.
 */
export async function mariadbQuery(
  info: MariadbInfo,
  sql: string,
  opts: { as?: 'backup' | 'root'; database?: string; protocol?: 'tcp' | 'socket' } = {},
): Promise<string> {
  const client = binaries.mariadb();
  if (client === undefined) throw new Error('mariadb client not found: apt-get install mariadb-client');
  const optionFile = await writeMariadbDefaultsFile(info, opts.as ?? 'backup', {
    protocol: opts.protocol ?? 'tcp',
  });
  try {
    const args = [`--defaults-extra-file=${optionFile}`, '--batch', '--skip-column-names', '--raw'];
    if (opts.database !== undefined) args.push(`--database=${opts.database}`);
    const { stdout } = await run(client, args, { input: sql });
    return stdout;
  } finally {
    await rm(optionFile, { force: true });
  }
}

export async function startMariadb(): Promise<RunningServer<MariadbInfo>> {
  const mariadbd = binaries.mariadbd();
  const installDb = binaries.mariadbInstallDb();
  const client = binaries.mariadb();
  if (mariadbd === undefined || installDb === undefined || client === undefined) {
    throw new Error('MariaDB not found: apt-get install mariadb-server mariadb-client');
  }
  const dir = await makeTempRoot('mariadb');
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysql.sock');
  const errorLog = join(dir, 'mariadb.err');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  await run(
    installDb,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...asRoot,
      ...SMALL_BUFFERS,
    ],
    { cwd: dir, timeoutMs: 60_000 },
  );
  const port = await freePort();
  const server: ServerProcess = spawnServer({
    command: mariadbd,
    args: [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      ...asRoot,
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      `--pid-file=${join(dir, 'mariadb.pid')}`,
      `--log-error=${errorLog}`,
      ...SMALL_BUFFERS,
      '--skip-log-bin',
      '--skip-name-resolve',
    ],
    cwd: dir,
    stdioFile: join(dir, 'stdio.log'),
  });
  const info: MariadbInfo = {
    host: '127.0.0.1',
    port,
    socket,
    user: 'backup',
    password: randomSecret(),
    rootUser: 'root',
    rootPassword: randomSecret(),
    datadir,
    pid: server.pid,
  };
  try {
    await waitUntilReady({
      name: `mariadbd (pid ${server.pid}, port ${port}, folder ${dir})`,
      server,
      logFiles: [errorLog, join(dir, 'stdio.log')],
      timeoutMs: 30_000,
      attempt: () => readMysqlGreeting(info.host, port),
    });
    // Fresh install: root@localhost has no password yet and the socket is the way in. Leave exactly
    // root@localhost and root@127.0.0.1 (both with the password) plus the backup user.
    const backup = [`'backup'@'localhost'`, `'backup'@'127.0.0.1'`];
    const setup = [
      `DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1'));`,
      'FLUSH PRIVILEGES;',
      `CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';`,
      `GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;`,
      `ALTER USER 'root'@'localhost' IDENTIFIED BY ${quote(info.rootPassword)};`,
      `ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY ${quote(info.rootPassword)};`,
      ...backup.map((u) => `CREATE USER ${u} IDENTIFIED BY ${quote(info.password)};`),
      ...backup.map((u) => `GRANT ${BACKUP_GRANTS} ON *.* TO ${u};`),
      'FLUSH PRIVILEGES;',
      '',
    ].join('\n');
    await run(
      client,
      ['--no-defaults', '--protocol=SOCKET', `--socket=${socket}`, '--user=root', '--batch'],
      {
        input: setup,
      },
    );
    // Prove the accounts work the way tests will use them.
    const check = await mariadbQuery(info, 'SELECT CURRENT_USER();');
    if (!check.startsWith('backup@')) throw new Error(`unexpected CURRENT_USER() for backup: ${check}`);
    await mariadbQuery(info, 'SELECT 1;', { as: 'root' });
  } catch (err) {
    await server.stop(5_000);
    await keepTempRoot(dir);
    throw err;
  }

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await server.stop(30_000);
      await removeTempRoot(dir);
    })();
    return stopped;
  };
  return { info, stop };
}
