/** The sqlite source's commands, built as data and compared by equality; its output parser, table-driven. */
import { describe, expect, it } from 'vitest';
import { parseInspectOutput, sqliteBackupArgs, sqliteInspectArgs } from '../../../src/sources/index.ts';

describe('sqlite commands', () => {
  it('copies read-only with VACUUM INTO, waiting for locks', () => {
    expect(sqliteBackupArgs('/srv/app/app.db', '/tmp/ftps-backup-sqlite-x/copy.db', 30_000)).toEqual([
      '-batch',
      '-bail',
      '-readonly',
      '-cmd',
      '.timeout 30000',
      '/srv/app/app.db',
      "VACUUM INTO '/tmp/ftps-backup-sqlite-x/copy.db';",
    ]);
  });

  it('refuses a copy path that would break the dot-command', () => {
    expect(() => sqliteBackupArgs('/a.db', "/tmp/x'y/copy.db", 1)).toThrow(/unusable copy path/);
  });

  it('inspects the copy: rollback journal, table count, quick_check', () => {
    expect(sqliteInspectArgs('/tmp/d/copy.db')).toEqual([
      '-batch',
      '-bail',
      '/tmp/d/copy.db',
      'PRAGMA journal_mode=DELETE;',
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\';",
      'PRAGMA quick_check;',
    ]);
  });

  it.each([
    ['delete\n3\nok\n', { tables: 3 }],
    ['delete\n0\nok', { tables: 0 }],
  ])('reads %j', (out, expected) => {
    expect(parseInspectOutput(out)).toEqual(expected);
  });

  it.each([
    ['wal\n3\nok\n', /unexpected output/],
    ['delete\nx\nok\n', /unexpected output/],
    ['delete\n3\n', /unexpected output/],
    ['delete\n3\n*** in database main ***\n', /fails PRAGMA quick_check: \*\*\* in database main/],
    ['delete\n3\nrow 5 missing from index i\n', /fails PRAGMA quick_check: row 5 missing/],
  ])('refuses %j', (out, error) => {
    expect(() => parseInspectOutput(out)).toThrow(error);
  });
});
