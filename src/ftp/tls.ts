/**
 * TLS settings shared by the control and every data connection. Verification is done by us right after
 * the handshake (not by rejectUnauthorized) so that a refusal can show the certificate's fingerprint and
 * the exact config line that would pin it, and so that pinning works for self-signed certificates.
 */
import { isIP } from 'node:net';
import { constants as cryptoConstants } from 'node:crypto';
import { createSecureContext, type ConnectionOptions, type SecureContext, type TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { FtpTlsError } from './errors.ts';

export interface TlsSettings {
  /** Trusted CA certificates (PEM). Undefined: the system's CAs. */
  ca?: string | Buffer | undefined;
  /** Pinned SHA-256 certificate fingerprint, upper-case colon hex as Node prints it. */
  fingerprint256?: string | undefined;
  /** Accept any certificate (loud warning from the caller). */
  insecure?: boolean | undefined;
  /** Cap at TLS 1.2 for servers with broken TLS 1.3. */
  maxVersion?: 'TLSv1.2' | 'TLSv1.3' | undefined;
  /** Opt-in for servers without RFC 5746 secure renegotiation (OpenSSL 3 refuses them by default). */
  legacyRenegotiation?: boolean | undefined;
  /** Client certificate and key (PEM), used on control and data connections. */
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
}

/**
 * The identity passed to every tls.connect of one server: Node >= 22.23/24.17 binds TLS sessions to
 * servername || host (CVE-2026-48934), so data connections must use exactly the control's identity or
 * the session is silently not offered and the server answers 425/522.
 */
export function tlsIdentity(host: string): { host: string; servername: string | undefined } {
  return { host, servername: isIP(host) === 0 ? host : undefined };
}

/**
 * One secure context per settings object, shared by the control connection and every data connection:
 * building one parses the CA bundle (the system's ~150 roots when `ca` is unset), the certificate and
 * the key, which cost more CPU than the resumed handshake of a data connection itself (measured: a
 * listing of 2,000 set folders spent about a third of its CPU there).
 */
const contexts = new WeakMap<TlsSettings, SecureContext>();

function secureContextFor(settings: TlsSettings): SecureContext {
  let context = contexts.get(settings);
  if (context === undefined) {
    context = createSecureContext({
      minVersion: 'TLSv1.2',
      maxVersion: settings.maxVersion ?? 'TLSv1.3',
      ...(settings.ca !== undefined ? { ca: settings.ca } : {}),
      ...(settings.cert !== undefined ? { cert: settings.cert } : {}),
      ...(settings.key !== undefined ? { key: settings.key } : {}),
      ...(settings.legacyRenegotiation === true
        ? { secureOptions: cryptoConstants.SSL_OP_LEGACY_SERVER_CONNECT }
        : {}),
    });
    contexts.set(settings, context);
  }
  return context;
}

export function tlsConnectOptions(host: string, settings: TlsSettings): ConnectionOptions {
  return {
    ...tlsIdentity(host),
    // We verify ourselves after 'secureConnect' (verifyPeer); nothing is sent before that.
    rejectUnauthorized: false,
    secureContext: secureContextFor(settings),
  };
}

export function normaliseFingerprint(fp: string): string {
  const hex = fp
    .replace(/^sha256:/i, '')
    .replace(/[^0-9a-f]/gi, '')
    .toUpperCase();
  if (hex.length !== 64) throw new FtpTlsError(`not a SHA-256 fingerprint: "${fp}" (expected 32 hex bytes)`);
  return hex.match(/../g)!.join(':');
}

export interface PeerInfo {
  fingerprint256: string;
  protocol: string;
  cipher: string;
  reused: boolean;
  validTo: string;
  subject: string;
  issuer: string;
  /** The certificate itself (for the doctor's checks: host name, dates, chain); undefined when resumed. */
  certificate: X509Certificate | undefined;
}

/**
 * Call once per socket: on Node 24 getPeerX509Certificate() returns the certificate only the first time
 * (measured: undefined on the second call), so the result is kept, never asked for again.
 */
export function describePeer(socket: TLSSocket): PeerInfo {
  const cert = socket.getPeerX509Certificate();
  return {
    fingerprint256: cert?.fingerprint256 ?? 'none',
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher().name,
    reused: socket.isSessionReused(),
    validTo: cert?.validTo ?? '',
    subject: cert?.subject.replace(/\n/g, ', ') ?? '',
    issuer: cert?.issuer.replace(/\n/g, ', ') ?? '',
    certificate: cert,
  };
}

/**
 * Checks the control connection's certificate. Returns its fingerprint (the data connections must present
 * the same certificate). `warn` is told once when verification is switched off.
 */
export function verifyControlPeer(
  socket: TLSSocket,
  peer: PeerInfo,
  host: string,
  settings: TlsSettings,
): PeerInfo {
  const pinLine = `fingerprint: "sha256:${peer.fingerprint256}"`;
  if (settings.fingerprint256 !== undefined) {
    const want = normaliseFingerprint(settings.fingerprint256);
    if (peer.fingerprint256 !== want) {
      throw new FtpTlsError(
        `the certificate of ${host} has SHA-256 fingerprint ${peer.fingerprint256}, not the pinned ${want}. ` +
          `If the server's certificate was renewed on purpose, update the pin to: ${pinLine}`,
        peer.fingerprint256,
      );
    }
    return peer;
  }
  if (settings.insecure === true) return peer;
  if (!socket.authorized) {
    const reason = String(socket.authorizationError ?? 'unknown reason');
    throw new FtpTlsError(
      `the certificate of ${host} is not trusted (${reason}; subject ${peer.subject}; issuer ${peer.issuer}; ` +
        `valid to ${peer.validTo}). Its SHA-256 fingerprint is ${peer.fingerprint256}. ` +
        `If you trust this server, pin the certificate with ${pinLine}, or name its CA file with ca: /path/to/ca.pem`,
      peer.fingerprint256,
    );
  }
  return peer;
}
