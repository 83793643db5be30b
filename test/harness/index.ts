// Real-server test harness: starts ProFTPD (five TLS variants), vsftpd, Pure-FTPd and MariaDB in temp
// folders on loopback, each in the foreground as a child process stopped by PID. Integration tests
// normally use the vitest helpers in ./vitest.ts; this module is the plain API underneath.
// Imports only Node built-ins (and nothing from src/).
//
//   import { useFtpServer, useMariadb } from '../harness/vitest.ts';
//   const server = useFtpServer('proftpd', 'a');   // started in beforeAll, stopped in afterAll
//   it('uploads', async () => { const { host, port, user, password, caPem, home } = server(); … });
//
// Environment:
//   FTPS_TEST_SERVERS_DIR  where vsftpd/pure-ftpd were unpacked (default <repo>/.test-servers/root; .ci/run fills it)
//   FTPS_TEST_KEEP_TMP=1   keep the servers' temp folders (configs, logs, uploads) after the run
//   CI=true                a missing server fails its tests instead of skipping them
// Setup details per server: proftpd.ts (variants), vsftpd.ts (system user + PAM service it creates),
// pure-ftpd.ts (options), mariadb.ts (users and grants).
export type {
  FtpServerInfo,
  FtpServerKind,
  FtpServerOptions,
  MariadbInfo,
  ProftpdVariant,
  RunningServer,
} from './types.ts';
export { serverAvailability, testServersDir, type Availability, type ServerKind } from './availability.ts';
export { proftpdCommandLog, startProftpd } from './proftpd.ts';
export { startVsftpd } from './vsftpd.ts';
export { startPureFtpd } from './pure-ftpd.ts';
export { startMariadb, mariadbQuery, writeMariadbDefaultsFile, BACKUP_GRANTS } from './mariadb.ts';
export { ftpLogTail } from './ftp-common.ts';
export { putFile } from './files.ts';
export { makeTempRoot, removeTempRoot } from './common.ts';
export { curlFtp, type CurlFtpOptions, type CurlResult } from './curl.ts';
