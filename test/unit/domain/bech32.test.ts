import { describe, expect, it } from 'vitest';
import { bech32Decode, bech32Encode, parseAgeRecipient } from '../../../src/domain/index.ts';

describe('bech32', () => {
  // BIP 173's valid test vectors (checksum constant 1).
  it.each([
    'A12UEL5L',
    'a12uel5l',
    'an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs',
    'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw',
    `11${'q'.repeat(82)}c8247j`,
    'split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w',
    '?1ezyfcl',
  ])('accepts %s', (s) => {
    expect(bech32Decode(s).ok).toBe(true);
  });

  // BIP 173's invalid vectors, with the reason we give.
  it.each([
    ['pzry9x0s0muk', /separator/],
    ['1pzry9x0s0muk', /separator/],
    ['x1b4n0q5v', /not a bech32 character/],
    ['li1dgmt3', /too short/],
    ['A1G7SGD8', /checksum/],
    ['10a06t8', /separator/],
    ['A12uEL5L', /mixes upper and lower case/],
    ['a12uel5m', /checksum/],
  ])('rejects %s', (s, why) => {
    const r = bech32Decode(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(why);
  });

  it('round-trips bytes of every length up to 40', () => {
    for (let n = 0; n <= 40; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const s = bech32Encode('age', data);
      const r = bech32Decode(s);
      expect(r).toEqual({ ok: true, hrp: 'age', data });
    }
  });

  it('reads an age recipient made by age-keygen', () => {
    const r = parseAgeRecipient('age1llqu6apfhutyge8zsfq279h7pas8jdkarvq8kgz83ygfgw6mmszsmq8c0w');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.publicKey).toHaveLength(32);
      expect(bech32Encode('age', r.publicKey)).toBe(
        'age1llqu6apfhutyge8zsfq279h7pas8jdkarvq8kgz83ygfgw6mmszsmq8c0w',
      );
    }
  });

  it.each([
    ['age1llqu6apfhutyge8zsfq279h7pas8jdkarvq8kgz83ygfgw6mmszsmq8c0x', /checksum/],
    ['AGE1LLQU6APFHUTYGE8ZSFQ279H7PAS8JDKARVQ8KGZ83YGFGW6MMSZSMQ8C0W', /starts with "age1"/],
    ['age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq', /checksum|bytes/],
    [bech32Encode('age', new Uint8Array(31)), /31 bytes/],
    ['ssh-ed25519 AAAA', /starts with "age1"/],
  ])('refuses %s as a recipient', (s, why) => {
    const r = parseAgeRecipient(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(why);
  });
});
