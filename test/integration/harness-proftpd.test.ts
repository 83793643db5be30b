// Smoke test of the ProFTPD variants the harness provides (see test/harness/proftpd.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { ftpSmokeTests } from './harness-smoke.ts';

const tlsLog = (home: string): Promise<string> => readFile(join(home, '..', 'tls.log'), 'utf8');

describe('proftpd (a): TLS 1.2+1.3, AllowStoreRestart, HASH', () => {
  ftpSmokeTests(useFtpServer('proftpd', 'a'), {
    afterRoundTrip: async (info) => {
      const log = await tlsLog(info.home);
      expect(log).toMatch(/TLSv1\.3 data connection accepted.*resumed session/);
    },
  });
});

// b and b2: the 3 MiB upload crosses the 2 MiB limit, so the server renegotiates during it (from then on
// before every write: ProFTPD does not reset its counter). Downloads stay below the limit: with
// renegotiation on the way out, curl 7.88 saw "Connection reset by peer" on ~4 of 10 downloads of
// 3 MiB, and the agent only uploads.
describe('proftpd (b): TLS 1.2 only, data renegotiation every 2 MB', () => {
  ftpSmokeTests(useFtpServer('proftpd', 'b'), {
    size: 3 * 1024 * 1024,
    downloadSize: 384 * 1024,
    afterRoundTrip: async (info) => {
      const log = await tlsLog(info.home);
      expect(log).toMatch(/TLSv1\.2 data connection accepted/);
      expect(log).not.toMatch(/TLSv1\.3/);
      expect(log).toMatch(/renegotiat/i);
    },
  });
});

describe('proftpd (b2): TLS 1.2 only, control renegotiation every 3 s and data every 2 MB', () => {
  ftpSmokeTests(useFtpServer('proftpd', 'b2'), {
    size: 3 * 1024 * 1024,
    downloadSize: 384 * 1024,
    afterRoundTrip: async (info) => {
      const log = await tlsLog(info.home);
      expect(log).toMatch(/TLSv1\.2 data connection accepted/);
      expect(log).toMatch(/renegotiat/i);
    },
  });
});

describe('proftpd (c): TLS session cache of 4 s', () => {
  ftpSmokeTests(useFtpServer('proftpd', 'c'));
});

describe('proftpd (d): implicit FTPS', () => {
  ftpSmokeTests(useFtpServer('proftpd', 'd'), {
    afterRoundTrip: async (info) => {
      expect(info.implicitTls).toBe(true);
      const log = await tlsLog(info.home);
      expect(log).toMatch(/data connection accepted/);
    },
  });
});
