/**
 * Bech32 (BIP 173, the original checksum constant 1, not bech32m) as age uses it for its key strings:
 * recipients `age1…` (lower case) and identities `AGE-SECRET-KEY-1…` (upper case). Unlike BIP 173, age
 * sets no 90-character length limit. Pure code: the X25519 arithmetic lives in src/pipeline/age.
 */

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3] as const;

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if (((top >>> i) & 1) === 1) chk = (chk ^ GENERATOR[i]!) >>> 0;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >>> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

/** Regroups bits; `pad` adds zero bits at the end (8→5), otherwise leftover bits must be zero padding. */
function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | data[i]!;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & max);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & max);
  } else if (bits >= from || acc !== 0) {
    return undefined;
  }
  return out;
}

/** `hrp` + "1" + data + checksum, in lower case. */
export function bech32Encode(hrp: string, data: Uint8Array): string {
  const words = convertBits(data, 8, 5, true) ?? [];
  const lowerHrp = hrp.toLowerCase();
  const check = polymod([...hrpExpand(lowerHrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  let out = `${lowerHrp}1`;
  for (const w of words) out += CHARSET[w];
  for (let i = 0; i < 6; i++) out += CHARSET[(check >>> (5 * (5 - i))) & 31];
  return out;
}

export type Bech32Result = { ok: true; hrp: string; data: Uint8Array } | { ok: false; problem: string };

/** Decodes a bech32 string (all lower or all upper case); the hrp comes back in lower case. */
export function bech32Decode(text: string): Bech32Result {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) {
    return { ok: false, problem: 'it mixes upper and lower case' };
  }
  const s = text.toLowerCase();
  const sep = s.lastIndexOf('1');
  if (sep < 1) return { ok: false, problem: 'it has no "1" separator after a prefix' };
  if (s.length - sep - 1 < 6) return { ok: false, problem: 'it is too short for a checksum' };
  const hrp = s.slice(0, sep);
  for (let i = 0; i < hrp.length; i++) {
    const c = hrp.charCodeAt(i);
    if (c < 33 || c > 126) return { ok: false, problem: 'its prefix has characters outside ASCII' };
  }
  const words: number[] = [];
  for (const ch of s.slice(sep + 1)) {
    const v = CHARSET.indexOf(ch);
    if (v < 0) return { ok: false, problem: `it contains ${JSON.stringify(ch)}, not a bech32 character` };
    words.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...words]) !== 1) {
    return { ok: false, problem: 'its checksum is wrong (a typo, or a truncated copy)' };
  }
  const bytes = convertBits(words.slice(0, -6), 5, 8, false);
  if (bytes === undefined) return { ok: false, problem: 'its data has invalid padding' };
  return { ok: true, hrp, data: Uint8Array.from(bytes) };
}

export const AGE_RECIPIENT_HRP = 'age';
export const AGE_IDENTITY_HRP = 'age-secret-key-';

/**
 * The 32-byte X25519 public key of an `age1…` recipient, or why the string is not one. Messages never
 * repeat the whole string (it is public, but the same helper style is used for identities).
 */
export function parseAgeRecipient(
  text: string,
): { ok: true; publicKey: Uint8Array } | { ok: false; problem: string } {
  if (!text.startsWith('age1')) {
    return { ok: false, problem: 'an age recipient starts with "age1" (as printed by age-keygen -y)' };
  }
  if (text !== text.toLowerCase()) return { ok: false, problem: 'an age recipient is written in lower case' };
  const r = bech32Decode(text);
  if (!r.ok) return r;
  if (r.hrp !== AGE_RECIPIENT_HRP) return { ok: false, problem: `its prefix is "${r.hrp}", not "age"` };
  if (r.data.length !== 32) {
    return { ok: false, problem: `it holds ${r.data.length} bytes, an X25519 public key has 32` };
  }
  return { ok: true, publicKey: r.data };
}
