import { describe, expect, it } from 'vitest';
import { parseFeatReply, parseHashFeature, parseReplies } from '../../../src/ftp/protocol/index.ts';
import type { FtpReply } from '../../../src/ftp/protocol/index.ts';

/** Frames raw server text the way the connection does, so FEAT fixtures are written as sent. */
function reply(lines: readonly string[]): FtpReply {
  const { replies, rest } = parseReplies(lines.map((l) => `${l}\r\n`).join(''));
  expect(rest).toBe('');
  expect(replies).toHaveLength(1);
  return replies[0] as FtpReply;
}

const PROFTPD = [
  '211-Features:',
  ' AUTH TLS',
  ' CCC',
  ' EPRT',
  ' EPSV',
  ' HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;',
  ' HOST',
  ' LANG en-US*',
  ' MDTM',
  ' MFF modify;UNIX.group;UNIX.mode;',
  ' MFMT',
  ' MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;',
  ' PBSZ',
  ' PROT',
  ' RANG STREAM',
  ' REST STREAM',
  ' SIZE',
  ' SSCN',
  ' TVFS',
  ' UTF8',
  ' XCRC',
  ' XMD5',
  ' XSHA',
  ' XSHA1',
  ' XSHA256',
  ' XSHA512',
  '211 End',
];

const VSFTPD = [
  '211-Features:',
  ' AUTH SSL',
  ' AUTH TLS',
  ' EPRT',
  ' EPSV',
  ' MDTM',
  ' PASV',
  ' PBSZ',
  ' PROT',
  ' REST STREAM',
  ' SIZE',
  ' TVFS',
  ' UTF8',
  '211 End',
];

const PUREFTPD = [
  '211-Extensions supported:',
  ' UTF8',
  ' EPRT',
  ' IDLE',
  ' MDTM',
  ' SIZE',
  ' MFMT',
  ' REST STREAM',
  ' MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;',
  ' MLSD',
  ' PRET',
  ' AUTH TLS',
  ' PBSZ',
  ' PROT',
  ' TVFS',
  ' ESTA',
  ' PASV',
  ' EPSV',
  ' ESTP',
  '211 End.',
];

describe('parseFeatReply', () => {
  it('reads a ProFTPD FEAT reply', () => {
    const f = parseFeatReply(reply(PROFTPD));
    expect(f.size).toBe(PROFTPD.length - 2);
    expect(f.get('AUTH')).toBe('TLS');
    expect(f.get('HASH')).toBe('CRC32;MD5;SHA-1*;SHA-256;SHA-512;');
    expect(f.get('MLST')).toBe(
      'modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;',
    );
    expect(f.get('REST')).toBe('STREAM');
    expect(f.get('LANG')).toBe('en-US*');
    expect(f.get('XSHA256')).toBe('');
    expect(f.get('EPSV')).toBe('');
    expect(f.has('MLSD')).toBe(false);
    expect(f.has('211')).toBe(false);
    expect(f.has('FEATURES:')).toBe(false);
  });

  it('reads a vsftpd FEAT reply, keeping the first of two AUTH lines', () => {
    const f = parseFeatReply(reply(VSFTPD));
    expect([...f.keys()]).toEqual([
      'AUTH',
      'EPRT',
      'EPSV',
      'MDTM',
      'PASV',
      'PBSZ',
      'PROT',
      'REST',
      'SIZE',
      'TVFS',
      'UTF8',
    ]);
    expect(f.get('AUTH')).toBe('SSL');
    expect(f.has('MLST')).toBe(false);
    expect(f.has('HASH')).toBe(false);
  });

  it('reads a Pure-FTPd FEAT reply', () => {
    const f = parseFeatReply(reply(PUREFTPD));
    expect(f.get('MLST')).toBe('type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;');
    expect(f.get('MLSD')).toBe('');
    expect(f.get('AUTH')).toBe('TLS');
    expect(f.size).toBe(PUREFTPD.length - 2);
  });

  it('upper-cases names, trims values, skips blank lines, and accepts lines without the leading space', () => {
    const f = parseFeatReply(
      reply(['211-Features', ' mdtm', 'SIZE', '   ', ' REST   STREAM  ', '\tUTF8', '211 End']),
    );
    expect([...f.entries()]).toEqual([
      ['MDTM', ''],
      ['SIZE', ''],
      ['REST', 'STREAM'],
      ['UTF8', ''],
    ]);
  });

  it('strips a repeated 211- prefix on feature lines', () => {
    const f = parseFeatReply(reply(['211-Features:', '211-MDTM', '211-REST STREAM', '211 End']));
    expect([...f.entries()]).toEqual([
      ['MDTM', ''],
      ['REST', 'STREAM'],
    ]);
  });

  it('gives an empty map for a refusal or a one-line 211', () => {
    expect(parseFeatReply(reply(["500 'FEAT': command not understood"])).size).toBe(0);
    expect(parseFeatReply(reply(['502 Command not implemented'])).size).toBe(0);
    expect(parseFeatReply(reply(['211 No features'])).size).toBe(0);
  });
});

describe('parseHashFeature', () => {
  it('reads the ProFTPD HASH value', () => {
    expect(parseHashFeature('CRC32;MD5;SHA-1*;SHA-256;SHA-512;')).toEqual({
      algorithms: ['CRC32', 'MD5', 'SHA-1', 'SHA-256', 'SHA-512'],
      preferred: 'SHA-1',
    });
  });

  it('upper-cases names and tolerates spaces and empty items', () => {
    expect(parseHashFeature(' sha-256* ; md5;;sha-512 ')).toEqual({
      algorithms: ['SHA-256', 'MD5', 'SHA-512'],
      preferred: 'SHA-256',
    });
  });

  it('has no preferred algorithm when none is starred', () => {
    expect(parseHashFeature('SHA-1;SHA-256')).toEqual({
      algorithms: ['SHA-1', 'SHA-256'],
      preferred: undefined,
    });
  });

  it('lists nothing for an empty value', () => {
    expect(parseHashFeature('')).toEqual({ algorithms: [], preferred: undefined });
    expect(parseHashFeature('*;')).toEqual({ algorithms: [], preferred: undefined });
  });

  it('lists a repeated algorithm once', () => {
    expect(parseHashFeature('SHA-256;SHA-256*').algorithms).toEqual(['SHA-256']);
    expect(parseHashFeature('SHA-256;SHA-256*').preferred).toBe('SHA-256');
  });
});
