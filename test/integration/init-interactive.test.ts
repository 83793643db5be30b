/**
 * `ftps-backup init` on a terminal (a pseudo-terminal from script(1)), answered prompt by prompt: a bad URL
 * and a missing site folder are explained and asked again, the password is not echoed, the certificate is
 * pinned after a yes, the WordPress values from wp-config.php are the defaults (Enter takes them), and the
 * configuration it writes is valid. Real ProFTPD and MariaDB.
 */
import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { useFtpServer, useMariadb } from '../harness/vitest.ts';
import { makeWordpressSite, type WordpressSite } from '../support/wordpress-site.ts';

const ftp = useFtpServer('proftpd', 'a');
const db = useMariadb();
const work = mkdtempSync(join(tmpdir(), 'init-tty-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let site: WordpressSite;

beforeAll(async () => {
  site = await makeWordpressSite(db(), join(work, 'www', 'shop'), {
    database: 'ttyshop',
    dbHost: `127.0.0.1:${db().port}`,
  });
  const home = statSync(ftp().home);
  mkdirSync(join(ftp().home, 'site-backups'));
  chownSync(join(ftp().home, 'site-backups'), home.uid, home.gid);
});

/** Each step: wait for `prompt` in the output that follows the previous answer, then type `answer`. */
async function dialogue(
  args: string[],
  steps: [prompt: RegExp, answer: string][],
): Promise<{ code: number | null; output: string }> {
  const entry = new URL('../support/cli-entry.ts', import.meta.url).pathname;
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, entry, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { PATH: process.env.PATH, TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let from = 0;
  let step = 0;
  const next = (): void => {
    while (step < steps.length) {
      const [prompt, answer] = steps[step]!;
      const m = prompt.exec(output.slice(from));
      if (m === null) return;
      from += m.index + m[0].length;
      step++;
      child.stdin.write(`${answer}\r`);
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    next();
  });
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, output };
}

describe('ftps-backup init on a terminal', () => {
  it('asks, explains bad answers and asks again, never echoes the password, writes a valid configuration', async () => {
    const s = ftp();
    const configDir = join(work, 'etc');
    const url = `ftpes://${s.user}@127.0.0.1:${s.port}/site-backups`;
    const { code, output } = await dialogue(
      ['init', '--config-dir', configDir, '--state-dir', join(work, 'state'), '--no-run'],
      [
        [/FTPS server and folder \(ftpes:\/\/user@host\/path\): /, 'http://example.net/'],
        [/FTPS server and folder \(ftpes:\/\/user@host\/path\): /, url],
        [/Password of ftpsbt@127\.0\.0\.1: |Password of [^:]+: /, s.password],
        [/Pin this certificate\? \[y\/N\]: /, 'y'],
        [/Site folder to back up \[\/var\/www\/html\]: /, join(work, 'nowhere')],
        [/Site folder to back up \[\/var\/www\/html\]: /, site.root],
        [/Database \[ttyshop\]: /, ''],
        [/Database server [^[]*\[127\.0\.0\.1:\d+\]: /, ''],
        [/Database user \[ttyshop_user\]: /, ''],
        [/Job name \[shop\]: /, ''],
        [/Schedule [^[]*\[30 3 \* \* \*\]: /, '15 2 * * *'],
      ],
    );
    expect(output).toContain('unsupported scheme "http:"');
    expect(output).toContain(`${join(work, 'nowhere')}: no such folder`);
    expect(output).toContain(`SHA-256 fingerprint: ${s.fingerprint256}`);
    expect(output).toContain('✓ database: logged in to ttyshop');
    expect(output).not.toContain(s.password);
    expect(output).not.toContain(site.password);
    expect(code).toBe(0);
    const config = parse(readFileSync(join(configDir, 'config.yaml'), 'utf8')) as {
      destinations: Record<string, { fingerprint: string; root: string }>;
    };
    expect(config.destinations['127.0.0.1']).toMatchObject({
      fingerprint: `sha256:${s.fingerprint256}`,
      root: '/site-backups',
    });
    expect(parse(readFileSync(join(configDir, 'jobs', 'shop.yaml'), 'utf8'))).toMatchObject({
      name: 'shop',
      schedule: '15 2 * * *',
    });
    expect(readFileSync(join(configDir, 'credentials', 'ftps'), 'utf8')).toBe(s.password);
  });
});
