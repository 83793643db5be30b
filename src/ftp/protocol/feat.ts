/** FEAT (RFC 2389 §3) and the HASH feature line (draft-bryan-ftp-hash §3). */
import type { FtpReply } from './reply.ts';

/** Upper-case feature name → the rest of its line, trimmed ('' when there is none). */
export type Features = ReadonlyMap<string, string>;

/**
 * The features of a FEAT reply: each line between the first (`211-…`) and the last (`211 End`) is one
 * feature, normally indented by one space. A reply other than 211 (e.g. `500` from a server without FEAT)
 * or a one-line 211 gives an empty map. When a name repeats, the first line wins.
 */
export function parseFeatReply(reply: FtpReply): Features {
  const features = new Map<string, string>();
  if (reply.code !== 211) {
    return features;
  }
  for (const raw of reply.lines.slice(1, -1)) {
    // Some servers repeat the code on every line ("211-MDTM"); a feature name never starts with a digit.
    const line = raw.replace(/^211-/, '').trim();
    if (line === '') {
      continue;
    }
    const space = line.search(/\s/);
    const name = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const value = space === -1 ? '' : line.slice(space).trim();
    if (!features.has(name)) {
      features.set(name, value);
    }
  }
  return features;
}

/**
 * The value of the HASH feature, e.g. `CRC32;MD5;SHA-1*;SHA-256;SHA-512;`: the algorithms in upper case
 * without the '*', and the one marked with '*' (the server's current choice) as `preferred`.
 */
export function parseHashFeature(value: string): { algorithms: string[]; preferred: string | undefined } {
  const algorithms: string[] = [];
  let preferred: string | undefined;
  for (const item of value.split(';')) {
    const token = item.trim();
    const starred = token.endsWith('*');
    const name = (starred ? token.slice(0, -1) : token).trim().toUpperCase();
    if (name === '') {
      continue;
    }
    if (!algorithms.includes(name)) {
      algorithms.push(name);
    }
    if (starred && preferred === undefined) {
      preferred = name;
    }
  }
  return { algorithms, preferred };
}
