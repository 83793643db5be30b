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
