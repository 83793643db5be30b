/**
 * The pure parts of src/notify: the webhook payload, e-mail text, the log tail and its byte cut, and the
 * dispatcher's promise — it never throws, sends only what each channel wants, and gives up at a deadline.
 */
import { describe, expect, it } from 'vitest';
import {
  emailSubject,
  emailText,
  LogTail,
  notifyFinish,
  notifyStart,
  pingBody,
  teeLogger,
  truncateUtf8Start,
  webhookPayload,
  type JobReport,
  type Notifier,
  type NotifyOn,
  type Outcome,
  wantsOutcome,
} from '../../../src/notify/index.ts';

const startedAt = new Date('2025-03-01T03:30:00.000Z');
const finishedAt = new Date('2025-03-01T03:31:02.500Z');

const success: JobReport = {
  job: 'blog',
  host: 'web1',
  outcome: 'success',
  startedAt,
  finishedAt,
  set: '20250301T033000Z',
  bytes: 1234,
  objects: 2,
  warnings: ['site: file grew while read'],
  logTail: 'line 1\nline 2',
};

const failure: JobReport = {
  job: 'blog',
  host: 'web1',
  outcome: 'failure',
  startedAt,
  finishedAt,
  warnings: [],
  error: 'environment variable FTPS_PASSWORD is not set',
  logTail: '',
};

function recordingLog() {
  const lines: string[] = [];
  return {
    lines,
    log: {
      error: (m: string) => lines.push(`error ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
      info: (m: string) => lines.push(`info ${m}`),
      debug: (m: string) => lines.push(`debug ${m}`),
    },
  };
}

describe('webhookPayload', () => {
  it('carries the run with fixed field names', () => {
    expect(webhookPayload(success)).toEqual({
      job: 'blog',
      task: 'backup',
      outcome: 'success',
      host: 'web1',
      startedAt: '2025-03-01T03:30:00.000Z',
      finishedAt: '2025-03-01T03:31:02.500Z',
      durationSeconds: 62.5,
      bytes: 1234,
      set: '20250301T033000Z',
      objects: 2,
      warnings: ['site: file grew while read'],
      error: null,
    });
  });

  it('gives null for what a failed run does not have, and its error', () => {
    expect(webhookPayload(failure)).toMatchObject({
      outcome: 'failure',
      bytes: null,
      set: null,
      objects: null,
      error: 'environment variable FTPS_PASSWORD is not set',
    });
  });
});

const warned: JobReport = {
  ...success,
  outcome: 'warning',
  warnings: [
    'files-site.tar.zst: cannot open file /srv/site/wp-config.php: EACCES',
    'db-shop: table `orders`: rows fell from 120 to 0',
  ],
};

describe('wantsOutcome', () => {
  it.each([
    ['failure', 'failure', true],
    ['failure', 'warning', true],
    ['failure', 'success', false],
    ['warning', 'warning', true],
    ['warning', 'failure', false],
    ['warning', 'success', false],
    ['success', 'success', true],
    ['success', 'warning', false],
    ['success', 'failure', false],
    ['always', 'warning', true],
    ['always', 'failure', true],
    ['always', 'success', true],
  ] as const)('on: %s, outcome %s → %s', (on: NotifyOn, outcome: Outcome, sent: boolean) => {
    expect(wantsOutcome(on, outcome)).toBe(sent);
  });
});

describe('warnings on every channel', () => {
  it('webhook: outcome warning with the set and the warnings', () => {
    expect(webhookPayload(warned)).toMatchObject({
      outcome: 'warning',
      set: '20250301T033000Z',
      warnings: warned.warnings,
      error: null,
    });
  });

  it('e-mail: the subject says WARNING and how many', () => {
    expect(emailSubject(warned)).toBe(
      'ftps-backup: WARNING: job blog on web1: set published with 2 warning(s)',
    );
    expect(emailText(warned)).toContain('Outcome:  warning');
    expect(emailText(warned)).toContain('- db-shop: table `orders`: rows fell from 120 to 0');
  });

  it('healthchecks: the ping body opens with the warnings, then the log tail; a success sends the tail only', () => {
    expect(pingBody(warned)).toBe(
      [
        'WARNING: job blog published set 20250301T033000Z with 2 warning(s):',
        '- files-site.tar.zst: cannot open file /srv/site/wp-config.php: EACCES',
        '- db-shop: table `orders`: rows fell from 120 to 0',
        '',
        'line 1',
        'line 2',
      ].join('\n'),
    );
    expect(pingBody(success)).toBe('line 1\nline 2');
  });
});

describe('e-mail', () => {
  it('says the outcome in the subject and the details in the text', () => {
    expect(emailSubject(success)).toBe('ftps-backup: job blog succeeded on web1');
    expect(emailSubject(failure)).toBe('ftps-backup: job blog FAILED on web1');
    expect(emailSubject({ ...failure, task: 'verify' })).toBe(
      'ftps-backup: verification of job blog FAILED on web1',
    );
    expect(emailText(success)).toContain('Set:      20250301T033000Z (2 objects, 1234 bytes)');
    expect(emailText(success)).toContain('Warnings:\n- site: file grew while read');
    expect(emailText(success)).toContain('Last log lines:\nline 1\nline 2');
    expect(emailText(failure)).toContain('Error: environment variable FTPS_PASSWORD is not set');
    expect(emailText(failure)).not.toContain('Set:');
  });
});

describe('LogTail and teeLogger', () => {
  it('keeps the last lines, forwards everything, and leaves debug lines out of the tail', () => {
    const tail = new LogTail(3);
    const { lines, log } = recordingLog();
    const tee = teeLogger(log, tail, () => startedAt);
    tee.info('one');
    tee.debug('> PASS ****');
    tee.warn('two');
    tee.info('three');
    tee.error('four');
    expect(lines).toEqual(['info one', 'debug > PASS ****', 'warn two', 'info three', 'error four']);
    expect(tail.text()).toBe(
      [
        '2025-03-01T03:30:00.000Z warn: two',
        '2025-03-01T03:30:00.000Z info: three',
        '2025-03-01T03:30:00.000Z error: four',
      ].join('\n'),
    );
  });

  it('shortens a very long line', () => {
    const tail = new LogTail(10, 5);
    tail.push('abcdefgh');
    expect(tail.text()).toBe('abcde…');
  });
});

describe('truncateUtf8Start', () => {
  it('keeps a short text whole', () => {
    expect(truncateUtf8Start('a\nb', 10)).toBe('a\nb');
  });

  it('keeps the end within the byte limit, from a line start, never half a character', () => {
    const text = ['first line', 'größe 日本', 'last line'].join('\n');
    expect(truncateUtf8Start(text, 24)).toBe('größe 日本\nlast line'); // exactly at a line start
    const cut = truncateUtf8Start(text, 22);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(22);
    expect(cut).toBe('last line');
    const mid = truncateUtf8Start('日本語', 7); // 9 bytes; 7 would start inside 日
    expect(mid).toBe('本語');
  });
});

function fake(
  label: string,
  on: Outcome | 'always',
  behaviour: 'ok' | 'throw' | 'hang',
  sent: string[],
): Notifier {
  const act = (what: string): Promise<void> => {
    sent.push(`${label} ${what}`);
    if (behaviour === 'throw') return Promise.reject(new Error('connection refused'));
    if (behaviour === 'hang') return new Promise(() => undefined);
    return Promise.resolve();
  };
  return {
    label,
    deadlineMs: behaviour === 'hang' ? 20 : 60_000,
    wants: (o) => on === 'always' || on === o,
    start: () => act('start'),
    finish: (r) => act(r.outcome),
  };
}

describe('the dispatcher', () => {
  it('sends to every channel that wants the outcome and never throws', async () => {
    const sent: string[] = [];
    const { lines, log } = recordingLog();
    const channels = [
      fake('a', 'failure', 'ok', sent),
      fake('b', 'success', 'ok', sent),
      fake('c', 'always', 'throw', sent),
      fake('d', 'always', 'hang', sent),
    ];
    await expect(notifyStart(channels, success, log)).resolves.toBeUndefined();
    await expect(notifyFinish(channels, failure, log)).resolves.toEqual([
      { label: 'a' },
      { label: 'c', error: 'connection refused' },
      { label: 'd', error: 'gave up after 0 s' },
    ]);
    expect(sent.sort()).toEqual([
      'a failure',
      'a start',
      'b start',
      'c failure',
      'c start',
      'd failure',
      'd start',
    ]);
    expect(lines.filter((l) => l.startsWith('warn')).sort()).toEqual([
      'warn job blog: failure notification: c failed: connection refused',
      'warn job blog: failure notification: d failed: gave up after 0 s',
      'warn job blog: start notification: c failed: connection refused',
      'warn job blog: start notification: d failed: gave up after 0 s',
    ]);
    expect(lines).toContain('info job blog: failure notification: sent a');
  });

  it('a limit shortens every deadline', async () => {
    const sent: string[] = [];
    const { lines, log } = recordingLog();
    const slow: Notifier = { ...fake('slow', 'always', 'hang', sent), deadlineMs: 3_600_000 };
    await notifyFinish([slow], failure, log, { limitMs: 10 });
    expect(lines).toEqual(['warn job blog: failure notification: slow failed: gave up after 0 s']);
  });
});
