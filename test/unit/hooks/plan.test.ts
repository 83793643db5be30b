/** Hook commands built as data: compared by equality, environment included. */
import { describe, expect, it } from 'vitest';
import { hookCommands, hookEnv, type HookSettings } from '../../../src/hooks/index.ts';
import { HOOK_ERROR_LIMIT } from '../../../src/hooks/plan.ts';

const parent = {
  PATH: '/usr/bin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  FTPS_PASSWORD: 'hunter22-secret',
  MYSQL_PWD: 'db-secret',
  NODE_OPTIONS: '--inspect',
};

const settings: HookSettings = {
  timeout: 300_000,
  before: [
    ['systemctl', 'stop', 'php-fpm'],
    { shell: 'wp maintenance-mode activate && echo "$FTPS_BACKUP_SET"' },
  ],
  after: [],
  onError: [['logger', '-t', 'backup', 'failed']],
  always: [['systemctl', 'start', 'php-fpm']],
};

describe('hookCommands', () => {
  it('before: argv as given, a shell only for { shell }, the minimal environment without an outcome', () => {
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
      FTPS_BACKUP_JOB: 'blog',
      FTPS_BACKUP_SET: '20261203T205300Z',
    };
    expect(
      hookCommands('before', settings, { job: 'blog', set: '20261203T205300Z' }, { from: parent }),
    ).toEqual([
      { label: 'before[0]', file: 'systemctl', args: ['stop', 'php-fpm'], env, timeoutMs: 300_000 },
      {
        label: 'before[1]',
        file: '/bin/sh',
        args: ['-c', 'wp maintenance-mode activate && echo "$FTPS_BACKUP_SET"'],
        env,
        timeoutMs: 300_000,
      },
    ]);
  });

  it('onError: outcome and error in the environment; a cap shortens the timeout', () => {
    const cmds = hookCommands(
      'onError',
      settings,
      { job: 'blog', set: 'S', outcome: 'failure', error: 'mariadb-dump exited with status 2' },
      { from: parent, timeoutCapMs: 15_000 },
    );
    expect(cmds).toEqual([
      {
        label: 'onError[0]',
        file: 'logger',
        args: ['-t', 'backup', 'failed'],
        env: {
          PATH: '/usr/bin:/bin',
          HOME: '/root',
          LANG: 'C.UTF-8',
          FTPS_BACKUP_JOB: 'blog',
          FTPS_BACKUP_SET: 'S',
          FTPS_BACKUP_OUTCOME: 'failure',
          FTPS_BACKUP_ERROR: 'mariadb-dump exited with status 2',
        },
        timeoutMs: 15_000,
      },
    ]);
  });

  it('an empty phase is no command; a cap above the timeout changes nothing', () => {
    expect(
      hookCommands('after', settings, { job: 'b', set: 'S', outcome: 'success' }, { from: parent }),
    ).toEqual([]);
    expect(
      hookCommands(
        'always',
        settings,
        { job: 'b', set: 'S', outcome: 'warning' },
        { from: {}, timeoutCapMs: 900_000 },
      ),
    ).toEqual([
      {
        label: 'always[0]',
        file: 'systemctl',
        args: ['start', 'php-fpm'],
        env: { FTPS_BACKUP_JOB: 'b', FTPS_BACKUP_SET: 'S', FTPS_BACKUP_OUTCOME: 'warning' },
        timeoutMs: 300_000,
      },
    ]);
  });
});

describe('hookEnv', () => {
  it.each([
    [
      { job: 'j', set: 's' },
      { FTPS_BACKUP_JOB: 'j', FTPS_BACKUP_SET: 's' },
    ],
    [
      { job: 'j', set: 's', outcome: 'success' as const },
      { FTPS_BACKUP_JOB: 'j', FTPS_BACKUP_SET: 's', FTPS_BACKUP_OUTCOME: 'success' },
    ],
    [
      { job: 'j', set: 's', outcome: 'failure' as const, error: 'a\0b' },
      {
        FTPS_BACKUP_JOB: 'j',
        FTPS_BACKUP_SET: 's',
        FTPS_BACKUP_OUTCOME: 'failure',
        FTPS_BACKUP_ERROR: 'a?b',
      },
    ],
  ])('%j', (ctx, expected) => {
    expect(hookEnv(ctx)).toEqual(expected);
  });

  it('cuts a long error to a bounded length', () => {
    const env = hookEnv({ job: 'j', set: 's', outcome: 'failure', error: 'x'.repeat(100_000) });
    expect(env.FTPS_BACKUP_ERROR).toBe(`${'x'.repeat(HOOK_ERROR_LIMIT - 1)}…`);
  });
});
