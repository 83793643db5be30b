// vsftpd 3.0.3 (binary from the unpacked Debian package) with listen=YES, background=NO.
//
// vsftpd has no user database of its own: local users log in through PAM (pam_service_name reads
// /etc/pam.d/<name>) and must exist in the system's passwd. So, as root, the harness
//   1. makes sure a system user `ftpsbt` exists (useradd --system, shell nologin, home "/": vsftpd
//      chdir()s into the passwd home before local_root, and fails with "500 OOPS: cannot change
//      directory" if it does not exist), and sets its password with chpasswd (via stdin). The password
//      is random, made once per machine and kept in /var/lib/ftps-backup-test/ftpsbt.password (0600),
//      so that test processes running side by side never change it under each other's feet;
//   2. writes /etc/pam.d/ftps-backup-test (pam_unix auth + account) if it is missing or different.
// All of it is idempotent and touches nothing else. Virtual users (guest_enable) would still need a
// PAM module with its own database (pam_userdb/pam_pwdfile), which Debian does not ship ready to use,
// so the system user is the simpler dependable choice.
//
// TLS: vsftpd 3.0.3 knows ssl_sslv2, ssl_sslv3 and ssl_tlsv1 only (no ssl_tlsv1_1/ssl_tlsv1_2 options,
// and an unknown option stops vsftpd at startup). It uses TLS_server_method() and sets no maximum, so
// with OpenSSL 3 it speaks TLS 1.2 and TLS 1.3; ssl_tlsv1=NO turns off TLS 1.0, and OpenSSL 3's security
// level already refuses TLS 1.1. Its default ssl_ciphers (DES-CBC3-SHA) would leave no TLS 1.2 cipher,
// so ssl_ciphers=HIGH.
//
// Append-only (options.appendOnly): cmds_denied=DELE,RMD,RNFR,RNTO,SITE refuses delete, rename and chmod,
// but vsftpd has no setting against STOR over an existing file; file_open_mode=0444 makes every uploaded
// file read-only for its owner (vsftpd runs the session as the system user, so the kernel refuses to
// reopen it for writing: no overwrite, no REST+STOR, no APPE into an existing file — an interrupted
// upload starts again under a new name); mdtm_write=NO keeps it from backdating a file with MDTM (prune
// trusts server times). Commands are in the vsftpd log (log_ftp_protocol=YES).
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { binaries } from './availability.ts';
import { randomSecret, run } from './common.ts';
import { FTP_TEST_USER, LOOPBACK, startFtpServer, type FtpPrepareContext } from './ftp-common.ts';
import type { FtpServerInfo, FtpServerOptions, RunningServer } from './types.ts';

export const VSFTPD_PAM_SERVICE = 'ftps-backup-test';
const PAM_FILE = `/etc/pam.d/${VSFTPD_PAM_SERVICE}`;
const PAM_CONTENT = [
  '# Written by the ftps-backup test harness (test/harness/vsftpd.ts) for its vsftpd test servers.',
  '# The test user (ftpsbt) logs in with its /etc/shadow password.',
  'auth     required pam_unix.so',
  'account  required pam_unix.so',
  'session  required pam_permit.so',
  '',
].join('\n');

interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  password: string;
}

let systemUser: Promise<SystemUser> | undefined;

async function lookupUser(name: string): Promise<{ uid: number; gid: number; home: string } | undefined> {
  try {
    const { stdout } = await run('getent', ['passwd', name]);
    const fields = stdout.trim().split(':');
    return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '' };
  } catch {
    return undefined;
  }
}

const PASSWORD_FILE = '/var/lib/ftps-backup-test/ftpsbt.password';

/** The test user's password: created once per machine (concurrent starts agree on it), then reused. */
async function machinePassword(): Promise<string> {
  await mkdir(dirname(PASSWORD_FILE), { recursive: true, mode: 0o700 });
  // Write a private temp file, then link() it into place: atomic, and EEXIST when another process won.
  const candidate = `${PASSWORD_FILE}.${process.pid}.tmp`;
  await writeFile(candidate, `${randomSecret()}\n`, { mode: 0o600 });
  try {
    await link(candidate, PASSWORD_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(candidate);
  }
  const password = (await readFile(PASSWORD_FILE, 'utf8')).trim();
  if (password.length < 16) throw new Error(`${PASSWORD_FILE} holds no usable password; delete it`);
  return password;
}

async function ensureSystemUser(): Promise<SystemUser> {
  let user = await lookupUser(FTP_TEST_USER);
  if (user === undefined) {
    try {
      await run('useradd', [
        '--system',
        '--no-create-home',
        '--home-dir',
        '/',
        '--shell',
        '/usr/sbin/nologin',
        '--user-group',
        FTP_TEST_USER,
      ]);
    } catch (err) {
      // Another process may have created it in the meantime.
      if ((await lookupUser(FTP_TEST_USER)) === undefined) throw err;
    }
    user = await lookupUser(FTP_TEST_USER);
  } else if (user.home !== '/') {
    await run('usermod', ['--home', '/', FTP_TEST_USER]);
  }
  if (user === undefined) throw new Error(`could not create the system user ${FTP_TEST_USER}`);
  const password = await machinePassword();
  await run('chpasswd', [], { input: `${FTP_TEST_USER}:${password}\n` });
  const current = await readFile(PAM_FILE, 'utf8').catch(() => undefined);
  if (current !== PAM_CONTENT) await writeFile(PAM_FILE, PAM_CONTENT, { mode: 0o644 });
  return { name: FTP_TEST_USER, uid: user.uid, gid: user.gid, password };
}

/** The append-only recipe (README: "Protect your backups from a compromised host"). */
const APPEND_ONLY_LINES = ['cmds_denied=DELE,RMD,RNFR,RNTO,SITE', 'file_open_mode=0444', 'mdtm_write=NO'];

function vsftpdConfig(ctx: FtpPrepareContext, appendOnly: boolean): string {
  const f = (name: string): string => join(ctx.dir, name);
  return [
    'listen=YES',
    'listen_ipv6=NO',
    `listen_address=${LOOPBACK}`,
    `listen_port=${ctx.port}`,
    'background=NO',
    'anonymous_enable=NO',
    'local_enable=YES',
    'write_enable=YES',
    'local_umask=022',
    `local_root=${ctx.home}`,
    // Jail the user in local_root (the current folder after login), so "/" is the home folder as on
    // ProFTPD (DefaultRoot ~) and Pure-FTPd (-A). vsftpd refuses a jail the user can write to unless
    // allow_writeable_chroot=YES.
    'chroot_local_user=YES',
    'allow_writeable_chroot=YES',
    `pam_service_name=${VSFTPD_PAM_SERVICE}`,
    'seccomp_sandbox=NO',
    'isolate=NO',
    'isolate_network=NO',
    // Pre-login processes chroot here: must exist, be empty, root-owned and not writable by others.
    `secure_chroot_dir=${f('empty')}`,
    'pasv_enable=YES',
    `pasv_min_port=${ctx.passive.min}`,
    `pasv_max_port=${ctx.passive.max}`,
    'connect_from_port_20=NO',
    'delay_failed_login=0',
    'ssl_enable=YES',
    'allow_anon_ssl=NO',
    'force_local_data_ssl=YES',
    'force_local_logins_ssl=YES',
    'require_ssl_reuse=YES',
    'strict_ssl_read_eof=YES',
    'ssl_sslv2=NO',
    'ssl_sslv3=NO',
    'ssl_tlsv1=NO',
    'ssl_ciphers=HIGH',
    `rsa_cert_file=${ctx.cert.certFile}`,
    `rsa_private_key_file=${ctx.cert.keyFile}`,
    'xferlog_enable=YES',
    'xferlog_std_format=NO',
    `vsftpd_log_file=${f('vsftpd.log')}`,
    'log_ftp_protocol=YES',
    'debug_ssl=YES',
    ...(appendOnly ? APPEND_ONLY_LINES : []),
    '',
  ].join('\n');
}

export async function startVsftpd(options: FtpServerOptions = {}): Promise<RunningServer<FtpServerInfo>> {
  const appendOnly = options.appendOnly === true;
  const vsftpd = binaries.vsftpd();
  systemUser ??= ensureSystemUser();
  let user: SystemUser;
  try {
    user = await systemUser;
  } catch (err) {
    systemUser = undefined;
    throw err;
  }
  return startFtpServer({
    kind: 'vsftpd',
    variant: 'default',
    appendOnly,
    implicitTls: false,
    homeOwner: { uid: user.uid, gid: user.gid },
    prepare: async (ctx) => {
      await mkdir(join(ctx.dir, 'empty'), { mode: 0o755 });
      const conf = join(ctx.dir, 'vsftpd.conf');
      await writeFile(conf, vsftpdConfig(ctx, appendOnly), { mode: 0o600 });
      return {
        command: vsftpd,
        args: [conf],
        logFile: join(ctx.dir, 'vsftpd.log'),
        otherLogs: [],
        stdinToLog: true,
        user: user.name,
        password: user.password,
        ...(appendOnly ? { commandLog: join(ctx.dir, 'vsftpd.log') } : {}),
      };
    },
  });
}
