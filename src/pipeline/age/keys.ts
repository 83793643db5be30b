/**
 * age recipients and identities (C2SP age spec, "X25519 recipient type" and "scrypt recipient type").
 *
 * A Recipient wraps the 16-byte file key into stanzas; an Identity tries to unwrap it from a header's
 * stanzas (undefined when no stanza is for it). Both are built on node:crypto: X25519 KeyObjects made
 * from raw 32-byte keys (DER with a fixed prefix), HKDF-SHA256, ChaCha20-Poly1305 and scrypt.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  scrypt,
  type KeyObject,
} from 'node:crypto';
import { AGE_IDENTITY_HRP, bech32Decode, bech32Encode, parseAgeRecipient } from '../../domain/index.ts';
import { AgeError } from './errors.ts';
import { b64decode, b64encode, type Stanza } from './header.ts';

export interface Recipient {
  /** Stanzas carrying `fileKey` for this recipient. */
  wrap(fileKey: Buffer): Promise<Stanza[]>;
}

export interface Identity {
  /** Where the identity comes from (`/root/key.txt:3`, `the passphrase`), for messages. */
  readonly description: string;
  /** The file key, or undefined when none of the stanzas is for this identity. */
  unwrap(stanzas: readonly Stanza[]): Promise<Buffer | undefined>;
}

export const FILE_KEY_BYTES = 16;
const X25519_LABEL = 'age-encryption.org/v1/X25519';
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
/** age's own default work factor (2^18 iterations, 256 MiB of memory). */
export const DEFAULT_SCRYPT_LOG_N = 18;
/** The highest work factor we accept when decrypting (age's default limit too): 2^22 needs 4 GiB. */
export const MAX_SCRYPT_LOG_N = 22;

// DER framing of raw X25519 keys (RFC 8410): PKCS#8 for private keys, SPKI for public keys.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function privateKeyObject(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

const ZERO_NONCE = Buffer.alloc(12);

/** ChaCha20-Poly1305 with the all-zero nonce: how age wraps a file key (each wrapping key is used once). */
function sealKey(key: Uint8Array, fileKey: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  const ct = c.update(fileKey);
  c.final();
  return Buffer.concat([ct, c.getAuthTag()]);
}

function openKey(key: Uint8Array, body: Buffer): Buffer | undefined {
  if (body.length !== FILE_KEY_BYTES + 16) return undefined;
  const d = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  d.setAuthTag(body.subarray(FILE_KEY_BYTES));
  const pt = d.update(body.subarray(0, FILE_KEY_BYTES));
  try {
    d.final();
  } catch {
    return undefined;
  }
  return pt;
}

/** X25519 shared secret; the all-zero result of a low-order point is refused (age spec). */
function sharedSecret(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  let secret: Buffer;
  try {
    secret = diffieHellman({ privateKey, publicKey });
  } catch (err) {
    throw new AgeError('bad-header', 'an X25519 stanza holds an invalid public key share', { cause: err });
  }
  if (secret.every((b) => b === 0)) {
    throw new AgeError('bad-header', 'an X25519 stanza holds a low-order public key share');
  }
  return secret;
}

function x25519WrapKey(secret: Buffer, share: Buffer, recipientPublic: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.concat([share, recipientPublic]), X25519_LABEL, 32));
}

/** A recipient from its `age1…` string; throws an AgeError ('bad-key') saying what is wrong. */
export function x25519Recipient(text: string): Recipient {
  const parsed = parseAgeRecipient(text);
  if (!parsed.ok) throw new AgeError('bad-key', `not an age recipient: ${parsed.problem}`);
  const pub = Buffer.from(parsed.publicKey);
  const pubKey = publicKeyObject(pub);
  return {
    wrap: (fileKey) => {
      const eph = generateKeyPairSync('x25519');
      const share = rawPublicKey(eph.publicKey);
      const key = x25519WrapKey(sharedSecret(eph.privateKey, pubKey), share, pub);
      return Promise.resolve([{ type: 'X25519', args: [b64encode(share)], body: sealKey(key, fileKey) }]);
    },
  };
}

export interface X25519Identity extends Identity {
  /** The matching `age1…` recipient. */
  readonly recipient: string;
}

/**
 * An identity from its `AGE-SECRET-KEY-1…` string. The error never contains the string (it is secret).
 */
export function x25519Identity(text: string, description: string): X25519Identity {
  const problem = (why: string): AgeError =>
    new AgeError('bad-key', `${description}: not an age identity: ${why}`);
  if (!text.startsWith('AGE-SECRET-KEY-1')) throw problem('it does not start with AGE-SECRET-KEY-1');
  if (text !== text.toUpperCase()) throw problem('an age identity is written in upper case');
  const r = bech32Decode(text);
  if (!r.ok) throw problem(r.problem);
  if (r.hrp !== AGE_IDENTITY_HRP || r.data.length !== 32)
    throw problem('it does not hold a 32-byte X25519 key');
  const priv = privateKeyObject(r.data);
  const pub = rawPublicKey(createPublicKey(priv));
  return {
    description,
    recipient: bech32Encode('age', pub),
    unwrap: (stanzas) => {
      for (const s of stanzas) {
        if (s.type !== 'X25519') continue;
        const share = s.args.length === 1 ? b64decode(s.args[0] ?? '') : undefined;
        if (share?.length !== 32 || s.body.length !== FILE_KEY_BYTES + 16) {
          throw new AgeError('bad-header', 'not a valid age file: an X25519 stanza is malformed');
        }
        const key = x25519WrapKey(sharedSecret(priv, publicKeyObject(share)), share, pub);
        const fileKey = openKey(key, s.body);
        if (fileKey !== undefined) return Promise.resolve(fileKey);
      }
      return Promise.resolve(undefined);
    },
  };
}

/** A new random identity and its recipient (for tests and key generation). */
export function generateX25519Identity(): { identity: string; recipient: string } {
  const { privateKey } = generateKeyPairSync('x25519');
  const raw = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const identity = bech32Encode(AGE_IDENTITY_HRP, raw).toUpperCase();
  return { identity, recipient: x25519Identity(identity, 'generated').recipient };
}

/** One scrypt derivation at a time: each holds 128·N·r bytes (256 MiB at the default work factor). */
let scryptQueue: Promise<unknown> = Promise.resolve();

function deriveScryptKey(passphrase: string, salt: Buffer, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  const run = (): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      scrypt(
        Buffer.from(passphrase, 'utf8'),
        Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]),
        32,
        // scrypt needs 128·N·r bytes; leave room for OpenSSL's own bookkeeping.
        { N, r: 8, p: 1, maxmem: 128 * N * 8 + 16 * 1024 * 1024 },
        (err, key) => (err === null ? resolve(key) : reject(err)),
      );
    });
  const derived = scryptQueue.then(run, run);
  scryptQueue = derived.catch(() => {});
  return derived;
}

/**
 * A passphrase recipient. Every file gets its own salt and so its own scrypt wrapping key: age seals the
 * file key with ChaCha20-Poly1305 under the all-zero nonce, so reusing a wrapping key for two files would
 * reuse a (key, nonce) pair. The price is one derivation (about a second at the default work factor) per
 * object; derivations run one at a time to bound memory.
 */
export function scryptRecipient(passphrase: string, logN = DEFAULT_SCRYPT_LOG_N): Recipient {
  if (passphrase === '') throw new AgeError('bad-key', 'the passphrase is empty');
  return {
    wrap: async (fileKey) => {
      const salt = randomBytes(16);
      const key = await deriveScryptKey(passphrase, salt, logN);
      return [{ type: 'scrypt', args: [b64encode(salt), String(logN)], body: sealKey(key, fileKey) }];
    },
  };
}

/** The passphrase as an identity; refuses work factors above `maxLogN` (memory and time). */
export function scryptIdentity(passphrase: string, maxLogN = MAX_SCRYPT_LOG_N): Identity {
  return {
    description: 'the passphrase',
    unwrap: async (stanzas) => {
      const s = stanzas.find((x) => x.type === 'scrypt');
      if (s === undefined) return undefined;
      if (stanzas.length !== 1) {
        throw new AgeError('bad-header', 'not a valid age file: a scrypt stanza must be the only stanza');
      }
      const salt = b64decode(s.args[0] ?? '');
      const logText = s.args[1] ?? '';
      if (s.args.length !== 2 || salt?.length !== 16 || !/^[1-9][0-9]?$/.test(logText)) {
        throw new AgeError('bad-header', 'not a valid age file: the scrypt stanza is malformed');
      }
      const logN = Number(logText);
      if (logN > maxLogN) {
        throw new AgeError(
          'bad-header',
          `the file's scrypt work factor 2^${logN} is above the accepted 2^${maxLogN}`,
        );
      }
      return openKey(await deriveScryptKey(passphrase, salt, logN), s.body);
    },
  };
}
