import { describe, expect, it } from 'vitest';
import { parseDbHost, parseWpConfig, type DbEndpoint } from '../../src/cli/init/wp-config.ts';

const SAMPLE = `<?php
/**
 * The base configuration for WordPress
 */
// ** Database settings - You can get this info from your web host ** //
/** The name of the database for WordPress */
define( 'DB_NAME', 'blog_db' );
// define( 'DB_NAME', 'commented_out' );
/* define( 'DB_USER', 'in_a_block_comment' ); */
define( "DB_USER", "blog_user" );
# define('DB_PASSWORD', 'hash comment');
define('DB_PASSWORD', 'it\\'s a \\\\ "secret" // not a comment');
define( 'DB_HOST', 'localhost:/run/mysqld/mysqld.sock' );
define( 'DB_CHARSET', 'utf8mb4' );
$table_prefix = 'wp7_';
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
`;

describe('parseWpConfig', () => {
  it('reads the DB_* constants and the table prefix, skipping comments', () => {
    expect(parseWpConfig(SAMPLE)).toEqual({
      dbName: 'blog_db',
      dbUser: 'blog_user',
      dbPassword: `it's a \\ "secret" // not a comment`,
      dbHost: 'localhost:/run/mysqld/mysqld.sock',
      tablePrefix: 'wp7_',
      problems: [],
    });
  });

  it.each([
    ['double quotes with escapes', `<?php define("DB_PASSWORD", "a\\"b\\\\c\\$d");`, 'a"b\\c$d'],
    ['no spaces, upper-case DEFINE', `<?php DEFINE('DB_PASSWORD','x');`, 'x'],
    ['a leading backslash', `<?php \\define('DB_PASSWORD', 'y');`, 'y'],
    ['an empty password', `<?php define('DB_PASSWORD', '');`, ''],
  ])('password in %s', (_what, php, expected) => {
    expect(parseWpConfig(php).dbPassword).toBe(expected);
  });

  it.each([
    ['getenv()', `<?php define('DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD'));`],
    ['a variable', `<?php define('DB_PASSWORD', $pw);`],
    ['interpolation', `<?php define('DB_PASSWORD', "pre$pw");`],
    ['concatenation', `<?php define('DB_PASSWORD', 'a' . 'b');`],
  ])('a password from %s is a problem named by key, never a value', (_what, php) => {
    const parsed = parseWpConfig(php);
    expect(parsed.dbPassword).toBeUndefined();
    expect(parsed.problems).toContain(
      'DB_PASSWORD is not a plain string literal (a function call, variable or concatenation)',
    );
  });

  it('names what is missing, and takes the first definition only', () => {
    const parsed = parseWpConfig(`<?php define('DB_NAME', 'one'); define('DB_NAME', 'two');`);
    expect(parsed.dbName).toBe('one');
    expect(parsed.problems).toEqual([
      'DB_USER is not defined',
      'DB_PASSWORD is not defined',
      'DB_HOST is not defined',
    ]);
  });

  it('ignores text outside <?php … ?>', () => {
    const parsed = parseWpConfig(
      `define('DB_NAME', 'html');\n<?php define('DB_NAME', 'php'); ?>\ndefine('DB_USER', 'x')`,
    );
    expect(parsed.dbName).toBe('php');
    expect(parsed.dbUser).toBeUndefined();
  });

  it('reads $table_prefix in double quotes', () => {
    expect(parseWpConfig(`<?php $table_prefix  = "blog_";`).tablePrefix).toBe('blog_');
  });
});

describe('parseDbHost', () => {
  it.each<[string, DbEndpoint]>([
    ['localhost', { kind: 'local-socket' }],
    ['db.example.net', { kind: 'tcp', host: 'db.example.net' }],
    ['127.0.0.1:3307', { kind: 'tcp', host: '127.0.0.1', port: 3307 }],
    ['localhost:3306', { kind: 'tcp', host: 'localhost', port: 3306 }],
    ['localhost:/run/mysqld/mysqld.sock', { kind: 'socket', socket: '/run/mysqld/mysqld.sock' }],
    [':/tmp/mysql.sock', { kind: 'socket', socket: '/tmp/mysql.sock' }],
    ['[::1]:3306', { kind: 'tcp', host: '::1', port: 3306 }],
    ['::1', { kind: 'tcp', host: '::1' }],
    [' db:3306 ', { kind: 'tcp', host: 'db', port: 3306 }],
  ])('%s', (text, expected) => {
    expect(parseDbHost(text)).toEqual(expected);
  });

  it.each([
    ['', 'DB_HOST is empty'],
    ['db:abc', 'DB_HOST "db:abc": "abc" is neither a port (1-65535) nor a socket path (/…)'],
    ['db:70000', 'DB_HOST "db:70000": "70000" is neither a port (1-65535) nor a socket path (/…)'],
    [':3306', 'DB_HOST ":3306" has no host name'],
    ['db host', 'DB_HOST contains white space or NUL'],
  ])('refuses %j', (text, message) => {
    expect(() => parseDbHost(text)).toThrow(message);
  });
});
