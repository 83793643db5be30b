/** A WordPress-like MariaDB database: utf8mb4 text, blobs, a view, a trigger, a procedure and a function. */
import { mariadbQuery } from '../harness/mariadb.ts';
import type { MariadbInfo } from '../harness/index.ts';

export async function makeWordpressDb(info: MariadbInfo, name: string, rows = 2000): Promise<void> {
  const inserts: string[] = [];
  for (let i = 0; i < rows; i++) {
    inserts.push(
      `(${i}, 'Post ${i} — Grüße 😀 日本語 ''quoted'' \\\\ back', REPEAT('lorem ipsum ', ${1 + (i % 50)}))`,
    );
  }
  const media: string[] = [];
  for (let i = 0; i < 50; i++) media.push(`(${i}, RANDOM_BYTES(1024))`);
  const sql = `
CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE \`${name}\`;
CREATE TABLE wp_posts (ID BIGINT PRIMARY KEY, post_title TEXT NOT NULL, post_content LONGTEXT NOT NULL) ENGINE=InnoDB;
CREATE TABLE wp_media (id INT PRIMARY KEY, data LONGBLOB) ENGINE=InnoDB;
CREATE TABLE wp_log (id INT AUTO_INCREMENT PRIMARY KEY, post_id BIGINT, note VARCHAR(100)) ENGINE=InnoDB;
INSERT INTO wp_posts VALUES ${inserts.join(',\n')};
INSERT INTO wp_media VALUES ${media.join(',')};
INSERT INTO wp_media VALUES (999, UNHEX('00FF00FF0D0A1A27225C'));
CREATE VIEW wp_titles AS SELECT ID, post_title FROM wp_posts WHERE ID < 100;
CREATE TRIGGER wp_posts_ai AFTER INSERT ON wp_posts FOR EACH ROW INSERT INTO wp_log (post_id, note) VALUES (NEW.ID, 'created');
CREATE PROCEDURE wp_count(OUT n INT) SELECT COUNT(*) INTO n FROM wp_posts;
CREATE FUNCTION wp_double(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
INSERT INTO wp_posts VALUES (${rows}, 'fires the trigger', 'x');
`;
  await mariadbQuery(info, sql, { as: 'root' });
}

/** Table checksums and the names of views, triggers and routines: what a restore must reproduce. */
export async function dbFingerprint(info: MariadbInfo, name: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of ['wp_posts', 'wp_media', 'wp_log']) {
    out[t] =
      (await mariadbQuery(info, `CHECKSUM TABLE \`${name}\`.${t} EXTENDED;`, { as: 'root' }))
        .trim()
        .split('\t')[1] ?? '';
  }
  out.views = (
    await mariadbQuery(
      info,
      `SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA='${name}' ORDER BY 1;`,
      { as: 'root' },
    )
  ).trim();
  out.triggers = (
    await mariadbQuery(
      info,
      `SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='${name}' ORDER BY 1;`,
      { as: 'root' },
    )
  ).trim();
  out.routines = (
    await mariadbQuery(
      info,
      `SELECT CONCAT(ROUTINE_TYPE,':',ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='${name}' ORDER BY 1;`,
      { as: 'root' },
    )
  ).trim();
  out.sample = (
    await mariadbQuery(info, `SELECT post_title FROM \`${name}\`.wp_posts WHERE ID = 7;`, { as: 'root' })
  ).trim();
  return out;
}
