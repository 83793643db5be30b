/**
 * prune on a real server: 40 synthetic sets plus foreign files and folders → exactly the expected sets
 * removed (worked out by hand below), foreign entries untouched; --dry-run removes nothing.
 */
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSetName } from '../../src/domain/index.ts';
import { useFtpServer } from '../harness/vitest.ts';
import { runCli } from '../support/cli.ts';
import { writeBackupConfig } from '../support/backup-config.ts';

const server = useFtpServer('proftpd', 'a');
const work = mkdtempSync(join(tmpdir(), 'prune-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Sets every 3 days from 2020-01-01 03:00 UTC: i = 0..39 (day 3i of the leap year 2020).
const setName = (i: number): string => formatSetName(new Date(Date.UTC(2020, 0, 1 + 3 * i, 3)));

describe('prune on ProFTPD', () => {
  it('keeps exactly what keepLast 2, keepDaily 3, keepMonthly 3 say, and touches nothing foreign', async () => {
    const jobDir = join(server().home, 'backups', 'blog');
    mkdirSync(jobDir, { recursive: true });
    const owner = statSync(server().home);
    const own = (p: string): void => chownSync(p, owner.uid, owner.gid);
    own(join(server().home, 'backups'));
    own(jobDir);
    for (let i = 0; i < 40; i++) {
      const d = join(jobDir, setName(i));
      mkdirSync(d);
      writeFileSync(join(d, 'files-site.tar.zst'), `set ${i}`);
      writeFileSync(join(d, 'manifest.json'), '{}');
      for (const p of [d, join(d, 'files-site.tar.zst'), join(d, 'manifest.json')]) own(p);
    }
    // An incomplete set from 2019 (far past the 24 h grace), and foreign things.
    const stale = join(jobDir, '20191231T000000Z');
    mkdirSync(stale);
    writeFileSync(join(stale, 'db-wp.sql.zst.partial'), 'half');
    own(stale);
    own(join(stale, 'db-wp.sql.zst.partial'));
    mkdirSync(join(jobDir, 'misc'));
    mkdirSync(join(jobDir, '20200101T0300Z'));
    writeFileSync(join(jobDir, 'notes.txt'), 'the admin was here');

    const cfg = await writeBackupConfig(work, server(), undefined, [
      { name: 'blog', site: work, root: '/backups', extra: [] },
    ]);
    // Replace the job's retention with the policy under test.
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace(
        'retention: { keepLast: 5 }',
        'retention: { keepLast: 2, keepDaily: 3, keepMonthly: 3 }',
      ),
    );
    const env = { TEST_FTPS_PASSWORD: server().password };

    const before = readdirSync(jobDir).sort();
    const dry = await runCli(['prune', 'blog', '-c', cfg, '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing was removed');
    expect(readdirSync(jobDir).sort()).toEqual(before);

    const real = await runCli(['prune', 'blog', '-c', cfg, '--json'], env);
    expect(real.code).toBe(0);
    // By hand: i=39 (2020-04-27) newest; keepLast 2 → 39, 38; keepDaily 3 → 39, 38, 37;
    // keepMonthly 3 → April: 39, March: 30 (day 90 = Mar 31), February: 19 (day 57 = Feb 27).
    const kept = [39, 38, 37, 30, 19].map(setName);
    expect(readdirSync(jobDir).sort()).toEqual(['20200101T0300Z', 'misc', 'notes.txt', ...kept].sort());
    const json = JSON.parse(real.stdout) as {
      removed: string[];
      keep: Array<{ name: string; reasons: string[] }>;
    };
    expect(json.removed).toHaveLength(35 + 1);
    expect(json.removed).toContain('20191231T000000Z');
    expect(json.keep.find((k) => k.name === setName(30))?.reasons.join(' ')).toMatch(/month/i);
    expect(existsSync(join(jobDir, 'notes.txt'))).toBe(true);
  });
});
