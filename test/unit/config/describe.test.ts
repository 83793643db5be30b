import { describe, expect, it } from 'vitest';
import { describeSchema, schemaKeyPaths } from '../../../src/config/index.ts';

describe('describeSchema', () => {
  const md = describeSchema();
  const rows = md.split('\n').filter((l) => l.startsWith('| `'));

  it('documents every key path of config.yaml and of a job file', () => {
    const { config, job } = schemaKeyPaths();
    const documented = new Set(rows.map((r) => /^\| `([^`]+)`/.exec(r)?.[1]));
    const secretForms = /\.(password|passphrase)\.(env|file|credential)$/; // explained once, in the introduction
    const expected = [...config.filter((p) => !p.startsWith('jobs[]')), ...job].filter(
      (p) => !secretForms.test(p),
    );
    expect(expected.filter((p) => !documented.has(p))).toEqual([]);
    expect(md).toContain('`{ credential: name }`');
  });

  it('gives every row a description', () => {
    const undocumented = rows.filter((r) => /\|\s*\|\s*$/.test(r));
    expect(undocumented).toEqual([]);
  });

  it('shows types and defaults from the schema', () => {
    expect(rows).toContain(
      '| `defaults.retry.attempts` | integer 1–20 | `5` | Tries of each remote operation, the first one included (1–20). |',
    );
    expect(rows.find((r) => r.startsWith('| `destinations.<name>.tls` |'))).toMatch(
      /^\| `destinations.<name>.tls` \| explicit \\\| implicit \\\| none \| `explicit` \| \*type ftps:\* /,
    );
    expect(rows.find((r) => r.startsWith('| `destinations.<name>.maxSessionAge` |'))).toContain(
      '| duration | `3h` |',
    );
    expect(rows.find((r) => r.startsWith('| `defaults.replayWindow` |'))).toContain('| size | `64MiB` |');
    expect(rows.find((r) => r.startsWith('| `destinations.<name>.user` (required) |'))).toBeDefined();
    expect(rows.find((r) => r.startsWith('| `sources[].path` (required) |'))).toContain('*type directory:*');
  });
});
