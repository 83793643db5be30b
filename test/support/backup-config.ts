/** Writes a config.yaml for a harness FTP server and returns its path (the password through an env var). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FtpServerInfo, MariadbInfo } from '../harness/index.ts';

export interface JobSpec {
  name: string;
  site?: string;
  exclude?: string[];
  databases?: string[];
  root?: string;
  extra?: string[];
}

export async function writeBackupConfig(
  dir: string,
  ftp: FtpServerInfo,
  db: MariadbInfo | undefined,
  jobs: JobSpec[],
  extraDest: string[] = [],
): Promise<string> {
  const lines = [
    'destinations:',
    '  server:',
    '    type: ftps',
    `    host: ${ftp.host}`,
    `    port: ${ftp.port}`,
    `    tls: ${ftp.implicitTls ? 'implicit' : 'explicit'}`,
    `    user: ${ftp.user}`,
    '    password: { env: TEST_FTPS_PASSWORD }',
    `    ca: ${JSON.stringify(ftp.caFile)}`,
    `    root: ${jobs[0]?.root ?? '/backups'}`,
    ...extraDest.map((l) => `    ${l}`),
    'defaults:',
    '  retry: { attempts: 3, initialDelay: 1s, maxDelay: 2s }',
    'jobs:',
  ];
  for (const j of jobs) {
    lines.push(`  - name: ${j.name}`, '    destination: server', '    sources:');
    if (j.databases !== undefined && db !== undefined) {
      lines.push(
        '      - type: mysql',
        `        databases: [${j.databases.join(', ')}]`,
        `        host: ${db.host}`,
        `        port: ${db.port}`,
        `        user: ${db.user}`,
        '        password: { env: TEST_MYSQL_PASSWORD }',
      );
    }
    if (j.site !== undefined) {
      lines.push('      - type: directory', '        label: site', `        path: ${JSON.stringify(j.site)}`);
      if (j.exclude !== undefined) lines.push(`        exclude: ${JSON.stringify(j.exclude)}`);
    }
    lines.push('    retention: { keepLast: 5 }', ...(j.extra ?? []).map((l) => `    ${l}`));
  }
  lines.push(`state: { dir: ${JSON.stringify(join(dir, 'state'))} }`, '');
  const file = join(dir, 'config.yaml');
  await writeFile(file, lines.join('\n'));
  return file;
}
