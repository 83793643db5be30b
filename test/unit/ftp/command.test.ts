import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, formatCommand, redactCommand } from '../../../src/ftp/protocol/index.ts';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) {
      return err;
    }
    throw new Error('threw a non-Error', { cause: err });
  }
  throw new Error('did not throw');
}

describe('formatCommand', () => {
  it.each([
    ['USER', 'backup', 'USER backup\r\n'],
    [
      'STOR',
      'site/2026 11 22/files-www.tar.zst.partial',
      'STOR site/2026 11 22/files-www.tar.zst.partial\r\n',
    ],
    ['OPTS', 'UTF8 ON', 'OPTS UTF8 ON\r\n'],
    ['SITE', 'CHMOD 600 a', 'SITE CHMOD 600 a\r\n'],
    ['XSHA256', 'a.tar', 'XSHA256 a.tar\r\n'],
    ['XSHA1', 'a.tar', 'XSHA1 a.tar\r\n'],
    ['RNFR', ' leading and trailing ', 'RNFR  leading and trailing \r\n'],
    ['CWD', '/Ünïcødé 日本', 'CWD /Ünïcødé 日本\r\n'],
    ['PASS', '', 'PASS \r\n'],
  ])('%s %j → %j', (verb, arg, line) => {
    expect(formatCommand(verb, arg)).toBe(line);
  });

  it('sends a verb alone when there is no argument', () => {
    expect(formatCommand('PASV')).toBe('PASV\r\n');
    expect(formatCommand('EPSV')).toBe('EPSV\r\n');
    expect(formatCommand('FEAT')).toBe('FEAT\r\n');
  });

  it.each([
    ['\r', 'CR'],
    ['\n', 'LF'],
    ['\0', 'NUL'],
  ])('refuses %j in an argument and names the command and the character', (ch, label) => {
    const err = thrown(() => formatCommand('STOR', `a${ch}DELE b`));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.name).toBe('InvalidArgumentError');
    expect(err.message).toContain('STOR');
    expect(err.message).toContain(label);
  });

  it('shows a path in the error, to help the user find it', () => {
    expect(thrown(() => formatCommand('DELE', 'old\r\nfile')).message).toContain(
      JSON.stringify('old\r\nfile'),
    );
  });

  it.each(['PASS', 'ACCT'])('never puts the argument of %s in the error message', (verb) => {
    const secret = 'hunter2-Secret';
    for (const ch of ['\r', '\n', '\0']) {
      const err = thrown(() => formatCommand(verb, `${secret}${ch}x`));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toContain(verb);
      expect(err.message).not.toContain('hunter2');
      expect(err.message).not.toContain('Secret');
    }
  });

  it.each(['stor', 'Stor', 'ST', 'STOREFILE', '', 'ST OR', 'STOR ', '1ABC', 'MLS-D', 'ÜSER'])(
    'refuses the verb %j',
    (verb) => {
      expect(() => formatCommand(verb, 'x')).toThrow(InvalidArgumentError);
    },
  );

  it('refuses CR/LF/NUL in the verb itself', () => {
    for (const verb of ['NOOP\r\nDELE x', 'NO\nOP', 'NOOP\0']) {
      expect(() => formatCommand(verb)).toThrow(InvalidArgumentError);
    }
  });
});

describe('redactCommand', () => {
  it('masks the argument of PASS and ACCT, whatever the verb case', () => {
    expect(redactCommand('PASS', 'hunter2')).toBe('PASS ****');
    expect(redactCommand('ACCT', 'billing-7')).toBe('ACCT ****');
    expect(redactCommand('pass', 'hunter2')).toBe('pass ****');
    expect(redactCommand('PASS', '')).toBe('PASS ****');
  });

  it('shows other commands as sent, without CRLF', () => {
    expect(redactCommand('USER', 'backup')).toBe('USER backup');
    expect(redactCommand('STOR', 'a b.tar')).toBe('STOR a b.tar');
    expect(redactCommand('NOOP')).toBe('NOOP');
    expect(redactCommand('PASS')).toBe('PASS');
  });

  it('keeps a log line on one line even for an argument formatCommand would refuse', () => {
    expect(redactCommand('DELE', 'a\r\nb\0c')).toBe('DELE a\\r\\nb\\0c');
  });
});
