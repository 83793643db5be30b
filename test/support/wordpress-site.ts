/**
 * A WordPress-like site for `ftps-backup init`: a database with its own user (ALL on it, as WordPress
 * installs do), and a folder with wp-config.php naming them, content that must be backed up, and what the
 * WordPress excludes leave out (a cache, upgrade leftovers, another plugin's backup archive). Used by
 * test/integration/init.test.ts and packaging/test-package.ts (the installed .deb).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mariadbQuery } from '../harness/mariadb.ts';
import type { MariadbInfo } from '../harness/index.ts';

export interface WordpressSite {
  root: string;
  database: string;
  user: string;
  password: string;
  /** Paths (relative to root) a backup must hold, and those the excludes leave out. */
  kept: string[];
  excluded: string[];
}

/** PHP single-quoted literal. */
function phpString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function makeWordpressSite(
  db: MariadbInfo,
  root: string,
  opts: { database: string; dbHost: string },
): Promise<WordpressSite> {
  const user = `${opts.database}_user`;
  // a quote and a backslash: the parser and the credential file must keep them
  const password = `wp'pass\\word-${opts.database}`;
  // tables only, created by root like an imported dump (WordPress uses no routines or triggers)
  const posts = Array.from(
    { length: 200 },
    (_, i) => `(${i}, 'Post ${i} — Grüße ''q''', REPEAT('lorem ', ${1 + (i % 40)}))`,
  );
  await mariadbQuery(
    db,
    [
      `CREATE DATABASE \`${opts.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
      `USE \`${opts.database}\`;`,
      'CREATE TABLE wp_posts (ID BIGINT PRIMARY KEY, post_title TEXT NOT NULL, post_content LONGTEXT NOT NULL) ENGINE=InnoDB;',
      'CREATE TABLE wp_options (option_name VARCHAR(191) PRIMARY KEY, option_value LONGTEXT) ENGINE=InnoDB;',
      `INSERT INTO wp_posts VALUES ${posts.join(',')};`,
      "INSERT INTO wp_options VALUES ('siteurl', 'https://blog.example.net');",
    ].join('\n'),
    { as: 'root' },
  );
  const sqlPassword = password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  await mariadbQuery(
    db,
    [
      `CREATE USER '${user}'@'localhost' IDENTIFIED BY '${sqlPassword}';`,
      `CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${sqlPassword}';`,
      `GRANT ALL ON \`${opts.database}\`.* TO '${user}'@'localhost';`,
      `GRANT ALL ON \`${opts.database}\`.* TO '${user}'@'127.0.0.1';`,
    ].join('\n'),
    { as: 'root' },
  );
  const files: Record<string, string> = {
    'index.php': "<?php\nrequire __DIR__ . '/wp-blog-header.php';\n",
    'wp-content/themes/blog/style.css': '/* Theme Name: Blog */\n',
    'wp-content/uploads/2026/12/photo.jpg': 'JPEG'.repeat(5000),
    'wp-content/cache/page/index.html': '<html>cached</html>',
    'wp-content/upgrade/wordpress-6.9/readme.html': 'leftover',
    'wp-content/updraft/backup_2026-12-01-db.gz': 'an old archive',
  };
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), content);
  }
  await writeFile(
    join(root, 'wp-config.php'),
    [
      '<?php',
      '// ** Database settings ** //',
      `define( 'DB_NAME', ${phpString(opts.database)} );`,
      "// define( 'DB_USER', 'not_this_one' );",
      `define( "DB_USER", "${user}" );`,
      `define( 'DB_PASSWORD', ${phpString(password)} );`,
      `define( 'DB_HOST', ${phpString(opts.dbHost)} );`,
      "define( 'DB_CHARSET', 'utf8mb4' );",
      "$table_prefix = 'wp_';",
      "if ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', __DIR__ . '/' ); }",
      "require_once ABSPATH . 'wp-settings.php';",
      '',
    ].join('\n'),
  );
  return {
    root,
    database: opts.database,
    user,
    password,
    kept: [
      'index.php',
      'wp-config.php',
      'wp-content/themes/blog/style.css',
      'wp-content/uploads/2026/12/photo.jpg',
    ],
    excluded: [
      'wp-content/cache/page/index.html',
      'wp-content/upgrade/wordpress-6.9/readme.html',
      'wp-content/updraft/backup_2026-12-01-db.gz',
    ],
  };
}
