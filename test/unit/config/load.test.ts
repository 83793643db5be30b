import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadConfig, secretRefs, type FtpsDestination } from '../../../src/config/index.ts';
import { BASE_CONFIG, BASE_JOB, configError, lines, withFiles } from './helpers.ts';

const env = { FTPS_PASSWORD: 'x' };

function ftps(d: unknown): FtpsDestination {
  expect((d as { type: string }).type).toBe('ftps');
  return d as FtpsDestination;
}

describe('loadConfig: valid configurations', () => {
  it('fills every default and converts units', async () => {
    await withFiles({ 'config.yaml': BASE_CONFIG }, async (dir) => {
      const c = await loadConfig(join(dir, 'config.yaml'), { env });
      expect(c.destinations.offsite).toEqual({
        type: 'ftps',
        host: 'backup.example.net',
        port: 21,
        tls: 'explicit',
        user: 'blog',
        password: { env: 'FTPS_PASSWORD' },
        insecure: false,
        tlsMaxVersion: '1.3',
        root: '/',
        connections: 2,
        maxSessionAge: 3 * 3_600_000,
        timeouts: { connect: 30_000, idle: 60_000, data: 120_000, finalReply: 120_000 },
        legacyRenegotiation: false,
        appendOnly: false,
      });
      expect(c.defaults).toEqual({
        compression: { algorithm: 'zstd', level: 3 },
        retention: {},
        retry: { attempts: 5, initialDelay: 30_000, maxDelay: 600_000 },
        spool: false,
        spoolDir: '/var/cache/ftps-backup/spool',
        replayWindow: 64 * 1024 * 1024,
        randomDelay: 0,
        notifications: [],
      });
      expect(c.log).toEqual({ level: 'info', format: 'text' });
      expect(c.state).toEqual({ dir: '/var/lib/ftps-backup' });
      expect(c.scheduler).toEqual({ maxConcurrentJobs: 1, catchUpMissed: true });
      expect(c.jobsDir).toBe(join(dir, 'jobs'));
      expect(c.jobs).toEqual([]);
      expect(c.files).toEqual([join(dir, 'config.yaml')]);
      expect(c.warnings).toEqual([]);
    });
  });

  it('normalises ftps settings: implicit port, fingerprint, unquoted TLS version, root', async () => {
    const config = lines(
      'destinations:',
      '  offsite:',
      '    type: ftps',
      '    host: backup.example.net',
      '    tls: implicit',
      '    user: blog',
      '    password: { file: /etc/ftps-backup/ftps.pass }',
      "    fingerprint: 'sha256:5e:8a:2c:91:0b:7f:d4:33:c6:18:a0:e9:42:7b:dd:05:61:f3:9c:28:b4:0e:77:1a:c2:95:6d:e0:3b:48:af:12'",
      '    tlsMaxVersion: 1.2',
      '    root: /backups/',
      '    timeouts: { data: 1h30m }',
    );
    await withFiles({ 'config.yaml': config }, async (dir) => {
      const d = ftps((await loadConfig(join(dir, 'config.yaml'), { env })).destinations.offsite);
      expect(d.port).toBe(990);
      expect(d.fingerprint).toBe(
        '5E:8A:2C:91:0B:7F:D4:33:C6:18:A0:E9:42:7B:DD:05:61:F3:9C:28:B4:0E:77:1A:C2:95:6D:E0:3B:48:AF:12',
      );
      expect(d.tlsMaxVersion).toBe('1.2');
      expect(d.root).toBe('/backups');
      expect(d.timeouts).toEqual({ connect: 30_000, idle: 60_000, data: 5_400_000, finalReply: 120_000 });
    });
  });

  it('an explicit port wins over the implicit default', async () => {
    const config = BASE_CONFIG + lines('    tls: implicit', '    port: 4990');
    await withFiles({ 'config.yaml': config }, async (dir) => {
      const d = ftps((await loadConfig(join(dir, 'config.yaml'), { env })).destinations.offsite);
      expect(d.port).toBe(4990);
    });
  });

  it('resolves each job against the defaults', async () => {
    const config =
      BASE_CONFIG +
      lines(
        '  disk: { type: local, path: /mnt/disk }',
        'defaults:',
        '  compression: { algorithm: zstd, level: 9 }',
        '  retention: { keepLast: 3, keepDaily: 7 }',
        '  retry: { attempts: 4, maxDelay: 5m }',
        '  spool: true',
        '  replayWindow: 16MiB',
        '  randomDelay: 5m',
      );
    const plain = lines(
      'name: plain',
      'destination: disk',
      'sources: [{ type: directory, label: a, path: /a }]',
    );
    const custom =
      BASE_JOB + lines('compression: gzip', 'retry: { attempts: 2 }', 'spool: false', 'randomDelay: 0s');
    await withFiles(
      { 'config.yaml': config, 'jobs/plain.yaml': plain, 'jobs/custom.yaml': custom },
      async (dir) => {
        const c = await loadConfig(join(dir, 'config.yaml'), { env });
        expect(c.jobs.map((j) => j.name)).toEqual(['blog', 'plain']); // custom.yaml sorts before plain.yaml
        const [blog, plainJob] = c.jobs;
        expect(plainJob).toMatchObject({
          compression: { algorithm: 'zstd', level: 9 },
          retention: { keepLast: 3, keepDaily: 7 },
          retry: { attempts: 4, initialDelay: 30_000, maxDelay: 300_000 },
          spool: true,
          spoolDir: '/var/cache/ftps-backup/spool',
          replayWindow: 16 * 1024 * 1024,
          randomDelay: 300_000,
          timezone: 'UTC',
          file: join(dir, 'jobs', 'plain.yaml'),
        });
        expect(plainJob?.schedule).toBeUndefined();
        expect(blog).toMatchObject({
          compression: { algorithm: 'gzip', level: 6 },
          retention: { keepDaily: 14 }, // replaces the default policy, keepLast is not inherited
          retry: { attempts: 2, initialDelay: 30_000, maxDelay: 300_000 },
          spool: false,
          randomDelay: 0,
          timezone: 'Europe/Berlin',
          schedule: '30 3 * * *',
          sources: [
            { type: 'directory', label: 'site', path: '/var/www/blog', exclude: [], onUnreadable: 'warn' },
          ],
        });
        expect(blog?.retention).toEqual({ keepDaily: 14 });
      },
    );
  });

  it('fills mysql source defaults', async () => {
    const job = lines(
      'name: db',
      'destination: offsite',
      'sources:',
      '  - type: mysql',
      '    databases: all',
      '    user: backup',
      '    socket: /run/mysqld/mysqld.sock',
      'retention: { keepLast: 2 }',
    );
    await withFiles({ 'config.yaml': BASE_CONFIG, 'jobs/db.yaml': job }, async (dir) => {
      const c = await loadConfig(join(dir, 'config.yaml'), { env });
      expect(c.jobs[0]?.sources).toEqual([
        {
          type: 'mysql',
          label: 'db',
          databases: 'all',
          excludeTables: [],
          host: 'localhost',
          socket: '/run/mysqld/mysqld.sock',
          user: 'backup',
          extraOptions: [],
        },
      ]);
    });
  });

  it('reads inline jobs first, then .yaml and .yml files in name order, skipping other files', async () => {
    const files = {
      'config.yaml':
        BASE_CONFIG +
        lines(
          'jobs:',
          '  - name: inline',
          '    destination: offsite',
          '    sources: [{ type: directory, label: a, path: /a }]',
        ),
      'jobs/b.yml': BASE_JOB.replace('name: blog', 'name: from-yml'),
      'jobs/a.yaml': BASE_JOB,
      'jobs/notes.txt': 'not a job',
      'jobs/.hidden.yaml': 'not: a job',
    };
    await withFiles(files, async (dir) => {
      const c = await loadConfig(join(dir, 'config.yaml'), { env });
      expect(c.jobs.map((j) => [j.name, j.file])).toEqual([
        ['inline', join(dir, 'config.yaml')],
        ['blog', join(dir, 'jobs', 'a.yaml')],
        ['from-yml', join(dir, 'jobs', 'b.yml')],
      ]);
      expect(c.files).toEqual([
        join(dir, 'config.yaml'),
        join(dir, 'jobs', 'a.yaml'),
        join(dir, 'jobs', 'b.yml'),
      ]);
    });
  });

  it('resolves jobsDir relative to the configuration file, and warns when it is missing', async () => {
    const files = {
      'etc/config.yaml': BASE_CONFIG + lines('jobsDir: ../jobs.d'),
      'jobs.d/blog.yaml': BASE_JOB,
    };
    await withFiles(files, async (dir) => {
      const c = await loadConfig(join(dir, 'etc', 'config.yaml'), { env });
      expect(c.jobsDir).toBe(join(dir, 'jobs.d'));
      expect(c.jobs.map((j) => j.name)).toEqual(['blog']);
    });
    await withFiles({ 'config.yaml': BASE_CONFIG + lines('jobsDir: /nonexistent/jobs') }, async (dir) => {
      const c = await loadConfig(join(dir, 'config.yaml'), { env });
      expect(c.jobs).toEqual([]);
      expect(c.warnings).toEqual([
        `${join(dir, 'config.yaml')}:7:10: jobsDir: jobs folder /nonexistent/jobs does not exist`,
      ]);
    });
  });

  it('warns about TLS off, unchecked certificates, secrets this environment lacks and missing retention', async () => {
    const config = lines(
      'destinations:',
      '  plain:',
      '    type: ftps',
      '    host: h',
      '    tls: none',
      '    user: u',
      '    password: { env: PLAIN_PASSWORD }',
      '  open:',
      '    type: ftps',
      '    host: h',
      '    user: u',
      '    password: { credential: ftps }',
      '    insecure: true',
      '    ca: /etc/ca.pem',
    );
    const job = lines(
      'name: nopolicy',
      'destination: plain',
      'sources:',
      '  - type: mysql',
      '    databases: [wp]',
      '    user: backup',
      '    password: { env: MYSQL_PASSWORD }',
    );
    await withFiles({ 'config.yaml': config, 'jobs/j.yaml': job }, async (dir) => {
      const c = await loadConfig(join(dir, 'config.yaml'), { env: {} });
      const f = join(dir, 'config.yaml');
      const j = join(dir, 'jobs', 'j.yaml');
      expect(c.warnings).toEqual([
        `${f}:5:10: destinations.plain.tls: TLS is off: the password and the backups cross the network unencrypted`,
        `${f}:7:15: destinations.plain.password: environment variable PLAIN_PASSWORD is not set here: the password will be missing when this runs`,
        `${f}:13:15: destinations.open.insecure: the server certificate is not checked: anyone in the middle can read the password and the backups (pin it with fingerprint instead)`,
        `${f}:14:9: destinations.open.ca: ca has no effect while insecure is true`,
        `${f}:12:15: destinations.open.password: credential ftps cannot be read here: $CREDENTIALS_DIRECTORY is not set (not under systemd) and /etc/ftps-backup/credentials/ftps does not exist`,
        `${j}:7:15: sources[0].password: environment variable MYSQL_PASSWORD is not set here: the password will be missing when this runs`,
        `${j}:1:7: name: job nopolicy has no retention policy: every set is kept forever`,
      ]);
      const withEnv = await loadConfig(f, {
        env: { PLAIN_PASSWORD: 'a', MYSQL_PASSWORD: 'b', CREDENTIALS_DIRECTORY: '/run/credentials/x' },
      });
      expect(withEnv.warnings.filter((w) => /not set|CREDENTIALS_DIRECTORY/.test(w))).toEqual([]);
    });
  });

  it('lists every secret reference with where it is written', async () => {
    const job = lines(
      'name: db',
      'destination: offsite',
      'sources:',
      '  - type: mysql',
      '    databases: all',
      '    user: backup',
      '    password: { credential: mysql }',
      '  - type: directory',
      '    label: site',
      '    path: /srv',
    );
    await withFiles({ 'config.yaml': BASE_CONFIG, 'jobs/db.yaml': job }, async (dir) => {
      const c = await loadConfig(join(dir, 'config.yaml'), { env });
      expect(secretRefs(c)).toEqual([
        { where: 'destinations.offsite.password', ref: { env: 'FTPS_PASSWORD' } },
        { where: 'job db: sources[0].password', ref: { credential: 'mysql' } },
      ]);
    });
  });

  it("notifications: a job's list replaces the defaults' list, [] turns them off, defaults filled", async () => {
    const config =
      BASE_CONFIG +
      lines(
        'defaults:',
        '  notifications:',
        '    - type: healthchecks',
        '      url: { credential: hc-url }',
        '    - type: email',
        '      host: smtp.example.net',
        '      tls: implicit',
        '      user: alerts',
        '      password: { env: SMTP_PASSWORD }',
        '      from: backup@example.net',
        '      to: [admin@example.net]',
      );
    const own = lines(
      'notifications:',
      '  - type: webhook',
      '    url: https://hooks.example.net/x',
      '    headers: { Authorization: { env: HOOK_AUTH }, X-Source: backup }',
    );
    await withFiles(
      {
        'config.yaml': config,
        'jobs/a.yaml': BASE_JOB.replace('name: blog', 'name: inherits'),
        'jobs/b.yaml': BASE_JOB.replace('name: blog', 'name: own') + own,
        'jobs/c.yaml': BASE_JOB.replace('name: blog', 'name: quiet') + lines('notifications: []'),
      },
      async (dir) => {
        const c = await loadConfig(join(dir, 'config.yaml'), { env });
        const [inherits, mine, quiet] = c.jobs;
        expect(inherits?.notifications).toEqual([
          { type: 'healthchecks', url: { credential: 'hc-url' }, timeout: 10_000, retries: 3 },
          {
            type: 'email',
            on: 'failure',
            host: 'smtp.example.net',
            port: 465,
            tls: 'implicit',
            user: 'alerts',
            password: { env: 'SMTP_PASSWORD' },
            from: 'backup@example.net',
            to: ['admin@example.net'],
            timeout: 30_000,
          },
        ]);
        expect(mine?.notifications).toEqual([
          {
            type: 'webhook',
            on: 'failure',
            url: 'https://hooks.example.net/x',
            headers: { Authorization: { env: 'HOOK_AUTH' }, 'X-Source': 'backup' },
            timeout: 10_000,
            retries: 3,
          },
        ]);
        expect(quiet?.notifications).toEqual([]);
        expect(secretRefs(c).filter((r) => r.where.includes('notifications'))).toEqual([
          { where: 'job inherits: notifications[0].url', ref: { credential: 'hc-url' } },
          { where: 'job inherits: notifications[1].password', ref: { env: 'SMTP_PASSWORD' } },
          { where: 'job own: notifications[0].headers.Authorization', ref: { env: 'HOOK_AUTH' } },
        ]);
      },
    );
  });

  it('does not read secrets while loading', async () => {
    const config = BASE_CONFIG.replace('{ env: FTPS_PASSWORD }', '{ file: /nonexistent/ftps.pass }');
    await withFiles({ 'config.yaml': config }, async (dir) => {
      const c = await loadConfig(join(dir, 'config.yaml'), { env: {} });
      expect(ftps(c.destinations.offsite).password).toEqual({ file: '/nonexistent/ftps.pass' });
    });
  });

  it('hooks: per phase the job list replaces the defaults list; the timeout likewise, default 5m', async () => {
    const config = `${BASE_CONFIG}defaults:\n  hooks: { timeout: 30s, before: [[a]], always: [[b, c]] }\n`;
    const job = `${BASE_JOB}hooks:\n  before: [{ shell: 'x && y' }]\n  onError: []\n`;
    await withFiles({ 'config.yaml': config, 'jobs/blog.yaml': job }, async (dir) => {
      const c = await loadConfig(join(dir, 'config.yaml'), { env });
      expect(c.jobs[0]?.hooks).toEqual({
        timeout: 30_000,
        before: [{ shell: 'x && y' }],
        after: [],
        onError: [],
        always: [['b', 'c']],
      });
    });
    await withFiles({ 'config.yaml': BASE_CONFIG, 'jobs/blog.yaml': BASE_JOB }, async (dir) => {
      const c = await loadConfig(join(dir, 'config.yaml'), { env });
      expect(c.jobs[0]?.hooks).toEqual({ timeout: 300_000, before: [], after: [], onError: [], always: [] });
    });
  });

  it('accepts cron expressions with a seconds field and the cron shortcuts, refuses unknown @words', async () => {
    await withFiles(
      { 'config.yaml': BASE_CONFIG, 'jobs/blog.yaml': BASE_JOB.replace('30 3 * * *', '0 30 3 * * 1-5') },
      async (dir) => {
        const c = await loadConfig(join(dir, 'config.yaml'), { env });
        expect(c.jobs[0]?.schedule).toBe('0 30 3 * * 1-5');
      },
    );
    await withFiles(
      { 'config.yaml': BASE_CONFIG, 'jobs/blog.yaml': BASE_JOB.replace('30 3 * * *', '@weekly') },
      async (dir) => {
        const c = await loadConfig(join(dir, 'config.yaml'), { env });
        // Kept as written (status shows it); the scheduler expands it through the domain table.
        expect(c.jobs[0]?.schedule).toBe('@weekly');
      },
    );
    for (const [written, message] of [
      ['@reboot', /@reboot is not supported/],
      ['@Daily', /unknown cron shortcut "@Daily": expected one of @hourly, @daily/],
      ['@every 5m', /unknown cron shortcut "@every 5m"/],
    ] as const) {
      await withFiles(
        { 'config.yaml': BASE_CONFIG, 'jobs/blog.yaml': BASE_JOB.replace('"30 3 * * *"', `'${written}'`) },
        async (dir) => {
          const err = await configError(() => loadConfig(join(dir, 'config.yaml'), { env }));
          expect(err.problems.map((p) => [p.path, p.line])).toEqual([['schedule', 2]]);
          expect(err.problems[0]?.message).toMatch(message);
        },
      );
    }
  });
});
