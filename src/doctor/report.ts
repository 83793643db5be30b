/**
 * The doctor's step log and the facts it gathers, shared by diagnose.ts and write-test.ts; also the
 * step that says whether data connections resumed the control connection's TLS session.
 */
import { FtpReplyError, FtpTlsError, type ServerState } from '../ftp/index.ts';
import type { CertificateFacts, DiagnosisStep } from './checks.ts';

export interface DiagnosisFacts {
  addresses: string[];
  banner?: string;
  certificate?: CertificateFacts;
  tls?: { protocol: string; cipher: string };
  loggedIn: boolean;
  features: string[];
  hash?: string;
  homeDir?: string;
  passiveMode?: 'EPSV' | 'PASV';
  pasvAddress?: string;
  dataTls?: { protocol: string; cipher: string; reused: boolean };
  listing?: 'MLSD' | 'LIST';
  restart?: 'REST+STOR' | 'APPE' | 'none';
  /** What the login could do to an existing file (the append-only verdict). */
  eraseRights?: { delete: boolean; rename: boolean; overwrite: boolean };
  /** The login could backdate a file's modification time (MFMT / MDTM with a time). */
  canSetTimes?: boolean;
}

export class Report {
  readonly steps: DiagnosisStep[] = [];
  private readonly onStep: ((step: DiagnosisStep) => void) | undefined;
  constructor(onStep: ((step: DiagnosisStep) => void) | undefined) {
    this.onStep = onStep;
  }
  add(step: DiagnosisStep): DiagnosisStep {
    this.steps.push(step);
    this.onStep?.(step);
    return step;
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Why session reuse matters (FTPS-NOTES: the server proves the data connection comes from the same client). */
const REUSE_NOTE =
  'vsftpd (require_ssl_reuse=YES) and ProFTPD (unless TLSOptions NoSessionReuseRequired) refuse data connections that do not resume it';

/** Whether the first data connection resumed the control connection's TLS session. */
export function dataTlsStep(state: ServerState, report: Report, facts: DiagnosisFacts, err: unknown): void {
  if (report.steps.some((s) => s.id === 'data-tls')) return;
  const d = state.lastDataTls;
  if (d !== undefined) {
    facts.dataTls = d;
    report.add({
      id: 'data-tls',
      ok: true,
      title: 'data connection TLS',
      detail: d.reused
        ? `${d.protocol}, ${d.cipher}; resumed the control connection's TLS session, as servers that insist on it need (${REUSE_NOTE})`
        : `${d.protocol}, ${d.cipher}; did not resume the control connection's TLS session, and this server accepts that (it does not require reuse; ${REUSE_NOTE})`,
    });
    return;
  }
  if (err === undefined) {
    report.add({ id: 'data-tls', ok: 'skip', title: 'data connection TLS', detail: 'no TLS (tls: none)' });
    return;
  }
  const code = err instanceof FtpReplyError ? err.code : undefined;
  if (!(err instanceof FtpTlsError || code === 425 || code === 522)) return;
  report.add({
    id: 'data-tls',
    ok: false,
    title: 'data connection TLS',
    detail: `refused: ${errorText(err)}`,
    hint:
      `the server probably requires the data connection to resume the control connection's TLS session; ${REUSE_NOTE}. ` +
      'Try tlsMaxVersion: 1.2, and check that nothing between you and the server (a proxy, a load balancer) splits the connections',
  });
}
