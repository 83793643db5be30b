/**
 * The launcher's runtime guard under a real old Node: one line saying what it found, where, what it
 * needs and how to get it, exit 2, nothing loaded. The old Node is $FTPS_TEST_OLD_NODE, else
 * /usr/bin/node when it is older than package.json's engines (Debian 12's nodejs is 18, this machine's
 * 20; .ci/run installs Debian's nodejs for this). With no old Node: in CI the test fails, elsewhere it
 * skips with one loud line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCI } from '../harness/vitest.ts';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin', 'ftps-backup.js');
const needed = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } })
  .engines.node;
const work = mkdtempSync(join(tmpdir(), 'runtime-guard-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function versionOf(node: string): string | undefined {
  try {
    return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
  } catch {
    return undefined;
  }
}

function older(version: string, range: string): boolean {
  const need = /^>=(\d+)\.(\d+)/.exec(range);
  if (need === null) throw new Error(`package.json engines.node is not ">=X.Y": ${range}`);
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a < Number(need[1]) || (a === Number(need[1]) && b < Number(need[2]));
}

/** The old Node to try, or why there is none. */
function findOldNode(): { node: string; version: string } | { missing: string } {
  const candidates = [process.env.FTPS_TEST_OLD_NODE, '/usr/bin/node'].filter(
    (c): c is string => c !== undefined && c !== '',
  );
  for (const node of candidates) {
    const version = existsSync(node) ? versionOf(node) : undefined;
    if (version !== undefined && older(version, needed)) return { node, version };
  }
  return {
    missing: `no Node older than ${needed} found (tried ${candidates.join(', ')}): install Debian's nodejs (apt-get install nodejs) or set FTPS_TEST_OLD_NODE=/path/to/old/node`,
  };
}

const old = findOldNode();
if ('missing' in old && !isCI()) process.stderr.write(`\n!!! SKIP runtime guard test: ${old.missing}\n\n`);

describe('the runtime guard', () => {
  it.skipIf('missing' in old && !isCI())('refuses an old Node in one line and exits 2', () => {
    if ('missing' in old) throw new Error(old.missing); // CI never skips
    const line = new RegExp(
      `^ftps-backup: Node\\.js ${old.version.replace(/\./g, '\\.')} at ${old.node} is too old: ftps-backup needs node ${needed.replace(/\./g, '\\.')}; install a newer Node\\.js .*own runtime\\n$`,
    );
    // the launcher given to the old node directly, as the systemd unit's ExecStart does
    const direct = spawnSync(old.node, [bin, 'daemon'], { encoding: 'utf8' });
    expect(direct.status).toBe(2);
    expect(direct.stdout).toBe('');
    expect(direct.stderr).toMatch(line);
    // through the shebang (its heap flags must not break the old node) and a symlink, as on PATH
    const link = join(work, 'ftps-backup');
    symlinkSync(bin, link);
    const viaPath = spawnSync(link, ['--version'], {
      encoding: 'utf8',
      env: { PATH: `${dirname(old.node)}:/usr/bin:/bin` },
    });
    expect(viaPath.status).toBe(2);
    expect(viaPath.stderr).toMatch(line);
  });

  it('lets the Node running the tests through', () => {
    const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
