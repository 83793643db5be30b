/**
 * src/cli/init — the pure parts of `ftps-backup init`: reading a WordPress `wp-config.php`, turning its
 * DB_HOST into a MySQL connection, WordPress's usual excludes, and the files init writes (plan.ts). No
 * fs, no network, no clock: the command (src/cli/commands/init.ts) reads, probes and writes.
 *
 * wp-config.php is PHP. We read only literal `define('NAME', 'value')` calls and `$table_prefix = '…'`
 * outside comments; a value that is not a plain string literal (getenv(), a variable, concatenation) is
 * reported by name — never guessed, and never echoed (it may be the password).
 */

export interface WpConfig {
  dbName?: string;
  dbUser?: string;
  dbPassword?: string;
  dbHost?: string;
  tablePrefix?: string;
  /** What could not be read, by name (never a value). */
  problems: string[];
}

const WANTED = {
  DB_NAME: 'dbName',
  DB_USER: 'dbUser',
  DB_PASSWORD: 'dbPassword',
  DB_HOST: 'dbHost',
} as const;

type Token =
  | { kind: 'string'; value: string; interpolates: boolean }
  | { kind: 'word'; value: string }
  | { kind: 'variable'; value: string }
  | { kind: 'punct'; value: string };

/** PHP source → tokens, without comments; enough of PHP for wp-config.php's top-level statements. */
export function tokenizePhp(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  // Text before `<?php` is output, not code.
  const open = source.indexOf('<?php');
  if (open >= 0) i = open + 5;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || (c === '/' && source[i + 1] === '/')) {
      while (i < source.length && source[i] !== '\n') {
        if (source.startsWith('?>', i)) break;
        i++;
      }
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === "'") {
      let value = '';
      i++;
      while (i < source.length && source[i] !== "'") {
        if (source[i] === '\\' && (source[i + 1] === "'" || source[i + 1] === '\\')) {
          value += source[i + 1];
          i += 2;
        } else {
          value += source[i];
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', value, interpolates: false });
    } else if (c === '"') {
      let value = '';
      let interpolates = false;
      i++;
      while (i < source.length && source[i] !== '"') {
        const ch = source[i]!;
        if (ch === '\\' && i + 1 < source.length) {
          const next = source[i + 1]!;
          const simple: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            v: '\v',
            e: '\x1b',
            f: '\f',
            '\\': '\\',
            $: '$',
            '"': '"',
          };
          value += simple[next] ?? `\\${next}`;
          i += 2;
        } else {
          if (ch === '$' && /[A-Za-z_{]/.test(source[i + 1] ?? '')) interpolates = true;
          value += ch;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', value, interpolates });
    } else if (c === '$') {
      const m = /^\$[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i, i + 256));
      tokens.push({ kind: 'variable', value: m?.[0] ?? '$' });
      i += m?.[0].length ?? 1;
    } else if (/[A-Za-z_\\]/.test(c)) {
      const m = /^[A-Za-z_\\][A-Za-z0-9_\\]*/.exec(source.slice(i, i + 256))!;
      tokens.push({ kind: 'word', value: m[0] });
      i += m[0].length;
    } else if (source.startsWith('?>', i)) {
      // back to output until the next <?php
      const next = source.indexOf('<?php', i + 2);
      i = next < 0 ? source.length : next + 5;
    } else {
      tokens.push({ kind: 'punct', value: c });
      i++;
    }
  }
  return tokens;
}

/** The DB_* constants and the table prefix of a wp-config.php. */
export function parseWpConfig(source: string): WpConfig {
  const tokens = tokenizePhp(source);
  const out: WpConfig = { problems: [] };
  const seen = new Set<string>();
  const at = (k: number): Token | undefined => tokens[k];
  const isPunct = (t: Token | undefined, p: string): boolean => t?.kind === 'punct' && t.value === p;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (
      t.kind === 'word' &&
      t.value.replace(/^\\/, '').toLowerCase() === 'define' &&
      isPunct(at(k + 1), '(')
    ) {
      const nameTok = at(k + 2);
      if (nameTok?.kind !== 'string' || !isPunct(at(k + 3), ',')) continue;
      const key = nameTok.value as keyof typeof WANTED;
      if (!(key in WANTED) || seen.has(key)) continue;
      seen.add(key);
      const valueTok = at(k + 4);
      const end = at(k + 5);
      if (valueTok?.kind === 'string' && !valueTok.interpolates && (isPunct(end, ')') || isPunct(end, ','))) {
        out[WANTED[key]] = valueTok.value;
      } else {
        out.problems.push(
          `${key} is not a plain string literal (a function call, variable or concatenation)`,
        );
      }
    } else if (t.kind === 'variable' && t.value === '$table_prefix' && isPunct(at(k + 1), '=')) {
      if (out.tablePrefix !== undefined) continue;
      const valueTok = at(k + 2);
      if (valueTok?.kind === 'string' && !valueTok.interpolates && isPunct(at(k + 3), ';')) {
        out.tablePrefix = valueTok.value;
      } else {
        out.problems.push('$table_prefix is not a plain string literal');
      }
    }
  }
  for (const key of Object.keys(WANTED) as (keyof typeof WANTED)[]) {
    if (!seen.has(key)) out.problems.push(`${key} is not defined`);
  }
  return out;
}

/** Where the database is, as the MySQL source's keys say it. */
export type DbEndpoint =
  | { kind: 'tcp'; host: string; port?: number | undefined }
  | { kind: 'socket'; socket: string }
  /** `localhost` without a port: PHP's mysqli then uses the local socket; the caller finds its path. */
  | { kind: 'local-socket' };

/**
 * DB_HOST in the forms WordPress accepts: `localhost`, `host`, `host:port`, `localhost:/path/to.sock`,
 * `[::1]:port`. Throws with a message naming the form it did not understand.
 */
export function parseDbHost(text: string): DbEndpoint {
  const value = text.trim();
  if (value === '') throw new Error('DB_HOST is empty');
  if (/[\s\0]/.test(value)) throw new Error('DB_HOST contains white space or NUL');
  const bracket = /^\[([0-9A-Fa-f:.]+)\](?::(.*))?$/.exec(value);
  let host: string;
  let rest: string | undefined;
  if (bracket !== null) {
    host = bracket[1]!;
    rest = bracket[2];
  } else {
    const colon = value.indexOf(':');
    if (colon >= 0 && value.indexOf(':', colon + 1) >= 0 && !value.slice(colon + 1).startsWith('/')) {
      // more than one colon without brackets: an IPv6 address on its own
      host = value;
      rest = undefined;
    } else {
      host = colon >= 0 ? value.slice(0, colon) : value;
      rest = colon >= 0 ? value.slice(colon + 1) : undefined;
    }
  }
  if (rest !== undefined && rest.startsWith('/')) return { kind: 'socket', socket: rest };
  if (host === '') throw new Error(`DB_HOST "${value}" has no host name`);
  if (rest === undefined) return host === 'localhost' ? { kind: 'local-socket' } : { kind: 'tcp', host };
  if (!/^\d{1,5}$/.test(rest) || Number(rest) < 1 || Number(rest) > 65535) {
    throw new Error(`DB_HOST "${value}": "${rest}" is neither a port (1-65535) nor a socket path (/…)`);
  }
  return { kind: 'tcp', host, port: Number(rest) };
}

/** The sockets MySQL/MariaDB servers usually listen on, most common first (Debian, then others). */
export const USUAL_SOCKETS: readonly string[] = [
  '/run/mysqld/mysqld.sock',
  '/var/run/mysqld/mysqld.sock',
  '/var/lib/mysql/mysql.sock',
  '/tmp/mysql.sock',
];

/** One exclude of a WordPress site folder and why (shown as a comment in the job file). */
export interface SiteExclude {
  pattern: string;
  reason: string;
}

/** What a WordPress site holds that a backup does not need: caches, upgrade leftovers, other backups. */
export const WORDPRESS_EXCLUDES: readonly SiteExclude[] = [
  { pattern: 'wp-content/cache/**', reason: 'page and object caches (rebuilt on demand)' },
  { pattern: 'wp-content/et-cache/**', reason: "Divi's cache" },
  { pattern: 'wp-content/upgrade/**', reason: 'leftovers of core, plugin and theme updates' },
  { pattern: 'wp-content/upgrade-temp-backup/**', reason: 'copies WordPress keeps during an update' },
  { pattern: 'wp-content/updraft/**', reason: "UpdraftPlus's backup archives" },
  { pattern: 'wp-content/ai1wm-backups/**', reason: "All-in-One WP Migration's archives" },
  { pattern: 'wp-content/backups-dup-lite/**', reason: "Duplicator's archives" },
  { pattern: 'wp-content/backups-dup-pro/**', reason: "Duplicator Pro's archives" },
  { pattern: 'wp-content/wpvividbackups/**', reason: "WPvivid's archives" },
  { pattern: 'wp-content/backup-db/**', reason: "WP-DB-Backup's dumps" },
  { pattern: 'wp-content/uploads/backwpup-*/**', reason: "BackWPup's archives and logs" },
  { pattern: 'wp-content/debug.log', reason: "WordPress's debug log (WP_DEBUG_LOG)" },
];
