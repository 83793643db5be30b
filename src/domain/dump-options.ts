/**
 * The mysqldump options a job may not add (extraOptions), stated once: the configuration check and the
 * command builder (src/sources/mysql-command.ts) both ask checkExtraOption. Pure.
 */

/** Options whose abbreviation, `loose-` form or `_` spelling is refused in extraOptions, and why. */
const REFUSED_OPTIONS: Record<string, string> = {
  password:
    'put the password in password: { env | file | credential } instead (it reaches mysqldump through a private file descriptor, never the command line)',
  'defaults-file': 'ftps-backup passes its own --defaults-extra-file carrying the password',
  'defaults-extra-file': 'ftps-backup passes its own --defaults-extra-file carrying the password',
  'defaults-group-suffix': 'it must come first and would change which options are read',
  'no-defaults': 'it must come first and would drop the password file',
  'print-defaults': 'it would print the password into the dump',
  'result-file': 'the dump is streamed into the backup, not written to a file',
  tab: 'the dump must go to stdout as SQL',
  xml: 'the dump must be SQL',
  compact: 'it removes the "-- Dump completed" trailer that proves the dump finished',
  databases: 'each database is dumped as its own object',
  'all-databases': 'each database is dumped as its own object',
  host: 'set the connection in the configuration',
  port: 'set the connection in the configuration',
  socket: 'set the connection in the configuration',
  protocol: 'set the connection in the configuration',
  user: 'set the connection in the configuration',
};

/**
 * Why an extra option is refused, or undefined when it is fine. The client accepts unambiguous
 * abbreviations (`--pass=x`), `_` for `-` and the `loose-`, `skip-`, `disable-`, `enable-` prefixes,
 * so all of those are taken into account.
 */
export function checkExtraOption(option: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000\r\n]/.test(option)) return 'it contains NUL, CR or LF';
  if (!option.startsWith('--') || option.length < 3) {
    return 'expected a long option starting with "--" (short options such as -p are not accepted)';
  }
  const eq = option.indexOf('=');
  let name = (eq === -1 ? option.slice(2) : option.slice(2, eq)).toLowerCase().replace(/_/g, '-');
  const value = eq === -1 ? undefined : option.slice(eq + 1).toLowerCase();
  while (name.startsWith('loose-')) name = name.slice('loose-'.length);
  let negated = false;
  for (const prefix of ['skip-', 'disable-', 'enable-']) {
    if (name.startsWith(prefix)) {
      negated = prefix !== 'enable-';
      name = name.slice(prefix.length);
      break;
    }
  }
  if (name === '') return 'an option name is missing';
  for (const [refused, why] of Object.entries(REFUSED_OPTIONS)) {
    if (refused.startsWith(name)) return `--${refused} is not allowed: ${why}`;
  }
  // the trailer is a comment: no comments, no proof that the dump completed
  if (
    'comments'.startsWith(name) &&
    (negated || (value !== undefined && ['0', 'false', 'off'].includes(value)))
  ) {
    return 'turning comments off removes the "-- Dump completed" trailer that proves the dump finished';
  }
  return undefined;
}

/**
 * The option's name as written (`--pass` of `--pass=secret`), for messages: an option's value is never
 * shown, it may be a password.
 */
export function dumpOptionName(option: string): string {
  const eq = option.indexOf('=');
  // A short option carries its value glued on (-psecret): only the letter is shown.
  const name = !option.startsWith('--') ? option.slice(0, 2) : eq === -1 ? option : option.slice(0, eq);
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 64));
}

/** The message for a refused option (its name and why, never its value), or undefined when it is fine. */
export function refusedDumpOption(option: string): string | undefined {
  const why = checkExtraOption(option);
  return why === undefined ? undefined : `dump option ${dumpOptionName(option)} is refused: ${why}`;
}
