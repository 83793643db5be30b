import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ConfigError, SecretError } from '../../../src/config/index.ts';
import {
  EXIT,
  exitCodeFor,
  LoginFailedError,
  mostSevere,
  type ExitCode,
} from '../../../src/cli/exit-codes.ts';
import { JobsFailedError, JobsWarnedError } from '../../../src/cli/commands/run.ts';
import { UsageError } from '../../../src/cli/ftp-url.ts';
import {
  FtpConnectionError,
  FtpLoginError,
  FtpReplyError,
  FtpTimeoutError,
  FtpTlsError,
} from '../../../src/ftp/index.ts';

const login = new FtpLoginError('PASS: server replied 530 Login incorrect', 530);
const secret = new SecretError('environment variable X is not set');
const wrapped = (inner: unknown, depth = 1): Error => {
  let e: unknown = inner;
  for (let i = 0; i < depth; i++) e = new Error(`wrapper ${i}`, { cause: e });
  return e as Error;
};

const cases: Array<[string, unknown, ExitCode]> = [
  ['a plain error', new Error('boom'), EXIT.failed],
  ['not an Error at all', 'a string', EXIT.failed],
  ['usage', new UsageError('give a job'), EXIT.usage],
  ['configuration', new ConfigError([]), EXIT.usage],
  ['a missing secret', secret, EXIT.usage],
  ['a missing secret, wrapped twice', wrapped(secret, 2), EXIT.usage],
  ['530 at login', login, EXIT.connect],
  ['530 at login, wrapped (a retry that gave up)', wrapped(login, 3), EXIT.connect],
  ['a database login refused (check-config --online)', new LoginFailedError('x'), EXIT.connect],
  ['530 as a reply later', new FtpReplyError('STOR x', 530, 'Not logged in'), EXIT.connect],
  ['another negative reply', new FtpReplyError('STOR x', 553, 'Not allowed'), EXIT.failed],
  ['TLS trust', new FtpTlsError('certificate not trusted'), EXIT.connect],
  ['no connection', new FtpConnectionError('ECONNREFUSED'), EXIT.connect],
  ['timeout', new FtpTimeoutError('no reply in 60 s'), EXIT.connect],
  ['commander usage', new CommanderError(1, 'commander.unknownOption', 'unknown option'), EXIT.usage],
  ['commander help', new CommanderError(0, 'commander.helpDisplayed', ''), EXIT.ok],
  ['warnings only', new JobsWarnedError('1 of 1 job(s) published a set with warnings'), EXIT.warning],
  ['one job, 530', new JobsFailedError('1 of 1', [wrapped(login)]), EXIT.connect],
  ['one job, missing secret', new JobsFailedError('1 of 1', [secret]), EXIT.usage],
  ['jobs: a failure and a 530', new JobsFailedError('2 of 2', [new Error('x'), login]), EXIT.connect],
  ['jobs: a 530 and a missing secret', new JobsFailedError('2 of 2', [login, secret]), EXIT.usage],
  ['cancelled (no job errors)', new JobsFailedError('cancelled by a signal'), EXIT.failed],
  [
    'a cause chain that loops',
    (() => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      (a as { cause?: unknown }).cause = b;
      return a;
    })(),
    EXIT.failed,
  ],
];

describe('exitCodeFor', () => {
  it.each(cases)('%s', (_title, err, code) => {
    expect(exitCodeFor(err)).toBe(code);
  });

  it('orders severity: configuration, then server, then failure, then warning', () => {
    expect(mostSevere([EXIT.warning, EXIT.failed])).toBe(EXIT.failed);
    expect(mostSevere([EXIT.failed, EXIT.connect, EXIT.warning])).toBe(EXIT.connect);
    expect(mostSevere([EXIT.connect, EXIT.usage])).toBe(EXIT.usage);
    expect(mostSevere([EXIT.ok, EXIT.warning])).toBe(EXIT.warning);
    expect(mostSevere([])).toBe(EXIT.ok);
  });
});
