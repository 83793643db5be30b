/**
 * Our age implementation against the real `age` command line tool (Debian package age): what we encrypt
 * decrypts with `age -d`, byte-exact, at every chunk boundary; what `age -r`, `age -R` and `age -p`
 * encrypt decrypts with ours; identity files written by age-keygen (comments, several keys) load.
 */
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AgeError,
  ageRecipients,
  createDecryptor,
  createEncryptor,
  loadIdentities,
  loadRecipients,
  type DecryptWith,
  type EncryptTo,
} from '../../src/pipeline/index.ts';
import { useAgeCli } from '../harness/vitest.ts';
import {
  ageDecrypt,
  ageEncrypt,
  ageKeygen,
  agePassphraseDecrypt,
  agePassphraseEncrypt,
  writeText,
} from '../support/age-cli.ts';

useAgeCli();

const work = mkdtempSync(join(tmpdir(), 'age-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SIZES = [0, 1, 65535, 65536, 65537, 3 * 1024 * 1024 + 7];

async function ourEncrypt(input: string, output: string, to: EncryptTo): Promise<void> {
  await pipeline(createReadStream(input), createEncryptor(ageRecipients(to)), createWriteStream(output));
}

async function ourDecrypt(input: string, keys: DecryptWith): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(createReadStream(input), createDecryptor(keys), async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) out.push(c);
  });
  return Buffer.concat(out);
}

function plaintext(size: number): string {
  const file = join(work, `plain-${size}`);
  writeFileSync(file, randomBytes(size));
  return file;
}

describe('X25519 recipients', () => {
  it.each(SIZES)('%i bytes: ours → age -d, and age -r → ours, byte-exact', async (size) => {
    const key = ageKeygen(work, `key-${size}.txt`);
    const plain = plaintext(size);
    const ours = join(work, `ours-${size}.age`);
    await ourEncrypt(plain, ours, { recipients: [key.recipient] });
    expect(ageDecrypt(key.file, ours).equals(readFileSync(plain))).toBe(true);

    const theirs = join(work, `theirs-${size}.age`);
    ageEncrypt(['-r', key.recipient], plain, theirs);
    const identities = await loadIdentities(key.file);
    expect((await ourDecrypt(theirs, { identities })).equals(readFileSync(plain))).toBe(true);
  });

  it('several recipients: age -R with a recipients file; an identity file holding several keys', async () => {
    const a = ageKeygen(work, 'multi-a.txt');
    const b = ageKeygen(work, 'multi-b.txt');
    const c = ageKeygen(work, 'multi-c.txt');
    const recipientsFile = writeText(
      join(work, 'recipients.txt'),
      `# backup readers\n${a.recipient}\n\n# second\n${b.recipient}\n`,
    );
    expect(await loadRecipients(recipientsFile)).toEqual([a.recipient, b.recipient]);
    const plain = plaintext(100_000);
    const theirs = join(work, 'multi.age');
    ageEncrypt(['-R', recipientsFile], plain, theirs);
    // c's key first, then b's: age-keygen's comments included
    const both = writeText(
      join(work, 'both-keys.txt'),
      readFileSync(c.file, 'utf8') + readFileSync(b.file, 'utf8'),
    );
    const identities = await loadIdentities(both);
    expect(identities.map((i) => i.recipient)).toEqual([c.recipient, b.recipient]);
    expect((await ourDecrypt(theirs, { identities })).equals(readFileSync(plain))).toBe(true);

    // ours to the same file of recipients: each one's identity decrypts with age
    const ours = join(work, 'multi-ours.age');
    await ourEncrypt(plain, ours, { recipients: await loadRecipients(recipientsFile) });
    expect(ageDecrypt(a.file, ours).equals(readFileSync(plain))).toBe(true);
    expect(ageDecrypt(b.file, ours).equals(readFileSync(plain))).toBe(true);
  });

  it('a file age encrypted to someone else: no identity matched, the file named', async () => {
    const mine = ageKeygen(work, 'mine.txt');
    const theirs = ageKeygen(work, 'theirs.txt');
    const file = join(work, 'not-mine.age');
    ageEncrypt(['-r', theirs.recipient], plaintext(10), file);
    const err = await ourDecrypt(file, { identities: await loadIdentities(mine.file) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AgeError);
    expect((err as Error).message).toBe(
      `no identity matched: none of the 1 identity in ${mine.file} is a recipient of this file (1 X25519 recipient)`,
    );
  });

  it('age -d refuses what we wrote once a payload byte is flipped', async () => {
    const key = ageKeygen(work, 'tamper.txt');
    const ours = join(work, 'tamper.age');
    await ourEncrypt(plaintext(70_000), ours, { recipients: [key.recipient] });
    const bytes = readFileSync(ours);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0x80, bytes.length - 100);
    writeFileSync(ours, bytes);
    expect(() => ageDecrypt(key.file, ours)).toThrow();
  });
});

describe('passphrases (age -p through a pseudo-terminal)', () => {
  const passphrase = 'correct horse battery staple';

  it('ours → age -d, and age -p → ours, byte-exact across a chunk boundary', async () => {
    const plain = plaintext(65537);
    const ours = join(work, 'ours-p.age');
    await ourEncrypt(plain, ours, { passphrase });
    expect(readFileSync(ours).toString('latin1')).toMatch(/^age-encryption\.org\/v1\n-> scrypt \S{22} 18\n/);
    expect(
      (await agePassphraseDecrypt(ours, join(work, 'ours-p.out'), passphrase)).equals(readFileSync(plain)),
    ).toBe(true);

    const theirs = join(work, 'theirs-p.age');
    await agePassphraseEncrypt(plain, theirs, passphrase);
    expect((await ourDecrypt(theirs, { passphrase })).equals(readFileSync(plain))).toBe(true);
    await expect(ourDecrypt(theirs, { passphrase: `${passphrase}.` })).rejects.toThrow(
      /the passphrase is wrong/,
    );
  });

  it('an empty input through a passphrase decrypts to nothing with age', async () => {
    const ours = join(work, 'empty-p.age');
    await pipeline(
      Readable.from([]),
      createEncryptor(ageRecipients({ passphrase })),
      createWriteStream(ours),
    );
    expect((await agePassphraseDecrypt(ours, join(work, 'empty-p.out'), passphrase)).length).toBe(0);
  });
});
