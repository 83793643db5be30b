import { describe, expect, it } from 'vitest';
import { parseFtpUrl, UsageError } from '../../../src/cli/ftp-url.ts';

describe('parseFtpUrl', () => {
  it.each([
    [
      'ftpes://blog@backup.example.net/backups/x.bin',
      {
        tlsMode: 'explicit',
        host: 'backup.example.net',
        port: undefined,
        user: 'blog',
        path: '/backups/x.bin',
      },
    ],
    [
      'ftps://blog@backup.example.net:990/',
      { tlsMode: 'implicit', host: 'backup.example.net', port: 990, user: 'blog', path: '/' },
    ],
    [
      'ftpes://us%40er@127.0.0.1:2121/a%20b/c.txt',
      { tlsMode: 'explicit', host: '127.0.0.1', port: 2121, user: 'us@er', path: '/a b/c.txt' },
    ],
    ['ftpes://blog@[::1]:21/', { tlsMode: 'explicit', host: '::1', port: 21, user: 'blog', path: '/' }],
  ])('%s', (url, expected) => {
    expect(parseFtpUrl(url)).toEqual(expected);
  });

  it('refuses plain ftp:// unless --plain', () => {
    expect(() => parseFtpUrl('ftp://u@h/')).toThrow(/plain FTP without TLS.*--plain/);
    expect(parseFtpUrl('ftp://u@h/', { plainAllowed: true }).tlsMode).toBe('none');
  });

  it('refuses a password in the URL without repeating it', () => {
    let err: unknown;
    try {
      parseFtpUrl('ftpes://u:hunter22@h/');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/FTPS_PASSWORD/);
    expect((err as Error).message).not.toContain('hunter22');
  });

  it.each(['sftp://u@h/', 'not a url', 'ftpes://h/'])('refuses %s', (url) => {
    expect(() => parseFtpUrl(url)).toThrow(UsageError);
  });
});
