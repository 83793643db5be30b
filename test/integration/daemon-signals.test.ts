/**
 * The agent as a process: two processes contending for one job's lock; SIGTERM in the middle of an upload
 * to a real server (nothing published, the lock released, the next run completes and cleans up); SIGHUP
 * with an invalid and then a valid configuration; and no password in any log line of a whole job.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useFtpServer, useMariadb } from '../harness/vitest.ts';
import { runCli } from '../support/cli.ts';
import { startCli } from '../support/child-cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';
import { makeWordpressDb } from '../support/wordpress-db.ts';
import { writePatternFile } from '../support/pattern.ts';

const server = useFtpServer('proftpd', 'a');
const db = useMariadb();
const work = mkdtempSync(join(tmpdir(), 'daemon-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function bigSite(dir: string, bytes: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await writePatternFile(join(dir, 'big.bin'), dir, bytes);
}

describe('the agent as a process', () => {
  it('never runs one job twice at once: the second process is skipped and says who holds the lock', async () => {
    const dir = join(work, 'lock');
    await bigSite(join(dir, 'site'), 600_000_000);
    const cfg = await writeBackupConfig(dir, server(), undefined, [
      { name: 'locked', site: join(dir, 'site'), root: '/backups' },
    ]);
    const env = { TEST_FTPS_PASSWORD: server().password };
    const first = startCli(['run', 'locked', '-c', cfg], env);
    await first.waitFor(/job locked: set \d{8}T\d{6}Z/);
    const second = startCli(['run', 'locked', '-c', cfg], env);
    const s = await second.exited;
    expect(s.code).toBe(1);
    expect(second.output()).toMatch(/job locked is already running \(pid \d+/);
    const f = await first.exited;
    expect(f.code).toBe(0);
    const history = JSON.parse(readFileSync(join(dir, 'state', 'history', 'locked.json'), 'utf8')) as Array<{
      outcome: string;
    }>;
    expect(history.map((h) => h.outcome).sort()).toEqual(['skipped', 'success']);
  });

  it('SIGTERM mid-upload publishes nothing and releases the lock; the next run completes and cleans up', async () => {
    const dir = join(work, 'term');
    await bigSite(join(dir, 'site'), 400_000_000);
    const cfg = await writeBackupConfig(dir, server(), undefined, [
      { name: 'term', site: join(dir, 'site'), root: '/backups' },
    ]);
    const env = { TEST_FTPS_PASSWORD: server().password };
    const jobDir = join(server().home, 'backups', 'term');
    const run = startCli(['run', 'term', '-c', cfg], env);
    await run.waitFor(/job term: set \d{8}T\d{6}Z/);
    // Wait until the partial object is growing on the server, then stop the process.
    const t0 = Date.now();
    for (;;) {
      const sets = existsSync(jobDir) ? readdirSync(jobDir) : [];
      const partial = sets.length > 0 ? join(jobDir, sets[0]!, 'files-site.tar.zst.partial') : '';
      if (partial !== '' && existsSync(partial) && statSync(partial).size > 20_000_000) break;
      if (Date.now() - t0 > 60_000) throw new Error(`no partial upload seen:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const stoppedAt = Date.now();
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    expect(Date.now() - stoppedAt).toBeLessThan(30_000);
    expect(exit.code).toBe(1);
    expect(run.output()).toMatch(/SIGTERM: stopping/);
    const [stale] = readdirSync(jobDir);
    expect(readdirSync(join(jobDir, stale!))).not.toContain('manifest.json');
    expect(readdirSync(join(dir, 'state', 'locks'))).toEqual([]);
    await new Promise((r) => setTimeout(r, 1100)); // a new set name
    const next = await runCli(['run', 'term', '-c', cfg, '--json'], env);
    expect(next.code).toBe(0);
    const [result] = JSON.parse(next.stdout) as Array<{ set: string }>;
    // The interrupted set is seconds old: within the incomplete-set grace period (the same rule as
    // retention's), so the next run leaves it; prune removes it once it is older than the grace.
    expect(readdirSync(jobDir).sort()).toEqual([stale!, result!.set].sort());
    expect(next.stderr).not.toContain(`left by an earlier failed run`);
  });

  it('SIGHUP keeps the old configuration when the new one is invalid, takes a valid one, and SIGTERM stops within 30 s', async () => {
    const dir = join(work, 'hup');
    mkdirSync(join(dir, 'site'), { recursive: true });
    writeFileSync(join(dir, 'site', 'a.txt'), 'a');
    const cfg = await writeBackupConfig(dir, server(), undefined, [
      {
        name: 'hup',
        site: join(dir, 'site'),
        root: '/backups',
        extra: ['schedule: "0 4 1 1 *"', 'timezone: Europe/Berlin'],
      },
    ]);
    const good = readFileSync(cfg, 'utf8');
    const daemon = startCli(['daemon', '-c', cfg], { TEST_FTPS_PASSWORD: server().password });
    await daemon.waitFor(/daemon: running/);
    expect(daemon.output()).toMatch(/1 job\(s\) scheduled: hup \(0 4 1 1 \* Europe\/Berlin\)/);
    writeFileSync(cfg, good.replace('destination: server', 'destination: nowhere'));
    daemon.child.kill('SIGHUP');
    await daemon.waitFor(/the new configuration is invalid; keeping the old one/);
    expect(daemon.output()).toMatch(/config\.yaml:\d+:\d+: jobs\[0\]\.destination/);
    writeFileSync(cfg, good.replace('schedule: "0 4 1 1 *"', 'schedule: "0 5 1 1 *"'));
    daemon.child.kill('SIGHUP');
    await daemon.waitFor(/new configuration in effect/);
    expect(daemon.output()).toMatch(/scheduled: hup \(0 5 1 1 \* Europe\/Berlin\)/);
    const t = Date.now();
    daemon.child.kill('SIGTERM');
    const exit = await daemon.exited;
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(exit.code).toBe(0);
    expect(daemon.output()).toMatch(/daemon: stopped/);
  });

  it('writes no password into any log line of a whole job, even at debug level', async () => {
    await makeWordpressDb(db(), 'redact', 50);
    const dir = join(work, 'redact');
    mkdirSync(join(dir, 'site'), { recursive: true });
    writeFileSync(join(dir, 'site', 'index.php'), '<?php');
    const cfg = await writeBackupConfig(dir, server(), db(), [
      { name: 'redact', site: join(dir, 'site'), databases: ['redact'], root: '/backups' },
    ]);
    const r = await runCli(['--debug', 'run', 'redact', '-c', cfg], {
      TEST_FTPS_PASSWORD: server().password,
      TEST_MYSQL_PASSWORD: db().password,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/> PASS \*\*\*\*/); // the protocol log is there, masked
    const lines = r.stderr.split('\n');
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      expect(line).not.toContain(server().password);
      expect(line).not.toContain(db().password);
    }
    // The log: section of the configuration: JSON lines into a file, redacted as well.
    const logFile = join(dir, 'agent.log');
    writeFileSync(
      cfg,
      `${readFileSync(cfg, 'utf8')}log: { file: ${JSON.stringify(logFile)}, format: json, level: debug }\n`,
    );
    const j = await runCli(['run', 'redact', '-c', cfg], {
      TEST_FTPS_PASSWORD: server().password,
      TEST_MYSQL_PASSWORD: db().password,
    });
    expect(j.code).toBe(0);
    const records = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; message: string });
    expect(records.some((rec) => rec.level === 'info' && /job redact: OK/.test(rec.message))).toBe(true);
    expect(records.some((rec) => rec.message === '> PASS ****')).toBe(true);
    for (const rec of records) {
      expect(rec.message).not.toContain(server().password);
      expect(rec.message).not.toContain(db().password);
    }
    // And a failing login names the problem without the password.
    const bad = await runCli(['run', 'redact', '-c', cfg], {
      TEST_FTPS_PASSWORD: 'wrong-' + server().password,
      TEST_MYSQL_PASSWORD: db().password,
    });
    expect(bad.code).toBe(3); // README: could not log in
    expect(bad.stderr).toMatch(/530/);
    expect(bad.stderr).not.toContain(server().password);
  });
});
