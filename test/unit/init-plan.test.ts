import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  credentialsDropIn,
  initFiles,
  jobNameFromSite,
  type InitPlanInput,
} from '../../src/cli/init/plan.ts';
import { WORDPRESS_EXCLUDES } from '../../src/cli/init/wp-config.ts';

const base: InitPlanInput = {
  destinationYaml:
    'destinations:\n  backup.example.net:\n    type: ftps\n    password: { credential: ftps }\n',
  destinationName: 'backup.example.net',
  jobName: 'blog',
  schedule: '30 3 * * *',
  site: { path: '/var/www/blog', excludes: WORDPRESS_EXCLUDES, wordpress: true },
  mysql: { database: 'wp', endpoint: { host: '127.0.0.1', port: 3307 }, user: 'wpuser', password: true },
  header: 'Written by ftps-backup init 0.1.0 on 2026-12-03',
};

describe('initFiles', () => {
  it('writes the passwords only into credential files; the YAML names them', () => {
    const { files } = initFiles(base, { ftps: 'ftp-secret', mysql: 'db-secret' });
    expect(files.map((f) => [f.path, f.secret])).toEqual([
      ['config.yaml', false],
      ['jobs/blog.yaml', false],
      ['credentials/ftps', true],
      ['credentials/mysql', true],
    ]);
    expect(files[2]!.content).toBe('ftp-secret');
    expect(files[3]!.content).toBe('db-secret');
    for (const f of files.filter((x) => !x.secret)) {
      expect(f.content).not.toContain('ftp-secret');
      expect(f.content).not.toContain('db-secret');
    }
    expect(parse(files[1]!.content)).toEqual({
      name: 'blog',
      schedule: '30 3 * * *',
      destination: 'backup.example.net',
      sources: [
        {
          type: 'mysql',
          label: 'db',
          databases: ['wp'],
          host: '127.0.0.1',
          port: 3307,
          user: 'wpuser',
          password: { credential: 'mysql' },
        },
        {
          type: 'directory',
          label: 'site',
          path: '/var/www/blog',
          exclude: WORDPRESS_EXCLUDES.map((e) => e.pattern),
        },
      ],
      retention: { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 },
    });
    expect(files[1]!.content).toMatch(/^# {3}wp-content\/updraft\/\*\*: UpdraftPlus's backup archives$/m);
  });

  it('a database user without password: no password key, no credential file', () => {
    const { files } = initFiles(
      {
        ...base,
        mysql: {
          database: 'wp',
          endpoint: { socket: '/run/mysqld/mysqld.sock' },
          user: 'wp',
          password: false,
        },
      },
      { ftps: 'x', mysql: '' },
    );
    expect(files.map((f) => f.path)).toEqual(['config.yaml', 'jobs/blog.yaml', 'credentials/ftps']);
    const job = parse(files[1]!.content) as { sources: Record<string, unknown>[] };
    expect(job.sources[0]).toEqual({
      type: 'mysql',
      label: 'db',
      databases: ['wp'],
      socket: '/run/mysqld/mysqld.sock',
      user: 'wp',
    });
  });

  it('a plain site: the folder only, no excludes; state dir when asked', () => {
    const { files } = initFiles(
      {
        ...base,
        mysql: undefined,
        site: { path: '/srv/site', excludes: [], wordpress: false },
        stateDir: '/tmp/st',
      },
      { ftps: 'x' },
    );
    const job = parse(files[1]!.content) as { sources: unknown[] };
    expect(job.sources).toEqual([{ type: 'directory', label: 'site', path: '/srv/site' }]);
    expect(parse(files[0]!.content)).toMatchObject({ state: { dir: '/tmp/st' } });
  });

  it('refuses a mysql source with a password but none given', () => {
    expect(() => initFiles(base, { ftps: 'x' })).toThrow('the mysql source needs its password');
  });
});

describe('jobNameFromSite', () => {
  it.each([
    ['/var/www/blog', 'blog'],
    ['/var/www/blog/', 'blog'],
    ['/var/www/my site (old)', 'my-site-old-'],
    ['/var/www/_private', 'private'],
    ['/', 'site'],
    ['/var/www/éé', 'site'],
  ])('%s → %s', (path, name) => {
    expect(jobNameFromSite(path)).toBe(name);
  });
});

describe('credentialsDropIn', () => {
  it('clears the unit list and loads the named credentials from the configuration folder', () => {
    expect(credentialsDropIn('/etc/ftps-backup', ['ftps'])).toBe(
      '# Written by ftps-backup init: load only the credentials it wrote.\n[Service]\nLoadCredential=\nLoadCredential=ftps:/etc/ftps-backup/credentials/ftps\n',
    );
  });
});
