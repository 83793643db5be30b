// The installed .deb, end to end, as root on a Debian machine without systemd running (.ci/run's
// "package" phase; needs a fresh machine: the package must not be installed yet). Steps:
//   dpkg -i; the launcher with the machine's node first on PATH and with no PATH at all; systemd-analyze
//   verify on the installed unit; `ftps-backup init --yes` against a real ProFTPD and a WordPress-like site
//   on a real MariaDB (it runs the first backup and verify itself, as the ftps-backup user); a second backup
//   and verify with the unit's ExecStart command line as the ftps-backup user (runuser, the unit's
//   environment, its LoadCredential= files copied into a credentials folder); dpkg -r (configuration,
//   state and backups stay); dpkg --purge (configuration, logs and state go; backups stay); then, when
//   given, the tarball's install.sh under a prefix in /opt and its --uninstall.
// Prints one line per check; exits 1 at the first failed one. Removes the ftps-backup user at the end
// when it did not exist before (Debian's purge keeps system users).
// Usage: node scripts/test-package.ts build/ftps-backup_<version>_amd64.deb [build/ftps-backup-<version>-linux-x64.tar.gz]
import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { startMariadb, startProftpd } from '../test/harness/index.ts';
import { makeWordpressSite } from '../test/support/wordpress-site.ts';

const deb = process.argv[2];
const tarball = process.argv[3];
if (deb === undefined || !existsSync(deb)) {
  console.error(
    'usage: node scripts/test-package.ts build/ftps-backup_<version>_amd64.deb [build/ftps-backup-<version>-linux-x64.tar.gz]',
  );
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('test-package: run it as root (it installs the package)');
  process.exit(2);
}

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
let failed = false;
function check(what: string, ok: boolean, detail = ''): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail !== '' ? `: ${detail}` : ''}`);
  if (!ok) {
    failed = true;
    throw new Error(`check failed: ${what}`);
  }
}
function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  const out = `${String(r.stdout ?? '')}${String(r.stderr ?? '')}`;
  return { code: r.status ?? 1, out };
}
function must(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = sh(cmd, args, opts);
  if (r.code !== 0) {
    console.log(r.out);
    check(`${cmd} ${args.join(' ')}`, false, `exit ${r.code}`);
  }
  return r.out;
}
const userExists = (): boolean => sh('getent', ['passwd', 'ftps-backup']).code === 0;

const installed = sh('dpkg-query', ['-W', '-f=${Status}', 'ftps-backup']).out.includes(
  'install ok installed',
);
if (installed) {
  console.error('test-package: ftps-backup is installed already; this test needs a machine without it');
  process.exit(2);
}
const hadUser = userExists();
const work = mkdtempSync('/tmp/ftps-backup-package-test-');
chmodSync(work, 0o755); // the site inside must be readable by the ftps-backup user
const servers: { stop: () => Promise<void> }[] = [];

try {
  // ------------------------------------------------------------ install
  must('dpkg', ['-i', resolve(deb)]);
  check('dpkg -i', true);
  check('/usr/bin/ftps-backup exists', existsSync('/usr/bin/ftps-backup'));
  check('the ftps-backup user exists', userExists());
  for (const dir of ['/var/lib/ftps-backup', '/var/log/ftps-backup', '/var/cache/ftps-backup']) {
    const st = statSync(dir);
    check(
      `${dir} belongs to ftps-backup, mode 750`,
      (st.mode & 0o777) === 0o750,
      (st.mode & 0o777).toString(8),
    );
  }
  check('/etc/ftps-backup/config.yaml.example', existsSync('/etc/ftps-backup/config.yaml.example'));
  check('no live /etc/ftps-backup/config.yaml', !existsSync('/etc/ftps-backup/config.yaml'));
  check('/etc/logrotate.d/ftps-backup', existsSync('/etc/logrotate.d/ftps-backup'));
  check(
    'the unit is not enabled',
    !existsSync('/etc/systemd/system/multi-user.target.wants/ftps-backup.service'),
  );

  // ------------------------------------------------------------ the launcher, whatever node is on PATH
  const systemNode = sh('/usr/bin/node', ['--version']).out.trim();
  const withNode = must('ftps-backup', ['--version'], { env: { PATH: '/usr/bin:/bin' } }).trim();
  check(
    `--version with /usr/bin/node (${systemNode || 'absent'}) first on PATH`,
    withNode === version,
    withNode,
  );
  const noPath = must('/usr/bin/ftps-backup', ['--version'], { env: {} }).trim();
  check('--version with no PATH at all', noPath === version, noPath);
  const noNode = must('/usr/bin/ftps-backup', ['--version'], { env: { PATH: '/nonexistent' } }).trim();
  check('--version with no node on PATH', noNode === version, noNode);

  // ------------------------------------------------------------ the unit
  const unitFile = '/lib/systemd/system/ftps-backup.service';
  const analyze = sh('systemd-analyze', ['verify', unitFile]);
  check('systemd-analyze verify', analyze.code === 0, analyze.out.trim());
  const unit = readFileSync(unitFile, 'utf8');
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
  check(
    'ExecStart runs the bundled runtime',
    execStart[0] === '/usr/lib/ftps-backup/runtime/bin/node' && execStart.includes('daemon'),
    execStart.join(' '),
  );

  // ------------------------------------------------------------ servers and the site
  const [ftpServer, dbServer] = await Promise.all([startProftpd('a'), startMariadb()]);
  servers.push(ftpServer, dbServer);
  const ftp = ftpServer.info;
  const db = dbServer.info;
  const home = statSync(ftp.home);
  mkdirSync(join(ftp.home, 'backups'));
  chownSync(join(ftp.home, 'backups'), home.uid, home.gid);
  const site = await makeWordpressSite(db, join(work, 'www', 'blog'), {
    database: 'pkgblog',
    dbHost: `127.0.0.1:${db.port}`,
  });
  execFileSync('chmod', ['-R', 'a+rX', join(work, 'www')]);
  const passwordFile = join(work, 'ftp.pass');
  writeFileSync(passwordFile, ftp.password, { mode: 0o600 });

  // ------------------------------------------------------------ init (runs the first backup and verify)
  const init = sh(
    'ftps-backup',
    [
      'init',
      '--yes',
      '--url',
      `ftpes://${ftp.user}@127.0.0.1:${ftp.port}/backups`,
      '--password-file',
      passwordFile,
      '--site',
      site.root,
    ],
    { env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' } },
  );
  console.log(init.out.replace(/^/gm, '    | '));
  check('ftps-backup init --yes', init.code === 0, `exit ${init.code}`);
  check(
    'init pinned the certificate',
    readFileSync('/etc/ftps-backup/config.yaml', 'utf8').includes(ftp.fingerprint256),
  );
  for (const name of ['ftps', 'mysql']) {
    const st = statSync(`/etc/ftps-backup/credentials/${name}`);
    const owner = execFileSync('stat', ['-c', '%U', `/etc/ftps-backup/credentials/${name}`], {
      encoding: 'utf8',
    }).trim();
    check(
      `credentials/${name}: 0600, owned by ftps-backup`,
      (st.mode & 0o777) === 0o600 && owner === 'ftps-backup',
      `${(st.mode & 0o777).toString(8)} ${owner}`,
    );
  }
  for (const file of ['/etc/ftps-backup/config.yaml', '/etc/ftps-backup/jobs/blog.yaml']) {
    const text = readFileSync(file, 'utf8');
    check(`${file} holds no password`, !text.includes(ftp.password) && !text.includes(site.password));
  }
  const jobDir = join(ftp.home, 'backups', 'blog');
  check('init ran the first backup', existsSync(jobDir) && readdirSync(jobDir).length === 1);

  // ------------------------------------------------------------ the unit's command line, as the service user
  const creds = join(work, 'credentials');
  mkdirSync(creds);
  for (const m of unit.matchAll(/^LoadCredential=([^:\n]+):(\S+)$/gm)) {
    copyFileSync(m[2]!, join(creds, m[1]!));
    chmodSync(join(creds, m[1]!), 0o400);
  }
  execFileSync('chown', ['-R', 'ftps-backup:ftps-backup', creds]);
  chmodSync(creds, 0o500);
  const daemonAt = execStart.indexOf('daemon');
  const asService = (args: string[]): { code: number; out: string } =>
    sh('runuser', [
      '-u',
      'ftps-backup',
      '--',
      'env',
      '-i',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `CREDENTIALS_DIRECTORY=${creds}`,
      'sh',
      '-c',
      'umask 0077 && cd / && exec "$@"',
      'sh',
      ...execStart.slice(0, daemonAt),
      ...args,
      ...execStart.slice(daemonAt + 1),
    ]);
  const run = asService(['run', 'blog']);
  console.log(run.out.replace(/^/gm, '    | '));
  check("a backup with the unit's ExecStart as ftps-backup", run.code === 0, `exit ${run.code}`);
  const verify = asService(['verify', 'blog']);
  console.log(verify.out.replace(/^/gm, '    | '));
  check("verify with the unit's ExecStart as ftps-backup", verify.code === 0, `exit ${verify.code}`);
  const sets = readdirSync(jobDir).sort();
  check('two sets on the server', sets.length === 2, sets.join(' '));
  const objects = readdirSync(join(jobDir, sets[1]!)).sort();
  check(
    'the set holds the database and the files',
    objects.join(' ') === 'db-pkgblog.sql.zst files-site.tar.zst manifest.json',
    objects.join(' '),
  );
  const historyOwner = execFileSync('stat', ['-c', '%U', '/var/lib/ftps-backup/history/blog.json'], {
    encoding: 'utf8',
  }).trim();
  check('the run history belongs to ftps-backup', historyOwner === 'ftps-backup', historyOwner);
  const backups = (): string =>
    execFileSync('find', [jobDir, '-type', 'f', '-printf', '%P %s\n'], { encoding: 'utf8' });
  const before = backups();

  // ------------------------------------------------------------ remove, then purge
  must('dpkg', ['-r', 'ftps-backup']);
  check(
    'dpkg -r: the program is gone',
    !existsSync('/usr/bin/ftps-backup') && !existsSync('/usr/lib/ftps-backup'),
  );
  check('dpkg -r: the unit is gone', !existsSync(unitFile));
  for (const kept of [
    '/etc/ftps-backup/config.yaml',
    '/etc/ftps-backup/jobs/blog.yaml',
    '/etc/ftps-backup/credentials/ftps',
    '/etc/ftps-backup/config.yaml.example',
    '/etc/logrotate.d/ftps-backup',
    '/var/lib/ftps-backup/history/blog.json',
  ]) {
    check(`dpkg -r keeps ${kept}`, existsSync(kept));
  }
  check('dpkg -r leaves the backups alone', backups() === before);
  must('dpkg', ['--purge', 'ftps-backup']);
  for (const gone of [
    '/etc/ftps-backup',
    '/etc/logrotate.d/ftps-backup',
    '/var/lib/ftps-backup',
    '/var/log/ftps-backup',
    '/var/cache/ftps-backup',
  ]) {
    check(`dpkg --purge removes ${gone}`, !existsSync(gone));
  }
  check('dpkg --purge leaves the backups alone', backups() === before);
  check('dpkg --purge keeps the ftps-backup user (Debian practice)', userExists());

  // ------------------------------------------------------------ the tarball: install.sh under a prefix
  if (tarball !== undefined) {
    const unpacked = join(work, 'tarball');
    mkdirSync(unpacked);
    must('tar', ['-xzf', resolve(tarball), '-C', unpacked]);
    const [top] = readdirSync(unpacked);
    const installer = join(unpacked, top!, 'install.sh');
    const prefix = join('/opt', `ftps-backup-package-test-${process.pid}`);
    must(installer, ['--prefix', prefix]);
    const tarVersion = must(join(prefix, 'bin', 'ftps-backup'), ['--version'], { env: {} }).trim();
    check(`install.sh --prefix ${prefix}: --version with no PATH`, tarVersion === version, tarVersion);
    const tarUnit = readFileSync('/etc/systemd/system/ftps-backup.service', 'utf8');
    check(
      'install.sh: the unit runs the prefix runtime',
      tarUnit.includes(`ExecStart=${prefix}/lib/ftps-backup/runtime/bin/node `),
    );
    const tarAnalyze = sh('systemd-analyze', ['verify', '/etc/systemd/system/ftps-backup.service']);
    check('install.sh: systemd-analyze verify', tarAnalyze.code === 0, tarAnalyze.out.trim());
    check(
      'install.sh: /etc/ftps-backup/config.yaml.example',
      existsSync('/etc/ftps-backup/config.yaml.example'),
    );
    must(installer, ['--uninstall', '--prefix', prefix]);
    check(
      'install.sh --uninstall removes the program and the unit',
      !existsSync(join(prefix, 'lib', 'ftps-backup')) &&
        !existsSync('/etc/systemd/system/ftps-backup.service'),
    );
    check(
      'install.sh --uninstall keeps /etc/ftps-backup',
      existsSync('/etc/ftps-backup/config.yaml.example'),
    );
    rmSync(prefix, { recursive: true, force: true });
    for (const dir of [
      '/etc/ftps-backup',
      '/var/lib/ftps-backup',
      '/var/log/ftps-backup',
      '/var/cache/ftps-backup',
    ]) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} catch (err) {
  if (!failed) console.log(`FAIL ${(err as Error).stack ?? String(err)}`);
  failed = true;
} finally {
  for (const s of servers) await s.stop().catch(() => undefined);
  if (sh('dpkg-query', ['-W', '-f=${Status}', 'ftps-backup']).out.includes('installed')) {
    sh('dpkg', ['--purge', 'ftps-backup']);
  }
  if (!hadUser && userExists()) {
    sh('userdel', ['ftps-backup']);
    if (sh('getent', ['group', 'ftps-backup']).code === 0) sh('groupdel', ['ftps-backup']);
  }
  rmSync(work, { recursive: true, force: true });
}
console.log(failed ? 'test-package: FAILED' : 'test-package: OK');
process.exit(failed ? 1 : 0);
