/**
 * `ftps-backup doctor` against every kind of server of the harness (ProFTPD explicit and implicit, vsftpd,
 * Pure-FTPd): every step passes with a CA file or a pin, TLS version/cipher and data-connection session
 * reuse are reported, the write test leaves nothing behind; a wrong password fails the login step with
 * the 530 checklist; an untrusted certificate fails with its real fingerprint and the exact pin line and
 * stops before the login. The scripted fake server covers what real daemons don't do on cue: a PASV
 * reply naming a private address, and proof that the password is never sent to an untrusted server.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCert } from '../harness/common.ts';
import { useFtpServer } from '../harness/vitest.ts';
import type { FtpServerInfo } from '../harness/index.ts';
import { startScriptedServer, type ScriptedServer } from '../fake/scripted-server.ts';
import { writeBackupConfig } from '../support/backup-config.ts';
import { runCli } from '../support/cli.ts';
import { doctorStep as step, type DoctorJson } from '../support/doctor-json.ts';

const work = mkdtempSync(join(tmpdir(), 'doctor-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function urlOf(s: FtpServerInfo, path = '/'): string {
  return `${s.implicitTls ? 'ftps' : 'ftpes'}://${s.user}@127.0.0.1:${s.port}${path}`;
}

function parse(stdout: string): DoctorJson {
  return JSON.parse(stdout) as DoctorJson;
}

function leftovers(s: FtpServerInfo): string[] {
  return readdirSync(s.home).filter((n) => n.startsWith('.ftps-backup-doctor-'));
}

describe.each([
  ['proftpd (explicit)', useFtpServer('proftpd', 'a'), { reuse: true, restart: true, hash: true }],
  ['proftpd (implicit)', useFtpServer('proftpd', 'd'), { reuse: true, restart: false, hash: false }],
  ['vsftpd', useFtpServer('vsftpd'), { reuse: true, restart: true, hash: false }],
  ['pure-ftpd', useFtpServer('pure-ftpd'), { reuse: undefined, restart: true, hash: false }],
] as const)('doctor on %s', (_label, server, expectSrv) => {
  it('passes every step with the CA file, reports TLS and session reuse, and leaves no test file', async () => {
    const s = server();
    const run = await runCli(['doctor', urlOf(s), '--ca-file', s.caFile, '--json'], {
      FTPS_PASSWORD: s.password,
    });
    expect(run.stderr).not.toContain(s.password);
    const d = parse(run.stdout);
    const failed = d.steps.filter((x) => x.ok === false);
    expect(failed).toEqual([]);
    expect(run.code).toBe(0);
    expect(d.ok).toBe(true);
    const ids = d.steps.map((x) => x.id);
    for (const id of [
      'tcp',
      'banner',
      'cert-chain',
      'cert-host',
      'cert-expiry',
      'cert-fingerprint',
      'tls',
      'login',
      'prot',
      'feat',
      'root',
      'pasv',
      'listing',
      'data-tls',
      'write',
      'size',
      'resume',
      'appe',
      'hash',
      'rename',
      'download',
      'delete',
    ]) {
      expect(ids).toContain(id);
    }
    expect(ids).toContain(s.implicitTls ? 'implicit-tls' : 'auth-tls');
    for (const id of ['write', 'size', 'rename', 'download', 'delete', 'login', 'cert-chain', 'listing']) {
      expect(step(d, id)?.ok).toBe(true);
    }
    expect(step(d, 'tls')?.detail).toMatch(/^TLSv1\.[23], [A-Z0-9_-]+/);
    expect(d.facts.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(d.facts.certificate?.fingerprint256).toBe(s.fingerprint256);
    expect(d.facts.certificate?.trustedBy).toBe('CA file');
    // The harness certificates are valid for 2 days: inside the 30-day warning window.
    expect(step(d, 'cert-expiry')?.ok).toBe('warn');
    expect(step(d, 'cert-expiry')?.detail).toMatch(/expires on \d{4}-\d\d-\d\d: [0-2] days? left/);
    if (expectSrv.reuse !== undefined) {
      expect(d.facts.dataTls?.reused).toBe(expectSrv.reuse);
      expect(step(d, 'data-tls')?.detail).toMatch(/resumed the control connection's TLS session/);
    }
    expect(step(d, 'resume')?.ok).toBe(expectSrv.restart ? true : 'warn');
    expect(step(d, 'hash')?.ok).toBe(expectSrv.hash ? true : 'skip');
    if (expectSrv.hash) expect(step(d, 'hash')?.detail).toMatch(/^HASH SHA-256 matches the bytes sent/);
    if (!expectSrv.restart) expect(step(d, 'resume')?.hint).toMatch(/AllowStoreRestart/);
    expect(d.suggestedConfig).toContain(`ca: ${s.caFile}`);
    expect(d.suggestedConfig).toContain('password: { env: FTPS_PASSWORD }');
    expect(d.suggestedConfig).not.toContain(s.password);
    expect(leftovers(s)).toEqual([]);
  });

  it('prints ✓ lines, a summary and the pinned config in text mode (pinned fingerprint)', async () => {
    const s = server();
    const run = await runCli(['doctor', urlOf(s), '--fingerprint', `sha256:${s.fingerprint256}`], {
      FTPS_PASSWORD: s.password,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^✓ certificate chain: does not verify .*trusted through the pinned fingerprint/m,
    );
    expect(run.stdout).toMatch(/^✓ login: logged in as/m);
    expect(run.stdout).toMatch(/^Summary: \d+ ✓, \d+ warnings?, 0 ✗\. ftps-backup can back up/m);
    expect(run.stdout).toContain(`    fingerprint: "sha256:${s.fingerprint256}"`);
    expect(run.stdout).not.toContain(s.password);
    expect(run.stderr).not.toContain(s.password);
    expect(leftovers(s)).toEqual([]);
  });

  it('fails the login step on a wrong password with 530 and the checklist, exit 1, no password shown', async () => {
    const s = server();
    const wrong = 'not-the-password-Xy7';
    const run = await runCli(['doctor', urlOf(s), '--ca-file', s.caFile], { FTPS_PASSWORD: wrong });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ login: .*5[03]0/m);
    expect(run.stdout).toMatch(/PureDB virtual users/);
    expect(run.stdout).toMatch(/minimum UID/);
    expect(run.stdout).toMatch(/Stopped early: login failed/);
    expect(run.stdout + run.stderr).not.toContain(wrong);
    const json = await runCli(['doctor', urlOf(s), '--ca-file', s.caFile, '--json'], {
      FTPS_PASSWORD: wrong,
    });
    expect(json.code).toBe(1);
    const d = parse(json.stdout);
    expect(step(d, 'login')?.ok).toBe(false);
    expect(step(d, 'login')?.hint).toMatch(/Likely causes/);
    expect(json.stdout).not.toContain(wrong);
  });

  it('fails an untrusted certificate with its real fingerprint and pin line, and does not log in', async () => {
    const s = server();
    const run = await runCli(['doctor', urlOf(s), '--json'], { FTPS_PASSWORD: s.password });
    expect(run.code).toBe(1);
    const d = parse(run.stdout);
    expect(step(d, 'cert-chain')?.ok).toBe(false);
    expect(step(d, 'cert-chain')?.detail).toMatch(/self-signed/);
    expect(step(d, 'cert-fingerprint')?.detail).toContain(`fingerprint: "sha256:${s.fingerprint256}"`);
    expect(d.facts.certificate?.pinLine).toBe(`fingerprint: "sha256:${s.fingerprint256}"`);
    expect(step(d, 'login')?.ok).toBe('skip');
    expect(d.steps.some((x) => x.id === 'prot' || x.id === 'write')).toBe(false);
    expect(d.stoppedBecause).toMatch(/password was not sent/);
    expect(d.suggestedConfig).toContain(`fingerprint: "sha256:${s.fingerprint256}"`);
  });
});

describe('doctor with a configured destination', () => {
  const server = useFtpServer('proftpd', 'a');
  it('checks the destination by name and suggests its config with the same password reference', async () => {
    const s = server();
    const dir = mkdtempSync(join(work, 'cfg-'));
    const site = join(dir, 'site');
    writeFileSync(join(dir, 'placeholder'), '');
    const config = await writeBackupConfig(dir, s, undefined, [{ name: 'blog', site, root: '/' }]);
    const run = await runCli(['doctor', 'server', '--config', config], { TEST_FTPS_PASSWORD: s.password });
    expect(run.stdout).not.toContain(s.password);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✓ delete \(DELE\)/m);
    expect(run.stdout).toContain('password: { env: TEST_FTPS_PASSWORD }');
    const unknown = await runCli(['doctor', 'nope', '--config', config], { TEST_FTPS_PASSWORD: s.password });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no destination named "nope".*known: server/);
    expect(leftovers(s)).toEqual([]);
  });
});

describe('doctor on the scripted server', () => {
  let cert: { key: string; cert: string; file: string };
  let server: ScriptedServer | undefined;
  const certDir = mkdtempSync(join(tmpdir(), 'doctor-cert-'));
  beforeAll(async () => {
    const made = await makeSelfSignedCert(certDir);
    cert = { key: readFileSync(made.keyFile, 'utf8'), cert: made.pem, file: made.certFile };
  });
  afterAll(() => rmSync(certDir, { recursive: true, force: true }));
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('reports a PASV reply naming a private address, and that the control host is used instead', async () => {
    server = await startScriptedServer(cert, { pasvHost: '10.20.30.40' });
    const run = await runCli(
      ['doctor', `ftpes://tester@127.0.0.1:${server.port}/`, '--ca-file', cert.file, '--json'],
      { FTPS_PASSWORD: 'secret' },
    );
    const d = parse(run.stdout);
    expect(step(d, 'epsv')?.ok).toBe('warn');
    const pasv = step(d, 'pasv');
    expect(pasv?.ok).toBe('warn');
    expect(pasv?.detail).toMatch(/names 10\.20\.30\.40 \(a private\/unroutable address\), not 127\.0\.0\.1/);
    expect(pasv?.detail).toMatch(/ignores the PASV address and connects to 127\.0\.0\.1/);
    expect(pasv?.hint).toMatch(/MasqueradeAddress.*pasv_address.*ForcePassiveIP/);
    // The data connections went to the control host: the write test worked.
    expect(step(d, 'write')?.ok).toBe(true);
    expect(step(d, 'delete')?.ok).toBe(true);
    expect(run.code).toBe(0);
    expect([...server.files.keys()]).toEqual([]);
  });

  it('removes the test file after a failure midway and says so', async () => {
    server = await startScriptedServer(cert, { storAbortAfter: 1000 });
    const run = await runCli(
      ['doctor', `ftpes://tester@127.0.0.1:${server.port}/`, '--ca-file', cert.file, '--json'],
      { FTPS_PASSWORD: 'secret' },
    );
    expect(run.code).toBe(1);
    const d = parse(run.stdout);
    expect(step(d, 'write')?.ok).toBe(false);
    expect(step(d, 'write')?.detail).toMatch(/552/);
    expect(step(d, 'cleanup')?.ok).toBe(true);
    expect(step(d, 'cleanup')?.detail).toMatch(
      /removed the leftover test file \.ftps-backup-doctor-[0-9a-f]{8}\.partial/,
    );
    expect(server.commands.filter((c) => c.startsWith('DELE'))).toHaveLength(1);
    expect([...server.files.keys()]).toEqual([]);
  });

  it('stops with the reason when the name does not resolve or nothing listens', async () => {
    const dns = await runCli(['doctor', 'ftpes://u@no-such-host.invalid/', '--json'], { FTPS_PASSWORD: 'x' });
    expect(dns.code).toBe(1);
    const d1 = parse(dns.stdout);
    expect(d1.steps.map((x) => [x.id, x.ok])).toEqual([['dns', false]]);
    expect(d1.steps[0]?.detail).toMatch(/does not resolve \(ENOTFOUND\)/);
    expect(d1.stoppedBecause).toBe('the host name does not resolve');

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const tcp = await runCli(['doctor', `ftpes://u@localhost:${port}/`], { FTPS_PASSWORD: 'x' });
    expect(tcp.code).toBe(1);
    expect(tcp.stdout).toMatch(/^✓ DNS: localhost → /m);
    expect(tcp.stdout).toMatch(/^✗ TCP connect: cannot connect to localhost:\d+: ECONNREFUSED/m);
    expect(tcp.stdout).toMatch(/→ nothing listens on port \d+/);
    expect(tcp.stdout).toMatch(/Stopped early: no TCP connection\./);
  });

  it('never sends USER or PASS to a server whose certificate is not trusted', async () => {
    server = await startScriptedServer(cert, {});
    const run = await runCli(['doctor', `ftpes://tester@127.0.0.1:${server.port}/`], {
      FTPS_PASSWORD: 'secret',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^✗ certificate chain: does not verify against the system's CAs \(self-signed/m,
    );
    expect(run.stdout).toMatch(/^- login: not attempted/m);
    expect(server.commands).toContain('AUTH TLS');
    expect(server.commands.some((c) => c.startsWith('USER') || c.startsWith('PASS'))).toBe(false);
  });
});
