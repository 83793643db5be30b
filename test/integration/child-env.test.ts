/**
 * The dump client's environment, seen from outside: `ftps-backup run` as a real process with every
 * secret of its configuration given as `{ env }` (FTPS, MySQL and SMTP passwords, the age passphrase),
 * a real MariaDB and ProFTPD. A table held under LOCK TABLES … WRITE by another session keeps
 * mariadb-dump waiting; meanwhile the test reads the child's /proc/<pid>/environ, then releases the lock
 * and the run completes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binaries } from '../harness/availability.ts';
import { mariadbQuery, writeMariadbDefaultsFile } from '../harness/mariadb.ts';
import { useFtpServer, useMariadb } from '../harness/vitest.ts';
import type { MariadbInfo } from '../harness/types.ts';
import { writeBackupConfig } from '../support/backup-config.ts';
import { startCli } from '../support/child-cli.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

const server = useFtpServer('proftpd', 'a');
const db = useMariadb();
const work = mkdtempSync(join(tmpdir(), 'child-env-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A root session holding `table` under LOCK TABLES … WRITE until release() ends it. */
async function holdWriteLock(
  info: MariadbInfo,
  table: string,
): Promise<{ release: () => Promise<void>; session: ChildProcessWithoutNullStreams }> {
  const optionFile = await writeMariadbDefaultsFile(info, 'root');
  const session = spawn(
    binaries.mariadb()!,
    [`--defaults-extra-file=${optionFile}`, '--batch', '--skip-column-names', '--unbuffered'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    session.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked')) resolve();
    });
    session.stderr.on('data', (d: Buffer) => reject(new Error(`lock session: ${d.toString()}`)));
    session.once('close', () => reject(new Error(`lock session ended early: ${out}`)));
    session.stdin.write(`LOCK TABLES ${table} WRITE;\nSELECT 'locked';\n`);
  });
  await rm(optionFile, { force: true });
  return {
    session,
    release: async () => {
      session.stdin.end('UNLOCK TABLES;\n');
      await closed;
    },
  };
}

/** The pid of a child of `parent` whose command line contains `needle`, or undefined. */
function childOf(parent: number, needle: string): number | undefined {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) return Number(p);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

describe('the environment of the dump child', () => {
  it('holds none of the secrets the agent was given as { env }', async () => {
    const info = db();
    await mariadbQuery(
      info,
      'CREATE DATABASE envtest; CREATE TABLE envtest.t (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO envtest.t VALUES (1), (2);',
      { as: 'root' },
    );
    const smtp = await startSmtpSink();
    const agePassphrase = `age-${randomUUID()}`;
    const smtpPassword = `smtp-${randomUUID()}`;
    const cfg = await writeBackupConfig(work, server(), info, [
      {
        name: 'envjob',
        databases: ['envtest'],
        extra: [
          `encryption: { passphrase: { env: TEST_AGE_PASSPHRASE } }`,
          'notifications:',
          '  - type: email',
          `    host: ${smtp.host}`,
          `    port: ${smtp.port}`,
          '    tls: none',
          '    from: backup@agent.test',
          '    to: [admin@agent.test]',
          '    on: always',
          '    user: alerts',
          '    password: { env: TEST_SMTP_PASSWORD }',
        ],
      },
    ]);
    const secrets = {
      TEST_FTPS_PASSWORD: server().password,
      TEST_MYSQL_PASSWORD: info.password,
      TEST_AGE_PASSPHRASE: agePassphrase,
      TEST_SMTP_PASSWORD: smtpPassword,
    };
    const lock = await holdWriteLock(info, 'envtest.t');
    const run = startCli(['run', 'envjob', '-c', cfg], { ...secrets, LANG: 'C.UTF-8', TZ: 'UTC' });
    try {
      // the dump is held by the lock: wait for the child to appear (an event, not a duration)
      let pid: number | undefined;
      while ((pid = childOf(run.child.pid!, 'mariadb-dump')) === undefined) {
        if (run.child.exitCode !== null) throw new Error(`the CLI exited before the dump:\n${run.output()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      const names = environ.map((e) => e.slice(0, e.indexOf('=')));
      expect(names.sort()).toEqual(['LANG', 'PATH', 'TZ']);
      const text = environ.join('\n');
      for (const [name, value] of Object.entries(secrets)) {
        expect(text).not.toContain(name);
        expect(text).not.toContain(value);
      }
    } finally {
      await lock.release();
    }
    const exit = await run.exited;
    expect(exit.code, run.output()).toBe(0);
    // the secrets were really in use: the e-mail logged in with the one from the environment
    const [mail] = await smtp.received(1);
    expect(mail!.auth).toEqual({ user: 'alerts', pass: smtpPassword });
    await smtp.close();
  });
});
