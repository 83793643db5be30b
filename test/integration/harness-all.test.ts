// All harness servers in one file: they start together (one describe = one concurrent batch), on
// distinct loopback ports, well within the 15 s budget, with the certificate facts the clients rely on.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFtpServer, useMariadb } from '../harness/vitest.ts';

describe('all servers at once', () => {
  let startedAt = 0;
  // Registered before the servers' hooks, so it runs first.
  beforeAll(() => {
    startedAt = performance.now();
  });
  const ftp = [
    useFtpServer('proftpd', 'a'),
    useFtpServer('proftpd', 'b'),
    useFtpServer('proftpd', 'b2'),
    useFtpServer('proftpd', 'c'),
    useFtpServer('proftpd', 'd'),
    useFtpServer('vsftpd'),
    useFtpServer('pure-ftpd'),
  ];
  const db = useMariadb();

  it('start together in well under 15 s, on distinct loopback ports', () => {
    const elapsed = performance.now() - startedAt;
    expect(elapsed).toBeLessThan(15_000);
    const infos = ftp.map((get) => get());
    const ports = [...infos.map((i) => i.port), db().port];
    expect(new Set(ports).size).toBe(ports.length);
    for (const info of infos) {
      expect(info.host).toBe('127.0.0.1');
      expect(() => process.kill(info.pid, 0)).not.toThrow();
    }
    expect(infos.map((i) => [i.kind, i.variant, i.implicitTls])).toEqual([
      ['proftpd', 'a', false],
      ['proftpd', 'b', false],
      ['proftpd', 'b2', false],
      ['proftpd', 'c', false],
      ['proftpd', 'd', true],
      ['vsftpd', 'default', false],
      ['pure-ftpd', 'default', false],
    ]);
  });

  it('gives each start its own certificate: PEM file, SHA-256 fingerprint, valid for localhost and 127.0.0.1', () => {
    for (const info of ftp.map((get) => get())) {
      expect(readFileSync(info.caFile, 'utf8')).toBe(info.caPem);
      const cert = new X509Certificate(info.caPem);
      expect(info.fingerprint256).toBe(cert.fingerprint256);
      expect(info.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(info.certHostname).toBe('localhost');
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    }
    // One certificate per start.
    expect(new Set(ftp.map((get) => get().fingerprint256)).size).toBe(ftp.length);
  });
});
