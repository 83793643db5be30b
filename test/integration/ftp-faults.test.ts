/**
 * Faults real daemons can't produce on cue, against the scripted in-process FTPS server: a bogus PASV
 * address, a 421 at login, a 552 mid-upload, a data connection cut with a lying 226 (with and without
 * restart support), replies split into single bytes, a wrong password.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FtpLoginError, FtpReplyError, FtpsClient, type FtpsClientOptions } from '../../src/ftp/index.ts';
import { FtpsStore, ftpsStoreFactory } from '../../src/storage/ftps.ts';
import { RetryingStore, retryingStoreFactory, type RetryContext } from '../../src/storage/retrying.ts';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSelfSignedCert } from '../harness/common.ts';
import { startScriptedServer, type Script, type ScriptedServer } from '../fake/scripted-server.ts';

let cert: { key: string; cert: string };
const certDir = mkdtempSync(join(tmpdir(), 'fake-ftps-cert-'));
let server: ScriptedServer | undefined;
const logs: string[] = [];

beforeAll(async () => {
  const made = await makeSelfSignedCert(certDir);
  cert = { key: readFileSync(made.keyFile, 'utf8'), cert: made.pem };
});

afterAll(() => rmSync(certDir, { recursive: true, force: true }));

afterEach(async () => {
  await server?.close();
  server = undefined;
  logs.length = 0;
});

function options(port: number, extra: Partial<FtpsClientOptions> = {}): FtpsClientOptions {
  return {
    host: '127.0.0.1',
    port,
    tlsMode: 'explicit',
    user: 'tester',
    password: 'secret',
    tls: { ca: cert.cert },
    log: { debug: (m) => logs.push(m), info: (m) => logs.push(m), warn: (m) => logs.push(m) },
    ...extra,
  };
}

/** The job's retry budget, as the retrying store applies it (the client itself makes one attempt). */
const retry: RetryContext = {
  policy: { attempts: 4, initialDelayMs: 10, maxDelayMs: 50 },
  log: { info: (m) => logs.push(m), warn: (m) => logs.push(m) },
};

async function connect(script: Script, extra: Partial<FtpsClientOptions> = {}): Promise<FtpsClient> {
  server = await startScriptedServer(cert, script);
  return FtpsClient.connect(options(server.port, extra));
}

const retried = (client: FtpsClient): RetryingStore =>
  new RetryingStore(new FtpsStore(client, 'test'), retry);

/** Replayable from any offset, in 64 KiB chunks (so a cut lands mid-stream). */
const bufferSource = (data: Buffer) => ({
  open: (offset: number) => {
    const chunks: Buffer[] = [];
    for (let i = offset; i < data.length; i += 65536)
      chunks.push(data.subarray(i, Math.min(i + 65536, data.length)));
    return Readable.from(chunks);
  },
});

describe('scripted server faults', () => {
  it('connects to the control peer, not to a bogus PASV address, and says so', async () => {
    const client = await connect({ pasvHost: '10.99.99.99' });
    const data = randomBytes(100_000);
    const r = await client.upload('/a.bin', bufferSource(data));
    await client.close();
    expect(r.bytes).toBe(data.length);
    expect(server!.files.get('/a.bin')?.equals(data)).toBe(true);
    expect(client.state.passiveMode).toBe('PASV');
    expect(logs.some((l) => l.includes('10.99.99.99') && l.includes('127.0.0.1'))).toBe(true);
  });

  it('survives a 421 at login by reconnecting (the retrying store opens again)', async () => {
    server = await startScriptedServer(cert, { loginClosesTimes: 2 });
    const store = await retryingStoreFactory(ftpsStoreFactory(options(server.port)), retry).open();
    expect(server.logins).toBe(1);
    expect(server.commands.filter((c) => c === 'USER tester')).toHaveLength(3);
    await store.close();
  });

  it('the client alone makes one attempt: a 421 at login is reported, not retried', async () => {
    const err = await connect({ loginClosesTimes: 1 }).catch((e: unknown) => e);
    expect((err as { transient?: boolean }).transient).toBe(true);
    expect(server!.commands.filter((c) => c === 'USER tester')).toHaveLength(1);
  });

  it('stops an upload at once on a 552 and reports it', async () => {
    const client = await connect({ storAbortAfter: 200_000 });
    const data = randomBytes(5_000_000);
    const err = await client.upload('/big.bin', bufferSource(data)).catch((e: unknown) => e);
    await client.close();
    expect(err).toBeInstanceOf(FtpReplyError);
    expect((err as FtpReplyError).code).toBe(552);
    expect((err as FtpReplyError).transient).toBe(false);
  });

  it('never reports a cut upload as success: a FIN with an early 226 is a drop, resumed with REST', async () => {
    const client = await connect({ storCutAfter: 300_000, storCutTimes: 1 });
    const data = randomBytes(2_000_000);
    const r = await retried(client).put('/cut.bin', bufferSource(data));
    await client.close();
    expect(server!.files.get('/cut.bin')?.equals(data)).toBe(true);
    expect(r.resumedFrom.length).toBe(1);
    expect(r.resumedFrom[0]).toBeGreaterThanOrEqual(300_000);
    expect(server!.commands.some((c) => c.startsWith('REST '))).toBe(true);
    expect(logs.some((l) => l.includes(`resume at ${r.resumedFrom[0]}`))).toBe(true);
  });

  it.each([
    ['the server allows restarts, but the cut is before what the source can replay', false],
    ['the server refuses restarts (451)', true],
  ])('runs the source again from byte 0 when %s', async (_title, refuseRestart) => {
    const client = await connect({ storCutAfter: 300_000, storCutTimes: 1, refuseRestart });
    const data = randomBytes(1_000_000);
    let runs = 0;
    // Like a live dump: readable once from 0, nothing kept to resume from.
    const oneShot = () => {
      runs += 1;
      let opened = false;
      return {
        open: (offset: number) => {
          if (opened || offset !== 0) return undefined;
          opened = true;
          return bufferSource(data).open(0);
        },
        replayable: () => (opened ? undefined : { from: 0, to: 0 }),
      };
    };
    const r = await retried(client).putObject('/rerun.bin', oneShot, { restartable: true });
    await client.close();
    expect(server!.files.get('/rerun.bin')?.equals(data)).toBe(true);
    expect(r.sourceRuns).toBe(2);
    expect(runs).toBe(2);
    expect(logs.some((l) => l.includes('/rerun.bin: source re-run'))).toBe(true);
  });

  it('gives up, saying why, when a source that cannot run again (stdin) is cut past its window', async () => {
    const client = await connect({ storCutAfter: 300_000, storCutTimes: 1 });
    const data = randomBytes(1_000_000);
    let opened = false;
    const stdin = {
      open: (offset: number) => {
        if (opened || offset !== 0) return undefined;
        opened = true;
        return bufferSource(data).open(0);
      },
      replayable: () => (opened ? undefined : { from: 0, to: 0 }),
    };
    const err = await retried(client)
      .putObject('/stdin.bin', () => stdin, { restartable: false })
      .catch((e: unknown) => e);
    await client.close();
    expect((err as Error).message).toMatch(/standard input/);
  });

  it('uploads from the start when the server refuses restarts (451)', async () => {
    const client = await connect({ storCutAfter: 300_000, storCutTimes: 1, refuseRestart: true });
    const data = randomBytes(1_000_000);
    const r = await retried(client).put('/norestart.bin', bufferSource(data));
    await client.close();
    expect(server!.files.get('/norestart.bin')?.equals(data)).toBe(true);
    expect(client.state.restartAllowed).toBe(false);
    expect(r.bytes).toBe(data.length);
    expect(server!.commands.filter((c) => c === 'STOR /norestart.bin').length).toBeGreaterThanOrEqual(2);
  });

  it('parses replies that arrive one byte at a time', async () => {
    const client = await connect({ splitReplies: true });
    const data = randomBytes(50_000);
    await client.upload('/split.bin', bufferSource(data));
    expect(await client.size('/split.bin')).toBe(data.length);
    await client.close();
    expect(server!.files.get('/split.bin')?.equals(data)).toBe(true);
  });

  it('explains a 530 without echoing the password', async () => {
    const err = await connect({}, { password: 'wrong-pass-123' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpLoginError);
    const msg = (err as Error).message;
    expect(msg).toContain('530');
    expect(msg).toContain('PureDB');
    expect(msg).not.toContain('wrong-pass-123');
    expect(logs.join('\n')).not.toContain('wrong-pass-123');
  });
});
