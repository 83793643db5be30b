/**
 * The `warning` outcome end to end, through the real CLI as a child process: a file the service cannot
 * read is skipped, the set is published, and the run says so everywhere — exit 4, `run --json`, the run
 * history, `status`, a webhook (`on: failure`) from a local recorder, a healthchecks /fail ping — while
 * retention keeps the newest set that had no warnings.
 *
 * Tests run as root, and root reads any file whatever its mode. So the CLI runs under `setpriv` without
 * CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: still uid 0, but file permissions apply to it like to any user,
 * and a file owned by `nobody` with mode 0600 is unreadable — the `wp-config.php` of the issue.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startHttpRecorder, type HttpRecorder } from '../support/http-recorder.ts';

const work = mkdtempSync(join(tmpdir(), 'outcome-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const open: HttpRecorder[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const setprivFound = spawnSync('setpriv', ['--version']).status === 0;
if (!setprivFound && process.env.CI !== 'true')
  console.warn('SKIPPED outcome-warning: setpriv not found (apt-get install util-linux)');

const ENTRY = new URL('../support/cli-entry.ts', import.meta.url).pathname;

/** Runs the CLI as uid 0 without the capabilities that bypass file permissions. */
function cliWithoutDacOverride(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'setpriv',
      ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, ENTRY, ...args],
      { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

interface RunJson {
  job: string;
  ok: boolean;
  outcome: string;
  set: string;
  warnings: string[];
}

describe.skipIf(!setprivFound && process.env.CI !== 'true')('outcome warning', () => {
  it('an unreadable file: exit 4, history and status say warning, the webhook gets outcome warning, healthchecks /fail, and retention keeps the last clean set', async () => {
    const hook = await startHttpRecorder();
    const hc = await startHttpRecorder();
    open.push(hook, hc);
    const dir = join(work, 'unreadable');
    const site = join(dir, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'index.php'), '<?php echo "hello";\n');
    writeFileSync(join(site, 'wp-config.php'), "<?php define('DB_PASSWORD', 'x');\n");
    const dest = join(dir, 'dest');
    const cfg = join(dir, 'config.yaml');
    writeFileSync(
      cfg,
      [
        'destinations:',
        `  disk: { type: local, path: ${JSON.stringify(dest)} }`,
        `state: { dir: ${JSON.stringify(join(dir, 'state'))} }`,
        'jobs:',
        '  - name: site',
        '    destination: disk',
        '    sources:',
        `      - { type: directory, label: site, path: ${JSON.stringify(site)} }`,
        '    retention: { keepLast: 1 }',
        '    notifications:',
        '      - type: webhook',
        `        url: ${hook.url}/hook`,
        '      - type: healthchecks',
        `        url: ${hc.url}/ping/abc`,
        '',
      ].join('\n'),
    );

    // 1. everything readable: success, exit 0; `on: failure` sends nothing, healthchecks pings success
    const clean = await cliWithoutDacOverride(['run', 'site', '-c', cfg, '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    const [first] = JSON.parse(clean.stdout) as RunJson[];
    expect(first).toMatchObject({ outcome: 'success', warnings: [] });
    expect(hook.requests).toHaveLength(0);
    expect(hc.requests.map((r) => r.path)).toEqual(['/ping/abc/start', '/ping/abc']);

    // 2. wp-config.php belongs to nobody, mode 0600: the run cannot read it
    chownSync(join(site, 'wp-config.php'), 65534, 65534);
    chmodSync(join(site, 'wp-config.php'), 0o600);
    // set names have whole seconds: a second run within the same second would reuse the first one's name
    await new Promise((r) => setTimeout(r, 1100));
    const warned = await cliWithoutDacOverride(['run', 'site', '-c', cfg, '--json']);
    expect(warned.code, warned.stderr).toBe(4);
    const [second] = JSON.parse(warned.stdout) as RunJson[];
    expect(second!.ok).toBe(true);
    expect(second!.outcome).toBe('warning');
    expect(second!.warnings.join('\n')).toMatch(/wp-config\.php/);
    expect(warned.stderr).toMatch(/WARNING/);

    const [post] = await hook.received(1);
    const payload = JSON.parse(post!.body) as { outcome: string; warnings: string[]; set: string };
    expect(payload.outcome).toBe('warning');
    expect(payload.set).toBe(second!.set);
    expect(payload.warnings.join('\n')).toMatch(/wp-config\.php/);
    const pings = await hc.received(4);
    expect(pings[3]!.path).toBe('/ping/abc/fail');
    expect(pings[3]!.body).toMatch(/^WARNING: job site published set \d{8}T\d{6}Z with \d+ warning/);
    expect(pings[3]!.body).toMatch(/wp-config\.php/);

    const history = JSON.parse(readFileSync(join(dir, 'state', 'history', 'site.json'), 'utf8')) as Array<{
      outcome: string;
      set?: string;
      warnings?: string[];
    }>;
    expect(history.map((h) => h.outcome)).toEqual(['success', 'warning']);
    expect(history[1]!.warnings?.join('\n')).toMatch(/wp-config\.php/);

    const status = await cliWithoutDacOverride(['status', '-c', cfg]);
    expect(status.stdout).toMatch(/^site: last warning at \S+ .*wp-config\.php/m);

    // 3. two more warned runs with keepLast 1: the clean first set is still there
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 1100)); // set names have whole seconds
      expect((await cliWithoutDacOverride(['run', 'site', '-c', cfg])).code).toBe(4);
    }
    const sets = readdirSync(join(dest, 'site')).sort();
    expect(sets).toContain(first!.set);
    expect(sets).not.toContain(second!.set); // a warned set that is no longer the newest goes
    expect(sets).toHaveLength(2);
  }, 120_000);
});
