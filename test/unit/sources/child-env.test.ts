// childEnv: only the allow-listed variables of the parent pass, extras are added, secrets never pass.
import { describe, expect, it } from 'vitest';
import { childEnv } from '../../../src/sources/index.ts';

const parent: NodeJS.ProcessEnv = {
  PATH: '/usr/bin:/bin',
  HOME: '/var/lib/ftps-backup',
  LANG: 'de_DE.UTF-8',
  LC_TIME: 'C',
  LC_SECRET: 'not a locale category',
  TZ: 'Europe/Berlin',
  FTPS_PASSWORD: 'ftps-secret',
  SMTP_PASSWORD: 'smtp-secret',
  AGE_PASSPHRASE: 'age-secret',
  MYSQL_PWD: 'mysql-secret',
  NODE_OPTIONS: '--require /tmp/evil.js',
  CREDENTIALS_DIRECTORY: '/run/credentials/ftps-backup.service',
};

const kept = {
  PATH: '/usr/bin:/bin',
  HOME: '/var/lib/ftps-backup',
  LANG: 'de_DE.UTF-8',
  LC_TIME: 'C',
  TZ: 'Europe/Berlin',
};

interface Case {
  name: string;
  extra: Record<string, string>;
  from: NodeJS.ProcessEnv;
  want: object;
}

describe('childEnv', () => {
  const cases: Case[] = [
    { name: 'keeps PATH, HOME, LANG, known LC_* and TZ, nothing else', extra: {}, from: parent, want: kept },
    {
      name: 'adds the extras, which win over an inherited value',
      extra: { PGPASSFILE: '/dev/fd/3', TZ: 'UTC' },
      from: parent,
      want: { ...kept, TZ: 'UTC', PGPASSFILE: '/dev/fd/3' },
    },
    { name: 'an empty parent gives only the extras', extra: { A: 'b' }, from: {}, want: { A: 'b' } },
  ];
  it.each(cases)('$name', ({ extra, from, want }) => {
    expect(childEnv(extra, from)).toEqual(want);
  });

  it('never passes a value of a variable outside the list', () => {
    const text = Object.values(childEnv({}, parent)).join('\n');
    for (const secret of [
      'ftps-secret',
      'smtp-secret',
      'age-secret',
      'mysql-secret',
      'evil',
      'credentials',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('refuses a malformed extra name or a NUL in a value', () => {
    expect(() => childEnv({ 'A=B': 'x' }, {})).toThrow('not an environment variable: "A=B"');
    expect(() => childEnv({ '': 'x' }, {})).toThrow('not an environment variable');
    expect(() => childEnv({ A: 'x\0y' }, {})).toThrow('not an environment variable: "A"');
  });

  it('returns a fresh object (the caller may change it)', () => {
    const a = childEnv({}, parent);
    a.PATH = 'changed';
    expect(childEnv({}, parent).PATH).toBe('/usr/bin:/bin');
  });
});
