/** renameDatabase: only the CREATE DATABASE / USE / ALTER DATABASE line starts change, at any chunking. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { quoteIdentifier, renameDatabase } from '../../../src/restore/index.ts';

const fixture = readFileSync(join(import.meta.dirname, '../sources/fixtures/mariadb-10.11-shop.sql'));

async function run(chunks: Buffer[], from: string, to: string): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(renameDatabase(from, to))) out.push(c as Buffer);
  return Buffer.concat(out).toString('utf8');
}

describe('renameDatabase', () => {
  it('rewrites the real dump fixture and nothing else, split at every 7th offset', async () => {
    const want = await run([fixture], 'shop', 'shop copy`1');
    const changed = want.split('\n').filter((l, i) => l !== fixture.toString('utf8').split('\n')[i]);
    expect(changed).toEqual([
      'CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop copy``1` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci */;',
      'USE `shop copy``1`;',
      'USE `shop copy``1`;',
    ]);
    for (let cut = 1; cut < fixture.length; cut += 7) {
      expect(await run([fixture.subarray(0, cut), fixture.subarray(cut)], 'shop', 'shop copy`1')).toBe(want);
    }
  });

  it('leaves data, other databases and mid-line text alone; handles ALTER DATABASE', async () => {
    const sql = [
      // the dump client escapes newlines in data (\n), so text in data is never at a line start
      "INSERT INTO t VALUES ('USE `shop`;\\nUSE `shop`;');",
      'USE `shopping`;',
      ' USE `shop`;',
      '/*!50003 ALTER DATABASE `shop` CHARACTER SET latin1 */ ;;',
      'USE `shop`;',
      'USE `sh',
    ].join('\n');
    const bytes = Buffer.from(sql);
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(await run(chunks, 'shop', 'new')).toBe(
      [
        "INSERT INTO t VALUES ('USE `shop`;\\nUSE `shop`;');",
        'USE `shopping`;',
        ' USE `shop`;',
        '/*!50003 ALTER DATABASE `new` CHARACTER SET latin1 */ ;;',
        'USE `new`;',
        'USE `sh',
      ].join('\n'),
    );
  });

  it('quotes identifiers', () => {
    expect(quoteIdentifier('a`b')).toBe('`a``b`');
  });
});
