// ProFTPD 1.3.8 + mod_tls (Debian proftpd-core + proftpd-mod-crypto) in standalone foreground mode
// (`proftpd -n -c <conf>`), one virtual user from AuthUserFile mapped to nobody:nogroup.
//
// Variants (everything else is shared):
//   a   TLS 1.2 + 1.3, session reuse required (mod_tls default), AllowStoreRestart on, DigestEngine on (HASH)
//   b   TLS 1.2 only, TLSRenegotiate data 2048 required on timeout 30 (renegotiates the data channel every 2 MB),
//       AllowStoreRestart on
//   b2  TLS 1.2 only, TLSRenegotiate ctrl 3 data 2048 required on timeout 30 (also the control channel every 3 s),
//       AllowStoreRestart on
//   c   TLS 1.2 + 1.3, TLSSessionCache internal: 4 (the TLS session expires after 4 s, e.g. during a long upload)
//   d   implicit FTPS (TLSOptions UseImplicitSSL), TLS 1.2 + 1.3
// (a) allows REST+STOR/APPE and HASH. (b) and (b2) allow REST+STOR/APPE too: measured on ProFTPD 1.3.8,
// once a data transfer passes the 2 MB limit mod_tls requests a renegotiation on every read (its byte count
// is never reset) and kills the data channel exactly `timeout` (30 s) after the first request, so no client
// can move more than ~30 s worth of data over one data connection there; what survives is resuming on a new
// one. (c) and (d) leave AllowStoreRestart at its default (off), so the "restart refused, upload from the
// start" path is exercised on a real server. DigestEngine is off except in (a) (mod_digest is loaded in every
// variant).
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { binaries, proftpdModulePath } from './availability.ts';
import { randomSecret, sha512Crypt } from './common.ts';
import { FTP_TEST_USER, LOOPBACK, NOBODY, startFtpServer, type FtpPrepareContext } from './ftp-common.ts';
import type { FtpServerInfo, FtpServerOptions, ProftpdVariant, RunningServer } from './types.ts';

/** The login of an append-only ProFTPD that may delete (FtpServerInfo.pruneLogin). */
export const PRUNE_TEST_USER = `${FTP_TEST_USER}-prune`;

/** The append-only recipe for the backup login (README: "Protect your backups from a compromised host"). */
function appendOnlyLines(commandLog: string): string[] {
  return [
    'AllowOverwrite off',
    '<Limit APPE DELE RMD RNFR RNTO MFMT SITE_CHMOD SITE_UTIME>',
    `  DenyUser ${FTP_TEST_USER}`,
    '</Limit>',
    'LogFormat replies "%u %r %s"',
    `ExtendedLog ${commandLog} ALL replies`,
  ];
}

const variantDirectives: Record<ProftpdVariant, { implicitTls: boolean; lines: string[] }> = {
  a: {
    implicitTls: false,
    lines: ['TLSProtocol TLSv1.2 TLSv1.3', 'AllowStoreRestart on', 'DigestEngine on'],
  },
  b: {
    implicitTls: false,
    lines: [
      'TLSProtocol TLSv1.2',
      'TLSRenegotiate data 2048 required on timeout 30',
      'AllowStoreRestart on',
      'DigestEngine off',
    ],
  },
  b2: {
    implicitTls: false,
    lines: [
      'TLSProtocol TLSv1.2',
      'TLSRenegotiate ctrl 3 data 2048 required on timeout 30',
      'AllowStoreRestart on',
      'DigestEngine off',
    ],
  },
  c: {
    implicitTls: false,
    lines: ['TLSProtocol TLSv1.2 TLSv1.3', 'TLSSessionCache internal: 4', 'DigestEngine off'],
  },
  d: {
    implicitTls: true,
    lines: ['TLSProtocol TLSv1.2 TLSv1.3', 'TLSOptions UseImplicitSSL', 'DigestEngine off'],
  },
};

function proftpdConfig(ctx: FtpPrepareContext, variant: ProftpdVariant, appendOnly: boolean): string {
  const f = (name: string): string => join(ctx.dir, name);
  return [
    `ServerName "ftps-backup test ProFTPD (${variant})"`,
    'ServerType standalone',
    'DefaultServer on',
    `Port ${ctx.port}`,
    `DefaultAddress ${LOOPBACK}`,
    // Without this, standalone ProFTPD listens on 0.0.0.0 whatever DefaultAddress says.
    'SocketBindTight on',
    'UseIPv6 off',
    'UseReverseDNS off',
    // IdentLookups belongs to mod_ident, which is a DSO we do not load (so no ident lookups anyway).
    '<IfModule mod_ident.c>',
    '  IdentLookups off',
    '</IfModule>',
    '<IfModule mod_ctrls.c>',
    '  ControlsEngine off',
    '</IfModule>',
    'DelayEngine off',
    `PidFile ${f('proftpd.pid')}`,
    `ScoreboardFile ${f('proftpd.scoreboard')}`,
    'User nobody',
    'Group nogroup',
    'MaxInstances 50',
    `ModulePath ${proftpdModulePath()}`,
    'LoadModule mod_tls.c',
    'LoadModule mod_digest.c',
    'AuthOrder mod_auth_file.c',
    `AuthUserFile ${f('ftpd.passwd')}`,
    `AuthGroupFile ${f('ftpd.group')}`,
    'RequireValidShell off',
    'UseFtpUsers off',
    'DefaultRoot ~',
    ...(appendOnly ? appendOnlyLines(f('replies.log')) : ['AllowOverwrite on']),
    'Umask 022',
    `PassivePorts ${ctx.passive.min} ${ctx.passive.max}`,
    `SystemLog ${f('proftpd.log')}`,
    `TransferLog ${f('xferlog')}`,
    // Every command's verb, one a line (no arguments: no password in a log); tests count round trips.
    'LogFormat verbs "%m"',
    `ExtendedLog ${f('commands.log')} ALL verbs`,
    'WtmpLog off',
    'TLSEngine on',
    'TLSRequired on',
    `TLSRSACertificateFile ${ctx.cert.certFile}`,
    `TLSRSACertificateKeyFile ${ctx.cert.keyFile}`,
    'TLSVerifyClient off',
    `TLSLog ${f('tls.log')}`,
    ...variantDirectives[variant].lines,
    '',
  ].join('\n');
}

/** The file where a ProFTPD started by startProftpd logs the verb of every command it received. */
export function proftpdCommandLog(info: FtpServerInfo): string {
  return join(dirname(info.logFile), 'commands.log');
}

export async function startProftpd(
  variant: ProftpdVariant,
  options: FtpServerOptions = {},
): Promise<RunningServer<FtpServerInfo>> {
  const appendOnly = options.appendOnly === true;
  const proftpd = binaries.proftpd();
  if (proftpd === undefined)
    throw new Error('proftpd not found: apt-get install proftpd-core proftpd-mod-crypto');
  const { implicitTls } = variantDirectives[variant];
  return startFtpServer({
    kind: 'proftpd',
    variant,
    appendOnly,
    implicitTls,
    homeOwner: NOBODY,
    prepare: async (ctx) => {
      const password = randomSecret();
      const prunePassword = randomSecret();
      // AuthUserFile uses the passwd(5) layout; the shell does not matter with RequireValidShell off.
      const line = async (user: string, secret: string): Promise<string> =>
        `${user}:${await sha512Crypt(secret)}:${NOBODY.uid}:${NOBODY.gid}::${ctx.home}:/bin/false\n`;
      await writeFile(
        join(ctx.dir, 'ftpd.passwd'),
        (await line(FTP_TEST_USER, password)) +
          (appendOnly ? await line(PRUNE_TEST_USER, prunePassword) : ''),
        { mode: 0o600 },
      );
      await writeFile(join(ctx.dir, 'ftpd.group'), `ftpsbt:x:${NOBODY.gid}:\n`, { mode: 0o600 });
      const conf = join(ctx.dir, 'proftpd.conf');
      await writeFile(conf, proftpdConfig(ctx, variant, appendOnly), { mode: 0o600 });
      return {
        command: proftpd,
        args: ['-n', '-c', conf],
        logFile: join(ctx.dir, 'proftpd.log'),
        otherLogs: [join(ctx.dir, 'tls.log')],
        user: FTP_TEST_USER,
        password,
        ...(appendOnly
          ? {
              pruneLogin: { user: PRUNE_TEST_USER, password: prunePassword },
              commandLog: join(ctx.dir, 'replies.log'),
            }
          : {}),
      };
    },
  });
}
