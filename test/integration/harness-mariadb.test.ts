// Smoke test of the harness's MariaDB (see test/harness/mariadb.ts): utf8mb4 text survives a round
// trip through the backup user, who can read but not write.
import { describe, expect, it } from 'vitest';
import { mariadbQuery } from '../harness/mariadb.ts';
import { useMariadb } from '../harness/vitest.ts';

describe('mariadb 10.11', () => {
  const db = useMariadb();

  it('stores utf8mb4 text (emoji) and the backup user reads it back', async () => {
    const info = db();
    const text = 'Grüße 👋🏽 from 日本 — ✓';
    await mariadbQuery(
      info,
      [
        'CREATE DATABASE smoke;',
        'CREATE TABLE smoke.notes (id INT PRIMARY KEY, body TEXT) ENGINE=InnoDB;',
        `INSERT INTO smoke.notes VALUES (1, '${text}');`,
      ].join('\n'),
      { as: 'root' },
    );
    const out = await mariadbQuery(info, 'SELECT body, CHAR_LENGTH(body) FROM notes WHERE id = 1;', {
      database: 'smoke',
    });
    expect(out).toBe(`${text}\t${[...text].length}\n`);
    const charset = await mariadbQuery(
      info,
      "SELECT CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='smoke' AND COLUMN_NAME='body';",
    );
    expect(charset.trim()).toBe('utf8mb4');
  });

  it('gives the backup user the dump grants and no write access', async () => {
    const info = db();
    const grants = await mariadbQuery(info, 'SHOW GRANTS;');
    for (const privilege of ['SELECT', 'RELOAD', 'PROCESS', 'LOCK TABLES', 'SHOW VIEW', 'EVENT', 'TRIGGER']) {
      expect(grants).toContain(privilege);
    }
    await expect(mariadbQuery(info, 'CREATE DATABASE nope;')).rejects.toThrow(/denied/i);
  });

  it('refuses the backup user with a wrong password', async () => {
    const info = db();
    await expect(mariadbQuery({ ...info, password: `${info.password}x` }, 'SELECT 1;')).rejects.toThrow(
      /Access denied/,
    );
  });
});
