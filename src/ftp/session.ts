/**
 * Opening a logged-in session: connect, AUTH TLS (or implicit TLS), USER/PASS(/ACCT), PBSZ 0 + PROT P
 * (mandatory: no silent clear-text data), FEAT, OPTS UTF8 ON, TYPE I, OPTS HASH. RFC 4217 order.
 */
import {
  parseFeatReply,
  parseHashFeature,
  parsePwdReply,
  type Features,
  type FtpReply,
} from './protocol/index.ts';
import { FtpLoginError, FtpReplyError, FtpTlsError } from './errors.ts';
import { ControlConnection, type ControlOptions } from './control.ts';

export interface Credentials {
  user: string;
  password: string;
  account?: string | undefined;
}

export type HashAlgorithm = 'SHA-256' | 'SHA-1' | 'MD5';

export interface Session {
  control: ControlConnection;
  features: Features;
  /** The server-side hash command we can use to verify uploads, if any. */
  hash: { command: 'HASH' | 'XSHA256' | 'XSHA1' | 'XMD5'; algorithm: HashAlgorithm } | undefined;
  homeDir: string;
  startedAt: number;
}

export function loginFailureMessage(
  host: string,
  user: string,
  code: number,
  serverMessage: string,
  tls: boolean,
): string {
  const lines = [
    `login to ${host} as "${user}" failed: ${code} ${serverMessage.split('\n')[0] ?? ''}`,
    'Likely causes, most common first:',
    '  - wrong user name or password (check the password source: env variable, file or credential, and trailing spaces)',
    '  - the user is unknown to the auth backend the server uses: e.g. Pure-FTPd with PureDB virtual users does not see',
    '    system users (and vice versa) — check which backend holds this user (pure-pw list / pure-pw show)',
    '  - the account is refused by policy: a minimum UID (Pure-FTPd -u), a shell not in /etc/shells (ProFTPD',
    '    RequireValidShell), the user listed in ftpusers/user_list, or an anonymous-only server',
    tls
      ? '  - the server requires a different TLS mode for this user (e.g. implicit FTPS on port 990)'
      : '  - the server requires TLS for logins: use tls: explicit (the default) or implicit',
  ];
  return lines.join('\n');
}

/**
 * Connect and log in: the public steps below, in RFC 4217 order. The doctor (src/doctor) runs the same
 * steps one by one to report each (as basic-ftp's access() is built from its public steps).
 */
export async function openSession(options: ControlOptions, credentials: Credentials): Promise<Session> {
  const { control } = await ControlConnection.open(options);
  try {
    const tlsOn = options.tls !== undefined;
    if (tlsOn && !options.implicitTls) {
      await secureControl(control);
    } else if (!tlsOn) {
      options.log.warn(
        `connecting to ${options.host} WITHOUT TLS (tls: none): password and data travel in clear text`,
      );
    }
    await login(control, credentials, tlsOn);
    if (tlsOn) await protectData(control);
    const { features } = await readFeatures(control);
    await binaryMode(control);
    const hash = await chooseHash(control, features);
    const homeDir = (await homeDirectory(control)) ?? '/';
    return { control, features, hash, homeDir, startedAt: Date.now() };
  } catch (err) {
    control.destroy();
    throw err;
  }
}

/** Explicit FTPS: AUTH TLS, then the TLS handshake on the control connection. */
export async function secureControl(control: ControlConnection): Promise<void> {
  const auth = await control.request('AUTH', 'TLS');
  if (auth.code !== 234) {
    throw new FtpTlsError(
      `${control.options.host} refused AUTH TLS (${auth.code} ${auth.message}). If the server speaks implicit FTPS, use ` +
        `tls: implicit (ftps:// URL, port 990). Plain FTP is only used when a destination says tls: none.`,
    );
  }
  await control.upgradeToTls();
}

/** PBSZ 0 + PROT P: data connections encrypted, or an FtpTlsError (never silent clear-text data). */
export async function protectData(control: ControlConnection): Promise<void> {
  const host = control.options.host;
  const pbsz = await control.request('PBSZ', '0');
  const prot = pbsz.code >= 200 && pbsz.code < 300 ? await control.request('PROT', 'P') : pbsz;
  if (prot.code < 200 || prot.code >= 300) {
    throw new FtpTlsError(
      `${host} refused ${prot === pbsz ? 'PBSZ 0' : 'PROT P'} (${prot.code} ${prot.message}): data would travel unencrypted, refusing`,
    );
  }
}

/** FEAT (and OPTS UTF8 ON where offered; its failure is harmless). `answered`: FEAT got a 211. */
export async function readFeatures(
  control: ControlConnection,
): Promise<{ features: Features; reply: FtpReply }> {
  const reply = await control.request('FEAT');
  const features = parseFeatReply(reply);
  if (features.has('UTF8')) await control.request('OPTS', 'UTF8 ON');
  return { features, reply };
}

/** TYPE I (binary transfers are required). */
export async function binaryMode(control: ControlConnection): Promise<void> {
  await control.expect('TYPE', 'I', (r) => r.code >= 200 && r.code < 300);
}

/** The login folder (PWD), or undefined when the server does not say. */
export async function homeDirectory(control: ControlConnection): Promise<string | undefined> {
  const pwd = await control.request('PWD');
  return pwd.code === 257 ? parsePwdReply(pwd.message) : undefined;
}

export async function login(
  control: ControlConnection,
  credentials: Credentials,
  tls: boolean,
): Promise<void> {
  const host = control.options.host;
  let reply = await control.request('USER', credentials.user);
  if (reply.code === 331) reply = await control.request('PASS', credentials.password);
  if (reply.code === 332) {
    if (credentials.account === undefined) {
      throw new FtpLoginError(`${host} asks for an account (332 ACCT) after login; configure one`, 332);
    }
    reply = await control.request('ACCT', credentials.account);
  }
  if (reply.code === 230 || reply.code === 202) return;
  if (reply.code === 530 || reply.code === 430) {
    throw new FtpLoginError(
      loginFailureMessage(host, credentials.user, reply.code, reply.message, tls),
      reply.code,
    );
  }
  throw new FtpReplyError('login', reply.code, reply.message);
}

export async function chooseHash(control: ControlConnection, features: Features): Promise<Session['hash']> {
  const hashFeat = features.get('HASH');
  if (hashFeat !== undefined) {
    const { algorithms, preferred } = parseHashFeature(hashFeat);
    for (const algorithm of ['SHA-256', 'SHA-1', 'MD5'] as const) {
      if (!algorithms.includes(algorithm)) continue;
      if (preferred === algorithm) return { command: 'HASH', algorithm };
      const r = await control.request('OPTS', `HASH ${algorithm}`);
      if (r.code >= 200 && r.code < 300) return { command: 'HASH', algorithm };
    }
  }
  if (features.has('XSHA256')) return { command: 'XSHA256', algorithm: 'SHA-256' };
  if (features.has('XSHA1')) return { command: 'XSHA1', algorithm: 'SHA-1' };
  if (features.has('XMD5')) return { command: 'XMD5', algorithm: 'MD5' };
  return undefined;
}
