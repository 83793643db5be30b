/**
 * FTP URLs as FileZilla and lftp read them: ftpes:// is explicit FTPS (AUTH TLS, port 21), ftps:// is
 * implicit FTPS (port 990), ftp:// is plain FTP and is only accepted with --plain. A password in the URL
 * is refused: passwords come from FTPS_PASSWORD or --password-file, never the command line.
 */
import type { TlsMode } from '../ftp/index.ts';

export interface FtpUrl {
  tlsMode: TlsMode;
  host: string;
  port: number | undefined;
  user: string;
  path: string;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseFtpUrl(text: string, opts: { plainAllowed?: boolean } = {}): FtpUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: "${text}" (expected ftpes://user@host[:port]/path or ftps://…)`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  let tlsMode: TlsMode;
  if (scheme === 'ftpes') tlsMode = 'explicit';
  else if (scheme === 'ftps') tlsMode = 'implicit';
  else if (scheme === 'ftp') {
    if (opts.plainAllowed !== true) {
      throw new UsageError(
        'ftp:// is plain FTP without TLS; use ftpes:// (explicit TLS) or ftps:// (implicit TLS), or pass --plain to accept clear text',
      );
    }
    tlsMode = 'none';
  } else {
    throw new UsageError(
      `unsupported scheme "${scheme}:" (use ftpes:// for explicit FTPS or ftps:// for implicit FTPS)`,
    );
  }
  if (url.password !== '') {
    throw new UsageError(
      'do not put the password in the URL (it would show in ps and shell history); use FTPS_PASSWORD or --password-file',
    );
  }
  if (url.username === '') throw new UsageError(`no user in "${text}" (expected ${scheme}://user@host/path)`);
  if (url.hostname === '') throw new UsageError(`no host in "${text}"`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    tlsMode,
    host,
    port: url.port === '' ? undefined : Number(url.port),
    user: decodeURIComponent(url.username),
    path: decodeURIComponent(url.pathname) || '/',
  };
}
