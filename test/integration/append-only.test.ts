/**
 * The append-only server recipes of the README ("Protect your backups from a compromised host") on the
 * real servers, and doctor's verdict on both kinds of login:
 *  - the ProFTPD and vsftpd recipes really refuse DELE, RNFR/RNTO and replacing an existing file to the
 *    backup login (the file doctor uploaded is still on disk, and the server's own log shows the refusals);
 *  - Pure-FTPd has no such recipe: -K -G -r refuses delete and rename, but APPE replaces a file's content
 *    (Pure-FTPd 1.0.50, measured), and doctor says so;
 *  - doctor --append-only on such a login says "append-only: confirmed" and passes;
 *  - doctor on a normal login says "this login can delete: …" as a warning, and fails with --append-only;
 *  - ProFTPD's prune login on the append-only server may delete (doctor says so).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAppendOnlyFtpServer, useFtpServer } from '../harness/vitest.ts';
import type { FtpServerInfo } from '../harness/index.ts';
import { runCli } from '../support/cli.ts';
import { doctorStep as step, type DoctorJson } from '../support/doctor-json.ts';

function urlOf(s: FtpServerInfo, user = s.user): string {
  return `ftpes://${user}@127.0.0.1:${s.port}/`;
}

async function doctor(
  s: FtpServerInfo,
  extra: string[],
  login = { user: s.user, password: s.password },
): Promise<{ code: number; d: DoctorJson; stdout: string }> {
  const run = await runCli(['doctor', urlOf(s, login.user), '--ca-file', s.caFile, '--json', ...extra], {
    FTPS_PASSWORD: login.password,
  });
  expect(run.stdout + run.stderr).not.toContain(login.password);
  return { code: run.code, d: JSON.parse(run.stdout) as DoctorJson, stdout: run.stdout };
}

function testFiles(s: FtpServerInfo): string[] {
  return readdirSync(s.home).filter((n) => n.startsWith('.ftps-backup-doctor-'));
}

describe.each([
  [
    'proftpd',
    useAppendOnlyFtpServer('proftpd'),
    [/^ftpsbt STOR (\S+) 226$[^]*^ftpsbt STOR \1 550$/m, /^ftpsbt RNFR \S+ 550$/m, /^ftpsbt DELE \S+ 550$/m],
  ],
  [
    'vsftpd',
    useAppendOnlyFtpServer('vsftpd'),
    [/"RNFR [^"]+"\n.*"550 Permission denied\."/, /"DELE [^"]+"\n.*"550 Permission denied\."/],
  ],
] as const)('append-only recipe on %s', (_label, server, refusalsInLog) => {
  it('refuses delete, rename and overwrite to the backup login: doctor --append-only confirms it', async () => {
    const s = server();
    const before = new Set(testFiles(s));
    const { code, d, stdout } = await doctor(s, ['--append-only']);
    expect(d.steps.filter((x) => x.ok === false)).toEqual([]);
    expect(code).toBe(0);
    expect(step(d, 'append-only')?.ok).toBe(true);
    expect(step(d, 'append-only')?.detail).toMatch(/^append-only: confirmed/);
    expect(d.facts.eraseRights).toEqual({ delete: false, rename: false, overwrite: false });
    expect(step(d, 'set-time')?.ok).toBe(true);
    expect(step(d, 'set-time')?.detail).toMatch(/^refused: [45]\d\d /);
    for (const id of ['rename', 'delete']) {
      expect(step(d, id)?.detail).toMatch(/^refused, as it should be: [45]\d\d /);
    }
    expect(step(d, 'overwrite')?.detail).toMatch(
      /^refused, as it should be: STOR [45]\d\d .*; the file still starts with its \d+ bytes$/,
    );
    // Nothing was renamed (no .partial in append-only mode): the one test file is on disk, not replaced
    // by the 1-byte overwrite attempt, and doctor says that it stays.
    const added = testFiles(s).filter((n) => !before.has(n));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\.ftps-backup-doctor-[0-9a-f]{8}$/);
    expect(statSync(join(s.home, added[0]!)).size).toBeGreaterThanOrEqual(16 * 1024);
    expect(step(d, 'cleanup')?.ok).toBe('skip');
    expect(step(d, 'cleanup')?.detail).toContain(added[0]!);
    expect(stdout).not.toContain('.partial');
    const log = readFileSync(s.commandLog!, 'utf8');
    for (const refusal of refusalsInLog) expect(log).toMatch(refusal);
  });

  it('without --append-only, the same login fails the rename and delete steps that normal runs need', async () => {
    const s = server();
    const { code, d } = await doctor(s, []);
    expect(code).toBe(1);
    expect(step(d, 'delete')?.ok).toBe(false);
    expect(step(d, 'delete')?.hint).toMatch(/appendOnly: true/);
    expect(step(d, 'append-only')?.ok).toBe(true);
  });
});

describe('Pure-FTPd with -K -G -r (keep files, no rename, autorename)', () => {
  const server = useAppendOnlyFtpServer('pure-ftpd');
  it('refuses delete and rename, but APPE replaces a file: doctor --append-only fails on overwrite', async () => {
    const s = server();
    const { code, d } = await doctor(s, ['--append-only']);
    expect(code).toBe(1);
    expect(d.facts.eraseRights).toEqual({ delete: false, rename: false, overwrite: true });
    expect(step(d, 'delete')?.ok).toBe(true);
    expect(step(d, 'rename')?.ok).toBe(true);
    expect(step(d, 'overwrite')?.ok).toBe(false);
    expect(step(d, 'overwrite')?.detail).toMatch(/APPE accepted; the file's \d+ bytes were replaced/);
    expect(step(d, 'append-only')?.detail).toBe(
      'this login can overwrite existing files: whoever takes this host can destroy your backups (the destination says appendOnly: true)',
    );
  });
});

describe('doctor on a normal login', () => {
  const server = useFtpServer('proftpd', 'a');
  it('warns that the login can erase, and fails when the destination claims append-only', async () => {
    const s = server();
    const normal = await doctor(s, []);
    expect(normal.code).toBe(0);
    expect(step(normal.d, 'append-only')).toMatchObject({
      ok: 'warn',
      detail: 'this login can delete, rename and overwrite: whoever takes this host can erase your backups',
    });
    expect(normal.d.facts.eraseRights).toEqual({ delete: true, rename: true, overwrite: true });
    // Without the recipe ProFTPD lets the login backdate a file (MFMT): said, not a problem here.
    expect(step(normal.d, 'set-time')?.detail).toMatch(/^allowed: the file's time is now 2000/);
    expect(testFiles(s)).toEqual([]);

    const claimed = await doctor(s, ['--append-only']);
    expect(claimed.code).toBe(1);
    expect(step(claimed.d, 'append-only')?.ok).toBe(false);
    expect(step(claimed.d, 'append-only')?.detail).toMatch(
      /^this login can delete, rename and overwrite: whoever takes this host can erase your backups \(the destination says appendOnly: true\)$/,
    );
    for (const id of ['overwrite', 'rename', 'delete']) expect(step(claimed.d, id)?.ok).toBe(false);
    // It could delete, so it cleaned up after itself.
    expect(testFiles(s)).toEqual([]);
  });
});

describe('the prune login of the append-only ProFTPD', () => {
  const server = useAppendOnlyFtpServer('proftpd');
  it('may delete and rename (but not overwrite: AllowOverwrite off holds for every login)', async () => {
    const s = server();
    const prune = s.pruneLogin;
    if (prune === undefined) throw new Error('the append-only ProFTPD has no prune login');
    const { code, d } = await doctor(s, [], prune);
    expect(code).toBe(0);
    expect(d.facts.eraseRights).toEqual({ delete: true, rename: true, overwrite: false });
    expect(step(d, 'append-only')?.detail).toBe(
      'this login can delete and rename: whoever takes this host can erase your backups',
    );
    expect(step(d, 'overwrite')?.ok).toBe('warn');
    expect(testFiles(s)).toEqual([]);
  });
});
