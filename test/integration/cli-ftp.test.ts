/**
 * put/get/ls/rm as a user runs them (the CLI, in-process), against real servers: explicit and implicit
 * URLs, several files over one session, standard input and output, the password from the environment or
 * a file, a pinned fingerprint, and the refusals (wrong password → exit 3 with 530; untrusted certificate →
 * exit 3 with its fingerprint; plain ftp:// → exit 2).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { runCli } from '../support/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'cli-ftp-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each([
  ['proftpd (explicit)', useFtpServer('proftpd', 'a'), 'ftpes'],
  ['proftpd (implicit)', useFtpServer('proftpd', 'd'), 'ftps'],
  ['pure-ftpd', useFtpServer('pure-ftpd'), 'ftpes'],
] as const)('CLI on %s', (_label, server, scheme) => {
  it('puts several files into a folder, lists, gets them back, and removes the folder', async () => {
    const s = server();
    const base = `${scheme}://${s.user}@127.0.0.1:${s.port}`;
    const env = { FTPS_PASSWORD: s.password };
    const a = join(work, `a-${scheme}-${s.kind}.bin`);
    const b = join(work, `b-${scheme}-${s.kind}.txt`);
    writeFileSync(a, Buffer.alloc(2_000_000, 3));
    writeFileSync(b, 'zwei Wörter\n');
    const put = await runCli(['put', a, b, `${base}/cli dir/`, '--ca-file', s.caFile], env);
    expect(put.stderr).not.toMatch(/ERROR/);
    expect(put.code).toBe(0);
    expect(put.stderr).toMatch(/uploaded \/cli dir\/a-.*verified by size/);
    expect(readFileSync(join(s.home, 'cli dir', `a-${scheme}-${s.kind}.bin`)).equals(readFileSync(a))).toBe(
      true,
    );

    const ls = await runCli(['ls', `${base}/cli dir`, '--ca-file', s.caFile, '--json'], env);
    expect(ls.code).toBe(0);
    const entries = JSON.parse(ls.stdout) as Array<{ name: string; size: number }>;
    expect(entries.map((e) => [e.name, e.size]).sort()).toEqual(
      [
        [`a-${scheme}-${s.kind}.bin`, 2_000_000],
        [`b-${scheme}-${s.kind}.txt`, 13],
      ].sort(),
    );

    const out = join(work, `back-${scheme}-${s.kind}.bin`);
    const pwFile = join(work, `pw-${scheme}-${s.kind}`);
    writeFileSync(pwFile, `${s.password}\n`, { mode: 0o600 });
    const get = await runCli(
      [
        'get',
        `${base}/cli dir/a-${scheme}-${s.kind}.bin`,
        out,
        '--fingerprint',
        `sha256:${s.fingerprint256}`,
        '--password-file',
        pwFile,
      ],
      {},
    );
    expect(get.code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(a))).toBe(true);

    const rm = await runCli(['rm', '-r', `${base}/cli dir`, '--ca-file', s.caFile], env);
    expect(rm.code).toBe(0);
    expect(existsSync(join(s.home, 'cli dir'))).toBe(false);
  });

  it('refuses a wrong password (exit 3, 530) and an untrusted certificate (exit 3, fingerprint shown)', async () => {
    const s = server();
    const url = `${scheme}://${s.user}@127.0.0.1:${s.port}/`;
    const bad = await runCli(['ls', url, '--ca-file', s.caFile], { FTPS_PASSWORD: 'nope-not-it' });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/530/);
    expect(bad.stderr).not.toContain('nope-not-it');
    const untrusted = await runCli(['ls', url], { FTPS_PASSWORD: s.password });
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toContain(s.fingerprint256);
  });
});

describe('CLI usage errors', () => {
  it('refuses plain ftp:// without --plain, and a missing password, with exit code 2', async () => {
    const plain = await runCli(['ls', 'ftp://u@127.0.0.1:1/'], { FTPS_PASSWORD: 'x' });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/plain FTP without TLS/);
    const nopw = await runCli(['ls', 'ftpes://u@127.0.0.1:1/'], {});
    expect(nopw.code).toBe(2);
    expect(nopw.stderr).toMatch(/FTPS_PASSWORD/);
  });
});
