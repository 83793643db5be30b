import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../../src/config/index.ts';

/** Lines joined with newlines: keeps line numbers in the tests easy to count. */
export const lines = (...l: string[]): string => `${l.join('\n')}\n`;

/** A valid config.yaml (6 lines) that job-file tests build on. */
export const BASE_CONFIG = lines(
  'destinations:',
  '  offsite:',
  '    type: ftps',
  '    host: backup.example.net',
  '    user: blog',
  '    password: { env: FTPS_PASSWORD }',
);

/** A valid job file (9 lines). */
export const BASE_JOB = lines(
  'name: blog',
  'schedule: "30 3 * * *"',
  'timezone: Europe/Berlin',
  'destination: offsite',
  'sources:',
  '  - type: directory',
  '    label: site',
  '    path: /var/www/blog',
  'retention: { keepDaily: 14 }',
);

export async function withFiles<T>(
  files: Record<string, string>,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ftps-backup-config-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    }
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `fn`, which must throw a ConfigError, and returns it. */
export async function configError(fn: () => Promise<unknown>): Promise<ConfigError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but loading succeeded');
}
