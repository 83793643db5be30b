import {
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkExtraOption,
  defaultsFileContent,
  dumpFailure,
  findClientBinary,
  findDumpBinary,
  mysqldumpArgs,
  MysqlDumpError,
  openDefaultsFd,
  parseDatabaseList,
  unescapeBatchValue,
  whichInPath,
} from '../../../src/sources/index.ts';

const DEFAULTS = [
  '--single-transaction',
  '--quick',
  '--routines',
  '--triggers',
  '--events',
  '--hex-blob',
  '--default-character-set=utf8mb4',
];

describe('findDumpBinary / findClientBinary', () => {
  const which =
    (...present: string[]) =>
    (name: string): string | undefined =>
      present.includes(name) ? `/usr/bin/${name}` : undefined;

  it('prefers mariadb-dump, then mysqldump', () => {
    expect(findDumpBinary(which('mysqldump', 'mariadb-dump'))).toEqual({
      path: '/usr/bin/mariadb-dump',
      flavour: 'mariadb',
    });
    expect(findDumpBinary(which('mysqldump'))).toEqual({ path: '/usr/bin/mysqldump', flavour: 'mysql' });
  });

  it('names the Debian package when neither is installed', () => {
    expect(() => findDumpBinary(which())).toThrow(/mariadb-client.*default-mysql-client/);
    expect(() => findDumpBinary(which('mariadb', 'mysql'))).toThrow(/apt-get install mariadb-client/);
  });

  it('finds the client the same way', () => {
    expect(findClientBinary(which('mysql', 'mariadb')).path).toBe('/usr/bin/mariadb');
    expect(findClientBinary(which('mysql')).flavour).toBe('mysql');
    expect(() => findClientBinary(which('mariadb-dump'))).toThrow(/mariadb-client/);
  });
});

describe('whichInPath', () => {
  const root = mkdtempSync(join(tmpdir(), 'which-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  // a/tool is not executable, b/tool is, c/tool is a folder
  const a = join(root, 'a');
  const b = join(root, 'b');
  const c = join(root, 'c');
  mkdirSync(a);
  mkdirSync(b);
  mkdirSync(join(c, 'tool'), { recursive: true });
  writeFileSync(join(a, 'tool'), '#!/bin/sh\n', { mode: 0o644 });
  writeFileSync(join(b, 'tool'), '#!/bin/sh\n', { mode: 0o755 });

  it('returns the first executable regular file along PATH', () => {
    expect(whichInPath('tool', [a, c, b].join(':'))).toBe(join(b, 'tool'));
    expect(whichInPath('tool', [b, a].join(':'))).toBe(join(b, 'tool'));
  });

  it('skips non-executables, relative and empty PATH entries, and names with a slash', () => {
    expect(whichInPath('tool', a)).toBeUndefined();
    expect(whichInPath('tool', `:relative:${a}`)).toBeUndefined();
    expect(whichInPath('b/tool', root)).toBeUndefined();
    expect(whichInPath('missing', [a, b].join(':'))).toBeUndefined();
  });
});

describe('mysqldumpArgs', () => {
  it('builds a TCP dump', () => {
    expect(
      mysqldumpArgs({ database: 'wp', host: 'db.example', port: 3307, user: 'backup', defaultsFd: 3 }),
    ).toEqual([
      '--defaults-extra-file=/dev/fd/3',
      ...DEFAULTS,
      '--host=db.example',
      '--port=3307',
      '--protocol=TCP',
      '--user=backup',
      '--databases',
      'wp',
    ]);
  });

  it('builds a socket dump, and one with the client defaults', () => {
    expect(
      mysqldumpArgs({ database: 'wp', socket: '/run/mysqld/mysqld.sock', user: 'root', defaultsFd: 4 }),
    ).toEqual([
      '--defaults-extra-file=/dev/fd/4',
      ...DEFAULTS,
      '--socket=/run/mysqld/mysqld.sock',
      '--protocol=SOCKET',
      '--user=root',
      '--databases',
      'wp',
    ]);
    expect(mysqldumpArgs({ database: 'wp', host: 'localhost', user: 'u', defaultsFd: 3 })).toEqual([
      '--defaults-extra-file=/dev/fd/3',
      ...DEFAULTS,
      '--host=localhost',
      '--protocol=TCP',
      '--user=u',
      '--databases',
      'wp',
    ]);
    expect(mysqldumpArgs({ database: 'wp', user: 'u', defaultsFd: 3 })).toEqual([
      '--defaults-extra-file=/dev/fd/3',
      ...DEFAULTS,
      '--user=u',
      '--databases',
      'wp',
    ]);
  });

  it('ignores excluded tables of this database only, then appends extra options', () => {
    expect(
      mysqldumpArgs({
        database: 'wp',
        host: '127.0.0.1',
        user: 'u',
        defaultsFd: 3,
        excludeTables: ['wp_sessions', 'wp.wp_cache', 'other.big_log'],
        extraOptions: ['--no-tablespaces', '--max-allowed-packet=1G', '--skip-dump-date'],
      }),
    ).toEqual([
      '--defaults-extra-file=/dev/fd/3',
      ...DEFAULTS,
      '--host=127.0.0.1',
      '--protocol=TCP',
      '--user=u',
      '--ignore-table=wp.wp_sessions',
      '--ignore-table=wp.wp_cache',
      '--no-tablespaces',
      '--max-allowed-packet=1G',
      '--skip-dump-date',
      '--databases',
      'wp',
    ]);
  });

  it('refuses contradictory or unsafe input', () => {
    const base = { database: 'wp', user: 'u', defaultsFd: 3 };
    expect(() => mysqldumpArgs({ ...base, host: 'h', socket: '/s' })).toThrow(/not both/);
    expect(() => mysqldumpArgs({ ...base, port: 3306 })).toThrow(/needs a host/);
    expect(() => mysqldumpArgs({ ...base, host: 'h', port: 70000 })).toThrow(/port/);
    expect(() => mysqldumpArgs({ ...base, database: '--all-databases' })).toThrow(/unusable database name/);
    expect(() => mysqldumpArgs({ ...base, database: '' })).toThrow(/unusable/);
    expect(() => mysqldumpArgs({ ...base, user: '' })).toThrow(/user/);
    expect(() => mysqldumpArgs({ ...base, user: 'a\nb' })).toThrow(/LF/);
    expect(() => mysqldumpArgs({ ...base, excludeTables: ['wp.'] })).toThrow(/empty/);
    expect(() => mysqldumpArgs({ ...base, extraOptions: ['--password=hunter2'] })).toThrow(/refused/);
    expect(() => mysqldumpArgs({ ...base, defaultsFd: -1 })).toThrow(/defaultsFd/);
  });

  it('never contains a password', () => {
    const args = mysqldumpArgs({ database: 'wp', host: 'h', user: 'u', defaultsFd: 3 });
    expect(args.some((a) => /pass/i.test(a))).toBe(false);
    expect(args[0]).toBe('--defaults-extra-file=/dev/fd/3');
  });
});

describe('checkExtraOption', () => {
  it.each([
    '--password=x',
    '--pass=x',
    '--passw',
    '--loose-password=x',
    '--loose_password=x',
    '-psecret',
    '-p',
    'positional',
    '--defaults-file=/etc/x.cnf',
    '--no-defaults',
    '--print-defaults',
    '--result-file=/tmp/x.sql',
    '--tab=/tmp',
    '--xml',
    '--compact',
    '--skip-comments',
    '--disable-comments',
    '--comments=0',
    '--comments=OFF',
    '--databases',
    '--all-databases',
    '--host=x',
    '--socket=/x',
    '--user=root',
    '--',
    '--a\nb',
  ])('refuses %j', (option) => {
    expect(checkExtraOption(option)).toMatch(/.+/);
  });

  it.each([
    '--no-tablespaces',
    '--skip-lock-tables',
    '--max-allowed-packet=512M',
    '--max_allowed_packet=512M',
    '--skip-dump-date',
    '--set-gtid-purged=OFF',
    '--column-statistics=0',
    '--comments',
    '--enable-comments',
    '--ignore-table=wp.wp_sessions',
    '--skip-extended-insert',
    '--where=id>10',
    '--tables',
  ])('accepts %j', (option) => {
    expect(checkExtraOption(option)).toBeUndefined();
  });
});

/**
 * The option-file value rules of mysys/my_default.c, written out independently: a line is cut at an
 * unquoted `#`, the value is trimmed, one pair of matching quotes is removed, and \n \t \r \b \s \" \'
 * \\ are unescaped (other backslashes stay).
 */
function parseOptionValue(line: string): string {
  let quote = '';
  let escape = false;
  let cut = line.length;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if ((c === '"' || c === "'") && !escape) {
      if (quote === '') quote = c;
      else if (quote === c) quote = '';
    }
    if (quote === '' && c === '#') {
      cut = i;
      break;
    }
    escape = quote !== '' && c === '\\' && !escape;
  }
  const body = line.slice(0, cut);
  let value = body.slice(body.indexOf('=') + 1).replace(/^[ \t]+|[ \t\r\n]+$/g, '');
  if (value.length > 1 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
    value = value.slice(1, -1);
  }
  const map: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    b: '\b',
    s: ' ',
    '"': '"',
    "'": "'",
    '\\': '\\',
  };
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (c === '\\' && i !== value.length - 1) {
      const next = value.charAt(++i);
      out += map[next] ?? `\\${next}`;
    } else {
      out += c;
    }
  }
  return out;
}

describe('defaultsFileContent', () => {
  it('writes a [client] group with the quoted password', () => {
    expect(defaultsFileContent('s3cret')).toBe('[client]\npassword="s3cret"\n');
    expect(defaultsFileContent('a"b\\c')).toBe('[client]\npassword="a\\"b\\\\c"\n');
    expect(defaultsFileContent('line1\nline2\ttab')).toBe('[client]\npassword="line1\\nline2\\ttab"\n');
    expect(defaultsFileContent(undefined)).toBe('[client]\n');
  });

  it.each([
    's3cret',
    ' leading and trailing ',
    'has # hash',
    'quote " and \' apostrophe',
    'back\\slash\\',
    '\\n is not a newline',
    'ends with backslash \\',
    '"starts and ends with quotes"',
    "'single'",
    'tab\there',
    'new\nline',
    'cr\rlf',
    'bs\bx',
    'ünïcödé 🔑',
    '',
    '\\s\\"\\\'',
  ])('survives the option-file parser: %j', (password) => {
    const content = defaultsFileContent(password);
    const lines = content.split('\n');
    expect(lines[0]).toBe('[client]');
    expect(lines).toHaveLength(3); // one option line: the parser reads line by line
    expect(parseOptionValue(lines[1] ?? '')).toBe(password);
  });

  it('refuses NUL and absurd lengths', () => {
    expect(() => defaultsFileContent('a\u0000b')).toThrow(/NUL/);
    expect(() => defaultsFileContent('x'.repeat(5000))).toThrow(/too long/);
  });
});

describe('openDefaultsFd', () => {
  it('returns a descriptor of a private file that no longer has a name', () => {
    const base = mkdtempSync(join(tmpdir(), 'defaults-'));
    try {
      const fd = openDefaultsFd('[client]\npassword="x"\n', base);
      try {
        expect(readdirSync(base)).toEqual([]); // folder and file removed already
        const st = fstatSync(fd);
        expect(st.isFile()).toBe(true);
        expect(st.nlink).toBe(0);
        expect(st.mode & 0o777).toBe(0o600);
        // what the client does: open /dev/fd/N afresh
        expect(readFileSync(`/dev/fd/${fd}`, 'utf8')).toBe('[client]\npassword="x"\n');
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('dumpFailure', () => {
  const ok = {
    program: 'mariadb-dump',
    database: 'wp',
    exitCode: 0,
    signal: null,
    completed: true,
    stderr: '',
  };

  it('accepts exit 0 with the trailer', () => {
    expect(dumpFailure(ok)).toBeUndefined();
  });

  it('names the database, the exit status and the stderr tail', () => {
    const err = dumpFailure({
      ...ok,
      exitCode: 2,
      completed: false,
      stderr: "mariadb-dump: Got error: 1049: Unknown database 'wp'\n",
    });
    expect(err).toBeInstanceOf(MysqlDumpError);
    expect(err?.message).toBe(
      `mariadb-dump of database "wp" failed with exit status 2; stderr: mariadb-dump: Got error: 1049: Unknown database 'wp'`,
    );
    expect(err?.exitCode).toBe(2);
    expect(err?.database).toBe('wp');
  });

  it('reports a signal and a missing trailer', () => {
    expect(dumpFailure({ ...ok, exitCode: null, signal: 'SIGKILL', completed: false })?.message).toBe(
      'mariadb-dump of database "wp" was killed by SIGKILL',
    );
    expect(dumpFailure({ ...ok, completed: false })?.message).toMatch(
      /status 0 but its output lacks the "-- Dump completed" trailer/,
    );
  });

  it('quotes only the end of a long stderr in the message, keeps all of it on the error', () => {
    const stderr = `${'x'.repeat(5000)}THE END`;
    const err = dumpFailure({ ...ok, exitCode: 1, stderr });
    expect(err?.message.length).toBeLessThan(2200);
    expect(err?.message.endsWith('THE END')).toBe(true);
    expect(err?.stderr).toBe(stderr);
  });
});

describe('parseDatabaseList', () => {
  const output = 'information_schema\nmysql\nperformance_schema\nshop\nsys\nweird\\tname\\\\x\nwordpress\n';

  it('leaves out the virtual schemas and, unless asked, mysql', () => {
    expect(parseDatabaseList(output)).toEqual(['shop', 'weird\tname\\x', 'wordpress']);
    expect(parseDatabaseList(output, true)).toEqual(['mysql', 'shop', 'weird\tname\\x', 'wordpress']);
    expect(parseDatabaseList('')).toEqual([]);
  });

  it('undoes batch-mode escaping', () => {
    expect(unescapeBatchValue('a\\nb\\tc\\\\d\\0e')).toBe('a\nb\tc\\d\u0000e');
    expect(unescapeBatchValue('plain')).toBe('plain');
  });
});
