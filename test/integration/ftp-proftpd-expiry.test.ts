/**
 * ProFTPD (c): `TLSSessionCache internal: 4` — the TLS session expires 4 s after login, so the data
 * connection of a second long upload can no longer resume it (425). The client must log in again and go
 * on without the caller noticing.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { connectTo, retriedStore, testLog } from '../support/ftp-client.ts';
import { patternSha256, patternSource, sha256OfFile } from '../support/pattern.ts';

const server = useFtpServer('proftpd', 'c');
const SIZE = 50_000_000;
const RATE = 10_000_000; // bytes/s: each upload takes about 5 s, longer than the session lifetime

describe('ProFTPD (c): the TLS session expires during a long upload', () => {
  it('does two uploads of more than 4 s each in one client session', async () => {
    const log = testLog();
    const client = await connectTo(server(), { log: log.logger });
    for (const name of ['slow1.bin', 'slow2.bin']) {
      const t = Date.now();
      const r = await retriedStore(client, 3, log.logger).put(name, patternSource(name, SIZE, RATE));
      expect(Date.now() - t).toBeGreaterThan(4000);
      expect(r.bytes).toBe(SIZE);
      expect(await sha256OfFile(join(server().home, name))).toEqual(await patternSha256(name, SIZE));
    }
    await client.close();
    // The expired session cost a 425 (or a refused resumption) and a new login, invisibly to the caller.
    expect(client.logins).toBeGreaterThanOrEqual(2);
    expect(log.lines.some((l) => /425|did not resume|reconnecting/.test(l))).toBe(true);
  });

  it('logs in again before a transfer when the session is older than maxSessionAge', async () => {
    const log = testLog();
    const client = await connectTo(server(), { log: log.logger, maxSessionAgeMs: 2000 });
    await client.upload('age1.bin', patternSource('age1', 1000));
    await new Promise((r) => setTimeout(r, 5000));
    await client.upload('age2.bin', patternSource('age2', 1000));
    await client.close();
    expect(client.logins).toBe(2);
    expect(log.lines.some((l) => l.includes('the TLS session is older than'))).toBe(true);
    expect(log.lines.some((l) => l.includes('425'))).toBe(false);
  });
});
