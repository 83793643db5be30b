/**
 * The doctor's judgements that need no connection: certificate dates, host name and chain, and whether a
 * PASV reply names an address other than the one the control connection goes to. Each returns step data
 * (see diagnose.ts); nothing here prints or reads the clock (the time comes in as an argument).
 */
import { isIP } from 'node:net';
import type { X509Certificate } from 'node:crypto';
import {
  isPrivateOrUnroutable,
  normaliseFingerprint,
  type PeerInfo,
  type TlsSettings,
} from '../ftp/index.ts';

/** ✓ true, ✗ false, a warning, or not applicable / not run. */
export type StepOutcome = true | false | 'warn' | 'skip';

export interface DiagnosisStep {
  id: string;
  ok: StepOutcome;
  title: string;
  /** One line: what was found. */
  detail: string;
  /** What to try (on ✗ and warnings); may span lines. */
  hint?: string | undefined;
}

const DAY_MS = 86_400_000;

/** Certificates expiring within this many days get a warning. */
export const EXPIRY_WARNING_DAYS = 30;

export type ExpiryState = 'not-yet-valid' | 'expired' | 'expiring' | 'valid';

/** Where a certificate's validity period stands at `now`; `daysLeft` is negative once it has expired. */
export function classifyExpiry(
  validFrom: Date,
  validTo: Date,
  now: Date,
): { state: ExpiryState; daysLeft: number } {
  const daysLeft = Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
  if (now.getTime() < validFrom.getTime()) return { state: 'not-yet-valid', daysLeft };
  if (now.getTime() > validTo.getTime()) return { state: 'expired', daysLeft };
  if (daysLeft < EXPIRY_WARNING_DAYS) return { state: 'expiring', daysLeft };
  return { state: 'valid', daysLeft };
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) → `1.2.3.4`. */
function plainIpv4(address: string): string {
  return address.replace(/^::ffff:/i, '');
}

/**
 * How the address of a 227 reply relates to the control connection's peer: the same, or different (and
 * then whether it is private/unroutable, the classic NAT misconfiguration).
 */
export function classifyPasvAddress(
  pasvHost: string,
  controlAddress: string,
): { differs: boolean; private: boolean } {
  const control = plainIpv4(controlAddress);
  return { differs: pasvHost !== control, private: isPrivateOrUnroutable(pasvHost) };
}

/** The configuration line that pins a certificate (the format the destination schema accepts). */
export function pinLine(fingerprint256: string): string {
  return `fingerprint: "sha256:${fingerprint256}"`;
}

export interface CertificateFacts {
  fingerprint256: string;
  subject: string;
  issuer: string;
  subjectAltName: string;
  validFrom: string;
  validTo: string;
  daysLeft: number | undefined;
  selfSigned: boolean;
  /** What makes (or would make) the client trust it. */
  trustedBy: 'system CAs' | 'CA file' | 'pinned fingerprint' | 'insecure' | 'nothing';
  pinLine: string;
}

export interface CertificateInput {
  peer: PeerInfo;
  /** TLSSocket.authorized / authorizationError of the control connection. */
  authorized: boolean;
  authorizationError: string | undefined;
  host: string;
  settings: TlsSettings;
  now: Date;
}

/** The chain, host name, expiry and fingerprint steps of the control connection's certificate. */
export function certificateSteps(input: CertificateInput): {
  steps: DiagnosisStep[];
  facts: CertificateFacts;
} {
  const { peer, host, settings, now } = input;
  const cert = peer.certificate;
  const fp = peer.fingerprint256;
  const pin = pinLine(fp);
  const pinned = settings.fingerprint256 !== undefined;
  const pinMatches = pinned && normaliseFingerprint(settings.fingerprint256!) === fp;
  const insecure = settings.insecure === true && !pinned;
  const anchors = settings.ca !== undefined ? 'the configured CA file' : "the system's CAs";
  // Node checks the host name only once the chain verified; a host-name failure means the chain is fine.
  const chainOk = input.authorized || input.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID';
  const selfSigned = cert !== undefined && isSelfSigned(cert);
  const trustHint = `pin this certificate with ${pin}, or name the CA that issued it with ca: /path/to/ca.pem`;
  const steps: DiagnosisStep[] = [];

  const chainText = cert === undefined ? 'no certificate' : describeChain(cert);
  if (chainOk) {
    steps.push({
      id: 'cert-chain',
      ok: true,
      title: 'certificate chain',
      detail: `verifies against ${anchors}: ${chainText}`,
    });
  } else {
    const why = explainVerifyError(input.authorizationError, selfSigned);
    steps.push(
      pinMatches
        ? {
            id: 'cert-chain',
            ok: true,
            title: 'certificate chain',
            detail: `does not verify against ${anchors} (${why}); trusted through the pinned fingerprint: ${chainText}`,
          }
        : insecure
          ? {
              id: 'cert-chain',
              ok: 'warn',
              title: 'certificate chain',
              detail: `does not verify against ${anchors} (${why}); accepted only because of insecure: true`,
              hint: `anyone in the middle can read the password and the backups: ${trustHint}`,
            }
          : {
              id: 'cert-chain',
              ok: false,
              title: 'certificate chain',
              detail: `does not verify against ${anchors} (${why}): ${chainText}`,
              hint: `if this is your server's certificate, ${trustHint}`,
            },
    );
  }

  const names = peer.certificate?.subjectAltName ?? '';
  const hostOk =
    cert !== undefined && (isIP(host) !== 0 ? cert.checkIP(host) : cert.checkHost(host)) !== undefined;
  if (hostOk) {
    steps.push({
      id: 'cert-host',
      ok: true,
      title: 'certificate host name',
      detail: `valid for ${host} (${names || peer.subject})`,
    });
  } else {
    const detail = `not valid for ${host}: it names ${names || peer.subject || 'nothing'}`;
    steps.push(
      pinMatches || insecure
        ? {
            id: 'cert-host',
            ok: 'warn',
            title: 'certificate host name',
            detail: `${detail}; accepted because of the ${pinMatches ? 'pinned fingerprint' : 'insecure setting'}`,
            hint: 'connect with a name the certificate holds, or give the server a certificate for this name',
          }
        : {
            id: 'cert-host',
            ok: false,
            title: 'certificate host name',
            detail,
            hint: `connect with a name the certificate holds (host: …), or ${trustHint}`,
          },
    );
  }

  let daysLeft: number | undefined;
  if (cert !== undefined) {
    const expiry = classifyExpiry(new Date(cert.validFrom), new Date(cert.validTo), now);
    daysLeft = expiry.daysLeft;
    const until = new Date(cert.validTo).toISOString().slice(0, 10);
    const renew = 'renew the certificate on the server';
    const pinNote = pinned ? ' (and update the pinned fingerprint afterwards)' : '';
    const step: DiagnosisStep =
      expiry.state === 'valid'
        ? {
            id: 'cert-expiry',
            ok: true,
            title: 'certificate expiry',
            detail: `valid until ${until} (${days(expiry.daysLeft)} left)`,
          }
        : expiry.state === 'expiring'
          ? {
              id: 'cert-expiry',
              ok: 'warn',
              title: 'certificate expiry',
              detail: `expires on ${until}: ${days(expiry.daysLeft)} left`,
              hint: `${renew} soon${pinNote}`,
            }
          : {
              id: 'cert-expiry',
              ok: pinMatches || insecure ? 'warn' : false,
              title: 'certificate expiry',
              detail:
                expiry.state === 'expired'
                  ? `expired on ${until} (${days(-expiry.daysLeft)} ago)`
                  : `not valid before ${new Date(cert.validFrom).toISOString().slice(0, 10)} (check the clocks)`,
              hint: `${renew}${pinNote}`,
            };
    steps.push(step);
  }

  if (pinned && !pinMatches) {
    steps.push({
      id: 'cert-fingerprint',
      ok: false,
      title: 'certificate fingerprint',
      detail: `SHA-256 ${fp}, not the pinned ${normaliseFingerprint(settings.fingerprint256!)}`,
      hint: `if the server's certificate was renewed on purpose, update the pin to: ${pin}`,
    });
  } else {
    steps.push({
      id: 'cert-fingerprint',
      ok: true,
      title: 'certificate fingerprint',
      detail: pinMatches ? `SHA-256 ${fp} (matches the pin)` : `SHA-256 ${fp}; the line that pins it: ${pin}`,
    });
  }

  const trustedBy: CertificateFacts['trustedBy'] = pinMatches
    ? 'pinned fingerprint'
    : chainOk && hostOk
      ? settings.ca !== undefined
        ? 'CA file'
        : 'system CAs'
      : insecure
        ? 'insecure'
        : 'nothing';
  return {
    steps,
    facts: {
      fingerprint256: fp,
      subject: peer.subject,
      issuer: peer.issuer,
      subjectAltName: names,
      validFrom: cert?.validFrom ?? '',
      validTo: cert?.validTo ?? '',
      daysLeft,
      selfSigned,
      trustedBy,
      pinLine: pin,
    },
  };
}

function days(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`;
}

function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** `CN=a ← issued by CN=b ← …` as far as the server sent the chain. */
function describeChain(cert: X509Certificate): string {
  const cn = (c: X509Certificate): string =>
    /CN=([^\n]+)/.exec(c.subject)?.[1] ?? c.subject.replace(/\n/g, ', ');
  const parts = [cn(cert)];
  if (isSelfSigned(cert)) return `${parts[0]} (self-signed)`;
  let current: X509Certificate | undefined = cert;
  for (let i = 0; i < 5 && current !== undefined; i++) {
    const issuer: X509Certificate | undefined = current.issuerCertificate;
    if (issuer === undefined || issuer === current || issuer.fingerprint256 === current.fingerprint256) {
      if (i === 0) parts.push(`issued by ${/CN=([^\n]+)/.exec(cert.issuer)?.[1] ?? cert.issuer}`);
      break;
    }
    parts.push(`issued by ${cn(issuer)}`);
    current = issuer;
  }
  return parts.join(', ');
}

function explainVerifyError(code: string | undefined, selfSigned: boolean): string {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'self-signed certificate';
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'issued by a CA that is not trusted here';
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return 'the issuing CA is unknown here, or the server does not send the intermediate certificate';
    case 'CERT_HAS_EXPIRED':
      return 'the certificate has expired';
    case 'CERT_NOT_YET_VALID':
      return 'the certificate is not valid yet';
    default:
      return `${code ?? 'unknown reason'}${selfSigned ? ', self-signed' : ''}`;
  }
}
