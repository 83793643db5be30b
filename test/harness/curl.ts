// curl as a reference FTPS client for smoke tests of the harness: TLS required (--ssl-reqd, which
// also means PROT P), the server's cert as the CA, and the credentials in a 0600 config file passed
// with -K (never in argv).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempRoot, removeTempRoot } from './common.ts';
import type { FtpServerInfo } from './types.ts';

export interface CurlResult {
  /** curl's exit code (0 = success, 67 = login denied, …). */
  code: number;
  stderr: string;
}

/** Escapes a value for a double-quoted string in a curl config file. */
function curlQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface CurlFtpOptions {
  /** Upload this local file to `remotePath`. */
  upload?: string;
  /** Download `remotePath` to this local file. */
  download?: string;
  remotePath: string;
  /** Defaults to the server's password; pass another one to test a failed login. */
  password?: string;
  timeoutSeconds?: number;
  /** Highest TLS version curl may use (e.g. '1.2'). */
  tlsMax?: '1.2' | '1.3';
}

export async function curlFtp(info: FtpServerInfo, opts: CurlFtpOptions): Promise<CurlResult> {
  const dir = await makeTempRoot('curl');
  try {
    const config = join(dir, 'curl.cfg');
    await writeFile(config, `user = ${curlQuote(`${info.user}:${opts.password ?? info.password}`)}\n`, {
      mode: 0o600,
    });
    const scheme = info.implicitTls ? 'ftps' : 'ftp';
    const url = `${scheme}://${info.certHostname}:${info.port}/${opts.remotePath.replace(/^\/+/, '')}`;
    const args = [
      '--silent',
      '--show-error',
      '--ipv4',
      '--ssl-reqd',
      '--cacert',
      info.caFile,
      '--max-time',
      String(opts.timeoutSeconds ?? 60),
      '-K',
      config,
    ];
    if (opts.tlsMax !== undefined) args.push('--tls-max', opts.tlsMax);
    if (opts.upload !== undefined) args.push('-T', opts.upload);
    if (opts.download !== undefined) args.push('-o', opts.download);
    args.push(url);
    return await new Promise<CurlResult>((resolve, reject) => {
      execFile('curl', args, { encoding: 'utf8' }, (error, _stdout, stderr) => {
        if (error === null) resolve({ code: 0, stderr });
        else if (typeof error.code === 'number') resolve({ code: error.code, stderr });
        else reject(new Error(`could not run curl: ${error.message}`, { cause: error }));
      });
    });
  } finally {
    await removeTempRoot(dir);
  }
}
