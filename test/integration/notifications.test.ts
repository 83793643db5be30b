/**
 * Notifications end to end, through the real CLI (`run` in-process, `daemon` as a child process) with a
 * local destination: a local HTTP server plays the webhook receiver and the healthchecks server, a local
 * SMTP sink receives the e-mails. A failing or silent notification never changes the job's outcome or
 * its error, and no secret (header token, ping URL, SMTP password) reaches any log line.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { startCli } from '../support/child-cli.ts';
import { startHttpRecorder, type Answer, type HttpRecorder } from '../support/http-recorder.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const work = mkdtempSync(join(tmpdir(), 'notify-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const open: Array<HttpRecorder | SmtpSink> = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function http(answer?: Answer): Promise<HttpRecorder> {
  const r = await startHttpRecorder(answer);
  open.push(r);
  return r;
}

/** The keys of an e-mail entry that point it at the sink (plain SMTP on loopback). */
function smtpServer(smtp: SmtpSink): string[] {
  return [`  host: ${smtp.host}`, `  port: ${smtp.port}`, '  tls: none', '  from: backup@agent.test'];
}

interface Setup {
  dir: string;
  cfg: string;
  logFile: string;
}

/** A config with one job `site` backing up a small folder (or a missing one) to a local folder. */
function setup(
  name: string,
  notifications: string[],
  opts: { missingSource?: boolean; ftpsWithoutSecret?: boolean; schedule?: string } = {},
): Setup {
  const dir = join(work, name);
  mkdirSync(join(dir, 'site'), { recursive: true });
  writeFileSync(join(dir, 'site', 'index.php'), '<?php echo "hello";\n');
  const logFile = join(dir, 'agent.log');
  const lines = [
    'destinations:',
    `  disk: { type: local, path: ${JSON.stringify(join(dir, 'dest'))} }`,
    ...(opts.ftpsWithoutSecret === true
      ? ['  remote: { type: ftps, host: 127.0.0.1, user: u, password: { env: NOT_SET_FTPS_PASSWORD } }']
      : []),
    `log: { file: ${JSON.stringify(logFile)}, format: json, level: debug }`,
    `state: { dir: ${JSON.stringify(join(dir, 'state'))} }`,
    'jobs:',
    '  - name: site',
    `    destination: ${opts.ftpsWithoutSecret === true ? 'remote' : 'disk'}`,
    ...(opts.schedule !== undefined ? [`    schedule: ${JSON.stringify(opts.schedule)}`] : []),
    '    sources:',
    '      - type: directory',
    '        label: site',
    `        path: ${JSON.stringify(join(dir, opts.missingSource === true ? 'no-such-folder' : 'site'))}`,
    '    retention: { keepLast: 3 }',
    '    notifications:',
    ...notifications.map((l) => `      ${l}`),
    '',
  ];
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, lines.join('\n'));
  return { dir, cfg, logFile };
}

interface LogRecord {
  level: string;
  message: string;
}

function logRecords(file: string): LogRecord[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LogRecord);
}

/** Every line of the JSON log file and of the console output is free of each secret. */
function expectNoSecrets(s: Setup, output: string, secrets: string[]): void {
  const records = logRecords(s.logFile);
  expect(records.length).toBeGreaterThan(3);
  for (const rec of records) for (const secret of secrets) expect(rec.message).not.toContain(secret);
  for (const secret of secrets) expect(output).not.toContain(secret);
}

interface Payload {
  job: string;
  outcome: string;
  host: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  bytes: number | null;
  set: string | null;
  objects: number | null;
  warnings: string[];
  error: string | null;
}

describe('notifications', () => {
  it('success: one webhook POST with the run as JSON and the custom headers; healthchecks /start, then the success ping with the log tail', async () => {
    const hook = await http();
    const hc = await http();
    const token = `hook-token-${randomUUID()}`;
    const uuid = randomUUID();
    const s = setup('success', [
      '- type: webhook',
      '  on: always',
      `  url: ${hook.url}/hooks/backup`,
      '  headers: { Authorization: { env: HOOK_TOKEN }, X-Backup-Host: agent-7 }',
      '- type: healthchecks',
      `  url: ${hc.url}/ping/${uuid}`,
    ]);
    const r = await runCli(['run', 'site', '-c', s.cfg, '--json'], { HOOK_TOKEN: token });
    expect(r.code).toBe(0);
    const [result] = JSON.parse(r.stdout) as Array<{ set: string; bytes: number }>;

    expect(hook.requests).toHaveLength(1);
    const [post] = hook.requests;
    expect(post).toMatchObject({ method: 'POST', path: '/hooks/backup' });
    expect(post!.headers.authorization).toBe(token);
    expect(post!.headers['x-backup-host']).toBe('agent-7');
    expect(post!.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(post!.body) as Payload;
    expect(payload).toMatchObject({
      job: 'site',
      outcome: 'success',
      set: result!.set,
      bytes: result!.bytes,
      objects: 1,
      warnings: [],
      error: null,
    });
    expect(Date.parse(payload.finishedAt)).toBeGreaterThanOrEqual(Date.parse(payload.startedAt));
    expect(payload.durationSeconds).toBe(
      (Date.parse(payload.finishedAt) - Date.parse(payload.startedAt)) / 1000,
    );

    expect(hc.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      `POST /ping/${uuid}/start`,
      `POST /ping/${uuid}`,
    ]);
    const tail = hc.requests[1]!.body;
    expect(tail).toContain(`job site: OK — set ${result!.set}`);
    expect(tail.split('\n').every((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z (info|warn|error): /.test(l))).toBe(true);

    const messages = logRecords(s.logFile).map((rec) => rec.message);
    expect(messages).toContain('job site: success notification: sent webhook ' + hook.url);
    expect(messages).toContain('job site: success notification: sent healthchecks ' + hc.url);
    expectNoSecrets(s, r.stderr + r.stdout, [token, uuid]);
  });

  it('failure: /fail and a webhook with the job error, an e-mail through SMTP; exit code and printed error stay the job’s own', async () => {
    const hook = await http();
    const hc = await http();
    const smtp = await startSmtpSink();
    open.push(smtp);
    const uuid = randomUUID();
    const smtpPassword = `smtp-pass-${randomUUID()}`;
    const s = setup(
      'failure',
      [
        '- type: webhook',
        `  url: ${hook.url}/hook`,
        '- type: healthchecks',
        '  url: { env: HC_URL }',
        '- type: email',
        ...smtpServer(smtp),
        '  user: alerts',
        '  password: { env: SMTP_PASSWORD }',
        '  to: [admin@agent.test, oncall@agent.test]',
      ],
      { missingSource: true },
    );
    const env = { HC_URL: `${hc.url}/${uuid}`, SMTP_PASSWORD: smtpPassword };
    const r = await runCli(['run', 'site', '-c', s.cfg, '--json'], env);
    expect(r.code).toBe(1);
    const [entry] = JSON.parse(r.stdout) as Array<{ ok: boolean; error: string }>;
    expect(entry!.ok).toBe(false);
    expect(entry!.error).toMatch(/no-such-folder/);
    // The last error lines are the job's, not a notification's.
    const errors = logRecords(s.logFile).filter((rec) => rec.level === 'error');
    expect(errors.map((e) => e.message)).toEqual([
      `job site: FAILED — ${entry!.error}`,
      '1 of 1 job(s) did not complete: site',
    ]);

    expect(hook.requests).toHaveLength(1);
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({
      job: 'site',
      outcome: 'failure',
      set: null,
      bytes: null,
      error: entry!.error,
    });
    expect(hc.requests.map((q) => q.path)).toEqual([`/${uuid}/start`, `/${uuid}/fail`]);
    expect(hc.requests[1]!.body).toContain(`job site: FAILED — ${entry!.error}`);

    const [mail] = await smtp.received(1);
    expect(mail!.auth).toEqual({ user: 'alerts', pass: smtpPassword });
    expect(mail!.from).toBe('backup@agent.test');
    expect(mail!.to).toEqual(['admin@agent.test', 'oncall@agent.test']);
    expect(mail!.headers.subject).toMatch(/^ftps-backup: job site FAILED on \S+$/);
    expect(mail!.text).toContain(`Error: ${entry!.error}`);
    expect(mail!.text).toContain('Last log lines:');
    expectNoSecrets(s, r.stderr + r.stdout, [smtpPassword, uuid]);
  });

  it('a failure before the backup starts (a destination secret missing) is reported too', async () => {
    const hook = await http();
    const s = setup('early', ['- type: webhook', `  url: ${hook.url}/hook`], { ftpsWithoutSecret: true });
    const r = await runCli(['run', 'site', '-c', s.cfg, '--json'], {});
    expect(r.code).toBe(2); // README: a missing secret
    const [entry] = JSON.parse(r.stdout) as Array<{ error: string }>;
    expect(entry!.error).toBe('environment variable NOT_SET_FTPS_PASSWORD is not set');
    expect(hook.requests).toHaveLength(1);
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({ outcome: 'failure', error: entry!.error });
  });

  it('a webhook answering 500 twice, then 200, is delivered by its retries', async () => {
    const hook = await http((n) => (n < 2 ? 500 : 200));
    const s = setup('retry', ['- type: webhook', '  on: success', `  url: ${hook.url}/hook`, '  retries: 2']);
    const r = await runCli(['run', 'site', '-c', s.cfg], {});
    expect(r.code).toBe(0);
    expect(hook.requests).toHaveLength(3);
    expect(new Set(hook.requests.map((q) => q.body)).size).toBe(1); // the same report each time
    const messages = logRecords(s.logFile).map((rec) => rec.message);
    expect(messages).toContain(`job site: success notification: sent webhook ${hook.url}`);
    expect(messages.some((m) => /notification.*failed/.test(m))).toBe(false);
  });

  it('a 4xx answer is final: no retry', async () => {
    const hook = await http(() => 404);
    const s = setup('4xx', ['- type: webhook', '  on: success', `  url: ${hook.url}/hook`, '  retries: 3']);
    const r = await runCli(['run', 'site', '-c', s.cfg], {});
    expect(r.code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    const warnings = logRecords(s.logFile).filter((rec) => rec.level === 'warn');
    expect(warnings.map((w) => w.message)).toEqual([
      `job site: success notification: webhook ${hook.url} failed: HTTP 404 Not Found`,
    ]);
  });

  it('webhooks that always fail or never answer change nothing: success stays success, a failure keeps its error', async () => {
    const broken = await http(() => 500);
    const silent = await http(() => 'hang');
    const hooks = [
      '- type: webhook',
      '  on: always',
      `  url: ${broken.url}/hook`,
      '  retries: 1',
      '- type: webhook',
      '  on: always',
      `  url: ${silent.url}/hook`,
      '  timeout: 1s',
      '  retries: 0',
    ];
    const ok = setup('broken-ok', hooks);
    const good = await runCli(['run', 'site', '-c', ok.cfg, '--json'], {});
    expect(good.code).toBe(0);
    expect((JSON.parse(good.stdout) as Array<{ ok: boolean }>)[0]!.ok).toBe(true);
    expect(
      logRecords(ok.logFile)
        .filter((rec) => rec.level === 'warn')
        .map((w) => w.message),
    ).toEqual(
      expect.arrayContaining([
        `job site: success notification: webhook ${broken.url} failed: HTTP 500 Internal Server Error (after 2 attempts)`,
        `job site: success notification: webhook ${silent.url} failed: no answer in time`,
      ]),
    );
    expect(broken.requests).toHaveLength(2);
    expect(silent.requests).toHaveLength(1);

    const bad = setup('broken-bad', hooks, { missingSource: true });
    const failed = await runCli(['run', 'site', '-c', bad.cfg, '--json'], {});
    expect(failed.code).toBe(1);
    const [entry] = JSON.parse(failed.stdout) as Array<{ error: string }>;
    expect(entry!.error).toMatch(/no-such-folder/);
    const records = logRecords(bad.logFile);
    expect(records.filter((rec) => rec.level === 'error').map((e) => e.message)).toEqual([
      `job site: FAILED — ${entry!.error}`,
      '1 of 1 job(s) did not complete: site',
    ]);
    expect(records.filter((rec) => rec.level === 'warn').map((w) => w.message)).toEqual(
      expect.arrayContaining([
        `job site: failure notification: webhook ${broken.url} failed: HTTP 500 Internal Server Error (after 2 attempts)`,
        `job site: failure notification: webhook ${silent.url} failed: no answer in time`,
      ]),
    );
  });

  it('an SMTP server refusing the message is a warning, not a failed job', async () => {
    const smtp = await startSmtpSink({ rejectMail: 550 });
    open.push(smtp);
    const s = setup('smtp-refused', [
      '- type: email',
      '  on: success',
      ...smtpServer(smtp),
      '  to: [admin@agent.test]',
    ]);
    const r = await runCli(['run', 'site', '-c', s.cfg], {});
    expect(r.code).toBe(0);
    const warnings = logRecords(s.logFile).filter((rec) => rec.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(
      new RegExp(
        `^job site: success notification: email to admin@agent.test via 127\\.0\\.0\\.1:${smtp.port} failed: SMTP 550`,
      ),
    );
  });

  it('notify-test sends a test report through every channel, whatever its `on`, and fails when one fails', async () => {
    const hook = await http();
    const hc = await http();
    const broken = await http(() => 503);
    const smtp = await startSmtpSink();
    open.push(smtp);
    const uuid = randomUUID();
    const s = setup('notify-test', [
      '- type: webhook',
      `  url: ${hook.url}/hook`,
      '- type: healthchecks',
      `  url: ${hc.url}/${uuid}`,
      '- type: email',
      ...smtpServer(smtp),
      '  to: [admin@agent.test]',
      '- type: webhook',
      '  on: always',
      `  url: ${broken.url}/hook`,
      '  retries: 0',
    ]);
    const r = await runCli(['notify-test', 'site', '-c', s.cfg], {});
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').sort()).toEqual(
      [
        '',
        `sent    webhook ${hook.url}`,
        `sent    healthchecks ${hc.url}`,
        `sent    email to admin@agent.test via 127.0.0.1:${smtp.port}`,
        `FAILED  webhook ${broken.url}: HTTP 503 Service Unavailable`,
      ].sort(),
    );
    expect(
      logRecords(s.logFile)
        .filter((rec) => rec.level === 'error')
        .map((e) => e.message),
    ).toEqual(['1 of 4 notification(s) of job site did not go out']);
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({ job: 'site', test: true, set: null });
    expect(hc.requests.map((q) => q.path)).toEqual([`/${uuid}`]);
    const [mail] = await smtp.received(1);
    expect(mail!.headers.subject).toMatch(/^ftps-backup: test notification for job site from \S+$/);
    expect(readdirSync(s.dir)).not.toContain('dest'); // no backup was made
    expectNoSecrets(s, r.stderr + r.stdout, [uuid]);
  });

  it('the daemon sends the same notifications for a scheduled run', async () => {
    const hook = await http();
    const token = `hook-token-${randomUUID()}`;
    const s = setup(
      'daemon',
      [
        '- type: webhook',
        '  on: success',
        `  url: ${hook.url}/hook`,
        '  headers: { X-Api-Key: { env: HOOK_TOKEN } }',
      ],
      { schedule: '* * * * * *' },
    );
    const daemon = startCli(['daemon', '-c', s.cfg], { HOOK_TOKEN: token });
    const [post] = await hook.received(1);
    daemon.child.kill('SIGTERM');
    const exit = await daemon.exited;
    expect(exit.code).toBe(0);
    expect(post!.headers['x-api-key']).toBe(token);
    expect(JSON.parse(post!.body)).toMatchObject({
      job: 'site',
      outcome: 'success',
      objects: 1,
      error: null,
    });
    expect(daemon.output()).toMatch(/job site: success notification: sent webhook/);
    expectNoSecrets(s, daemon.output(), [token]);
  });
});
