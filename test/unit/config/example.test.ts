/**
 * config.example.yaml and jobs/blog.yaml are loaded like a user's files, and must stay in step with the
 * schema: every key path the schema knows appears in them, as a key or in a comment.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig, schemaKeyPaths } from '../../../src/config/index.ts';
import { applyRetention, type RetentionSet } from '../../../src/domain/index.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = `${root}config.example.yaml`;
const BLOG = `${root}jobs/blog.yaml`;

interface Mentions {
  data: unknown;
  /** The text of every comment of the file. */
  comments: string;
}

function mentions(file: string): Mentions {
  const text = readFileSync(file, 'utf8');
  const comments = text
    .split('\n')
    .map((line) => /(?:^|\s)#(.*)$/.exec(line)?.[1] ?? '')
    .join('\n');
  return { data: parse(text) as unknown, comments };
}

/** 'sources[].password.env' → ['sources', '[]', 'password', 'env']. */
function segments(path: string): string[] {
  return path.split('.').flatMap((s) => (s.endsWith('[]') ? [s.slice(0, -2), '[]'] : [s]));
}

function hasPath(node: unknown, segs: string[]): boolean {
  const [head, ...rest] = segs;
  if (head === undefined) return true;
  if (head === '[]') return Array.isArray(node) && node.some((item) => hasPath(item, rest));
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
  const obj = node as Record<string, unknown>;
  if (head === '<name>') return Object.values(obj).some((v) => hasPath(v, rest));
  return head in obj && hasPath(obj[head], rest);
}

/** A key path is present as keys, or its last key is written `key:` in a comment and its parent is mentioned. */
function mentioned(m: Mentions, segs: string[]): boolean {
  if (hasPath(m.data, segs)) return true;
  const keys = segs.filter((s) => s !== '[]' && s !== '<name>');
  const last = keys[keys.length - 1];
  if (last === undefined) return true;
  if (!new RegExp(`\\b${last}:`).test(m.comments)) return false;
  let parent = segs.slice(0, segs.lastIndexOf(last));
  while (parent.length > 0 && ['[]', '<name>'].includes(parent[parent.length - 1] ?? ''))
    parent = parent.slice(0, -1);
  return mentioned(m, parent);
}

describe('config.example.yaml and jobs/blog.yaml', () => {
  it('load without problems or warnings', async () => {
    const c = await loadConfig(EXAMPLE, { env: { FTPS_PASSWORD: 'x' } });
    expect(c.warnings).toEqual([]);
    expect(c.files).toEqual([EXAMPLE, BLOG]);
    const offsite = c.destinations.offsite;
    expect(offsite).toMatchObject({ type: 'ftps', tls: 'explicit', password: { env: 'FTPS_PASSWORD' } });
    expect(offsite?.type === 'ftps' ? offsite.fingerprint : undefined).toMatch(
      /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
    );
    expect(Object.values(c.destinations).map((d) => d.type)).toContain('local');
    expect(c.jobs).toHaveLength(1);
    expect(c.jobs[0]).toMatchObject({
      name: 'blog',
      schedule: '30 3 * * *',
      timezone: 'Europe/Berlin',
      destination: 'offsite',
      sources: [
        { type: 'mysql', databases: ['wordpress'], password: { file: '/etc/ftps-backup/mysql.pass' } },
        {
          type: 'directory',
          label: 'site',
          path: '/var/www/blog',
          exclude: ['wp-content/cache/**', '*.log'],
        },
      ],
      retention: { keepLast: 5, keepDaily: 14, keepWeekly: 8, keepMonthly: 12 },
    });
  });

  it("blog's retention keeps a set made by hand earlier the same day (and would not without keepLast)", async () => {
    const c = await loadConfig(EXAMPLE, { env: { FTPS_PASSWORD: 'x' } });
    const policy = c.jobs[0]!.retention;
    const day = (d: number, time: string): RetentionSet => {
      const t = new Date(`2026-06-${String(d).padStart(2, '0')}T${time}Z`);
      return { name: t.toISOString(), time: t, complete: true };
    };
    // nightly sets for two weeks, then on the 15th a set by hand before an upgrade and one after it
    const sets = [...Array.from({ length: 14 }, (_, i) => day(i + 1, '01:30:00')), day(15, '10:00:00')];
    sets.push(day(15, '10:45:00'));
    const now = new Date('2026-06-15T10:46:00Z');
    const beforeUpgrade = '2026-06-15T10:00:00.000Z';
    const kept = applyRetention(sets, policy, now).keep.find((k) => k.name === beforeUpgrade);
    expect(kept?.reasons.join(' ')).toMatch(/last/i);
    const { keepLast: _unused, ...calendarOnly } = policy;
    expect(applyRetention(sets, calendarOnly, now).remove.map((r) => r.name)).toContain(beforeUpgrade);
  });

  it('mention every key of the schema (as a key or in a comment)', () => {
    const example = mentions(EXAMPLE);
    const blog = mentions(BLOG);
    const { config, job } = schemaKeyPaths();
    const missing = [
      ...config
        .filter((p) => !p.startsWith('jobs[].'))
        .filter((p) => !mentioned(example, segments(p)))
        .map((p) => `config.example.yaml: ${p}`),
      ...job.filter((p) => !mentioned(blog, segments(p))).map((p) => `jobs/blog.yaml: ${p}`),
    ];
    expect(missing).toEqual([]);
    // Inline jobs have exactly the keys of a job file, which blog.yaml covers.
    expect(config.filter((p) => p.startsWith('jobs[].')).map((p) => p.slice('jobs[].'.length))).toEqual(job);
  });

  it('the drift check notices a key that is not mentioned', () => {
    const example = mentions(EXAMPLE);
    expect(mentioned(example, segments('destinations.<name>.timeouts.connect'))).toBe(true);
    expect(mentioned(example, segments('destinations.<name>.password.credential'))).toBe(true); // in a comment
    expect(mentioned(example, segments('destinations.<name>.timeouts.bandwidth'))).toBe(false);
    expect(mentioned(example, segments('defaults.retry.jitter'))).toBe(false);
    expect(mentioned(mentions(BLOG), segments('sources[].socket'))).toBe(true); // in a comment
    expect(mentioned(mentions(BLOG), segments('sources[].compressionLevel'))).toBe(false);
  });
});
