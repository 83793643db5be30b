/**
 * listSets and prune on real servers: the same sets read the same way on ProFTPD and vsftpd (set folders
 * listed with STAT over the control connection) and Pure-FTPd (no STAT listings: MLSD per set), and on
 * ProFTPD the server's command log proves the round trips: one MLSD for the job folder and one STAT per
 * set, no data connection per set (it used to be EPSV + MLSD per set, each with its own TLS handshake).
 */
import { chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSets } from '../../src/app/list-sets.ts';
import { prune } from '../../src/app/prune.ts';
import { formatSetName } from '../../src/domain/index.ts';
import { ftpsStoreFactory } from '../../src/storage/ftps.ts';
import type { Logger } from '../../src/logging/index.ts';
import { proftpdCommandLog, type FtpServerInfo } from '../harness/index.ts';
import { useFtpServer } from '../harness/vitest.ts';
import { clientOptions } from '../support/ftp-client.ts';

const SETS = 12;
const setName = (i: number): string => formatSetName(new Date(Date.UTC(2026, 0, 1 + i, 3)));
/** Every fourth set has no manifest.json (one of them a .partial left by a failed run). */
const complete = (i: number): boolean => i % 4 !== 3;

function writeSets(info: FtpServerInfo): void {
  const owner = statSync(info.home);
  const own = (p: string): void => chownSync(p, owner.uid, owner.gid);
  const jobDir = join(info.home, 'backups', 'blog');
  mkdirSync(jobDir, { recursive: true });
  own(join(info.home, 'backups'));
  own(jobDir);
  for (let i = 0; i < SETS; i++) {
    const d = join(jobDir, setName(i));
    mkdirSync(d);
    own(d);
    const files: Record<string, string> = { 'db-wp.sql.zst': 'x'.repeat(i + 1), 'files-site.tar.zst': 'abc' };
    if (complete(i)) files['manifest.json'] = '{}';
    else if (i === 3) files['db-wp.sql.zst.partial'] = 'half';
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(d, name), content);
      own(join(d, name));
    }
  }
  // A folder named manifest.json does not make a set complete.
  mkdirSync(join(jobDir, setName(7), 'manifest.json'));
  own(join(jobDir, setName(7), 'manifest.json'));
}

for (const [kind, variant] of [
  ['proftpd', 'a'],
  ['vsftpd', undefined],
  ['pure-ftpd', undefined],
] as const) {
  describe(`listSets and prune on ${kind}`, () => {
    const server = variant === undefined ? useFtpServer(kind) : useFtpServer(kind, variant);

    it('tells complete sets from incomplete ones, with their objects and bytes', async () => {
      writeSets(server());
      const removals: string[] = [];
      const log: Logger = { debug: () => {}, info: (m) => removals.push(m), warn: () => {}, error: () => {} };
      const stores = ftpsStoreFactory(clientOptions(server()));
      const countVerbs = (): Map<string, number> => {
        const counts = new Map<string, number>();
        if (kind !== 'proftpd') return counts;
        for (const verb of readFileSync(proftpdCommandLog(server()), 'utf8').split('\n'))
          counts.set(verb, (counts.get(verb) ?? 0) + 1);
        return counts;
      };
      const before = countVerbs();

      const sets = await listSets(stores, '/backups', 'blog');

      expect(sets.map((s) => [s.name, s.complete])).toEqual(
        Array.from({ length: SETS }, (_, k) => SETS - 1 - k).map((i) => [setName(i), complete(i)]),
      );
      const set10 = sets.find((s) => s.name === setName(10));
      expect([set10?.objects, set10?.bytes]).toEqual([2, 11 + 3 + 2]);
      expect(sets.find((s) => s.name === setName(3))?.objects).toBe(2); // the .partial does not count
      if (kind === 'proftpd') {
        const after = countVerbs();
        const delta = (verb: string): number => (after.get(verb) ?? 0) - (before.get(verb) ?? 0);
        expect({ MLSD: delta('MLSD'), STAT: delta('STAT'), EPSV: delta('EPSV') }).toEqual({
          MLSD: 1,
          STAT: SETS,
          EPSV: 1,
        });
      }

      const r = await prune({
        stores,
        root: '/backups',
        job: 'blog',
        policy: { keepLast: 2 },
        now: new Date(Date.UTC(2026, 1, 1)),
        dryRun: false,
        log,
      });
      // Kept: the two newest complete sets, 10 and 9; the rest goes, incomplete 11 too (past the grace).
      const removed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11].map(setName);
      expect(r.removed.sort()).toEqual(removed);
      expect(removals).toHaveLength(removed.length);
      expect((await listSets(stores, '/backups', 'blog')).map((s) => s.name)).toEqual([
        setName(10),
        setName(9),
      ]);
    });
  });
}
