/**
 * A table of broken configurations: each case writes its files to a temp folder, loads config.yaml and
 * compares the ConfigError's message, line by line, with the exact expected text. `<dir>` stands for the
 * temp folder.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.ts';
import { BASE_CONFIG, BASE_JOB, configError, lines, withFiles } from './helpers.ts';

interface Case {
  name: string;
  files: Record<string, string>;
  expected: string[];
  /** Text that must appear nowhere in the error (secret values). */
  absent?: string[];
}

const PLAIN_PASSWORD =
  'a password must not be written into the configuration: use { env: NAME }, { file: /absolute/path } or { credential: name }';
const DURATION = 'expected a duration like "30s", "10m" or "1h30m" (units: ms, s, m, h, d, w)';

const cases: Case[] = [
  {
    name: 'wrong enum value',
    files: {
      'config.yaml': lines(
        'destinations:',
        '  offsite:',
        '    type: ftps',
        '    host: backup.example.net',
        '    tls: explict',
        '    user: blog',
        '    password: { env: FTPS_PASSWORD }',
      ),
    },
    expected: [
      '<dir>/config.yaml:5:10: destinations.offsite.tls: expected one of explicit, implicit, none, got "explict"',
    ],
  },
  {
    name: 'unknown key at the top level',
    files: { 'config.yaml': BASE_CONFIG + lines('retension: { keepLast: 3 }') },
    expected: [
      '<dir>/config.yaml:7:1: retension: unknown key "retension" (expected one of: destinations, defaults, log, credentialsDir, state, metrics, scheduler, jobsDir, jobs)',
    ],
  },
  {
    name: 'unknown key nested in defaults',
    files: { 'config.yaml': BASE_CONFIG + lines('defaults:', '  retension: { keepLast: 3 }') },
    expected: [
      '<dir>/config.yaml:8:3: defaults.retension: unknown key "retension" (expected one of: compression, retention, retry, spool, spoolDir, replayWindow, randomDelay, encryption, notifications, hooks)',
    ],
  },
  {
    name: 'unknown key inside a flow mapping and inside a source',
    files: {
      'config.yaml': BASE_CONFIG + lines('    timeouts: { conect: 5s }'),
      'jobs/blog.yaml': lines(
        'name: blog',
        'destination: offsite',
        'sources:',
        '  - type: directory',
        '    label: site',
        '    path: /var/www/blog',
        '  - type: directory',
        '    label: logs',
        '    path: /var/log',
        '    exlude: ["*.gz"]',
      ),
    },
    expected: [
      '<dir>/config.yaml:7:17: destinations.offsite.timeouts.conect: unknown key "conect" (expected one of: connect, idle, data, finalReply)',
      '<dir>/jobs/blog.yaml:10:5: sources[1].exlude: unknown key "exlude" (expected one of: type, label, path, exclude, excludeIfPresent, onUnreadable)',
    ],
  },
  {
    name: 'missing required key: reported at the key of the mapping that lacks it',
    files: {
      'config.yaml': lines(
        'destinations:',
        '  offsite:',
        '    type: ftps',
        '    host: backup.example.net',
        '    password: { env: FTPS_PASSWORD }',
        '  second:',
        '    type: ftps',
        '    host: backup.example.net',
        '    user: blog',
      ),
      'jobs/blog.yaml': lines(
        'name: blog',
        'sources:',
        '  - type: directory',
        '    path: /srv',
        '  - type: mysql',
        '    user: backup',
        '  - path: /x',
      ),
    },
    expected: [
      '<dir>/config.yaml:2:3: destinations.offsite.user: missing required key "user"',
      '<dir>/config.yaml:6:3: destinations.second.password: missing required key "password"',
      '<dir>/jobs/blog.yaml:1:1: destination: missing required key "destination"',
      '<dir>/jobs/blog.yaml:3:5: sources[0].label: missing required key "label"',
      '<dir>/jobs/blog.yaml:5:5: sources[1].databases: missing required key "databases"',
      '<dir>/jobs/blog.yaml:7:5: sources[2].type: missing required key "type" (expected one of: mysql, directory, sqlite, command)',
    ],
  },
  {
    name: 'plain-string passwords, never echoed',
    files: {
      'config.yaml': lines(
        'destinations:',
        '  offsite:',
        '    type: ftps',
        '    host: backup.example.net',
        '    user: blog',
        '    password: hunter2-secret',
      ),
      'jobs/blog.yaml': lines(
        'name: blog',
        'destination: offsite',
        'sources:',
        '  - type: mysql',
        '    databases: all',
        '    user: backup',
        '    password: "s3cret-db-pass"',
      ),
    },
    expected: [
      `<dir>/config.yaml:6:15: destinations.offsite.password: ${PLAIN_PASSWORD}`,
      `<dir>/jobs/blog.yaml:7:15: sources[0].password: ${PLAIN_PASSWORD}`,
    ],
    absent: ['hunter2', 's3cret'],
  },
  {
    name: 'a secret reference with two forms or a bad form',
    files: {
      'config.yaml': lines(
        'destinations:',
        '  offsite:',
        '    type: ftps',
        '    host: backup.example.net',
        '    user: blog',
        '    password: { env: FTPS_PASSWORD, file: /etc/ftps.pass }',
        '  second:',
        '    type: ftps',
        '    host: backup.example.net',
        '    user: blog',
        '    password: { file: ftps.pass }',
      ),
    },
    expected: [
      '<dir>/config.yaml:6:15: destinations.offsite.password: expected only one of env, file, credential, got env and file',
      '<dir>/config.yaml:11:23: destinations.second.password.file: expected an absolute path (starting with "/"), got "ftps.pass"',
    ],
  },
  {
    name: 'bad durations and sizes',
    files: {
      'config.yaml':
        BASE_CONFIG +
        lines('    maxSessionAge: 3 hours', 'defaults:', '  randomDelay: 10 minutes', '  replayWindow: 64mb'),
    },
    expected: [
      `<dir>/config.yaml:7:20: destinations.offsite.maxSessionAge: ${DURATION}, got "3 hours"`,
      `<dir>/config.yaml:9:16: defaults.randomDelay: ${DURATION}, got "10 minutes"`,
      '<dir>/config.yaml:10:17: defaults.replayWindow: expected a size like "64MiB" or "1GB" (units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB), got "64mb"',
    ],
  },
  {
    name: 'bad cron expressions',
    files: {
      'config.yaml': BASE_CONFIG,
      'jobs/a.yaml': BASE_JOB.replace('30 3 * * *', '61 3 * * *'),
      'jobs/b.yaml': BASE_JOB.replace('name: blog', 'name: b').replace('30 3 * * *', '30 3 * *'),
    },
    expected: [
      '<dir>/jobs/a.yaml:2:11: schedule: invalid cron expression "61 3 * * *": minute field "61" is not valid',
      '<dir>/jobs/b.yaml:2:11: schedule: expected a cron expression of 5 or 6 fields (minute hour day-of-month month day-of-week, with an optional leading seconds field) or a shortcut such as @daily, got "30 3 * *"',
    ],
  },
  {
    name: 'bad hooks',
    files: {
      'config.yaml': BASE_CONFIG,
      'jobs/blog.yaml': `${BASE_JOB}hooks:\n  before: "systemctl stop php-fpm"\n  onError: [[]]\n  always: [{ shel: x }, 5]\n  timeout: soon\n`,
    },
    expected: [
      '<dir>/jobs/blog.yaml:11:11: hooks.before: expected a list, got "systemctl stop php-fpm"',
      '<dir>/jobs/blog.yaml:12:13: hooks.onError[0]: expected at least 1 item, got 0',
      '<dir>/jobs/blog.yaml:13:12: hooks.always[0]: expected a command: a list [program, argument…] or { shell: "…" }, got a mapping',
      '<dir>/jobs/blog.yaml:13:25: hooks.always[1]: expected a command: a list [program, argument…] or { shell: "…" }, got 5',
      `<dir>/jobs/blog.yaml:14:12: hooks.timeout: ${DURATION}, got "soon"`,
    ],
  },
  {
    name: 'bad time zone',
    files: {
      'config.yaml': BASE_CONFIG,
      'jobs/blog.yaml': BASE_JOB.replace('Europe/Berlin', 'Europe/Berln'),
    },
    expected: [
      '<dir>/jobs/blog.yaml:3:11: timezone: expected an IANA time zone name such as "Europe/Berlin" or "UTC", got "Europe/Berln"',
    ],
  },
  {
    name: 'unknown destination',
    files: { 'config.yaml': BASE_CONFIG, 'jobs/blog.yaml': BASE_JOB.replace('offsite', 'offsit') },
    expected: [
      '<dir>/jobs/blog.yaml:4:14: destination: unknown destination "offsit" (expected one of: offsite)',
    ],
  },
  {
    name: 'duplicate job name across files (and with an inline job)',
    files: {
      'config.yaml':
        BASE_CONFIG +
        lines(
          'jobs:',
          '  - name: blog',
          '    destination: offsite',
          '    sources: [{ type: directory, label: a, path: /a }]',
        ),
      'jobs/a.yaml': BASE_JOB,
      'jobs/b.yml': BASE_JOB,
    },
    expected: [
      '<dir>/jobs/a.yaml:1:7: name: duplicate job name "blog": already defined at <dir>/config.yaml:8:11',
      '<dir>/jobs/b.yml:1:7: name: duplicate job name "blog": already defined at <dir>/config.yaml:8:11',
    ],
  },
  {
    name: 'two errors in one file are reported together',
    files: {
      'config.yaml': lines(
        'destinations:',
        '  offsite:',
        '    type: ftps',
        '    host: backup.example.net',
        '    tls: explict',
        '    user: blog',
        '    password: { env: FTPS_PASSWORD }',
        '    connections: 9',
      ),
    },
    expected: [
      '<dir>/config.yaml:5:10: destinations.offsite.tls: expected one of explicit, implicit, none, got "explict"',
      '<dir>/config.yaml:8:18: destinations.offsite.connections: expected at most 8, got 9',
    ],
  },
  {
    name: 'errors in the config file and in job files are reported together, config first',
    files: {
      'config.yaml': BASE_CONFIG + lines('log: { level: verbose }'),
      'jobs/b.yaml': BASE_JOB.replace('name: blog', 'name: b').replace('Europe/Berlin', 'Mars/Olympus'),
      'jobs/a.yaml': BASE_JOB.replace('30 3 * * *', '30 3 * * 8'),
    },
    expected: [
      '<dir>/config.yaml:7:15: log.level: expected one of error, warn, info, debug, got "verbose"',
      '<dir>/jobs/a.yaml:2:11: schedule: invalid cron expression "30 3 * * 8": day-of-week field "8" is not valid',
      '<dir>/jobs/b.yaml:3:11: timezone: expected an IANA time zone name such as "Europe/Berlin" or "UTC", got "Mars/Olympus"',
    ],
  },
  {
    name: 'YAML syntax error in the config file',
    files: {
      'config.yaml': lines('destinations:', '  offsite:', '    type: ftps', '   host: backup.example.net'),
    },
    expected: ['<dir>/config.yaml:4:1: All mapping items must start at the same column'],
  },
  {
    name: 'YAML syntax errors in a job file, beside a schema error in another',
    files: {
      'config.yaml': BASE_CONFIG,
      'jobs/a.yaml': lines('name: a', 'name: b'),
      'jobs/b.yaml': BASE_JOB.replace('name: blog', 'name: b').replace('offsite', 'nowhere'),
    },
    expected: [
      '<dir>/jobs/a.yaml:2:1: Map keys must be unique',
      '<dir>/jobs/b.yaml:4:14: destination: unknown destination "nowhere" (expected one of: offsite)',
    ],
  },
  {
    name: 'inline jobs are located under jobs[i]',
    files: {
      'config.yaml':
        BASE_CONFIG +
        lines(
          'jobs:',
          '  - name: inline',
          '    timezone: Europe/Berln',
          '    destination: offsite',
          '    sources: [{ type: directory, label: a, path: relative }]',
        ),
    },
    expected: [
      '<dir>/config.yaml:9:15: jobs[0].timezone: expected an IANA time zone name such as "Europe/Berlin" or "UTC", got "Europe/Berln"',
      '<dir>/config.yaml:11:50: jobs[0].sources[0].path: expected an absolute path (starting with "/"), got "relative"',
    ],
  },
  {
    name: 'mysql source: forbidden options (value never echoed), port and socket, databases',
    files: {
      'config.yaml': BASE_CONFIG,
      'jobs/blog.yaml': lines(
        'name: blog',
        'destination: offsite',
        'sources:',
        '  - type: mysql',
        '    databases: wordpress',
        '    user: backup',
        '    port: 3306',
        '    socket: /run/mysqld/mysqld.sock',
        '    extraOptions: ["--password=topsecret", "-ptopsecret", "--defaults-file=/x", "--result-file=/y", "--hex-blob", "--pass=topsecret", "--compact"]',
      ),
    },
    expected: [
      '<dir>/jobs/blog.yaml:5:16: sources[0].databases: expected all or a list of database names, got "wordpress"',
      '<dir>/jobs/blog.yaml:8:13: sources[0].socket: expected either port or socket, not both (socket connects locally, port over TCP)',
      '<dir>/jobs/blog.yaml:9:20: sources[0].extraOptions[0]: dump option "--password" is refused: --password is not allowed: put the password in password: { env | file | credential } instead (it reaches mysqldump through a private file descriptor, never the command line)',
      '<dir>/jobs/blog.yaml:9:44: sources[0].extraOptions[1]: dump option "-p" is refused: expected a long option starting with "--" (short options such as -p are not accepted)',
      '<dir>/jobs/blog.yaml:9:59: sources[0].extraOptions[2]: dump option "--defaults-file" is refused: --defaults-file is not allowed: ftps-backup passes its own --defaults-extra-file carrying the password',
      '<dir>/jobs/blog.yaml:9:81: sources[0].extraOptions[3]: dump option "--result-file" is refused: --result-file is not allowed: the dump is streamed into the backup, not written to a file',
      '<dir>/jobs/blog.yaml:9:115: sources[0].extraOptions[5]: dump option "--pass" is refused: --password is not allowed: put the password in password: { env | file | credential } instead (it reaches mysqldump through a private file descriptor, never the command line)',
      '<dir>/jobs/blog.yaml:9:135: sources[0].extraOptions[6]: dump option "--compact" is refused: --compact is not allowed: it removes the "-- Dump completed" trailer that proves the dump finished',
    ],
    absent: ['topsecret'],
  },
  {
    name: 'source type, duplicate labels, empty sources elsewhere',
    files: {
      'config.yaml': BASE_CONFIG,
      'jobs/a.yaml': lines(
        'name: a',
        'destination: offsite',
        'sources:',
        '  - type: mysql',
        '    databases: [wp]',
        '    user: backup',
        '  - type: mysql',
        '    databases: [shop]',
        '    user: backup',
        '  - type: redis',
        '    path: /x.db',
      ),
      'jobs/b.yaml': lines('name: b', 'destination: offsite', 'sources: []'),
    },
    expected: [
      '<dir>/jobs/a.yaml:7:5: sources[1].label: label "db" is already used by sources[0]: give each source its own label',
      '<dir>/jobs/a.yaml:10:11: sources[2].type: expected one of mysql, directory, sqlite, command, got "redis"',
      '<dir>/jobs/b.yaml:3:10: sources: expected at least 1 item, got 0',
    ],
  },
  {
    name: 'ftps: fingerprint with insecure, malformed fingerprint, bad compression level',
    files: {
      'config.yaml':
        BASE_CONFIG +
        lines(
          '    insecure: true',
          "    fingerprint: 'sha256:5E:8A:2C:91:0B:7F:D4:33:C6:18:A0:E9:42:7B:DD:05:61:F3:9C:28:B4:0E:77:1A:C2:95:6D:E0:3B:48:AF:12'",
          '  other:',
          '    type: ftps',
          '    host: h',
          '    user: u',
          '    password: { credential: ftps }',
          '    fingerprint: AB:CD',
          'defaults:',
          '  compression: { algorithm: gzip, level: 12 }',
        ),
    },
    expected: [
      '<dir>/config.yaml:7:15: destinations.offsite.insecure: insecure: true and fingerprint contradict each other: keep the fingerprint, it is the safe choice',
      '<dir>/config.yaml:14:18: destinations.other.fingerprint: expected "sha256:" followed by 32 colon-separated hex bytes (AB:CD:…, as printed by the server check), got "AB:CD"',
      '<dir>/config.yaml:16:42: defaults.compression.level: expected a gzip level (an integer from 1 to 9), got 12',
    ],
  },
  {
    name: 'wrong types, an empty value and a wrong destination type',
    files: {
      'config.yaml':
        BASE_CONFIG +
        lines(
          '    port: "21"',
          '  disk:',
          '    type: nfs',
          'log:',
          '  file:',
          'scheduler: { catchUpMissed: yes }',
        ),
    },
    expected: [
      '<dir>/config.yaml:7:11: destinations.offsite.port: expected a number, got "21"',
      '<dir>/config.yaml:9:11: destinations.disk.type: expected one of ftps, local, got "nfs"',
      '<dir>/config.yaml:11:3: log.file: expected a string, got an empty value',
      '<dir>/config.yaml:12:29: scheduler.catchUpMissed: expected true or false, got "yes"',
    ],
  },
  {
    name: 'retry delays that contradict each other after the defaults are applied',
    files: {
      'config.yaml': BASE_CONFIG + lines('defaults:', '  retry: { initialDelay: 1m }'),
      'jobs/blog.yaml': BASE_JOB + lines('retry: { maxDelay: 10s }'),
    },
    expected: [
      '<dir>/jobs/blog.yaml:10:8: retry: expected maxDelay to be at least initialDelay (after applying defaults.retry)',
    ],
  },
  {
    name: 'encryption: a mistyped age recipient, and both recipients and a passphrase',
    files: {
      'config.yaml':
        BASE_CONFIG +
        lines(
          'defaults:',
          '  encryption:',
          '    recipients:',
          '      - age1llqu6apfhutyge8zsfq279h7pas8jdkarvq8kgz83ygfgw6mmszsmq8c0x',
          '      - ssh-ed25519 AAAAC3Nza',
        ),
      'jobs/blog.yaml':
        BASE_JOB +
        lines('encryption:', '  recipientsFile: /etc/ftps-backup/r.txt', '  passphrase: { env: AGE_PASS }'),
    },
    expected: [
      '<dir>/config.yaml:10:9: defaults.encryption.recipients[0]: expected an age recipient (age1…, as printed by age-keygen), got "age1llqu6apfhutyge8zsfq279h7pas8jdkarvq8kgz83ygfgw6mmszsmq8c0x": its checksum is wrong (a typo, or a truncated copy)',
      '<dir>/config.yaml:11:9: defaults.encryption.recipients[1]: expected an age recipient (age1…, as printed by age-keygen), got "ssh-ed25519 AAAAC3Nza": an age recipient starts with "age1" (as printed by age-keygen -y)',
      '<dir>/jobs/blog.yaml:12:15: encryption.passphrase: expected either recipients (recipients, recipientsFile) or a passphrase, not both',
    ],
  },
  {
    name: 'encryption without recipients or a passphrase',
    files: { 'config.yaml': BASE_CONFIG, 'jobs/blog.yaml': BASE_JOB + lines('encryption: {}') },
    expected: ['<dir>/jobs/blog.yaml:10:13: encryption: expected recipients, recipientsFile or passphrase'],
  },
  {
    name: 'notifications: a wrong URL, a token header written in clear, a bad address, an unknown type',
    files: {
      'config.yaml':
        BASE_CONFIG +
        lines(
          'defaults:',
          '  notifications:',
          '    - type: webhook',
          '      url: ftp://hooks.example.net/x',
          '      headers: { Authorization: Bearer abc123secret, "X Bad": 1 }',
          '    - type: healthchecks',
          '      url: hc-ping.com/0f1e2d3c-secret-uuid',
          '    - type: email',
          '      host: smtp.example.net',
          '      password: { env: SMTP_PASSWORD }',
          '      from: backup',
          '      to: []',
          '    - type: pager',
        ),
    },
    expected: [
      '<dir>/config.yaml:10:12: defaults.notifications[0].url: expected an http:// or https:// URL, got "ftp://hooks.example.net/x"',
      '<dir>/config.yaml:11:33: defaults.notifications[0].headers.Authorization: header Authorization carries a credential: give it as { env: NAME }, { file: /absolute/path } or { credential: name }, not in the configuration',
      '<dir>/config.yaml:11:63: defaults.notifications[0].headers["X Bad"]: expected an HTTP header name (letters, digits, "-", no spaces), got "X Bad"',
      '<dir>/config.yaml:13:12: defaults.notifications[1].url: expected an http:// or https:// URL, got (not shown: it is a credential)',
      '<dir>/config.yaml:14:7: defaults.notifications[2].user: a password needs a user: add user',
      '<dir>/config.yaml:17:13: defaults.notifications[2].from: expected an e-mail address such as backup@example.org, got "backup"',
      '<dir>/config.yaml:18:11: defaults.notifications[2].to: expected at least 1 item, got 0',
      '<dir>/config.yaml:19:13: defaults.notifications[3].type: expected one of webhook, healthchecks, email, got "pager"',
    ],
    absent: ['abc123secret', '0f1e2d3c-secret-uuid'],
  },
  {
    name: 'an alias bomb is refused, not expanded',
    files: {
      'config.yaml': lines(
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      ),
    },
    expected: ['<dir>/config.yaml:1:1: Excessive alias count indicates a resource exhaustion attack'],
  },
  {
    name: 'an empty configuration file',
    files: { 'config.yaml': '' },
    expected: ['<dir>/config.yaml:1:1: expected a mapping, got an empty value'],
  },
];

describe('loadConfig: broken configurations', () => {
  it.each(cases)('$name', async (c) => {
    await withFiles(c.files, async (dir) => {
      const err = await configError(() => loadConfig(join(dir, 'config.yaml'), { env: {} }));
      expect(err.message.split('\n')).toEqual(c.expected.map((l) => l.replaceAll('<dir>', dir)));
      expect(err.problems).toHaveLength(c.expected.length);
      for (const secret of c.absent ?? []) {
        expect(err.message).not.toContain(secret);
        expect(JSON.stringify(err.problems)).not.toContain(secret);
      }
    });
  });

  it('gives each problem as structured data too', async () => {
    await withFiles({ 'config.yaml': BASE_CONFIG + lines('log: { format: xml }') }, async (dir) => {
      const err = await configError(() => loadConfig(join(dir, 'config.yaml'), { env: {} }));
      expect(err.problems).toEqual([
        {
          file: join(dir, 'config.yaml'),
          line: 7,
          column: 16,
          path: 'log.format',
          message: 'expected one of text, json, got "xml"',
        },
      ]);
      expect(err.name).toBe('ConfigError');
    });
  });

  it('reports a missing configuration file', async () => {
    await withFiles({}, async (dir) => {
      const err = await configError(() => loadConfig(join(dir, 'config.yaml'), { env: {} }));
      expect(err.message).toBe(
        `${join(dir, 'config.yaml')}: cannot read the configuration file: it does not exist`,
      );
    });
  });

  it('reports a job file that cannot be read', async () => {
    await withFiles({ 'config.yaml': BASE_CONFIG, 'jobs/dir.yaml/x': '' }, async (dir) => {
      const err = await configError(() => loadConfig(join(dir, 'config.yaml'), { env: {} }));
      expect(err.message).toBe(`${join(dir, 'jobs', 'dir.yaml')}: cannot read the job file: it is a folder`);
    });
  });
});
