/** The FTPS client against ProFTPD 1.3.8 variant (a): TLS 1.2 + 1.3, session reuse required, restarts allowed, HASH. */
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FtpLoginError, FtpTlsError, FtpsClient } from '../../src/ftp/index.ts';
import { useFtpServer } from '../harness/vitest.ts';
import { clientOptions, connectTo, retriedStore, testLog } from '../support/ftp-client.ts';
import { BIG, patternSha256, patternSource, sha256OfFile } from '../support/pattern.ts';
import { bigRoundTrip } from '../support/round-trip.ts';

const server = useFtpServer('proftpd', 'a');

describe('ProFTPD (a): TLS 1.3 and 1.2, session reuse required', () => {
  it('moves 1 GB both ways byte for byte over TLS 1.3, verified with SIZE and HASH', async () => {
    const log = testLog();
    const client = await connectTo(server(), { log: log.logger });
    expect(client.tlsInfo?.protocol).toBe('TLSv1.3');
    expect(client.serverHash).toEqual({ command: 'HASH', algorithm: 'SHA-256' });
    await bigRoundTrip(client, server(), 'big13.bin', BIG);
    expect(client.state.resumesTls).toBe(true);
    await client.close();
    expect(log.lines.some((l) => l.includes('session reused: true'))).toBe(true);
    // The protocol log names the certificate of every full handshake (Node hands it out only once).
    expect(
      log.lines.some(
        (l) => l.startsWith('control:') && l.includes(`certificate sha256 ${server().fingerprint256}`),
      ),
    ).toBe(true);
  });

  it('works capped at TLS 1.2, and every data connection resumes the session', async () => {
    const log = testLog();
    const client = await connectTo(server(), {
      log: log.logger,
      tls: { ca: server().caPem, maxVersion: 'TLSv1.2' },
    });
    expect(client.tlsInfo?.protocol).toBe('TLSv1.2');
    for (let i = 0; i < 3; i++) {
      const r = await client.upload(`tls12-${i}.bin`, patternSource(`t12-${i}`, 3_000_000));
      expect(r.verified).toBe('size+SHA-256');
    }
    await client.close();
    expect(
      log.lines.filter((l) => l.startsWith('data:') && l.includes('session reused: true')).length,
    ).toBeGreaterThanOrEqual(3);
    expect(log.lines.some((l) => l.startsWith('data:') && l.includes('session reused: false'))).toBe(false);
  });

  it('lists, makes folders, renames and removes', async () => {
    const client = await connectTo(server());
    await client.mkdirp('/sets/job/20261122T000000Z');
    await client.mkdirp('/sets/job/20261122T000000Z'); // existing is fine
    await client.upload('/sets/job/20261122T000000Z/a.bin.partial', patternSource('ops', 1000));
    await client.rename('/sets/job/20261122T000000Z/a.bin.partial', '/sets/job/20261122T000000Z/a.bin');
    const entries = await client.list('/sets/job/20261122T000000Z');
    expect(entries.map((e) => [e.name, e.type, e.size])).toEqual([['a.bin', 'file', 1000]]);
    expect(await client.size('/sets/job/20261122T000000Z/a.bin')).toBe(1000);
    expect(await client.size('/sets/job/nope.bin')).toBeUndefined();
    await client.removeTree('/sets');
    expect(existsSync(join(server().home, 'sets'))).toBe(false);
    await client.close();
  });

  it("compares the server's SHA-256 with the source's own digest instead of hashing again, and refuses a digest that does not match", async () => {
    const client = await connectTo(server());
    const size = 3 * 1024 * 1024 + 7;
    const truth = await patternSha256('digest', size);
    let asked = 0;
    const honest = {
      ...patternSource('digest', size),
      digest: () => {
        asked++;
        return Promise.resolve(truth);
      },
    };
    const r = await client.upload('/digest-ok.bin', honest);
    expect(asked).toBeGreaterThan(0);
    expect(r.verified).toBe('size+SHA-256');
    expect(r.sha256).toBe(truth.sha256);
    expect((await sha256OfFile(join(server().home, 'digest-ok.bin'))).sha256).toBe(truth.sha256);
    // a source whose digest is not what it streamed: the server's hash exposes it, on every attempt
    const other = await patternSha256('digest-other', size);
    const lying = {
      ...patternSource('digest', size),
      digest: () => Promise.resolve({ ...other, bytes: size }),
    };
    await expect(client.upload('/digest-bad.bin', lying)).rejects.toThrow(/SHA-256 of \/digest-bad\.bin is/);
    await client.close();
  });

  it('refuses a wrong password with 530 and the checklist, never echoing it', async () => {
    const err = await connectTo(server(), { password: 'not-the-password-42' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpLoginError);
    expect((err as FtpLoginError).code).toBe(530);
    expect((err as Error).message).toMatch(/530/);
    expect((err as Error).message).toMatch(/PureDB/);
    expect((err as Error).message).not.toContain('not-the-password-42');
  });

  it('refuses an unknown certificate and shows its fingerprint', async () => {
    const err = await FtpsClient.connect({ ...clientOptions(server()), tls: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpTlsError);
    expect((err as Error).message).toContain(server().fingerprint256);
    expect((err as Error).message).toContain(`fingerprint: "sha256:${server().fingerprint256}"`);
  });

  it('accepts the pinned fingerprint without a CA, and refuses a different pin', async () => {
    const ok = await FtpsClient.connect({
      ...clientOptions(server()),
      tls: { fingerprint256: server().fingerprint256 },
    });
    await ok.upload('pinned.bin', patternSource('pin', 10_000));
    await ok.close();
    const wrong = 'AA:'.repeat(31) + 'AA';
    const err = await FtpsClient.connect({
      ...clientOptions(server()),
      tls: { fingerprint256: wrong },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpTlsError);
    expect((err as Error).message).toContain('not the pinned');
  });

  it('resumes with REST+STOR when the server session is killed mid-upload, and never calls the cut upload a success', async () => {
    const log = testLog();
    const size = 200_000_000;
    const client = await connectTo(server(), { log: log.logger });
    let killed = 0;
    const target = join(server().home, 'killed.bin');
    const r = await retriedStore(client, 5, log.logger).put(
      'killed.bin',
      patternSource('kill', size, 100_000_000),
      (b) => {
        if (killed === 0 && b > 60_000_000 && existsSync(target) && statSync(target).size > 20_000_000) {
          killed = killSessionProcesses(server().pid);
        }
      },
    );
    await client.close();
    expect(killed).toBeGreaterThan(0);
    expect(r.resumedFrom.length).toBeGreaterThanOrEqual(1);
    expect(r.verified).toBe('size+SHA-256');
    expect(await sha256OfFile(target)).toEqual(await patternSha256('kill', size));
    expect(client.logins).toBeGreaterThanOrEqual(2);
  });
});

/** Kills ProFTPD's per-connection session processes (children of the master, found by PID). */
function killSessionProcesses(masterPid: number): number {
  const children = readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  for (const pid of children) process.kill(Number(pid), 'SIGKILL');
  void execFileSync;
  return children.length;
}
