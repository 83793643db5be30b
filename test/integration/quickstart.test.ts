/** The README's quick start, run as a test: backs up the bundled sample site to a local folder and checks it. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'qs-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quickstart', () => {
  it('backs up, lists, verifies and extracts the sample site', async () => {
    const r = await runCli(['quickstart', '--dir', dir]);
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2\. backed up .*set \d{8}T\d{6}Z/m);
    expect(r.stdout).toMatch(/^3\. listed: \d{8}T\d{6}Z .* complete$/m);
    expect(r.stdout).toMatch(/^4\. verified files-site\.tar\.zst: OK/m);
    expect(r.stdout).toMatch(/^5\. extracted and compared with the original: 5 files identical/m);
    // The commands a new user tries next, on the configuration the quick start wrote.
    const list = await runCli(['list', 'sample-blog', '-c', join(dir, 'config.yaml'), '--json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as Array<{ name: string; complete: boolean; objects: number }>;
    expect(listed).toEqual([expect.objectContaining({ complete: true, objects: 1 })]);
    const check = await runCli(['check-config', '-c', join(dir, 'config.yaml')]);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/configuration OK: 1 file\(s\), 1 job\(s\): sample-blog/);
    const sets = readdirSync(join(dir, 'backups', 'sample-blog'));
    expect(sets).toHaveLength(1);
    expect(readdirSync(join(dir, 'backups', 'sample-blog', sets[0]!)).sort()).toEqual([
      'files-site.tar.zst',
      'manifest.json',
    ]);
  });
});
