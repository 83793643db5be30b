// Pure-FTPd 1.0.50 (binary from the unpacked Debian package) in the foreground (no -B), with one
// PureDB virtual user mapped to nobody:nogroup and chrooted to its home.
//
// Options used (see `pure-ftpd --help`):
//   -S 127.0.0.1,<port>   listen on loopback only          -p <min>:<max>  passive port range
//   -l puredb:<pdb>       virtual users from our PureDB    -E              no anonymous logins
//   -Y 3                  TLS required on the control AND the data channel (-Y 2 would still accept
//                         PROT C data connections; a client that forgot PROT P should fail here)
//   -2 <cert>,<key>       certificate and key from the temp folder (instead of /etc/ssl/private/pure-ftpd.pem)
//   -A                    chroot everyone                  -H              no reverse DNS
//   -u 1                  refuse uid 0 logins              -g <pidfile>    pid file in the temp folder
//   -O clf:<file>         transfer log (the only file log: everything else goes to syslog, which a
//                         container usually lacks)
//   -c 20 -C 20           room for parallel test connections (-c is capped at half the 40 passive ports)
// The password hash is written by us as SHA-512 crypt: `pure-pw useradd` hashes with argon2id at a
// cost that makes every login take ~3 s here. `pure-pw mkdb` then builds the PureDB file.
// Pure-FTPd waits ~5 s before answering a wrong password (hard-coded), so keep such tests few.
// "Append-only" (options.appendOnly): the closest Pure-FTPd gets, -K (keep all files: no DELE/RMD for
// anyone), -G (no renaming) and -r (STOR onto an existing name is stored as name.1). It is NOT append-only:
// APPE into an existing file replaces its content (Pure-FTPd 1.0.50, measured by
// test/integration/append-only.test.ts; with -U 333:022 read-only uploads too). These switches hold for
// every login: no prune login here.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binaries } from './availability.ts';
import { randomSecret, run, sha512Crypt } from './common.ts';
import { FTP_TEST_USER, LOOPBACK, NOBODY, startFtpServer } from './ftp-common.ts';
import type { FtpServerInfo, FtpServerOptions, RunningServer } from './types.ts';

export async function startPureFtpd(options: FtpServerOptions = {}): Promise<RunningServer<FtpServerInfo>> {
  const appendOnly = options.appendOnly === true;
  const pureFtpd = binaries.pureFtpd();
  const purePw = binaries.purePw();
  return startFtpServer({
    kind: 'pure-ftpd',
    variant: 'default',
    appendOnly,
    implicitTls: false,
    homeOwner: NOBODY,
    passivePorts: 40,
    prepare: async (ctx) => {
      const password = randomSecret();
      const hash = await sha512Crypt(password);
      const passwdFile = join(ctx.dir, 'pureftpd.passwd');
      const pdb = join(ctx.dir, 'pureftpd.pdb');
      // Same layout pure-pw writes: login:hash:uid:gid:gecos:home/./ then 12 empty limit fields.
      // The "/./" marks the chroot point.
      await writeFile(
        passwdFile,
        `${FTP_TEST_USER}:${hash}:${NOBODY.uid}:${NOBODY.gid}::${ctx.home}/./${':'.repeat(12)}\n`,
        { mode: 0o600 },
      );
      await run(purePw, ['mkdb', pdb, '-f', passwdFile]);
      const logFile = join(ctx.dir, 'transfer.log');
      return {
        command: pureFtpd,
        args: [
          '-S',
          `${LOOPBACK},${ctx.port}`,
          '-p',
          `${ctx.passive.min}:${ctx.passive.max}`,
          '-l',
          `puredb:${pdb}`,
          '-E',
          '-Y',
          '3',
          '-2',
          `${ctx.cert.certFile},${ctx.cert.keyFile}`,
          '-A',
          '-H',
          '-u',
          '1',
          '-g',
          join(ctx.dir, 'pure-ftpd.pid'),
          '-O',
          `clf:${logFile}`,
          '-c',
          '20',
          '-C',
          '20',
          ...(appendOnly ? ['-K', '-G', '-r'] : []),
        ],
        logFile,
        otherLogs: [],
        user: FTP_TEST_USER,
        password,
      };
    },
  });
}
