/**
 * Passive-mode replies: EPSV (RFC 2428 §3) and PASV (RFC 959 §4.1.2), and the address check used when a
 * PASV reply names a host (the client connects to the control peer anyway; FTPS-NOTES §5).
 */
import { FtpProtocolError, excerpt } from './errors.ts';

// `(<d><d><d><port><d>)`: the delimiter is any printable ASCII character (33..126) other than a digit;
// RFC 2428 recommends '|'. The network-protocol and address fields must be empty in a 229 reply. The
// closing parenthesis is not required.
const EPSV = /\(([!-/:-~])\1\1(\d+)\1/;

/** The TCP port of a 229 reply, e.g. `Entering Extended Passive Mode (|||6446|)`. */
export function parseEpsvReply(message: string): number {
  const m = EPSV.exec(message);
  if (!m) {
    throw new FtpProtocolError(`Cannot find (|||port|) in the EPSV reply ${excerpt(message)}`);
  }
  return checkPort(Number(m[2]), message);
}

// Six comma-separated numbers, not glued to more digits on either side. Some servers put spaces after
// the commas or leave out the parentheses, so neither is required.
const PASV =
  /(?<!\d)(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})(?!\d)/;

/** Host and port of a 227 reply, e.g. `Entering Passive Mode (192,168,1,20,195,80)`. */
export function parsePasvReply(message: string): { host: string; port: number } {
  const m = PASV.exec(message);
  if (!m) {
    throw new FtpProtocolError(`Cannot find h1,h2,h3,h4,p1,p2 in the PASV reply ${excerpt(message)}`);
  }
  const n = m.slice(1, 7).map(Number);
  if (n.some((v) => v > 255)) {
    throw new FtpProtocolError(`PASV reply has a number above 255: ${excerpt(message)}`);
  }
  const [h1, h2, h3, h4, p1, p2] = n as [number, number, number, number, number, number];
  return { host: `${h1}.${h2}.${h3}.${h4}`, port: checkPort(p1 * 256 + p2, message) };
}

function checkPort(port: number, message: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new FtpProtocolError(`Passive reply names port ${port}, outside 1..65535: ${excerpt(message)}`);
  }
  return port;
}

/** [first octet, second octet low, second octet high] per blocked range (all are /8 … /16 or wider). */
type Range = readonly [number, number, number];

// Ranges a server on the Internet cannot meaningfully offer as a data address (lftp fix-pasv-address,
// jlaffaye isBogusDataIP; RFC 6890 special-purpose registry).
const UNROUTABLE: readonly Range[] = [
  [0, 0, 255], // 0.0.0.0/8 "this network"
  [10, 0, 255], // 10.0.0.0/8 private
  [100, 64, 127], // 100.64.0.0/10 carrier-grade NAT
  [127, 0, 255], // 127.0.0.0/8 loopback
  [169, 254, 254], // 169.254.0.0/16 link-local
  [172, 16, 31], // 172.16.0.0/12 private
  [192, 168, 168], // 192.168.0.0/16 private
];

/**
 * True for a private, loopback, link-local, carrier-grade-NAT, "this network", multicast or reserved IPv4
 * address (10/8, 172.16/12, 192.168/16, 127/8, 0/8, 169.254/16, 100.64/10, 224/4, 240/4), and for anything
 * that is not a dotted-quad IPv4 address at all, since such a value cannot be used as a data host either.
 */
export function isPrivateOrUnroutable(ipv4: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ipv4);
  if (!m) {
    return true;
  }
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) {
    return true;
  }
  const [a, b] = octets as [number, number];
  if (a >= 224) {
    return true; // multicast 224/4 and reserved 240/4 (incl. the broadcast address)
  }
  return UNROUTABLE.some(([first, lo, hi]) => a === first && b >= lo && b <= hi);
}
