// Public types of the test harness (re-exported by index.ts).

export type FtpServerKind = 'proftpd' | 'vsftpd' | 'pure-ftpd';
export type ProftpdVariant = 'a' | 'b' | 'b2' | 'c' | 'd';

export interface FtpServerInfo {
  kind: FtpServerKind;
  /** 'a' | 'b' | 'b2' | 'c' | 'd' for proftpd; 'default' otherwise. */
  variant: string;
  /** '127.0.0.1' */
  host: string;
  port: number;
  /** The passive port range the server was given (a fault proxy forwards it). */
  passive: { min: number; max: number };
  implicitTls: boolean;
  user: string;
  password: string;
  /** PEM of the self-signed cert (usable as a CA file). */
  caFile: string;
  caPem: string;
  /** 'AB:CD:…' upper-case colon hex SHA-256 of the DER cert (as Node's X509Certificate.fingerprint256). */
  fingerprint256: string;
  /** The name the cert is valid for ('localhost'; IP SAN 127.0.0.1 too). */
  certHostname: string;
  /** The user's home/root folder on disk (uploads land here). */
  home: string;
  /** Server log (for debugging failures). */
  logFile: string;
  pid: number;
  /** Started with the append-only recipe for `user` (see FtpServerOptions). */
  appendOnly: boolean;
  /**
   * A second login on the same home that may delete (the prune login of an append-only destination);
   * only where the recipe can be per user (ProFTPD).
   */
  pruneLogin?: { user: string; password: string } | undefined;
  /** A file with one line per command the server received (append-only servers), see commandsSent(). */
  commandLog?: string | undefined;
}

export interface FtpServerOptions {
  /**
   * Configure the server so that `user` cannot delete, rename or overwrite (the recipes of the README's
   * "Protect your backups from a compromised host"): ProFTPD `<Limit APPE DELE RMD RNFR RNTO MFMT
   * SITE_CHMOD SITE_UTIME> DenyUser` + `AllowOverwrite off` (plus a prune login that may delete), vsftpd
   * `cmds_denied` + `file_open_mode=0444` + `mdtm_write=NO`; Pure-FTPd `-K -G -r`, which is not enough (see pure-ftpd.ts).
   */
  appendOnly?: boolean;
}

export interface RunningServer<T> {
  info: T;
  stop(): Promise<void>;
}

export interface MariadbInfo {
  host: string;
  port: number;
  socket: string;
  user: string;
  password: string;
  rootUser: string;
  rootPassword: string;
  datadir: string;
  pid: number;
}
