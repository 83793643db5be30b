/**
 * `doctor <job>`: does the dump user hold what mariadb-dump/mysqldump need on a database? mariadb-dump
 * does not complain about what it cannot see — a table without any grant is left out, a table visible
 * through database-level grants but without SELECT is dumped empty — so the grants are read from
 * information_schema (the user's own USER_/SCHEMA_/TABLE_PRIVILEGES and the TABLES it can see) and
 * compared with the objects. Pure: the SQL as text, the batch output parsed, the steps as data.
 */
import type { DiagnosisStep } from './checks.ts';

/** A string literal for SQL (backslash and quote escaped; NUL refused by the caller's checks). */
function literal(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** One query: scope (G global, D database, T table, O object) / privilege or table type / table. */
export function privilegeSql(database: string): string {
  const grantee =
    "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
  const db = literal(database);
  return [
    `SELECT 'G', PRIVILEGE_TYPE, '' FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ${grantee}`,
    `UNION ALL SELECT 'D', PRIVILEGE_TYPE, '' FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ${grantee} AND TABLE_SCHEMA = ${db}`,
    `UNION ALL SELECT 'T', PRIVILEGE_TYPE, TABLE_NAME FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ${grantee} AND TABLE_SCHEMA = ${db}`,
    `UNION ALL SELECT 'O', TABLE_TYPE, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${db}`,
  ].join(' ');
}

export interface PrivilegeRow {
  scope: 'G' | 'D' | 'T' | 'O';
  what: string;
  table: string;
}

/** The client's batch output (tab-separated, no column names) as rows; other lines are ignored. */
export function parsePrivilegeRows(output: string): PrivilegeRow[] {
  const rows: PrivilegeRow[] = [];
  for (const line of output.split('\n')) {
    const [scope, what, table = ''] = line.split('\t');
    if ((scope === 'G' || scope === 'D' || scope === 'T' || scope === 'O') && what !== undefined)
      rows.push({
        scope,
        what: what.toUpperCase(),
        table: table.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(/\\\\/g, '\\'),
      });
  }
  return rows;
}

const list = (names: string[]): string =>
  names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;

/** The steps for one database: ✓ when every needed grant is there, else one ✗ or warning per gap. */
export function privilegeSteps(
  database: string,
  user: string,
  rows: readonly PrivilegeRow[],
): DiagnosisStep[] {
  const global = new Set(rows.filter((r) => r.scope === 'G').map((r) => r.what));
  const onDb = new Set(rows.filter((r) => r.scope === 'D').map((r) => r.what));
  const onTable = new Map<string, Set<string>>();
  for (const r of rows.filter((x) => x.scope === 'T')) {
    const set = onTable.get(r.table) ?? new Set<string>();
    set.add(r.what);
    onTable.set(r.table, set);
  }
  const has = (p: string, table?: string): boolean =>
    global.has(p) || onDb.has(p) || (table !== undefined && onTable.get(table)?.has(p) === true);
  const objects = rows.filter((r) => r.scope === 'O');
  const tables = objects.filter((o) => o.what !== 'VIEW').map((o) => o.table);
  const views = objects.filter((o) => o.what === 'VIEW').map((o) => o.table);
  const grant = (p: string): string => `GRANT ${p} ON \`${database.replace(/`/g, '``')}\`.* TO ${user};`;
  const title = `dump user's grants on database ${database}`;
  const steps: DiagnosisStep[] = [];
  const noSelect = [...tables, ...views].filter((t) => !has('SELECT', t));
  if (noSelect.length > 0)
    steps.push({
      id: 'mysql-select',
      ok: false,
      title,
      detail: `SELECT is missing on ${list(noSelect)}: mariadb-dump writes their structure without rows and exits 0`,
      hint: grant('SELECT'),
    });
  if (objects.length === 0)
    steps.push({
      id: 'mysql-visible',
      ok: false,
      title,
      detail: `the dump user sees no table in ${database}: nothing of it would be dumped`,
      hint: grant('SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES'),
    });
  else if (!global.has('SELECT') && !onDb.has('SELECT'))
    steps.push({
      id: 'mysql-select-per-table',
      ok: 'warn',
      title,
      detail: `SELECT is granted table by table (${list(tables)}): a table without its own grant is invisible and silently left out of the dump`,
      hint: grant('SELECT'),
    });
  const noShowView = views.filter((v) => !has('SHOW VIEW', v));
  if (noShowView.length > 0)
    steps.push({
      id: 'mysql-show-view',
      ok: false,
      title,
      detail: `SHOW VIEW is missing on the views ${list(noShowView)}: the dump fails`,
      hint: grant('SHOW VIEW'),
    });
  const noTrigger = tables.filter((t) => !has('TRIGGER', t));
  if (noTrigger.length > 0)
    steps.push({
      id: 'mysql-trigger',
      ok: false,
      title,
      detail: `TRIGGER is missing on ${list(noTrigger)}: their triggers are not dumped`,
      hint: grant('TRIGGER'),
    });
  if (!has('EVENT'))
    steps.push({
      id: 'mysql-event',
      ok: false,
      title,
      detail: 'EVENT is missing: mariadb-dump --events fails with "Access denied … show events"',
      hint: grant('EVENT'),
    });
  if (!global.has('PROCESS'))
    steps.push({
      id: 'mysql-process',
      ok: 'warn',
      title,
      detail:
        'PROCESS is not granted: MySQL 8 mysqldump needs it to dump tablespaces (mariadb-dump does not)',
      hint: `GRANT PROCESS ON *.* TO ${user};  (or add --no-tablespaces to extraOptions)`,
    });
  if (!steps.some((s) => s.ok === false))
    steps.unshift({
      id: 'mysql-grants',
      ok: true,
      title,
      detail: `SELECT, SHOW VIEW, TRIGGER and EVENT on all ${tables.length} table(s) and ${views.length} view(s) it can see`,
    });
  return steps;
}
