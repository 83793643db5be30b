/** ProFTPD (d): implicit FTPS (TLS from the first byte, the ftps:// scheme). */
import { describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { connectTo } from '../support/ftp-client.ts';
import { BIG } from '../support/pattern.ts';
import { bigRoundTrip } from '../support/round-trip.ts';

const server = useFtpServer('proftpd', 'd');

describe('ProFTPD (d): implicit FTPS', () => {
  it('moves 1 GB both ways byte for byte', async () => {
    expect(server().implicitTls).toBe(true);
    const client = await connectTo(server());
    expect(client.tlsInfo).toBeDefined();
    await bigRoundTrip(client, server(), 'implicit.bin', BIG);
    expect(client.state.resumesTls).toBe(true);
    await client.close();
  });
});
