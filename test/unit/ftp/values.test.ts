import { describe, expect, it } from 'vitest';
import {
  FtpProtocolError,
  parseHashReply,
  parseMdtmReply,
  parsePwdReply,
  parseReplies,
  parseSizeReply,
  parseTimeVal,
  parseXHashReply,
} from '../../../src/ftp/protocol/index.ts';

const SHA256 = '8d2f0e0b5b6f4a5c3e9d7c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f';
const SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';

describe('parseSizeReply', () => {
  it.each([
    ['12345', 12345],
    ['0', 0],
    [' 42 ', 42],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['5368709120', 5 * 1024 ** 3],
    ['Computing size\n77', 77],
  ])('%j → %i', (message, size) => {
    expect(parseSizeReply(message)).toBe(size);
  });

  it.each(['', '-1', '12 bytes', '1e3', '0x10', '12.5', '9007199254740992', 'Infinity', 'abc'])(
    'throws FtpProtocolError for %j',
    (message) => {
      expect(() => parseSizeReply(message)).toThrow(FtpProtocolError);
    },
  );
});

describe('parseMdtmReply / parseTimeVal', () => {
  it.each([
    ['20261122101500', Date.UTC(2026, 10, 22, 10, 15, 0)],
    ['20261122101500.250', Date.UTC(2026, 10, 22, 10, 15, 0, 250)],
    ['20261122101500.5', Date.UTC(2026, 10, 22, 10, 15, 0, 500)],
    ['20261122101500.123456', Date.UTC(2026, 10, 22, 10, 15, 0, 123)],
    ['19700101000000', 0],
    ['20240229235959', Date.UTC(2024, 1, 29, 23, 59, 59)],
    ['20161231235960', Date.UTC(2017, 0, 1, 0, 0, 0)],
    [' 20261122101500 ', Date.UTC(2026, 10, 22, 10, 15, 0)],
  ])('%j is %i ms (UTC)', (message, ms) => {
    expect(parseMdtmReply(message).getTime()).toBe(ms);
  });

  it('keeps years below 100 as written', () => {
    expect(parseTimeVal('00500101000000').getUTCFullYear()).toBe(50);
  });

  it.each([
    '',
    '2026112210150',
    '202611221015000',
    '20261322101500',
    '20260001101500',
    '20260230101500',
    '20250229101500',
    '20261122241500',
    '20261122106000',
    '20261122101561',
    '20261122101500.',
    '2026-11-22 10:15:00',
    'Nov 22 10:15',
  ])('throws FtpProtocolError for %j', (message) => {
    expect(() => parseMdtmReply(message)).toThrow(FtpProtocolError);
  });
});

describe('parseHashReply', () => {
  it('reads ProFTPD mod_digest output after the Computing preamble', () => {
    const { replies } = parseReplies(
      `213-Computing SHA-256 digest\r\n213 SHA-256 0-1048583 ${SHA256.toUpperCase()} backups/shop/db-shop.sql.zst\r\n`,
    );
    expect(parseHashReply(replies[0]?.message ?? '')).toEqual({
      algorithm: 'SHA-256',
      start: 0,
      end: 1048583,
      hex: SHA256,
      path: 'backups/shop/db-shop.sql.zst',
    });
  });

  it('keeps a path with spaces exactly', () => {
    expect(parseHashReply(`SHA-1 0-0 ${SHA1} a  file with  spaces.txt `).path).toBe(
      'a  file with  spaces.txt ',
    );
  });

  it('accepts a missing path, other algorithms, and lower-case algorithm names', () => {
    expect(parseHashReply(`sha-1 10-20 ${SHA1}`)).toEqual({
      algorithm: 'SHA-1',
      start: 10,
      end: 20,
      hex: SHA1,
      path: '',
    });
    expect(parseHashReply('CRC32 0-12 4a17b156 f').hex).toBe('4a17b156');
    expect(parseHashReply('MD5 0-12 D41D8CD98F00B204E9800998ECF8427E f').hex).toBe(
      'd41d8cd98f00b204e9800998ecf8427e',
    );
  });

  it.each([
    ['no range', `SHA-256 ${SHA256} f`],
    ['a reversed range', `SHA-256 20-10 ${SHA256} f`],
    ['a non-hex digest', `SHA-256 0-1 ${SHA256.slice(0, 63)}g f`],
    ['a truncated SHA-256 digest', `SHA-256 0-1 ${SHA256.slice(0, 62)} f`],
    ['a SHA-1 digest of the wrong length', `SHA-1 0-1 ${SHA256} f`],
    ['an error text', 'a.tar: No such file or directory'],
    ['an empty message', ''],
  ])('throws FtpProtocolError for %s', (_label, message) => {
    expect(() => parseHashReply(message)).toThrow(FtpProtocolError);
  });
});

describe('parseXHashReply', () => {
  it('reads ProFTPD XSHA256 output (upper-case hex after a 250- preamble)', () => {
    const { replies } = parseReplies(`250-Computing SHA256 digest\r\n250 ${SHA256.toUpperCase()}\r\n`);
    expect(parseXHashReply(replies[0]?.message ?? '')).toBe(SHA256);
  });

  it.each([
    [SHA1, SHA1],
    [`${SHA256} backups/a b.tar`, SHA256],
    [`backups/a b.tar ${SHA1.toUpperCase()}`, SHA1],
    [`${SHA256} cafe`, SHA256],
    ['  4A17B156  ', '4a17b156'],
  ])('%j → %s', (message, hex) => {
    expect(parseXHashReply(message)).toBe(hex);
  });

  it('looks only at the last line', () => {
    expect(() => parseXHashReply(`${SHA256}\nComputing failed`)).toThrow(FtpProtocolError);
  });

  it.each(['', 'Unknown command', "'XSHA256 a.tar': command not understood", 'added bead face'])(
    'throws FtpProtocolError for %j',
    (message) => {
      expect(() => parseXHashReply(message)).toThrow(FtpProtocolError);
    },
  );
});

describe('parsePwdReply', () => {
  it.each([
    ['"/" is current directory', '/'],
    ['"/backups/shop" is the current directory', '/backups/shop'],
    ['"/dir with ""quotes""" is current directory', '/dir with "quotes"'],
    ['"""" is current directory', '"'],
    ['"" is current directory', ''],
    ['"/Ünïcødé 日本/a b" created', '/Ünïcødé 日本/a b'],
    ['Current directory: "/srv/ftp"', '/srv/ftp'],
  ])('%j → %j', (message, path) => {
    expect(parsePwdReply(message)).toBe(path);
  });

  it.each(['/srv/ftp is current directory', '"/srv/ftp is current directory', ''])(
    'throws FtpProtocolError for %j',
    (message) => {
      expect(() => parsePwdReply(message)).toThrow(FtpProtocolError);
    },
  );
});
