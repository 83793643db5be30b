/** vsftpd 3.0.3 with require_ssl_reuse=YES, force_local_data_ssl=YES, strict_ssl_read_eof=YES. */
import { describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { connectTo, testLog } from '../support/ftp-client.ts';
import { BIG, patternSha256, patternSource } from '../support/pattern.ts';
import { bigRoundTrip } from '../support/round-trip.ts';

const server = useFtpServer('vsftpd');

describe('vsftpd: session reuse required, strict TLS EOF', () => {
  it('moves 1 GB both ways byte for byte (clean close_notify, so no 426)', async () => {
    const log = testLog();
    const client = await connectTo(server(), { log: log.logger });
    await bigRoundTrip(client, server(), 'vs-big.bin', BIG);
    expect(client.state.resumesTls).toBe(true);
    await client.close();
    expect(log.lines.some((l) => l.includes('426'))).toBe(false);
  });

  it('lists with LIST (no MLSD) and works capped at TLS 1.2', async () => {
    const client = await connectTo(server(), { tls: { ca: server().caPem, maxVersion: 'TLSv1.2' } });
    await client.mkdirp('/dir one/two');
    const r = await client.upload('/dir one/two/f.bin', patternSource('vs-list', 12345));
    expect(r.verified).toBe('size');
    const entries = await client.list('/dir one/two');
    expect(entries.map((e) => [e.name, e.type, e.size])).toEqual([['f.bin', 'file', 12345]]);
    expect(client.state.mlsd).not.toBe(true);
    await client.removeTree('/dir one');
    await client.close();
  });

  it('hashes what it sends when the server has no SHA-256, even when the source offers its own digest', async () => {
    const client = await connectTo(server());
    const size = 1024 * 1024 + 3;
    const truth = await patternSha256('vs-digest', size);
    // a wrong digest: with nothing on the server to compare it with, the client must not take it
    const source = {
      ...patternSource('vs-digest', size),
      digest: () => Promise.resolve({ bytes: size, sha256: '0'.repeat(64) }),
    };
    const r = await client.upload('/vs-digest.bin', source);
    expect(r.verified).toBe('size');
    expect(r.sha256).toBe(truth.sha256);
    await client.close();
  });
});
