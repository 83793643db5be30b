/**
 * Prometheus textfile metrics (node_exporter's textfile collector reads the file as is): the state of
 * every job from its run history, rendered by the pure renderMetrics and written atomically (a temp file
 * in the same folder, then rename) after every run and verification.
 */
import { rename, writeFile } from 'node:fs/promises';
import { published, taskOf, type RunRecord } from './state.ts';

export const OUTCOMES = ['success', 'warning', 'failure', 'cancelled'] as const;

const SERIES: ReadonlyArray<[string, string]> = [
  ['ftps_backup_last_success_timestamp_seconds', 'End of the last backup that ended success (Unix time).'],
  ['ftps_backup_last_run_timestamp_seconds', 'End of the last backup run, whatever its outcome (Unix time).'],
  ['ftps_backup_last_run_outcome', 'Outcome of the last backup run: 1 for its outcome, 0 for the others.'],
  ['ftps_backup_last_run_bytes', 'Bytes stored by the last backup run that published a set.'],
  ['ftps_backup_last_run_duration_seconds', 'Duration of the last backup run.'],
  ['ftps_backup_last_run_warnings', 'Warnings of the last backup run.'],
  [
    'ftps_backup_last_verify_success_timestamp_seconds',
    'End of the last verification that passed (Unix time).',
  ],
];

const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const seconds = (iso: string): string => String(Date.parse(iso) / 1000);

/** The metrics text for these jobs' histories (a series is left out for a job that has no value for it). */
export function renderMetrics(jobs: ReadonlyArray<{ job: string; history: readonly RunRecord[] }>): string {
  const values = new Map<string, string[]>(SERIES.map(([name]) => [name, []]));
  const add = (name: string, labels: string, value: string): void => {
    values.get(name)!.push(`${name}{${labels}} ${value}`);
  };
  for (const { job, history } of jobs) {
    const j = `job="${label(job)}"`;
    const backups = history.filter((r) => taskOf(r) === 'backup' && r.outcome !== 'skipped');
    const success = backups.filter((r) => r.outcome === 'success').at(-1);
    if (success !== undefined) add('ftps_backup_last_success_timestamp_seconds', j, seconds(success.end));
    const last = backups.at(-1);
    if (last !== undefined) {
      add('ftps_backup_last_run_timestamp_seconds', j, seconds(last.end));
      for (const o of OUTCOMES)
        add('ftps_backup_last_run_outcome', `${j},outcome="${o}"`, last.outcome === o ? '1' : '0');
      if (published(last)) add('ftps_backup_last_run_bytes', j, String(last.bytes ?? 0));
      add(
        'ftps_backup_last_run_duration_seconds',
        j,
        String((Date.parse(last.end) - Date.parse(last.start)) / 1000),
      );
      add('ftps_backup_last_run_warnings', j, String(last.warningCount ?? last.warnings?.length ?? 0));
    }
    const verified = history.filter((r) => taskOf(r) === 'verify' && r.outcome === 'success').at(-1);
    if (verified !== undefined)
      add('ftps_backup_last_verify_success_timestamp_seconds', j, seconds(verified.end));
  }
  const lines: string[] = [];
  for (const [name, help] of SERIES) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...values.get(name)!);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the file atomically: readers see the old or the new text, never a part. */
export async function writeMetricsFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, file);
}
