/**
 * ProFTPD (b): TLS 1.2 with server-forced renegotiation of the data channel every 2 MB, and (b2): the
 * control channel every 3 s as well (ProFTPD then sometimes kills the session itself mid-upload; the
 * client must reconnect and finish, byte-exact). Both leave AllowStoreRestart off: a cut upload starts over.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { connectTo, retriedStore, testLog } from '../support/ftp-client.ts';
import { BIG, patternSha256, patternSource, sha256OfFile } from '../support/pattern.ts';

describe('ProFTPD (b): data-channel renegotiation every 2 MB', () => {
  const server = useFtpServer('proftpd', 'b');
  it('uploads 1 GB byte-exact while the server renegotiates hundreds of times', async () => {
    const log = testLog();
    const client = await connectTo(server(), { log: log.logger });
    expect(client.tlsInfo?.protocol).toBe('TLSv1.2');
    const r = await retriedStore(client, 8, log.logger).putObject(
      'reneg.bin',
      () => patternSource('reneg-b', BIG),
      { restartable: false },
    );
    await client.close();
    expect(r.bytes).toBe(BIG);
    // ProFTPD kills the data channel 30 s past the limit: longer uploads continue with REST+STOR.
    console.log(`b: ${r.attempts} attempt(s), resumed at ${JSON.stringify(r.resumedFrom)}`);
    expect(await sha256OfFile(join(server().home, 'reneg.bin'))).toEqual(await patternSha256('reneg-b', BIG));
  });
});

describe('ProFTPD (b2): control renegotiation every 3 s and data every 2 MB', () => {
  const server = useFtpServer('proftpd', 'b2');
  it('uploads 1 GB byte-exact, reconnecting when the server kills the session', async () => {
    const log = testLog();
    const client = await connectTo(server(), { log: log.logger });
    const r = await retriedStore(client, 8, log.logger).putObject(
      'reneg2.bin',
      () => patternSource('reneg-b2', BIG),
      { restartable: false },
    );
    await client.close();
    expect(r.bytes).toBe(BIG);
    expect(r.verified).toBe('size');
    expect(await sha256OfFile(join(server().home, 'reneg2.bin'))).toEqual(
      await patternSha256('reneg-b2', BIG),
    );
    // Say what happened (the server kills the session only sometimes).
    console.log(
      `b2: ${r.attempts} attempt(s), ${client.logins} login(s), control TLS sessions seen in the log: ${log.lines.filter((l) => l.includes('control: TLS session')).length}`,
    );
  });
});
