/**
 * The probes behind `ftps-backup doctor`: each step of reaching, trusting, logging in to and writing to
 * an FTPS server, as data ({ id, ok, title, detail, hint }). It keeps going after a failure while later
 * steps still tell something (an untrusted certificate is still described, with the line that would pin
 * it) and stops where they don't — never sending the password over a connection it does not trust.
 * Nothing here prints; the CLI presents the steps.
 *
 * The diagnosis is a list of checks (FTP_CHECKS) run in order on one context: a caller may append its own
 * (e.g. a job's database privileges) and they report into the same step list.
 */
import { lookup } from 'node:dns/promises';
import { connect as netConnect, isIP } from 'node:net';
import {
  ControlConnection,
  FtpError,
  FtpLoginError,
  FtpReplyError,
  FtpTlsError,
  chooseHash,
  download,
  homeDirectory,
  login,
  newServerState,
  parseEpsvReply,
  parseHashFeature,
  parseList,
  parseMlsd,
  parsePasvReply,
  protectData,
  readFeatures,
  openSession,
  silentLogger,
  verifyControlPeer,
  type ControlOptions,
  type Features,
  type FtpLogger,
  type ServerState,
  type Session,
  type TlsMode,
  type TlsSettings,
  type TransferTimeouts,
} from '../ftp/index.ts';
import { certificateSteps, classifyPasvAddress, type DiagnosisStep } from './checks.ts';
import { dataTlsStep, errorText, Report, type DiagnosisFacts } from './report.ts';
import { writeTest } from './write-test.ts';

export type { DiagnosisStep, StepOutcome, CertificateFacts } from './checks.ts';
export type { DiagnosisFacts } from './report.ts';

export interface DiagnoseOptions {
  host: string;
  port: number;
  tlsMode: TlsMode;
  tls: TlsSettings;
  user: string;
  password: string;
  account?: string | undefined;
  /** The destination root: listing and write test happen here. */
  root: string;
  timeouts: { connectMs: number; replyMs: number; dataMs: number; finalReplyMs: number };
  /** The current time (certificate expiry). */
  now: Date;
  /** Name of the test file, e.g. `.ftps-backup-doctor-1a2b3c4d` (random, from the caller). */
  testFileName: string;
  /** The destination says appendOnly: true (a login that can erase fails the diagnosis). */
  appendOnly?: boolean | undefined;
  /** Called as each step is decided (the CLI prints progressively). */
  onStep?: ((step: DiagnosisStep) => void) | undefined;
  log?: FtpLogger | undefined;
}

export interface Diagnosis {
  steps: DiagnosisStep[];
  facts: DiagnosisFacts;
  /** Why the later steps were not run, when the diagnosis stopped early. */
  stoppedBecause?: string;
  /** No step failed (warnings allowed). */
  ok: boolean;
}

/** What the checks share: the options, the step list, the facts, and what earlier checks opened. */
export interface DoctorContext {
  readonly opts: DiagnoseOptions;
  readonly report: Report;
  readonly facts: DiagnosisFacts;
  readonly state: ServerState;
  /** The control connection, once a check opened it (closed by diagnose() at the end). */
  control?: ControlConnection | undefined;
  features?: Features | undefined;
  hash?: Session['hash'];
}

/** One check: adds its steps to ctx.report; throws DoctorStop to end the diagnosis there. */
export interface DoctorCheck {
  readonly name: string;
  run(ctx: DoctorContext): Promise<void>;
}

/** Thrown by a check to end the diagnosis; the reason becomes Diagnosis.stoppedBecause. */
export class DoctorStop extends Error {
  override name = 'DoctorStop';
}
const Stop = DoctorStop;

/** The connection was not opened by an earlier check (a programming error in the check list). */
function controlOf(ctx: DoctorContext): ControlConnection {
  if (ctx.control === undefined) throw new Error('doctor: this check needs the control connection');
  return ctx.control;
}

/** The FTPS checks, in order: network, TLS, trust and login, session, passive mode, listing, write test. */
export const FTP_CHECKS: readonly DoctorCheck[] = [
  { name: 'network', run: (ctx) => probeNetwork(ctx.opts, ctx.report, ctx.facts) },
  {
    name: 'control connection',
    run: async (ctx) => {
      ctx.control = await openControl(ctx.opts, ctx.report, ctx.facts);
    },
  },
  { name: 'trust and login', run: (ctx) => trustAndLogin(controlOf(ctx), ctx.opts, ctx.report, ctx.facts) },
  {
    name: 'session',
    run: async (ctx) => {
      const { features, hash } = await afterLogin(controlOf(ctx), ctx.opts, ctx.report, ctx.facts);
      ctx.features = features;
      ctx.hash = hash;
    },
  },
  { name: 'passive mode', run: (ctx) => passive(controlOf(ctx), ctx.report, ctx.facts) },
  {
    name: 'listing',
    run: (ctx) =>
      listing(controlOf(ctx), ctx.state, ctx.features ?? new Map(), ctx.opts, ctx.report, ctx.facts),
  },
  {
    name: 'write test',
    run: (ctx) =>
      writeTest({
        control: controlOf(ctx),
        state: ctx.state,
        timeouts: transferTimeouts(ctx.opts),
        hash: ctx.hash,
        hashOffered: hashOffered(ctx.features ?? new Map()),
        name: ctx.opts.testFileName,
        report: ctx.report,
        facts: ctx.facts,
        reopen: () => reopen(ctx.opts),
        appendOnly: ctx.opts.appendOnly === true,
      }),
  },
];

/** Runs `checks` (the FTPS checks by default, or those plus a caller's own) and returns the steps. */
export async function diagnose(
  opts: DiagnoseOptions,
  checks: readonly DoctorCheck[] = FTP_CHECKS,
): Promise<Diagnosis> {
  const ctx: DoctorContext = {
    opts,
    report: new Report(opts.onStep),
    facts: { addresses: [], loggedIn: false, features: [] },
    state: newServerState(),
  };
  let stoppedBecause: string | undefined;
  try {
    for (const check of checks) await check.run(ctx);
  } catch (err) {
    if (!(err instanceof DoctorStop)) throw err;
    stoppedBecause = err.message;
  } finally {
    await ctx.control?.quit();
  }
  return {
    steps: ctx.report.steps,
    facts: ctx.facts,
    ...(stoppedBecause !== undefined ? { stoppedBecause } : {}),
    ok: ctx.report.steps.every((s) => s.ok !== false),
  };
}

function transferTimeouts(opts: DiagnoseOptions): TransferTimeouts {
  return { dataMs: opts.timeouts.dataMs, finalReplyMs: opts.timeouts.finalReplyMs };
}

function controlOptions(opts: DiagnoseOptions, tls: TlsSettings | undefined): ControlOptions {
  return {
    host: opts.host,
    port: opts.port,
    implicitTls: opts.tlsMode === 'implicit',
    tls: opts.tlsMode === 'none' ? undefined : tls,
    connectTimeoutMs: opts.timeouts.connectMs,
    replyTimeoutMs: opts.timeouts.replyMs,
    log: opts.log ?? silentLogger,
  };
}

/** A fresh, fully verified session in the root (the write test's cleanup after a lost connection). */
async function reopen(opts: DiagnoseOptions): Promise<Session> {
  const session = await openSession(controlOptions(opts, opts.tls), {
    user: opts.user,
    password: opts.password,
    account: opts.account,
  });
  await session.control.expect('CWD', opts.root, (r) => r.code >= 200 && r.code < 300);
  return session;
}

async function probeNetwork(opts: DiagnoseOptions, report: Report, facts: DiagnosisFacts): Promise<void> {
  const { host, port } = opts;
  if (isIP(host) !== 0) {
    facts.addresses = [host];
    report.add({ id: 'dns', ok: 'skip', title: 'DNS', detail: `${host} is an IP address` });
  } else {
    try {
      const found = await lookup(host, { all: true });
      facts.addresses = found.map((a) => a.address);
      report.add({ id: 'dns', ok: true, title: 'DNS', detail: `${host} → ${facts.addresses.join(', ')}` });
    } catch (err) {
      report.add({
        id: 'dns',
        ok: false,
        title: 'DNS',
        detail: `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? errorText(err)})`,
        hint: 'check the spelling of host:, or use the IP address',
      });
      throw new Stop('the host name does not resolve');
    }
  }
  try {
    const address = await tcpProbe(host, port, opts.timeouts.connectMs);
    report.add({ id: 'tcp', ok: true, title: 'TCP connect', detail: `connected to ${address}:${port}` });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    report.add({
      id: 'tcp',
      ok: false,
      title: 'TCP connect',
      detail: `cannot connect to ${host}:${port}: ${code || errorText(err)}`,
      hint:
        code === 'ECONNREFUSED'
          ? `nothing listens on port ${port}: check port: (21 for explicit FTPS, 990 for implicit) and that the server runs`
          : 'a firewall may drop the connection: check that the port is open between this machine and the server',
    });
    throw new Stop('no TCP connection');
  }
}

/** Connects and disconnects, to tell "the network" apart from what FTP and TLS do next. */
function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      const address = socket.remoteAddress ?? host;
      socket.destroy();
      resolve(address);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * The control connection up to (not including) the trust decision: banner, AUTH TLS or implicit TLS.
 * Certificate verification is switched off here and done by trustAndLogin, so that an untrusted
 * certificate can still be shown; nothing is sent before that decision.
 */
async function openControl(
  opts: DiagnoseOptions,
  report: Report,
  facts: DiagnosisFacts,
): Promise<ControlConnection> {
  const probeTls: TlsSettings = { ...opts.tls, insecure: true, fingerprint256: undefined };
  const implicit = opts.tlsMode === 'implicit';
  let control: ControlConnection;
  try {
    const opened = await ControlConnection.open(controlOptions(opts, probeTls));
    control = opened.control;
    if (implicit) {
      report.add({
        id: 'implicit-tls',
        ok: true,
        title: 'implicit TLS',
        detail: `TLS handshake on port ${opts.port} done`,
      });
    }
    facts.banner = opened.banner.message.split('\n')[0] ?? '';
    report.add({ id: 'banner', ok: true, title: 'banner', detail: `${opened.banner.code} ${facts.banner}` });
  } catch (err) {
    if (implicit && err instanceof FtpTlsError) {
      report.add({
        id: 'implicit-tls',
        ok: false,
        title: 'implicit TLS',
        detail: errorText(err),
        hint: 'the port does not speak TLS from the first byte: for explicit FTPS (AUTH TLS, usually port 21) use tls: explicit / an ftpes:// URL',
      });
      throw new Stop('no TLS connection');
    }
    report.add({
      id: 'banner',
      ok: false,
      title: 'banner',
      detail: errorText(err),
      hint: implicit
        ? 'the server accepted TLS but sent no 220 greeting: check that this is an FTP server'
        : 'no FTP greeting: if this port speaks implicit TLS (usually 990), use tls: implicit / an ftps:// URL',
    });
    throw new Stop('no FTP greeting');
  }
  if (opts.tlsMode === 'none') {
    report.add({
      id: 'tls',
      ok: 'warn',
      title: 'TLS',
      detail: 'tls: none — the password and the backups travel in clear text',
      hint: 'use tls: explicit (AUTH TLS) if the server offers it',
    });
    return control;
  }
  if (!implicit) {
    try {
      const auth = await control.request('AUTH', 'TLS');
      if (auth.code !== 234) {
        report.add({
          id: 'auth-tls',
          ok: false,
          title: 'AUTH TLS',
          detail: `refused: ${auth.code} ${auth.message.split('\n')[0] ?? ''}`,
          hint: 'the server offers no explicit TLS here: enable TLS on the server, or if it speaks implicit FTPS use tls: implicit (port 990)',
        });
        throw new Stop('no TLS: the password is never sent in clear text');
      }
      await control.upgradeToTls();
      report.add({ id: 'auth-tls', ok: true, title: 'AUTH TLS', detail: `${auth.code} ${auth.message}` });
    } catch (err) {
      control.destroy();
      if (err instanceof Stop) throw err;
      report.add({
        id: 'auth-tls',
        ok: false,
        title: 'AUTH TLS',
        detail: `TLS handshake failed: ${errorText(err)}`,
        hint:
          'try tlsMaxVersion: 1.2 (servers with a broken TLS 1.3), or legacyRenegotiation: true for old servers ' +
          'without secure renegotiation; the server log usually names the reason',
      });
      throw new Stop('no TLS connection');
    }
  }
  return control;
}

async function trustAndLogin(
  control: ControlConnection,
  opts: DiagnoseOptions,
  report: Report,
  facts: DiagnosisFacts,
): Promise<void> {
  const tlsSocket = control.tlsSocket;
  const peer = control.peer;
  if (tlsSocket !== undefined && peer !== undefined) {
    const cert = certificateSteps({
      peer,
      authorized: tlsSocket.authorized,
      authorizationError:
        tlsSocket.authorizationError === null || tlsSocket.authorizationError === undefined
          ? undefined
          : String(tlsSocket.authorizationError),
      host: opts.host,
      settings: opts.tls,
      now: opts.now,
    });
    facts.certificate = cert.facts;
    for (const step of cert.steps) report.add(step);
    facts.tls = { protocol: peer.protocol, cipher: peer.cipher };
    report.add({
      id: 'tls',
      ok: true,
      title: 'TLS version and cipher',
      detail:
        `${peer.protocol}, ${peer.cipher}` +
        (opts.tls.maxVersion === 'TLSv1.2' ? ' (capped at TLS 1.2 by the configuration)' : ''),
    });
    try {
      verifyControlPeer(tlsSocket, peer, opts.host, opts.tls);
    } catch (err) {
      if (!report.steps.some((s) => s.id.startsWith('cert-') && s.ok === false)) {
        report.add({ id: 'cert-trust', ok: false, title: 'certificate', detail: errorText(err) });
      }
      report.add({
        id: 'login',
        ok: 'skip',
        title: 'login',
        detail:
          'not attempted: the certificate is not trusted, and the password is never sent to a server that ' +
          'could be anyone in the middle',
        hint: `trust the certificate first (${facts.certificate.pinLine}, or ca: /path/to/ca.pem), then run doctor again`,
      });
      throw new Stop('the certificate is not trusted, so the password was not sent');
    }
  }
  try {
    await login(
      control,
      { user: opts.user, password: opts.password, account: opts.account },
      opts.tlsMode !== 'none',
    );
    facts.loggedIn = true;
    report.add({ id: 'login', ok: true, title: 'login', detail: `logged in as "${opts.user}"` });
  } catch (err) {
    if (err instanceof FtpLoginError) {
      const [first, ...rest] = err.message.split('\n');
      report.add({ id: 'login', ok: false, title: 'login', detail: first ?? '', hint: rest.join('\n') });
    } else {
      report.add({ id: 'login', ok: false, title: 'login', detail: errorText(err) });
    }
    throw new Stop('login failed');
  }
}

interface AfterLogin {
  features: Features;
  hash: Session['hash'];
}

async function afterLogin(
  control: ControlConnection,
  opts: DiagnoseOptions,
  report: Report,
  facts: DiagnosisFacts,
): Promise<AfterLogin> {
  try {
    if (opts.tlsMode !== 'none') {
      try {
        await protectData(control);
      } catch (err) {
        if (!(err instanceof FtpTlsError)) throw err;
        report.add({
          id: 'prot',
          ok: false,
          title: 'PBSZ 0 / PROT P',
          detail: err.message,
          hint: 'the server will not encrypt data connections; ftps-backup refuses to send backups in clear text: enable TLS for data on the server',
        });
        throw new Stop('data connections would not be encrypted');
      }
      report.add({
        id: 'prot',
        ok: true,
        title: 'PBSZ 0 / PROT P',
        detail: 'accepted: data connections are encrypted',
      });
    }
    const { features, reply: featReply } = await readFeatures(control);
    facts.features = [...features].map(([name, value]) => (value === '' ? name : `${name} ${value}`));
    if (featReply.code === 211) {
      report.add({ id: 'feat', ok: true, title: 'FEAT', detail: facts.features.join(', ') || '(none)' });
    } else {
      report.add({
        id: 'feat',
        ok: 'warn',
        title: 'FEAT',
        detail: `not answered (${featReply.code} ${featReply.message}): no MLSD and no server-side hashes`,
      });
    }
    const type = await control.request('TYPE', 'I');
    if (type.code < 200 || type.code >= 300) {
      report.add({
        id: 'type',
        ok: false,
        title: 'TYPE I',
        detail: `refused: ${type.code} ${type.message}`,
        hint: 'binary transfers are required',
      });
      throw new Stop('no binary mode');
    }
    const hash = await chooseHash(control, features);
    if (hash !== undefined) facts.hash = `${hash.command} ${hash.algorithm}`;
    facts.homeDir = await homeDirectory(control);
    const cwd = await control.request('CWD', opts.root);
    if (cwd.code < 200 || cwd.code >= 300) {
      report.add({
        id: 'root',
        ok: false,
        title: 'destination root',
        detail: `cannot enter ${opts.root}: ${cwd.code} ${cwd.message}`,
        hint:
          `create ${opts.root} on the server or set root: to a folder this user may write` +
          (facts.homeDir !== undefined ? ` (the login folder is ${facts.homeDir})` : ''),
      });
      throw new Stop('the destination root is not usable');
    }
    report.add({
      id: 'root',
      ok: true,
      title: 'destination root',
      detail: `${opts.root} exists` + (facts.homeDir !== undefined ? ` (login folder ${facts.homeDir})` : ''),
    });
    return { features, hash };
  } catch (err) {
    if (err instanceof Stop) throw err;
    report.add({ id: 'session', ok: false, title: 'session', detail: errorText(err) });
    throw new Stop('the control connection failed');
  }
}

function hashOffered(features: Features): string[] {
  const offered: string[] = [];
  const feat = features.get('HASH');
  if (feat !== undefined) offered.push(...parseHashFeature(feat).algorithms.map((a) => `HASH ${a}`));
  for (const x of ['XSHA256', 'XSHA1', 'XMD5', 'XCRC']) if (features.has(x)) offered.push(x);
  return offered;
}

async function passive(control: ControlConnection, report: Report, facts: DiagnosisFacts): Promise<void> {
  const peer = control.remoteAddress;
  let epsvOk = false;
  try {
    const epsv = await control.request('EPSV');
    if (epsv.code === 229) {
      epsvOk = true;
      facts.passiveMode = 'EPSV';
      report.add({
        id: 'epsv',
        ok: true,
        title: 'EPSV',
        detail: `data port ${parseEpsvReply(epsv.message)} on the control host`,
      });
    } else {
      report.add({
        id: 'epsv',
        ok: 'warn',
        title: 'EPSV',
        detail: `refused (${epsv.code} ${epsv.message}); PASV is used instead`,
      });
    }
    const pasv = await control.request('PASV');
    if (pasv.code !== 227) {
      report.add({
        id: 'pasv',
        ok: epsvOk ? 'warn' : false,
        title: 'PASV',
        detail: `refused (${pasv.code} ${pasv.message})`,
        ...(epsvOk ? {} : { hint: 'the server offers no passive mode: ftps-backup needs EPSV or PASV' }),
      });
      if (!epsvOk) throw new Stop('no passive mode');
      return;
    }
    facts.passiveMode ??= 'PASV';
    const addr = parsePasvReply(pasv.message);
    facts.pasvAddress = addr.host;
    const { differs, private: priv } = classifyPasvAddress(addr.host, peer);
    if (!differs) {
      report.add({
        id: 'pasv',
        ok: true,
        title: 'PASV',
        detail: `names ${addr.host}:${addr.port}, the address the control connection uses`,
      });
    } else {
      report.add({
        id: 'pasv',
        ok: 'warn',
        title: 'PASV',
        detail:
          `names ${addr.host}${priv ? ' (a private/unroutable address)' : ''}, not ${peer} where the control ` +
          `connection goes; ftps-backup ignores the PASV address and connects to ${peer}, so it works here`,
        hint:
          'other clients may hang on this server (a NAT in front of it): set its public address — ProFTPD ' +
          'MasqueradeAddress, vsftpd pasv_address, Pure-FTPd ForcePassiveIP (-P)',
      });
    }
  } catch (err) {
    if (err instanceof Stop) throw err;
    report.add({ id: 'pasv', ok: false, title: 'passive mode', detail: errorText(err) });
    throw new Stop('the control connection failed');
  }
}

async function listing(
  control: ControlConnection,
  state: ServerState,
  features: Features,
  opts: DiagnoseOptions,
  report: Report,
  facts: DiagnosisFacts,
): Promise<void> {
  const fetch = async (verb: 'MLSD' | 'LIST'): Promise<string> => {
    const chunks: Buffer[] = [];
    await download(control, state, '', (c) => void chunks.push(c), transferTimeouts(opts), 0, verb);
    return Buffer.concat(chunks).toString('utf8');
  };
  let verb: 'MLSD' | 'LIST' = features.has('MLST') ? 'MLSD' : 'LIST';
  let count: number;
  try {
    let text: string;
    try {
      text = await fetch(verb);
    } catch (err) {
      if (verb !== 'MLSD' || !(err instanceof FtpReplyError) || err.code < 500 || err.code === 550) throw err;
      verb = 'LIST';
      text = await fetch(verb);
    }
    count = (verb === 'MLSD' ? parseMlsd(text) : parseList(text, opts.now)).length;
  } catch (err) {
    dataTlsStep(state, report, facts, err);
    report.add({
      id: 'listing',
      ok: false,
      title: 'listing',
      detail: `${verb} of ${opts.root} failed: ${errorText(err)}`,
      hint:
        err instanceof FtpError && err.transient
          ? 'data connections fail: check that the passive port range is open in the firewall'
          : undefined,
    });
    if (control.isClosed) throw new Stop('the control connection was lost');
    return;
  }
  dataTlsStep(state, report, facts, undefined);
  facts.listing = verb;
  report.add({
    id: 'listing',
    ok: true,
    title: 'listing',
    detail: `${verb} of ${opts.root}: ${count} entr${count === 1 ? 'y' : 'ies'}`,
  });
}
