/** verify on a real server: a fresh set verifies; one flipped byte in an object on the server is named. */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useFtpServer } from '../harness/vitest.ts';
import { runCli } from '../support/cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';

const server = useFtpServer('vsftpd');
const work = mkdtempSync(join(tmpdir(), 'verify-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('verify on vsftpd', () => {
  it('passes a fresh set and names the object with one flipped byte', async () => {
    mkdirSync(join(work, 'site'));
    writeFileSync(join(work, 'site', 'page.html'), 'x'.repeat(100_000));
    const cfg = await writeBackupConfig(work, server(), undefined, [
      { name: 'v', site: join(work, 'site'), root: '/backups' },
    ]);
    const env = { TEST_FTPS_PASSWORD: server().password };
    expect((await runCli(['run', 'v', '-c', cfg], env)).code).toBe(0);

    const ok = await runCli(['verify', 'v', 'latest', '-c', cfg, '--json'], env);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout) as Array<{
      set: string;
      objects: Array<{ name: string; ok: boolean }>;
    }>;
    expect(report[0]?.objects).toEqual([expect.objectContaining({ name: 'files-site.tar.zst', ok: true })]);

    const obj = join(server().home, 'backups', 'v', report[0]!.set, 'files-site.tar.zst');
    const bytes = readFileSync(obj);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(obj, bytes);
    const bad = await runCli(['verify', 'v', report[0]!.set, '-c', cfg], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      new RegExp(
        `${report[0]!.set} files-site\\.tar\\.zst: FAILED — sha256 [0-9a-f]{64} differs from the manifest's`,
      ),
    );
    expect(bad.stderr).toMatch(/verification failed for .*files-site\.tar\.zst/);
    expect(readdirSync(join(server().home, 'backups', 'v'))).toHaveLength(1);
  });
});
