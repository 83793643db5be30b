// The start sequence every FTP server of the harness shares: temp folder, certificate, home folder,
// free ports, spawn in the foreground, wait for the 220 greeting (over TLS for implicit FTPS), and a
// stop() that ends the process group and removes the folder. A start that lost a port race is
// retried with new ports.
import { chown, mkdir, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import {
  keepTempRoot,
  makeSelfSignedCert,
  makeTempRoot,
  removeTempRoot,
  type SelfSignedCert,
} from './common.ts';
import { freePort, freePortRange } from './ports.ts';
import { readFtpGreeting, readTail, spawnServer, waitUntilReady, type ServerProcess } from './process.ts';
import type { FtpServerInfo, FtpServerKind, RunningServer } from './types.ts';

export const LOOPBACK = '127.0.0.1';
/** Virtual/system user every FTP server of the harness logs in (see vsftpd.ts for the system user). */
export const FTP_TEST_USER = 'ftpsbt';
/** nobody:nogroup on Debian: what ProFTPD and Pure-FTPd virtual users map to. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

export interface FtpPrepareContext {
  dir: string;
  home: string;
  cert: SelfSignedCert;
  port: number;
  passive: { min: number; max: number };
}

export interface FtpLaunch {
  command: string;
  args: string[];
  /** The server's own log (FtpServerInfo.logFile). */
  logFile: string;
  /** More logs worth showing when the start fails (TLS log, transfer log…). */
  otherLogs: string[];
  user: string;
  password: string;
  /** See SpawnOptions.stdinToLog (vsftpd). */
  stdinToLog?: boolean;
  /** FtpServerInfo.pruneLogin / commandLog. */
  pruneLogin?: { user: string; password: string };
  commandLog?: string;
}

export interface FtpStartSpec {
  kind: FtpServerKind;
  variant: string;
  appendOnly?: boolean;
  implicitTls: boolean;
  /** Owner of the home folder (the uid/gid the server writes uploads as). */
  homeOwner: { uid: number; gid: number };
  /** Writes the config files into ctx.dir and says how to run the server. */
  prepare(ctx: FtpPrepareContext): Promise<FtpLaunch>;
  /** How many passive ports to reserve (default 20). */
  passivePorts?: number;
  /** Grace period between SIGTERM and SIGKILL. */
  stopGraceMs?: number;
}

const BIND_FAILURE = /address already in use|unable to bind|could not bind|bind\(\) failed|EADDRINUSE/i;

export async function startFtpServer(spec: FtpStartSpec): Promise<RunningServer<FtpServerInfo>> {
  const label =
    (spec.variant === 'default' ? spec.kind : `${spec.kind}-${spec.variant}`) +
    (spec.appendOnly === true ? '-appendonly' : '');
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(spec, label);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= 3 || !BIND_FAILURE.test(message)) throw err;
    }
  }
}

async function startOnce(spec: FtpStartSpec, label: string): Promise<RunningServer<FtpServerInfo>> {
  const dir = await makeTempRoot(label);
  const home = join(dir, 'home');
  await mkdir(home);
  await chown(home, spec.homeOwner.uid, spec.homeOwner.gid);
  await chmod(home, 0o755);
  const [cert, port, passive] = await Promise.all([
    makeSelfSignedCert(dir),
    freePort(),
    freePortRange(spec.passivePorts ?? 20),
  ]);
  const launch = await spec.prepare({ dir, home, cert, port, passive });
  const stdioFile = join(dir, 'stdio.log');
  const logFiles = [stdioFile, launch.logFile, ...launch.otherLogs];

  let server: ServerProcess | undefined;
  try {
    server = spawnServer({
      command: launch.command,
      args: launch.args,
      cwd: dir,
      stdioFile,
      stdinToLog: launch.stdinToLog === true,
    });
    const running = server;
    await waitUntilReady({
      name: `${label} (pid ${running.pid}, port ${port}, folder ${dir})`,
      server: running,
      logFiles,
      attempt: () =>
        readFtpGreeting({
          host: LOOPBACK,
          port,
          ...(spec.implicitTls ? { tls: { ca: cert.pem, servername: cert.hostname } } : {}),
        }),
    });
  } catch (err) {
    // The process goes; the folder stays for a look at the logs, unless we will retry with new ports.
    await server?.stop(1_000);
    if (BIND_FAILURE.test(err instanceof Error ? err.message : String(err))) await removeTempRoot(dir);
    else await keepTempRoot(dir);
    throw err;
  }

  const proc = server;
  const info: FtpServerInfo = {
    kind: spec.kind,
    variant: spec.variant,
    host: LOOPBACK,
    port,
    passive,
    implicitTls: spec.implicitTls,
    user: launch.user,
    password: launch.password,
    caFile: cert.certFile,
    caPem: cert.pem,
    fingerprint256: cert.fingerprint256,
    certHostname: cert.hostname,
    home,
    logFile: launch.logFile,
    pid: proc.pid,
    appendOnly: spec.appendOnly === true,
    pruneLogin: launch.pruneLogin,
    commandLog: launch.commandLog,
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await proc.stop(spec.stopGraceMs ?? 5_000);
      await removeTempRoot(dir);
    })();
    return stopped;
  };
  return { info, stop };
}

/** For error messages in tests: the last lines of the server's log. */
export function ftpLogTail(info: FtpServerInfo, lines = 60): string {
  return readTail(info.logFile, lines);
}
