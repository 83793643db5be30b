/**
 * The environment every child process of the agent gets (dump and load clients, later hooks and
 * command sources), built from scratch rather than copied from ours and trimmed.
 *
 * Why from scratch: the agent's own environment holds its secrets (a password given as
 * `{ env: FTPS_PASSWORD }` lives there for the whole run) and a child can read its environment, print it
 * in an error, or leave it in `/proc/<pid>/environ` for anyone running as the same user. Removing names
 * we know about (MYSQL_PWD) misses the ones we don't, so only an allow-list is passed on:
 *
 *   PATH, HOME           to find programs and per-user configuration
 *   LANG, LC_* (the      the locale (message language, character set); only the categories POSIX and
 *   known categories)    glibc define, so a variable merely named LC_SOMETHING is not passed on
 *   TZ                   the time zone the dump's timestamps are written in
 *
 * plus the `extra` variables the caller passes explicitly (what that one child needs). An `extra`
 * value replaces an inherited one. Nothing else, ever: not the agent's secrets, not NODE_OPTIONS.
 */

/** The variables passed on from the agent's environment (when set). */
export const INHERITED_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_ADDRESS',
  'LC_COLLATE',
  'LC_CTYPE',
  'LC_IDENTIFICATION',
  'LC_MEASUREMENT',
  'LC_MESSAGES',
  'LC_MONETARY',
  'LC_NAME',
  'LC_NUMERIC',
  'LC_PAPER',
  'LC_TELEPHONE',
  'LC_TIME',
  'TZ',
];

/**
 * A child's environment: the allow-listed variables of `from` (default: this process's environment)
 * plus `extra`. Pure apart from the default for `from`; the result is a fresh object.
 */
export function childEnv(
  extra: Readonly<Record<string, string>> = {},
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw new Error(`not an environment variable: ${JSON.stringify(name)}`);
    }
    env[name] = value;
  }
  return env;
}
