/**
 * age v1 encryption (https://github.com/C2SP/C2SP/blob/main/age.md), written on node:crypto and checked
 * against the `age` command line tool: files we write decrypt with `age -d -i key.txt`, and files
 * `age -r`/`age -R`/`age -p` write decrypt here. X25519 recipients (`age1…`) and passphrases (scrypt).
 *
 *   const to = ageRecipients({ recipients: ['age1…'] });     // once per run
 *   pipeline(source, compressor, createEncryptor(to), …)    // a fresh file key per stream
 *   pipeline(download, createDecryptor({ identities: await loadIdentities('/root/key.txt') }), …)
 *
 * Every failure is an AgeError with a code; no message contains a key or a passphrase.
 */
import { readFile } from 'node:fs/promises';
import type { Transform } from 'node:stream';
import { parseAgeRecipient } from '../../domain/index.ts';
import { AgeError } from './errors.ts';
import type { Stanza } from './header.ts';
import {
  DEFAULT_SCRYPT_LOG_N,
  scryptIdentity,
  scryptRecipient,
  x25519Identity,
  x25519Recipient,
  type Identity,
  type Recipient,
  type X25519Identity,
} from './keys.ts';
import { decryptStream, encryptStream } from './stream.ts';

export { AgeError, type AgeErrorCode } from './errors.ts';
export { CHUNK_BYTES } from './stream.ts';
export {
  DEFAULT_SCRYPT_LOG_N,
  MAX_SCRYPT_LOG_N,
  generateX25519Identity,
  x25519Identity,
  type Identity,
  type Recipient,
  type X25519Identity,
} from './keys.ts';

/** Whom a stream is encrypted to: `age1…` recipients, or a passphrase (scrypt work factor 2^workFactor). */
export type EncryptTo = { recipients: readonly string[] } | { passphrase: string; workFactor?: number };

/** How a stream is decrypted: identities (from loadIdentities) or the passphrase. */
export type DecryptWith = { identities: readonly Identity[] } | { passphrase: string };

/**
 * The recipients of a run, validated (an AgeError 'bad-key' names the bad one). Build them once and
 * pass them to every createEncryptor of the run (a passphrase still derives a fresh scrypt key per file).
 */
export function ageRecipients(to: EncryptTo): Recipient[] {
  if ('passphrase' in to) return [scryptRecipient(to.passphrase, to.workFactor ?? DEFAULT_SCRYPT_LOG_N)];
  if (to.recipients.length === 0) throw new AgeError('bad-key', 'no age recipients given');
  return to.recipients.map((r, i) => {
    try {
      return x25519Recipient(r);
    } catch (err) {
      throw new AgeError('bad-key', `recipient ${i + 1}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** A Transform that encrypts its input to `recipients` (a new random file key each time). */
export function createEncryptor(recipients: readonly Recipient[]): Transform {
  return encryptStream(recipients);
}

/** A Transform that decrypts an age stream; AgeErrors say what is wrong (wrong key, altered, cut). */
export function createDecryptor(keys: DecryptWith): Transform {
  if ('passphrase' in keys) {
    const identity = scryptIdentity(keys.passphrase);
    return decryptStream({
      identities: [identity],
      noMatch: (stanzas) =>
        stanzas.some((s) => s.type === 'scrypt')
          ? 'the passphrase is wrong: it does not open this file'
          : `this file is encrypted to age recipients (${stanzaSummary(stanzas)}), not with a passphrase: decrypt it with an identity file`,
    });
  }
  if (keys.identities.length === 0) throw new AgeError('bad-key', 'no age identities given');
  return decryptStream({
    identities: keys.identities,
    noMatch: (stanzas) => {
      if (stanzas.some((s) => s.type === 'scrypt'))
        return 'this file is encrypted with a passphrase, not to a recipient: decrypt it with the passphrase';
      const n = keys.identities.length;
      const where = [...new Set(keys.identities.map((i) => i.description.replace(/:\d+$/, '')))].join(', ');
      return `no identity matched: none of the ${n} ${n === 1 ? 'identity' : 'identities'} in ${where} is a recipient of this file (${stanzaSummary(stanzas)})`;
    },
  });
}

function stanzaSummary(stanzas: readonly Stanza[]): string {
  const counts = new Map<string, number>();
  for (const s of stanzas) counts.set(s.type, (counts.get(s.type) ?? 0) + 1);
  return [...counts].map(([type, n]) => `${n} ${type} recipient${n === 1 ? '' : 's'}`).join(', ');
}

/** Lines that are not blank or `#` comments, with their 1-based numbers. */
function keyLines(text: string): Array<{ line: number; text: string }> {
  return text
    .split(/\r?\n/)
    .map((t, i) => ({ line: i + 1, text: t.trim() }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
}

/**
 * The identities of an identity file as `age-keygen` writes it: `AGE-SECRET-KEY-1…` lines, `#` comments
 * and blank lines; several keys allowed. `file` is only used in messages (file:line, never the key).
 */
export function parseIdentities(text: string, file: string): X25519Identity[] {
  if (text.startsWith('age-encryption.org/') || text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) {
    throw new AgeError(
      'bad-key',
      `${file} is an encrypted identity file, which ftps-backup does not open: decrypt it to a protected file first (age -d -o key.txt ${file})`,
    );
  }
  if (text.startsWith('-----BEGIN') || text.startsWith('ssh-')) {
    throw new AgeError(
      'bad-key',
      `${file} holds an SSH or PEM key; only native age identities (AGE-SECRET-KEY-1…, made by age-keygen) are supported`,
    );
  }
  const ids = keyLines(text).map((l) => x25519Identity(l.text, `${file}:${l.line}`));
  if (ids.length === 0)
    throw new AgeError('bad-key', `${file} holds no age identity (AGE-SECRET-KEY-1… line)`);
  return ids;
}

export async function loadIdentities(file: string): Promise<X25519Identity[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AgeError('bad-key', `cannot read the identity file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseIdentities(text, file);
}

/** The `age1…` lines of a recipients file (as `age -R` reads it), validated with file:line messages. */
export function parseRecipients(text: string, file: string): string[] {
  const out = keyLines(text).map((l) => {
    const r = parseAgeRecipient(l.text);
    if (!r.ok) throw new AgeError('bad-key', `${file}:${l.line}: not an age recipient: ${r.problem}`);
    return l.text;
  });
  if (out.length === 0) throw new AgeError('bad-key', `${file} holds no age recipient (age1… line)`);
  return out;
}

export async function loadRecipients(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AgeError('bad-key', `cannot read the recipients file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseRecipients(text, file);
}
