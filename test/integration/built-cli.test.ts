/**
 * The CLI as a user runs it after `npm ci`: the bundle `npm run build` writes to dist/, started through
 * bin/ftps-backup.js and its shebang (the heap flags). The other tests run the sources.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin', 'ftps-backup.js');
const dist = join(root, 'dist');
// the shebang's `node` is the one running the tests
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
const dir = mkdtempSync(join(tmpdir(), 'built-cli-'));

beforeAll(async () => {
  await run('npm', ['run', '--silent', 'build'], { cwd: root, env });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the built CLI', () => {
  it('bundles its dependencies: dist/ imports nothing but Node built-ins and its own chunks', () => {
    const files = readdirSync(dist).filter((f) => f.endsWith('.js'));
    expect(files).toContain('main.js');
    const specifiers = new Set<string>();
    for (const f of files) {
      const code = readFileSync(join(dist, f), 'utf8');
      const patterns = [
        /^\s*(?:import|export)\b[^;"']*?\bfrom\s*"([^"]+)"/gm,
        /^\s*import\s*"([^"]+)"/gm,
        /(?<![.\w$])import\(\s*"([^"]+)"\s*\)/g,
        /(?<![.\w$])require\(\s*"([^"]+)"\s*\)/g,
      ];
      for (const re of patterns) for (const m of code.matchAll(re)) specifiers.add(m[1]!);
    }
    const foreign = [...specifiers].filter((s) => !s.startsWith('./') && !isBuiltin(s));
    expect(foreign).toEqual([]);
    // what it found: the built-ins the bundle uses, and its chunks
    expect(specifiers).toContain('node:tls');
    expect([...specifiers].some((s) => s.startsWith('./') && s.endsWith('.js'))).toBe(true);
  });

  it('prints its version, and runs the quick start end to end', async () => {
    const version = await run(bin, ['--version'], { env });
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
    const qs = await run(bin, ['quickstart', '--dir', dir], { env });
    expect(qs.stdout).toMatch(/^4\. verified files-site\.tar\.zst: OK/m);
    expect(qs.stdout).toMatch(/^5\. extracted and compared with the original: 5 files identical/m);
    expect(qs.stderr).not.toMatch(/ERROR/);
  }, 60_000);
});
