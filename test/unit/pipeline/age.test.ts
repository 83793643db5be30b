import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  AgeError,
  ageRecipients,
  createDecryptor,
  createEncryptor,
  generateX25519Identity,
  parseIdentities,
  parseRecipients,
  type DecryptWith,
  type Recipient,
} from '../../../src/pipeline/index.ts';
import { b64decode, b64encode, encodeHeader, parseHeader } from '../../../src/pipeline/age/header.ts';

const CHUNK = 64 * 1024;

/** Streams `data` through `t` in pieces of `piece` bytes and collects the output. */
async function through(t: Transform, data: Buffer, piece = 16 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += piece) parts.push(data.subarray(i, i + piece));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(parts),
    t,
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

const encrypt = (plain: Buffer, to: Recipient[], piece?: number): Promise<Buffer> =>
  through(createEncryptor(to), plain, piece);
const decrypt = (sealed: Buffer, keys: DecryptWith, piece?: number): Promise<Buffer> =>
  through(createDecryptor(keys), sealed, piece);

async function ageError(p: Promise<unknown>): Promise<AgeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AgeError);
  return err as AgeError;
}

// Made with age 1.1.1: `age-keygen`, `age -R` and `age -p` (passphrase "fixture passphrase").
const FIXTURE_KEY = [
  '# created: 2026-11-23T00:10:49Z',
  '# public key: age1llqu6apfhutyge8zsfq279h7pas8jdkarvq8kgz83ygfgw6mmszsmq8c0w',
  'AGE-SECRET-KEY-1W7EMPW4YX4TS54JPWUXYGTLD8D8H0VZ75W24GGKLNS5X3DCV88KS99ZHSC',
  '',
].join('\n');
const FIXTURE_X25519 = Buffer.from(
  'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSB3T1JpZ1lFOXN2RzdyMnpCWFk4TWRtei9BRCtqaHJpa3JhVzl1UGZ3bW1jClpVN25mSThLQmV5VUJuN2lkeW0rci9RT1ZiY0U2ZGtVc3dJa2FGOGF2eEUKLS0tIDhySk12SlZNeThrTWk5eXJ5NitQQ1dNbnN0OVpHd2g5Rk9QRUNUdGs0S0UK6oD6joIOGwqb5mHUDdiBsuif7cFnmEIOefs3yTQEX3oIm1nlTXjVpvvVActLpUPeydh8iAo=',
  'base64',
);
const FIXTURE_SCRYPT = Buffer.from(
  'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IHNjcnlwdCArZkJRck1WY3dmalZiNzhXblQrOGZBIDE4CjJxcHhzZVJTVVhxbGdhV2U1OEttVjFRR2hVMUtKQ0orT0g0N0w1TGdKOG8KLS0tIFF6RnFEY3hZVXhTOU05TmdZUmtUV2xSWGVmaHZ4MmcwWDVFNFNYVklJYjgKeFao/U3Yemj/drPlT1PYxBqOVq0+zmlMYh27KIdpLwm98wJ2kL14rQsL9RD2hd69RZQS4rE=',
  'base64',
);
const FIXTURE_PLAIN = 'hello from age 1.1.1\n';

describe('files written by the age CLI (fixtures)', () => {
  it('decrypts an X25519 file with an age-keygen identity file', async () => {
    const identities = parseIdentities(FIXTURE_KEY, 'fixture-key.txt');
    expect(identities.map((i) => i.recipient)).toEqual([
      'age1llqu6apfhutyge8zsfq279h7pas8jdkarvq8kgz83ygfgw6mmszsmq8c0w',
    ]);
    expect((await decrypt(FIXTURE_X25519, { identities }, 7)).toString()).toBe(FIXTURE_PLAIN);
  });

  it('decrypts an `age -p` file with its passphrase (scrypt, work factor 18)', async () => {
    expect((await decrypt(FIXTURE_SCRYPT, { passphrase: 'fixture passphrase' })).toString()).toBe(
      FIXTURE_PLAIN,
    );
  });

  it('says the passphrase is wrong', async () => {
    const err = await ageError(decrypt(FIXTURE_SCRYPT, { passphrase: 'fixture passphrase!' }));
    expect(err.code).toBe('no-match');
    expect(err.message).toMatch(/passphrase is wrong/);
  });
});

describe('round trips', () => {
  const me = generateX25519Identity();
  const identities = parseIdentities(me.identity, 'me.txt');
  const to = ageRecipients({ recipients: [me.recipient] });

  it.each([0, 1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 5])(
    '%i bytes: exact output, age framing sizes',
    async (n) => {
      const plain = randomBytes(n);
      const sealed = await encrypt(plain, to);
      const headerEnd = sealed.indexOf('\n---') + 1;
      const macLineEnd = sealed.indexOf(0x0a, headerEnd) + 1;
      const chunks = Math.max(1, Math.ceil(n / CHUNK));
      // header, 16-byte payload nonce, plaintext, one 16-byte tag per chunk (an empty input has one chunk)
      expect(sealed.length).toBe(macLineEnd + 16 + n + 16 * chunks);
      expect((await decrypt(sealed, { identities })).equals(plain)).toBe(true);
    },
  );

  it('does not depend on how input and output are cut into pieces', async () => {
    const plain = randomBytes(2 * CHUNK + 333);
    for (const piece of [1000, CHUNK, CHUNK + 1, 3 * CHUNK]) {
      const sealed = await encrypt(plain, to, piece);
      for (const dpiece of [997, CHUNK + 16, 5 * CHUNK]) {
        expect((await decrypt(sealed, { identities }, dpiece)).equals(plain)).toBe(true);
      }
    }
  });

  it('a passphrase recipient used for two files wraps each file key under its own salt', async () => {
    // one scrypt key for two files would seal two file keys under the same (key, all-zero nonce)
    const pass = ageRecipients({ passphrase: 'correct horse', workFactor: 10 });
    const salts = [];
    for (const text of ['first', 'second']) {
      const sealed = await encrypt(Buffer.from(text), pass);
      const stanza = /^-> scrypt (\S+) 10$/m.exec(sealed.toString('latin1'));
      expect(stanza).not.toBeNull();
      salts.push(stanza?.[1]);
      expect((await decrypt(sealed, { passphrase: 'correct horse' })).toString()).toBe(text);
    }
    expect(salts[0]).not.toBe(salts[1]);
  });

  it('encrypts to several recipients; each identity opens it', async () => {
    const other = generateX25519Identity();
    const sealed = await encrypt(
      Buffer.from('two readers'),
      ageRecipients({ recipients: [me.recipient, other.recipient] }),
    );
    for (const id of [me.identity, other.identity]) {
      const out = await decrypt(sealed, { identities: parseIdentities(id, 'k') });
      expect(out.toString()).toBe('two readers');
    }
  });

  it('a passphrase round trip writes one scrypt stanza with the work factor', async () => {
    const sealed = await encrypt(
      Buffer.from('secret'),
      ageRecipients({ passphrase: 'pass word', workFactor: 10 }),
    );
    expect(sealed.toString('latin1')).toMatch(
      /^age-encryption\.org\/v1\n-> scrypt [A-Za-z0-9+/]{22} 10\n[A-Za-z0-9+/]{43}\n--- [A-Za-z0-9+/]{43}\n/,
    );
    expect((await decrypt(sealed, { passphrase: 'pass word' })).toString()).toBe('secret');
  });

  it('uses a new file key and nonce for each stream', async () => {
    const a = await encrypt(Buffer.from('same'), to);
    const b = await encrypt(Buffer.from('same'), to);
    expect(a.equals(b)).toBe(false);
  });

  it('skips stanzas of unknown types, with bodies longer than one line', async () => {
    const grease: Recipient = {
      wrap: () => Promise.resolve([{ type: 'grease-x', args: ['a', 'b%c'], body: randomBytes(100) }]),
    };
    const sealed = await encrypt(Buffer.from('greased'), [grease, ...to]);
    const text = sealed.toString('latin1');
    expect(text).toMatch(
      /\n-> grease-x a b%c\n[A-Za-z0-9+/]{64}\n[A-Za-z0-9+/]{64}\n[A-Za-z0-9+/]{6}\n-> X25519 /,
    );
    expect((await decrypt(sealed, { identities })).toString()).toBe('greased');
  });

  it('holds back-pressure: a writer that is not read is stopped after a bounded amount', () => {
    const enc = createEncryptor(to);
    let written = 0;
    const piece = Buffer.alloc(CHUNK);
    while (enc.write(piece)) {
      written += piece.length;
      if (written > 64 * 1024 * 1024) break;
    }
    expect(written).toBeLessThan(1024 * 1024);
    enc.destroy();
  });
});

describe('failures', () => {
  const me = generateX25519Identity();
  const identities = parseIdentities(me.identity, '/etc/ftps-backup/age.key');
  const to = ageRecipients({ recipients: [me.recipient] });
  const plain = randomBytes(3 * CHUNK + 100);
  const sealedP = encrypt(plain, to);
  const payloadStart = async (): Promise<number> => {
    const s = await sealedP;
    return s.indexOf(0x0a, s.indexOf('\n---') + 1) + 1 + 16;
  };
  /** Replaces a base64 character by another valid one (a flipped bit could make it invalid base64). */
  const swapB64 = (b: Buffer, at: number): Buffer => {
    const c = Buffer.from(b);
    c[at] = c[at] === 0x41 ? 0x42 : 0x41;
    return c;
  };
  const flip = (b: Buffer, at: number): Buffer => {
    const c = Buffer.from(b);
    c[at] = c[at]! ^ 0x01;
    return c;
  };

  it('a wrong identity names the identity file and the recipients', async () => {
    const stranger = parseIdentities(generateX25519Identity().identity, '/root/other.key');
    const err = await ageError(decrypt(await sealedP, { identities: stranger }));
    expect(err.code).toBe('no-match');
    expect(err.message).toBe(
      'no identity matched: none of the 1 identity in /root/other.key is a recipient of this file (1 X25519 recipient)',
    );
  });

  it('a passphrase for a recipient file, and an identity for a passphrase file, are told apart', async () => {
    expect((await ageError(decrypt(await sealedP, { passphrase: 'x' }))).message).toMatch(
      /encrypted to age recipients \(1 X25519 recipient\), not with a passphrase/,
    );
    expect((await ageError(decrypt(FIXTURE_SCRYPT, { identities }))).message).toMatch(
      /encrypted with a passphrase, not to a recipient/,
    );
  });

  it('a flipped byte in the version line', async () => {
    const err = await ageError(decrypt(flip(await sealedP, 3), { identities }));
    expect(err.code).toBe('bad-header');
    expect(err.message).toMatch(/does not start with "age-encryption.org\/v1"/);
  });

  it('a flipped byte in the wrapped file key', async () => {
    const s = await sealedP;
    const bodyAt = s.indexOf(0x0a, s.indexOf('-> X25519')) + 5;
    expect((await ageError(decrypt(swapB64(s, bodyAt), { identities }))).code).toBe('no-match');
  });

  it('a changed stanza the identity does not use is caught by the header MAC', async () => {
    const other = generateX25519Identity();
    const s = await encrypt(Buffer.from('x'), ageRecipients({ recipients: [me.recipient, other.recipient] }));
    // the second stanza's body belongs to `other`; `me` still unwraps its own stanza
    const second = s.indexOf('-> X25519', s.indexOf('-> X25519') + 1);
    const err = await ageError(decrypt(swapB64(s, s.indexOf(0x0a, second) + 3), { identities }));
    expect(err.code).toBe('bad-mac');
    expect(err.message).toMatch(/header MAC does not match/);
  });

  it('a flipped byte in the MAC', async () => {
    const s = await sealedP;
    expect((await ageError(decrypt(swapB64(s, s.indexOf('\n---') + 6), { identities }))).code).toBe(
      'bad-mac',
    );
  });

  it.each([0, CHUNK + 16 + 5, 3 * (CHUNK + 16) + 50])('a flipped byte in the payload at +%i', async (at) => {
    const s = await sealedP;
    const err = await ageError(decrypt(flip(s, (await payloadStart()) + at), { identities }));
    expect(err.code).toBe('bad-payload');
    expect(err.message).toMatch(/damaged or was altered: chunk \d+/);
  });

  it('a flipped byte in the payload nonce', async () => {
    const s = await sealedP;
    expect((await ageError(decrypt(flip(s, (await payloadStart()) - 3), { identities }))).code).toBe(
      'bad-payload',
    );
  });

  it('cut at a chunk boundary: truncated', async () => {
    const s = await sealedP;
    const err = await ageError(
      decrypt(s.subarray(0, (await payloadStart()) + 2 * (CHUNK + 16)), { identities }),
    );
    expect(err.code).toBe('truncated');
    expect(err.message).toMatch(/final chunk is missing/);
  });

  it('cut inside a chunk, inside the header, before the payload', async () => {
    const s = await sealedP;
    const start = await payloadStart();
    expect((await ageError(decrypt(s.subarray(0, start + 100), { identities }))).code).toBe('bad-payload');
    expect((await ageError(decrypt(s.subarray(0, start + 10), { identities }))).code).toBe('truncated');
    expect((await ageError(decrypt(s.subarray(0, start - 16), { identities }))).message).toMatch(
      /payload is missing|before its encrypted payload/,
    );
    expect((await ageError(decrypt(s.subarray(0, 40), { identities }))).message).toMatch(
      /ends inside its age header/,
    );
    expect((await ageError(decrypt(Buffer.alloc(0), { identities }))).message).toBe('the file is empty');
  });

  it('trailing data after a full final chunk is named; after a short one it is damage', async () => {
    const full = await encrypt(randomBytes(2 * CHUNK), to);
    const err = await ageError(decrypt(Buffer.concat([full, Buffer.from('more')]), { identities }));
    expect(err.code).toBe('trailing-data');
    expect(err.message).toMatch(/goes on after its final chunk \(4 bytes too many\)/);
    // a short final chunk cannot be told apart from one that was altered
    const short = await ageError(
      decrypt(Buffer.concat([await sealedP, Buffer.from('more')]), { identities }),
    );
    expect(short.code).toBe('bad-payload');
  });

  it('an empty final chunk after a full chunk is refused', async () => {
    // Forge what a wrong encoder would write for 64 KiB: a full chunk marked not-last, then an empty last
    // chunk. A recipient that records the file key lets the test seal the chunks itself.
    let fileKey: Buffer | undefined;
    const spy: Recipient = {
      wrap: (k) => {
        fileKey = Buffer.from(k);
        return Promise.resolve([]);
      },
    };
    const header = await encrypt(Buffer.alloc(0), [spy, ...to]);
    const nonceAt = header.indexOf(0x0a, header.indexOf('\n---') + 1) + 1;
    const nonce = header.subarray(nonceAt, nonceAt + 16);
    const key = Buffer.from(hkdfSync('sha256', fileKey!, nonce, 'payload', 32));
    const sealChunk = (counter: number, last: boolean, plain: Buffer): Buffer => {
      const n = Buffer.alloc(12);
      n[10] = counter;
      n[11] = last ? 1 : 0;
      const c = createCipheriv('chacha20-poly1305', key, n, { authTagLength: 16 });
      const ct = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([ct, c.getAuthTag()]);
    };
    const good = Buffer.concat([
      header.subarray(0, nonceAt + 16),
      sealChunk(0, true, Buffer.alloc(CHUNK, 7)),
    ]);
    expect((await decrypt(good, { identities })).equals(Buffer.alloc(CHUNK, 7))).toBe(true);
    const forged = Buffer.concat([
      header.subarray(0, nonceAt + 16),
      sealChunk(0, false, Buffer.alloc(CHUNK, 7)),
      sealChunk(1, true, Buffer.alloc(0)),
    ]);
    const err = await ageError(decrypt(forged, { identities }));
    expect(err.message).toMatch(/ends with an empty chunk/);
  });

  it('an armored file, and plain data, are recognised', async () => {
    const armored = Buffer.from(
      '-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n',
    );
    expect((await ageError(decrypt(armored, { identities }))).message).toMatch(/ASCII-armored/);
    expect(
      (await ageError(decrypt(Buffer.from('\x28\xb5\x2f\xfd zstd data'), { identities }))).message,
    ).toMatch(/not encrypted, or encrypted with something else/);
  });

  it('a scrypt work factor above the limit is refused before any derivation', async () => {
    const stanza = { type: 'scrypt', args: [b64encode(randomBytes(16)), '23'], body: randomBytes(32) };
    const file = Buffer.concat([encodeHeader([stanza], randomBytes(16)), randomBytes(32)]);
    const err = await ageError(decrypt(file, { passphrase: 'x' }));
    expect(err.message).toMatch(/work factor 2\^23 is above the accepted 2\^22/);
  });

  it('a scrypt stanza next to another stanza is refused', async () => {
    const scrypt = { type: 'scrypt', args: [b64encode(randomBytes(16)), '10'], body: randomBytes(32) };
    const other = { type: 'X25519', args: [b64encode(randomBytes(32))], body: randomBytes(32) };
    const file = Buffer.concat([encodeHeader([scrypt, other], randomBytes(16)), randomBytes(32)]);
    expect((await ageError(decrypt(file, { passphrase: 'x' }))).message).toMatch(/must be the only stanza/);
  });
});

describe('header', () => {
  const fileKey = randomBytes(16);
  const header = encodeHeader(
    [
      { type: 'X25519', args: [b64encode(randomBytes(32))], body: randomBytes(32) },
      { type: 'other', args: [], body: randomBytes(48) }, // exactly 64 columns: an empty final line
      { type: 'empty', args: ['x'], body: Buffer.alloc(0) },
    ],
    fileKey,
  );
  const payload = Buffer.from('PAYLOAD');

  it('parses the same at every split point and keeps the remainder', () => {
    const whole = Buffer.concat([header, payload]);
    const full = parseHeader(whole);
    expect(full.done).toBe(true);
    if (!full.done) return;
    expect(full.rest.toString()).toBe('PAYLOAD');
    expect(full.header.stanzas.map((s) => [s.type, s.args, s.body.length])).toEqual([
      ['X25519', full.header.stanzas[0]!.args, 32],
      ['other', [], 48],
      ['empty', ['x'], 0],
    ]);
    expect(whole.toString('latin1')).toMatch(/\n-> other\n[A-Za-z0-9+/]{64}\n\n-> empty x\n\n--- /);
    for (let cut = 0; cut < header.length; cut++) {
      expect(parseHeader(whole.subarray(0, cut)).done).toBe(false);
    }
  });

  it.each([
    ['a padded body', (h: string) => h.replace(/\n(-> empty x\n)\n/, '\n$1==\n'), /canonical base64/],
    [
      'a body line over 64 columns',
      (h: string) => h.replace(/\n-> empty x\n\n/, `\n-> empty x\n${'A'.repeat(65)}\n`),
      /longer than 64/,
    ],
    [
      'an empty argument',
      (h: string) => h.replace('-> empty x', '-> empty  x'),
      /empty or non-ASCII argument/,
    ],
    [
      'no stanza',
      (h: string) => h.replace(/^(age-encryption.org\/v1\n)[\s\S]*?(---)/, '$1$2'),
      /no recipient stanza/,
    ],
    ['a bad line', (h: string) => h.replace('-> other', '=> other'), /expected a "-> " stanza/],
  ])('rejects %s', (_what, edit, why) => {
    const text = edit(header.toString('latin1'));
    expect(() => parseHeader(Buffer.from(text, 'latin1'))).toThrow(why);
  });

  it('base64 must be canonical and unpadded', () => {
    expect(b64decode('AA')?.length).toBe(1);
    expect(b64decode('AA==')).toBeUndefined();
    expect(b64decode('AB')).toBeUndefined(); // stray bits
    expect(b64decode('A')).toBeUndefined();
    expect(b64decode('A-')).toBeUndefined();
  });
});

describe('key files', () => {
  it('reads several identities with comments and blank lines, naming file:line', () => {
    const a = generateX25519Identity();
    const b = generateX25519Identity();
    const ids = parseIdentities(`# one\n${a.identity}\n\n  # two\n${b.identity}\r\n`, '/k.txt');
    expect(ids.map((i) => [i.description, i.recipient])).toEqual([
      ['/k.txt:2', a.recipient],
      ['/k.txt:5', b.recipient],
    ]);
  });

  it('a bad identity line is named by file and line, never shown', () => {
    const good = generateX25519Identity().identity;
    const typo = `${good.slice(0, -1)}${good.endsWith('Q') ? 'P' : 'Q'}`;
    let err: unknown;
    try {
      parseIdentities(`# key\n${typo}\n`, '/k.txt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgeError);
    expect((err as Error).message).toBe(
      '/k.txt:2: not an age identity: its checksum is wrong (a typo, or a truncated copy)',
    );
    expect((err as Error).message).not.toContain(typo.slice(16, 40));
  });

  it.each([
    ['', /holds no age identity/],
    ['# only a comment\n', /holds no age identity/],
    ['age-encryption.org/v1\n-> scrypt …', /encrypted identity file/],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\n', /SSH or PEM key/],
    [
      'age1llqu6apfhutyge8zsfq279h7pas8jdkarvq8kgz83ygfgw6mmszsmq8c0w\n',
      /k:1: not an age identity: it does not start with AGE-SECRET-KEY-1/,
    ],
  ])('refuses identity file %j', (text, why) => {
    expect(() => parseIdentities(text, 'k')).toThrow(why);
  });

  it('reads a recipients file and names a bad line', () => {
    const r = generateX25519Identity().recipient;
    expect(parseRecipients(`# team\n${r}\n\n${r}\n`, 'r.txt')).toEqual([r, r]);
    expect(() => parseRecipients(`${r}\nage1nope\n`, 'r.txt')).toThrow(/^r\.txt:2: not an age recipient: /);
  });

  it('ageRecipients names a bad recipient', () => {
    expect(() => ageRecipients({ recipients: [generateX25519Identity().recipient, 'age1xyz'] })).toThrow(
      /recipient 2: not an age recipient/,
    );
  });
});
