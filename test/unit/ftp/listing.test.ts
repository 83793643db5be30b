import { describe, expect, it } from 'vitest';
import {
  escapeControls,
  FtpProtocolError,
  unsafeEntryName,
  parseDosListLine,
  parseList,
  parseMlsd,
  parseMlsdLine,
  parseStatListing,
  parseUnixListLine,
} from '../../../src/ftp/protocol/index.ts';
import type { ListEntry } from '../../../src/ftp/protocol/index.ts';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date =>
  new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));

/** 25 November 2026, 12:00 UTC: "now" for the listings below. */
const NOW = utc(2026, 11, 25, 12);

const crlf = (lines: readonly string[]): string => lines.map((l) => `${l}\r\n`).join('');

describe('parseMlsd', () => {
  it('reads a ProFTPD MLSD listing', () => {
    const text = crlf([
      'modify=20261122101500;perm=flcdmpe;type=cdir;unique=FD01U2A3B4;UNIX.group=1000;UNIX.groupname=backup;UNIX.mode=0755;UNIX.owner=1000;UNIX.ownername=backup; .',
      'modify=20261122090000;perm=flcdmpe;type=pdir;unique=FD01U2A3B0;UNIX.group=0;UNIX.groupname=root;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=root; ..',
      'modify=20261122101500;perm=adfrw;size=12;type=file;unique=FD01U2A3B5;UNIX.group=0;UNIX.groupname=root;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=root; a file.txt',
      'modify=20261122101500;perm=flcdmpe;type=dir;unique=FD01U2A3B6;UNIX.group=1000;UNIX.mode=02775;UNIX.owner=1000; daily',
      'modify=20261122101501;perm=adfrw;size=5;type=OS.unix=slink:/srv/backup/Daily Sets;unique=FD01U2A3B7;UNIX.mode=0777; latest',
      'modify=20261122101500.125;perm=adfrw;size=5368709120;type=file;unique=FD01U2A3B8;UNIX.mode=0600; files;www; 2026 .tar.zst',
    ]);
    expect(parseMlsd(text)).toEqual<ListEntry[]>([
      { name: 'a file.txt', type: 'file', size: 12, modified: utc(2026, 11, 22, 10, 15), mode: 0o644 },
      { name: 'daily', type: 'dir', modified: utc(2026, 11, 22, 10, 15), mode: 0o2775 },
      {
        name: 'latest',
        type: 'link',
        size: 5,
        modified: utc(2026, 11, 22, 10, 15, 1),
        mode: 0o777,
        target: '/srv/backup/Daily Sets',
      },
      {
        name: 'files;www; 2026 .tar.zst',
        type: 'file',
        size: 5368709120,
        modified: utc(2026, 11, 22, 10, 15, 0, 125),
        mode: 0o600,
      },
    ]);
  });

  it('reads a Pure-FTPd MLSD listing (sizd for directories)', () => {
    const text = crlf([
      'type=cdir;sizd=4096;modify=20261122101500;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a1; .',
      'type=pdir;sizd=4096;modify=20261122090000;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=803g2; ..',
      'type=file;size=12;sizd=4096;modify=20261122101500;UNIX.mode=0644;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a5; a file.txt',
      'type=dir;sizd=4096;modify=20261121000000;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a6; 20261121T000000Z',
    ]);
    expect(parseMlsd(text)).toEqual<ListEntry[]>([
      { name: 'a file.txt', type: 'file', size: 12, modified: utc(2026, 11, 22, 10, 15), mode: 0o644 },
      { name: '20261121T000000Z', type: 'dir', size: 4096, modified: utc(2026, 11, 21), mode: 0o755 },
    ]);
  });

  it('accepts LF line ends, blank lines and no final line end', () => {
    expect(parseMlsd('\ntype=file;size=1; a\n\n   \ntype=dir; b')).toEqual([
      { name: 'a', type: 'file', size: 1 },
      { name: 'b', type: 'dir' },
    ]);
    expect(parseMlsd('')).toEqual([]);
  });
});

describe('parseMlsdLine', () => {
  it('treats fact names and type values case-insensitively', () => {
    expect(parseMlsdLine('Type=File;Size=5;Modify=20261122101500;unix.MODE=644; x')).toEqual({
      name: 'x',
      type: 'file',
      size: 5,
      modified: utc(2026, 11, 22, 10, 15),
      mode: 0o644,
    });
    expect(parseMlsdLine('TYPE=DIR; y')?.type).toBe('dir');
  });

  it('keeps everything after the first space as the name', () => {
    expect(parseMlsdLine('type=file;  leading space')?.name).toBe(' leading space');
    expect(parseMlsdLine('type=file; trailing  ')?.name).toBe('trailing  ');
    expect(parseMlsdLine('type=file; a=b;c d')?.name).toBe('a=b;c d');
    expect(parseMlsdLine('type=file; x\r')?.name).toBe('x');
  });

  it('reads symlinks in both ProFTPD forms and other types', () => {
    expect(parseMlsdLine('type=OS.unix=symlink; l')).toEqual({ name: 'l', type: 'link' });
    expect(parseMlsdLine('type=OS.unix=slink:; l')).toEqual({ name: 'l', type: 'link' });
    expect(parseMlsdLine('type=os.UNIX=slink:../Target; l')).toEqual({
      name: 'l',
      type: 'link',
      target: '../Target',
    });
    expect(parseMlsdLine('type=OS.unix=blkdev; sda')).toEqual({ name: 'sda', type: 'other' });
    expect(parseMlsdLine('size=3; untyped')).toEqual({ name: 'untyped', type: 'other', size: 3 });
    expect(parseMlsdLine(' no facts at all')).toEqual({ name: 'no facts at all', type: 'other' });
  });

  it('skips cdir, pdir, and . or .. whatever their type', () => {
    expect(parseMlsdLine('type=cdir; /srv/ftp')).toBeUndefined();
    expect(parseMlsdLine('type=PDIR; /srv')).toBeUndefined();
    expect(parseMlsdLine('type=dir; .')).toBeUndefined();
    expect(parseMlsdLine('type=dir; ..')).toBeUndefined();
    expect(parseMlsdLine('')).toBeUndefined();
  });

  it('ignores sizd on files and unknown facts', () => {
    expect(parseMlsdLine('type=file;sizd=4096;perm=r;unique=1;x.y=z; f')).toEqual({
      name: 'f',
      type: 'file',
    });
  });

  it.each([
    ['no space before the name', 'type=file;size=12;name'],
    ['an empty name', 'type=file;size=12; '],
    ['a size that is not a number', 'type=file;size=12k; f'],
    ['a negative size', 'type=file;size=-1; f'],
    ['a size beyond 2^53', 'type=file;size=9007199254740993; f'],
    ['a short modify', 'type=file;modify=20261122; f'],
    ['an impossible modify', 'type=file;modify=20261131101500; f'],
    ['a non-octal mode', 'type=file;UNIX.mode=0999; f'],
  ])('throws FtpProtocolError for %s', (_label, line) => {
    expect(() => parseMlsdLine(line)).toThrow(FtpProtocolError);
  });

  it('names the bad line and keeps the cause of a bad time', () => {
    const line = 'type=file;modify=2026; f';
    let caught: unknown;
    try {
      parseMlsdLine(line);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FtpProtocolError);
    expect((caught as Error).message).toContain(JSON.stringify(line));
    expect((caught as Error).cause).toBeInstanceOf(FtpProtocolError);
  });
});

describe('parseUnixListLine', () => {
  it('reads a ProFTPD LIST', () => {
    const text = crlf([
      'total 1040',
      'drwxr-xr-x   2 backup   backup       4096 Nov 22 10:15 daily',
      '-rw-r--r--   1 backup   backup    1048583 Nov 22 10:15 db-shop.sql.zst',
      '-rw-r--r--   1 backup   backup         12 Mar  3  2024 old notes.txt',
      'lrwxrwxrwx   1 backup   backup          5 Nov 22 10:15 latest -> daily',
    ]);
    expect(parseList(text, NOW)).toEqual<ListEntry[]>([
      { name: 'daily', type: 'dir', size: 4096, modified: utc(2026, 11, 22, 10, 15), mode: 0o755 },
      {
        name: 'db-shop.sql.zst',
        type: 'file',
        size: 1048583,
        modified: utc(2026, 11, 22, 10, 15),
        mode: 0o644,
      },
      { name: 'old notes.txt', type: 'file', size: 12, modified: utc(2024, 3, 3), mode: 0o644 },
      {
        name: 'latest',
        type: 'link',
        size: 5,
        modified: utc(2026, 11, 22, 10, 15),
        mode: 0o777,
        target: 'daily',
      },
    ]);
  });

  it('reads a vsftpd LIST (numeric owner and group, zero-padded day)', () => {
    const text = crlf([
      'drwxr-xr-x    2 1000     1000         4096 Nov 22 10:15 daily',
      '-rw-------    1 1000     1000     5368709120 Nov 24 23:59 files-www.tar.zst',
      '-rw-r--r--    1 1000     1000           12 Jan 05  2025 a file.txt',
    ]);
    expect(parseList(text, NOW)).toEqual<ListEntry[]>([
      { name: 'daily', type: 'dir', size: 4096, modified: utc(2026, 11, 22, 10, 15), mode: 0o755 },
      {
        name: 'files-www.tar.zst',
        type: 'file',
        size: 5368709120,
        modified: utc(2026, 11, 24, 23, 59),
        mode: 0o600,
      },
      { name: 'a file.txt', type: 'file', size: 12, modified: utc(2025, 1, 5), mode: 0o644 },
    ]);
  });

  it('reads a Pure-FTPd LIST -a, skipping . and ..', () => {
    const text = crlf([
      'drwxr-xr-x    3 1000       1000             4096 Nov 22 10:15 .',
      'drwxr-xr-x    5 0          0                4096 Oct  1 08:00 ..',
      '-rw-r--r--    1 1000       1000               12 Nov 22 10:15 a file.txt',
      '-rw-r--r--    1 1000       1000               12 Dec 31  2025 year.txt',
      'drwxrwxrwt    2 1000       1000             4096 Jun  1 00:00 tmp',
    ]);
    expect(parseList(text, NOW)).toEqual<ListEntry[]>([
      { name: 'a file.txt', type: 'file', size: 12, modified: utc(2026, 11, 22, 10, 15), mode: 0o644 },
      { name: 'year.txt', type: 'file', size: 12, modified: utc(2025, 12, 31), mode: 0o644 },
      { name: 'tmp', type: 'dir', size: 4096, modified: utc(2026, 6, 1), mode: 0o1777 },
    ]);
    expect(parseUnixListLine('drwxr-xr-x 3 u g 4096 Nov 22 10:15 .', NOW)).toBeUndefined();
    expect(parseUnixListLine('drwxr-xr-x 3 u g 4096 Nov 22 10:15 ..', NOW)).toBeUndefined();
  });

  it('accepts a missing group column', () => {
    expect(parseUnixListLine('-rw-r--r--   1 ftp          12 Nov 22 10:15 nogroup.txt', NOW)).toEqual({
      name: 'nogroup.txt',
      type: 'file',
      size: 12,
      modified: utc(2026, 11, 22, 10, 15),
      mode: 0o644,
    });
    expect(parseUnixListLine('-rw-r--r-- 1 1000 77 Nov 22 10:15 n', NOW)?.size).toBe(77);
  });

  it('keeps spaces and date-like text inside names', () => {
    const line = (name: string) => `-rw-r--r-- 1 u g 5 Nov 22 10:15 ${name}`;
    expect(parseUnixListLine(line('name with  spaces'), NOW)?.name).toBe('name with  spaces');
    expect(parseUnixListLine(line(' leading'), NOW)?.name).toBe(' leading');
    expect(parseUnixListLine(line('trailing '), NOW)?.name).toBe('trailing ');
    expect(parseUnixListLine(line('12 Nov 22 10:15 x'), NOW)?.name).toBe('12 Nov 22 10:15 x');
    expect(parseUnixListLine(line('a -> b'), NOW)).toMatchObject({ name: 'a -> b', type: 'file' });
    expect(parseUnixListLine('-rw-r--r-- 1 u g 5 Nov 22 10:15 x\r', NOW)?.name).toBe('x');
  });

  it('splits a link at the first " -> "', () => {
    expect(parseUnixListLine('lrwxrwxrwx 1 u g 9 Nov 22 10:15 my link -> ../a -> b', NOW)).toMatchObject({
      name: 'my link',
      type: 'link',
      target: '../a -> b',
    });
    expect(parseUnixListLine('lrwxrwxrwx 1 u g 9 Nov 22 10:15 dangling', NOW)).toMatchObject({
      name: 'dangling',
      type: 'link',
    });
  });

  it.each([
    ['-rwsr-xr-x', 0o4755],
    ['-rwSr--r--', 0o4644],
    ['drwxr-sr-x', 0o2755],
    ['-rw-r-lr--', 0o2644],
    ['drwxrwxrwt', 0o1777],
    ['drwxrwxrwT', 0o1776],
    ['----------', 0],
    ['-rwxrwxrwx', 0o777],
  ])('reads permissions %s as %o', (perm, mode) => {
    expect(parseUnixListLine(`${perm} 1 u g 5 Nov 22 10:15 f`, NOW)?.mode).toBe(mode);
  });

  it('accepts ACL and extended-attribute marks after the permissions', () => {
    expect(parseUnixListLine('-rw-r--r--+ 1 u g 5 Nov 22 10:15 acl', NOW)?.name).toBe('acl');
    expect(parseUnixListLine('-rw-r--r--@ 1 u g 5 Nov 22 10:15 xattr', NOW)?.name).toBe('xattr');
  });

  it('reads devices and other types without a size', () => {
    expect(parseUnixListLine('crw-rw-rw-   1 root root 1, 3 Nov 22 10:15 null', NOW)).toEqual({
      name: 'null',
      type: 'other',
      modified: utc(2026, 11, 22, 10, 15),
      mode: 0o666,
    });
    expect(parseUnixListLine('prw-r--r-- 1 u g 0 Nov 22 10:15 fifo', NOW)?.type).toBe('other');
  });

  describe('the year of an HH:MM date', () => {
    const at = (now: Date, date: string) => parseUnixListLine(`-rw-r--r-- 1 u g 5 ${date} f`, now)?.modified;

    it('is this year for a date in the last six months', () => {
      expect(at(NOW, 'Nov 22 10:15')).toEqual(utc(2026, 11, 22, 10, 15));
      expect(at(NOW, 'Jun  1 00:00')).toEqual(utc(2026, 6, 1));
    });

    it('is last year when this year would be more than about six months ahead', () => {
      expect(at(utc(2026, 1, 10), 'Dec 30 23:00')).toEqual(utc(2025, 12, 30, 23));
      expect(at(utc(2026, 6, 1), 'Dec 15 10:00')).toEqual(utc(2025, 12, 15, 10));
    });

    it('allows a date a little ahead of now (clock skew, time zones)', () => {
      expect(at(utc(2026, 12, 31, 23), 'Jan  1 00:30')).toEqual(utc(2027, 1, 1, 0, 30));
      expect(at(utc(2026, 6, 1), 'Jul 15 10:00')).toEqual(utc(2026, 7, 15, 10));
    });

    it('finds the last leap year for 29 February', () => {
      expect(at(utc(2026, 3, 1), 'Feb 29 12:00')).toEqual(utc(2024, 2, 29, 12));
      expect(at(utc(2028, 3, 1), 'Feb 29 12:00')).toEqual(utc(2028, 2, 29, 12));
    });
  });

  it('converts the server time zone to UTC', () => {
    const line = '-rw-r--r-- 1 u g 5 Nov 22 10:15 f';
    expect(parseUnixListLine(line, NOW, 120)?.modified).toEqual(utc(2026, 11, 22, 8, 15));
    expect(parseUnixListLine(line, NOW, -300)?.modified).toEqual(utc(2026, 11, 22, 15, 15));
    expect(parseUnixListLine('-rw-r--r-- 1 u g 5 Mar  3  2024 f', NOW, 60)?.modified).toEqual(
      utc(2024, 3, 2, 23),
    );
  });

  it.each([
    'total 12',
    '',
    'hello world',
    '11-22-26  10:15AM       <DIR>          daily',
    'type=file;size=1; f',
    '-rw-r--r-- 1 u g 5 Nov 22 10:15',
    '-rw-r--r-- 1 u g 5 Foo 22 10:15 f',
    '-rw-r--r-- 1 u g 5 Nov 31 10:15 f',
    '-rw-r--r-- 1 u g 5 Nov 22 25:15 f',
    '-rw-r--r-- 1 u g 5 Nov 30  2025x',
    'xrw-r--r-- 1 u g 5 Nov 22 10:15 f',
  ])('does not recognise %j', (line) => {
    expect(parseUnixListLine(line, NOW)).toBeUndefined();
  });
});

describe('parseDosListLine', () => {
  it('reads an IIS listing', () => {
    const text = crlf([
      '11-22-26  10:15AM       <DIR>          daily',
      '11-22-26  10:15PM             12345 file name.txt',
      '01-05-2026  23:59       <DIR>          four digit year',
      '01-05-2026  23:59                 7 h24.txt',
      '12-31-99  12:00AM                 1 y2k.txt',
      '01-01-00  12:30PM                 1 noon.txt',
    ]);
    expect(parseList(text, NOW)).toEqual<ListEntry[]>([
      { name: 'daily', type: 'dir', modified: utc(2026, 11, 22, 10, 15) },
      { name: 'file name.txt', type: 'file', size: 12345, modified: utc(2026, 11, 22, 22, 15) },
      { name: 'four digit year', type: 'dir', modified: utc(2026, 1, 5, 23, 59) },
      { name: 'h24.txt', type: 'file', size: 7, modified: utc(2026, 1, 5, 23, 59) },
      { name: 'y2k.txt', type: 'file', size: 1, modified: utc(1999, 12, 31, 0, 0) },
      { name: 'noon.txt', type: 'file', size: 1, modified: utc(2000, 1, 1, 12, 30) },
    ]);
  });

  it('converts the server time zone to UTC', () => {
    expect(parseDosListLine('11-22-26  10:15AM  <DIR>  d', -300)?.modified).toEqual(
      utc(2026, 11, 22, 15, 15),
    );
    expect(parseDosListLine('11-22-26  10:15AM  <DIR>  d', 60)?.modified).toEqual(utc(2026, 11, 22, 9, 15));
  });

  it('accepts a space before AM/PM, lower case, and keeps inner and trailing spaces of names', () => {
    expect(parseDosListLine('11-22-26  10:15 pm   <dir>   my  dir ')).toEqual({
      name: 'my  dir ',
      type: 'dir',
      modified: utc(2026, 11, 22, 22, 15),
    });
  });

  it('skips . and ..', () => {
    expect(parseDosListLine('11-22-26  10:15AM       <DIR>          .')).toBeUndefined();
    expect(parseDosListLine('11-22-26  10:15AM       <DIR>          ..')).toBeUndefined();
  });

  it.each([
    '13-01-26  10:15AM       <DIR>          bad month',
    '02-30-26  10:15AM       <DIR>          bad day',
    '11-22-26  13:15PM       <DIR>          bad 12h hour',
    '11-22-26  00:15AM       <DIR>          zero 12h hour',
    '11-22-26  24:00       <DIR>          bad 24h hour',
    '11-22-26  10:15AM       <DIR>',
    '11-22-26  10:15AM       12k            size',
    '-rw-r--r-- 1 u g 5 Nov 22 10:15 f',
    'total 3',
  ])('does not recognise %j', (line) => {
    expect(parseDosListLine(line)).toBeUndefined();
  });
});

describe('parseList', () => {
  it('detects the format line by line and skips blank and total lines', () => {
    const text = [
      'total 8',
      '',
      '-rw-r--r-- 1 u g 5 Nov 22 10:15 unix.txt',
      '   ',
      '11-22-26  10:15PM                 6 dos.txt',
      '',
    ].join('\n');
    expect(parseList(text, NOW).map((e) => [e.name, e.size])).toEqual([
      ['unix.txt', 5],
      ['dos.txt', 6],
    ]);
  });

  it('gives nothing for an empty listing', () => {
    expect(parseList('', NOW)).toEqual([]);
    expect(parseList('total 0\r\n', NOW)).toEqual([]);
  });

  it('refuses a listing with a line it cannot read, rather than return a shorter list', () => {
    const text = crlf([
      '-rw-r--r-- 1 u g 5 Nov 22 10:15 a',
      'Permission denied on b',
      '-rw-r--r-- 1 u g 5 Nov 22 10:15 c',
    ]);
    expect(() => parseList(text, NOW)).toThrow(FtpProtocolError);
    expect(() => parseList(text, NOW)).toThrow(/"Permission denied on b"/);
  });

  it('stays fast on a long hostile line', () => {
    const line = `-rw-r--r-- ${' '.repeat(200_000)}x`;
    const started = performance.now();
    expect(() => parseList(line, NOW)).toThrow(FtpProtocolError);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('parseStatListing', () => {
  const now = new Date(Date.UTC(2026, 11, 3, 21, 0));
  // Reply texts as the real servers sent them for STAT of a folder holding a file with a space in its
  // name, manifest.json and a sub-folder (test/integration/list-sets.test.ts runs them for real).
  const cases: Array<{ server: string; message: string; names: string[] | undefined }> = [
    {
      server: 'ProFTPD (212, lines indented by one space)',
      message:
        'Status of /set 1:\n drwxr-xr-x   3 ftpsbt   ftpsbt       4096 Dec  3 20:15 .\n drwxr-xr-x   3 ftpsbt   ftpsbt       4096 Dec  3 20:15 ..\n -rw-r--r--   1 ftpsbt   ftpsbt          3 Dec  3 20:15 manifest.json\n drwxr-xr-x   2 ftpsbt   ftpsbt       4096 Dec  3 20:15 sub\n -rw-r--r--   1 ftpsbt   ftpsbt          5 Dec  3 20:15 x y.tar.zst\nEnd of status',
      names: ['manifest.json', 'sub', 'x y.tar.zst'],
    },
    {
      server: 'vsftpd (213, numeric owners)',
      message:
        'Status follows:\ndrwxr-xr-x    3 999      995          4096 Dec 03 20:15 .\ndrwxr-xr-x    3 999      995          4096 Dec 03 20:15 ..\n-rw-r--r--    1 999      995             3 Dec 03 20:15 manifest.json\ndrwxr-xr-x    2 999      995          4096 Dec 03 20:15 sub\n-rw-r--r--    1 999      995             5 Dec 03 20:15 x y.tar.zst\nEnd of status',
      names: ['manifest.json', 'sub', 'x y.tar.zst'],
    },
    {
      server: 'vsftpd, a folder that does not exist',
      message: 'Status follows:\nEnd of status',
      names: undefined,
    },
    { server: 'Pure-FTPd (no listing whatever the path)', message: 'STAT\nEnd.', names: undefined },
    {
      server: 'a listing without the folder itself (a file, or no -a)',
      message: 'Status of /f:\n -rw-r--r--   1 u   g   3 Dec  3 20:15 manifest.json\nEnd of status',
      names: undefined,
    },
    {
      server: 'an empty folder',
      message:
        'Status of /e:\n drwxr-xr-x   2 u   g   4096 Dec  3 20:15 .\n drwxr-xr-x   3 u   g   4096 Dec  3 20:15 ..\nEnd of status',
      names: [],
    },
  ];
  for (const c of cases) {
    it(`reads ${c.server}`, () => {
      expect(parseStatListing(c.message, now)?.map((e) => e.name)).toEqual(c.names);
    });
  }

  it('keeps types and sizes', () => {
    const entries = parseStatListing(cases[0]!.message, now);
    expect(entries?.map((e) => [e.type, e.size])).toEqual([
      ['file', 3],
      ['dir', 4096],
      ['file', 5],
    ]);
  });

  it('refuses a line it cannot read instead of returning a shorter listing', () => {
    const message =
      'Status of /x:\n drwxr-xr-x   2 u   g   4096 Dec  3 20:15 .\n something else\nEnd of status';
    expect(() => parseStatListing(message, now)).toThrow(/Unrecognised line in a STAT listing/);
  });
});

describe('unsafeEntryName and escapeControls (names a server chose)', () => {
  it.each([
    ['db-wp.sql.zst', undefined],
    ['20261122T031500Z', undefined],
    ['name with spaces; and ü', undefined],
    ['..', 'it is ".."'],
    ['.', 'it is "."'],
    ['', 'it is empty'],
    ['../../etc/passwd', 'it holds a "/"'],
    ['a/b', 'it holds a "/"'],
    ['nul\u0000x', 'it holds a control character'],
    ['cr\rx', 'it holds a control character'],
    ['lf\nx', 'it holds a control character'],
    ['esc\u001b[2Jx', 'it holds a control character'],
    ['del\u007fx', 'it holds a control character'],
    ['csi\u009bx', 'it holds a control character'],
  ])('%j → %s', (name, why) => {
    expect(unsafeEntryName(name)).toBe(why);
  });

  it.each([
    ['plain name', 'plain name'],
    ['\u001b[31mred\r\n', '\\x1b[31mred\\r\\n'],
    ['tab\there\u0000', 'tab\\there\\x00'],
    ['back\\slash', 'back\\\\slash'],
    ['c1\u009b', 'c1\\x9b'],
  ])('escapes %j as %j', (name, shown) => {
    expect(escapeControls(name)).toBe(shown);
  });
});
