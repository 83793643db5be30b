// Smoke test of the harness's Pure-FTPd (see test/harness/pure-ftpd.ts).
import { readFile } from 'node:fs/promises';
import { describe, expect } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { ftpSmokeTests } from './harness-smoke.ts';

describe('pure-ftpd 1.0.50: PureDB user, TLS required on control and data (-Y 3)', () => {
  ftpSmokeTests(useFtpServer('pure-ftpd'), {
    afterRoundTrip: async (info) => {
      // The transfer log (CLF) records both directions with the full size.
      const log = await readFile(info.logFile, 'utf8');
      expect(log).toMatch(/"PUT [^"]*smoke\.bin" 200 393216/);
      expect(log).toMatch(/"GET [^"]*smoke\.bin" 200 393216/);
    },
  });
});
