/**
 * `doctor <job>`: the dump user's grants on each database of the job's mysql sources (the checks are the
 * pure src/doctor/mysql-privileges.ts; this file runs the client as the dump user, password on fd 3).
 */
import type { EffectiveJob } from '../config/index.ts';
import { parsePrivilegeRows, privilegeSql, privilegeSteps, type DiagnosisStep } from '../doctor/index.ts';
import { Redactor } from '../logging/index.ts';
import { listDatabases, runClient } from '../sources/index.ts';
import { mysqlConnection } from './compose.ts';
import type { CliContext } from './context.ts';

export async function sourceSteps(job: EffectiveJob, ctx: CliContext): Promise<DiagnosisStep[]> {
  const steps: DiagnosisStep[] = [];
  for (const source of job.sources) {
    if (source.type !== 'mysql') continue;
    const connection = await mysqlConnection(source, ctx.env, ctx.log, ctx.redactor ?? new Redactor());
    const user = `'${source.user.replace(/'/g, "\\'")}'@'…'`;
    try {
      const databases = source.databases === 'all' ? await listDatabases(connection) : source.databases;
      for (const database of databases) {
        const output = await runClient(
          connection,
          ['--batch', '--skip-column-names', `--execute=${privilegeSql(database)}`],
          `the grants on ${database}`,
        );
        steps.push(...privilegeSteps(database, user, parsePrivilegeRows(output)));
      }
    } catch (err) {
      steps.push({
        id: 'mysql-connect',
        ok: false,
        title: `source ${source.label}: the dump user's grants`,
        detail: err instanceof Error ? err.message : String(err),
        hint: 'check host, port or socket, user and password of the source',
      });
    }
  }
  return steps;
}
