/**
 * SIGHUP on a real daemon child with every kind of `log:`: a valid reload takes effect, an invalid one is
 * refused (the old configuration stays), and a log file moved away (what logrotate does) is reopened —
 * the daemon stays up and goes on logging into the new file. A daemon that cannot start says why on
 * stderr and exits 1. Every wait is for a log line, never a fixed time.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, type ChildCli } from '../support/child-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'daemon-reload-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A daemon configuration with one scheduled job to a local folder; `log` is the log: section's YAML. */
function writeConfig(dir: string, schedule: string, log: string): string {
  mkdirSync(join(dir, 'site'), { recursive: true });
  mkdirSync(join(dir, 'dest'), { recursive: true });
  writeFileSync(join(dir, 'site', 'a.txt'), 'a');
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    [
      'destinations:',
      `  disk: { type: local, path: ${JSON.stringify(join(dir, 'dest'))} }`,
      'jobs:',
      '  - name: nightly',
      '    destination: disk',
      `    schedule: "${schedule}"`,
      '    sources:',
      `      - { type: directory, label: site, path: ${JSON.stringify(join(dir, 'site'))} }`,
      '    retention: { keepLast: 3 }',
      // no catch-up run at start: the test is about signals, not about a backup
      'scheduler: { catchUpMissed: false }',
      `state: { dir: ${JSON.stringify(join(dir, 'state'))} }`,
      log,
      '',
    ].join('\n'),
  );
  return file;
}

/** Resolves when the file exists and matches; rejects when the daemon exits first (polls, no sleeps in the assertions). */
function waitForFile(path: string, re: RegExp, daemon: ChildCli, timeoutMs = 30_000): Promise<string> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
      if (re.test(text)) return resolve(text);
      if (daemon.child.exitCode !== null)
        return reject(
          new Error(
            `the daemon exited (${daemon.child.exitCode}) before ${re} in ${path}:\n${daemon.output()}`,
          ),
        );
      if (Date.now() - started > timeoutMs)
        return reject(
          new Error(`timed out waiting for ${re} in ${path}:\n${text}\n--- console:\n${daemon.output()}`),
        );
      setTimeout(tick, 50);
    };
    tick();
  });
}

async function stop(daemon: ChildCli): Promise<number | null> {
  daemon.child.kill('SIGTERM');
  return (await daemon.exited).code;
}

describe('daemon reload (SIGHUP)', () => {
  it('with a text log file: takes a valid configuration, refuses an invalid one, and reopens a rotated file', async () => {
    const dir = join(work, 'text');
    const logFile = join(dir, 'log', 'agent.log');
    const cfg = writeConfig(dir, '0 4 * * *', `log: { file: ${JSON.stringify(logFile)} }`);
    const good = readFileSync(cfg, 'utf8');
    const daemon = startCli(['daemon', '-c', cfg], {});
    await waitForFile(logFile, /daemon: running/, daemon);
    expect(statSync(logFile).mode & 0o777).toBe(0o600);

    // valid: the new schedule is in effect
    writeFileSync(cfg, good.replace('0 4 * * *', '0 5 * * *'));
    daemon.child.kill('SIGHUP');
    await waitForFile(logFile, /new configuration in effect/, daemon);
    expect(readFileSync(logFile, 'utf8')).toMatch(/scheduled: nightly \(0 5 \* \* \* UTC\)/);

    // invalid: refused with file:line, the old one kept, the daemon still up
    writeFileSync(cfg, good.replace('destination: disk', 'destination: nowhere'));
    daemon.child.kill('SIGHUP');
    const refused = await waitForFile(
      logFile,
      /the new configuration is invalid; keeping the old one/,
      daemon,
    );
    expect(refused).toMatch(/config\.yaml:\d+:\d+: jobs\[0\]\.destination/);

    // logrotate: the file is moved away, then the daemon is told; new lines go to a new file
    renameSync(logFile, `${logFile}.1`);
    writeFileSync(cfg, good.replace('0 4 * * *', '0 6 * * *'));
    daemon.child.kill('SIGHUP');
    const fresh = await waitForFile(logFile, /new configuration in effect/, daemon);
    expect(fresh).toMatch(/scheduled: nightly \(0 6 \* \* \* UTC\)/);
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
    const rotated = readFileSync(`${logFile}.1`, 'utf8');
    expect(rotated).toMatch(/SIGHUP: reloading the configuration and reopening the log\n$/);
    expect(rotated).not.toMatch(/0 6 \* \* \*/);

    // and a reload with an invalid configuration still reopens the log (logrotate does not wait for a good one)
    renameSync(logFile, `${logFile}.2`);
    writeFileSync(cfg, good.replace('keepLast: 3', 'keepLast: many'));
    daemon.child.kill('SIGHUP');
    await waitForFile(logFile, /invalid; keeping the old one/, daemon);

    expect(await stop(daemon)).toBe(0);
    expect(readFileSync(logFile, 'utf8')).toMatch(/daemon: stopped/);
    expect(daemon.output()).toMatch(/daemon: stopped/); // the console (journal) has every line too
  });

  it('switches between JSON and text files and keeps going after the log folder itself was removed', async () => {
    const dir = join(work, 'json');
    const logFile = join(dir, 'log', 'agent.json');
    const cfg = writeConfig(dir, '0 4 * * *', `log: { file: ${JSON.stringify(logFile)}, format: json }`);
    const good = readFileSync(cfg, 'utf8');
    const daemon = startCli(['daemon', '-c', cfg], {});
    await waitForFile(logFile, /daemon: running/, daemon);
    const records = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; message: string });
    expect(records.some((r) => r.level === 'info' && /daemon: running/.test(r.message))).toBe(true);

    // a text file elsewhere
    const textFile = join(dir, 'text.log');
    writeFileSync(
      cfg,
      good.replace(`file: ${JSON.stringify(logFile)}, format: json`, `file: ${JSON.stringify(textFile)}`),
    );
    daemon.child.kill('SIGHUP');
    await waitForFile(textFile, /info: SIGHUP: new configuration in effect/, daemon);
    expect(readFileSync(logFile, 'utf8')).not.toMatch(/new configuration in effect/);

    // the folder of the log file is gone and cannot be recreated: the reload is refused, the daemon lives
    // (a path below a regular file: no folder can be created there, whoever we are)
    const impossible = join(dir, 'site', 'a.txt', 'agent.log');
    writeFileSync(cfg, good.replace(JSON.stringify(logFile), JSON.stringify(impossible)));
    daemon.child.kill('SIGHUP');
    await waitForFile(
      textFile,
      /the new configuration's log: cannot open the log file .*a\.txt\/agent\.log.*keeping the old configuration/,
      daemon,
    );
    expect(await stop(daemon)).toBe(0);
    expect(readFileSync(textFile, 'utf8')).toMatch(/daemon: stopped/);
  });

  it('console only under systemd (journald priorities): reloads and stays up', async () => {
    const dir = join(work, 'journal');
    const cfg = writeConfig(dir, '0 4 * * *', 'log: { level: info }');
    const good = readFileSync(cfg, 'utf8');
    const daemon = startCli(['daemon', '-c', cfg], { JOURNAL_STREAM: '8:12345' });
    await daemon.waitFor(/<6>daemon: running/);
    writeFileSync(cfg, good.replace('destination: disk', 'destination: nowhere'));
    daemon.child.kill('SIGHUP');
    await daemon.waitFor(/<3>SIGHUP: the new configuration is invalid/);
    writeFileSync(cfg, good.replace('log: { level: info }', 'log: { level: info, format: json }'));
    daemon.child.kill('SIGHUP');
    await daemon.waitFor(/"message":"SIGHUP: new configuration in effect"/);
    expect(await stop(daemon)).toBe(0);
    expect(daemon.output()).toMatch(/"message":"daemon: stopped"/);
  });

  it('a daemon that cannot start exits 1 and says why on stderr', async () => {
    const dir = join(work, 'nostart');
    const impossible = join(dir, 'site', 'a.txt', 'agent.log');
    const cfg = writeConfig(dir, '0 4 * * *', `log: { file: ${JSON.stringify(impossible)} }`);
    const daemon = startCli(['daemon', '-c', cfg], {});
    const exit = await daemon.exited;
    expect(exit.code).toBe(1);
    expect(daemon.output()).toMatch(/cannot open the log file .*a\.txt\/agent\.log: /);
  });
});
