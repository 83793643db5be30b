import { describe, expect, it } from 'vitest';
import {
  FtpProtocolError,
  isPrivateOrUnroutable,
  parseEpsvReply,
  parsePasvReply,
} from '../../../src/ftp/protocol/index.ts';

describe('parseEpsvReply', () => {
  it.each([
    ['Entering Extended Passive Mode (|||6446|)', 6446],
    ['Entering Extended Passive Mode (|||40007|).', 40007],
    ['Extended Passive mode OK (!!!1!)', 1],
    ['Entering Extended Passive Mode (###65535#)', 65535],
    ['EPSV ok (%%%021%)', 21],
    ['Entering Extended Passive Mode (|||6446|', 6446],
    ['Computing nothing\nEntering Extended Passive Mode (|||6446|)', 6446],
  ])('%j → %i', (message, port) => {
    expect(parseEpsvReply(message)).toBe(port);
  });

  it.each([
    ['no parentheses', 'Entering Extended Passive Mode |||6446|'],
    ['port 0', 'Entering Extended Passive Mode (|||0|)'],
    ['port above 65535', 'Entering Extended Passive Mode (|||65536|)'],
    ['a huge port', 'Entering Extended Passive Mode (|||99999999999999999999|)'],
    ['mixed delimiters', 'Entering Extended Passive Mode (|||6446!)'],
    ['an address in the reply', 'Entering Extended Passive Mode (|1|10.0.0.1|6446|)'],
    ['a non-numeric port', 'Entering Extended Passive Mode (|||port|)'],
    ['a digit as delimiter', 'Entering Extended Passive Mode (1116446111)'],
    ['an empty port', 'Entering Extended Passive Mode (||||)'],
    ['an empty message', ''],
  ])('throws FtpProtocolError for %s', (_label, message) => {
    expect(() => parseEpsvReply(message)).toThrow(FtpProtocolError);
  });
});

describe('parsePasvReply', () => {
  it.each([
    ['Entering Passive Mode (192,168,1,20,195,80)', '192.168.1.20', 50000],
    ['Entering Passive Mode 203,0,113,9,4,1', '203.0.113.9', 1025],
    ['Entering Passive Mode (127, 0, 0, 1, 39, 16).', '127.0.0.1', 10000],
    ['Entering Passive Mode (010,000,000,001,000,021)', '10.0.0.1', 21],
    ['Entering Passive Mode (v1.2) =198,51,100,7,255,255', '198.51.100.7', 65535],
    ['PASV ok\nEntering Passive Mode (0,0,0,0,117,48)', '0.0.0.0', 30000],
  ])('%j → %s:%i', (message, host, port) => {
    expect(parsePasvReply(message)).toEqual({ host, port });
  });

  it.each([
    ['no numbers', 'Entering Passive Mode'],
    ['five numbers', 'Entering Passive Mode (192,168,1,20,195)'],
    ['an octet above 255', 'Entering Passive Mode (192,168,1,256,195,80)'],
    ['a port byte above 255', 'Entering Passive Mode (192,168,1,20,256,80)'],
    ['port 0', 'Entering Passive Mode (192,168,1,20,0,0)'],
    ['a four-digit number glued on', 'Entering Passive Mode (1192,168,1,20,195,80)'],
  ])('throws FtpProtocolError for %s', (_label, message) => {
    expect(() => parsePasvReply(message)).toThrow(FtpProtocolError);
  });
});

describe('isPrivateOrUnroutable', () => {
  it.each([
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.0.1',
    '192.168.255.255',
    '127.0.0.1',
    '127.8.9.10',
    '0.0.0.0',
    '0.1.2.3',
    '169.254.1.1',
    '100.64.0.1',
    '100.127.255.255',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
  ])('%s is not a usable public data address', (ip) => {
    expect(isPrivateOrUnroutable(ip)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '9.255.255.255',
    '11.0.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '169.253.0.1',
    '169.255.0.1',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.1',
    '223.255.255.255',
    '203.0.113.9',
  ])('%s is routable', (ip) => {
    expect(isPrivateOrUnroutable(ip)).toBe(false);
  });

  it.each(['', 'example.com', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.999', '::1', ' 8.8.8.8'])(
    'treats %j (not a dotted-quad IPv4 address) as unusable',
    (value) => {
      expect(isPrivateOrUnroutable(value)).toBe(true);
    },
  );
});
