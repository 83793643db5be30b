import { describe, expect, it } from 'vitest';
import {
  checkJsonShape,
  contentLimit,
  expectedContentBytes,
  MANIFEST_LIMITS,
  ManifestError,
  parseManifest,
  serializeManifest,
  type Manifest,
  type ManifestObject,
} from '../../../src/domain/index.ts';

const SHA_A = 'a'.repeat(64);
const SHA_B = '0123456789abcdef'.repeat(4);

function sample(): Manifest {
  return {
    version: 1,
    job: 'blog',
    host: 'web1',
    setName: '20261122T031500Z',
    startedAt: '2026-11-22T03:15:00.123Z',
    finishedAt: '2026-11-22T03:17:41.500Z',
    toolVersion: '0.1.0',
    objects: [
      {
        name: 'db-wp.sql.zst',
        size: 1234,
        sha256: SHA_A,
        compression: 'zstd',
        encrypted: false,
        source: { kind: 'mysql', database: 'wp', tables: 12, views: 1, routines: 2, triggers: 1, events: 0 },
      },
      {
        name: 'files-site.tar.gz.age',
        size: 0,
        sha256: SHA_B,
        compression: 'gzip',
        encrypted: true,
        source: {
          kind: 'directory',
          label: 'site',
          path: '/var/www/site',
          files: 10,
          dirs: 3,
          symlinks: 1,
          bytes: 4096,
          excluded: 2,
        },
      },
    ],
    warnings: ['db-wp.sql.zst: table wp_log is MyISAM'],
  };
}

// Written by hand: the exact text serializeManifest must produce for sample().
const GOLDEN = `{
  "version": 1,
  "job": "blog",
  "host": "web1",
  "setName": "20261122T031500Z",
  "startedAt": "2026-11-22T03:15:00.123Z",
  "finishedAt": "2026-11-22T03:17:41.500Z",
  "toolVersion": "0.1.0",
  "objects": [
    {
      "name": "db-wp.sql.zst",
      "size": 1234,
      "sha256": "${SHA_A}",
      "compression": "zstd",
      "encrypted": false,
      "source": {
        "kind": "mysql",
        "database": "wp",
        "tables": 12,
        "views": 1,
        "routines": 2,
        "triggers": 1,
        "events": 0
      }
    },
    {
      "name": "files-site.tar.gz.age",
      "size": 0,
      "sha256": "${SHA_B}",
      "compression": "gzip",
      "encrypted": true,
      "source": {
        "kind": "directory",
        "label": "site",
        "path": "/var/www/site",
        "files": 10,
        "dirs": 3,
        "symlinks": 1,
        "bytes": 4096,
        "excluded": 2
      }
    }
  ],
  "warnings": [
    "db-wp.sql.zst: table wp_log is MyISAM"
  ]
}
`;

/** Reverses the key order of every object, recursively (same content, different insertion order). */
function reversedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reversedKeys(x)]),
    );
  return v;
}

describe('serializeManifest', () => {
  it('writes the golden text: fixed key order, two-space indent, trailing newline', () => {
    expect(serializeManifest(sample())).toBe(GOLDEN);
  });

  it('does not depend on the key order of its input', () => {
    expect(serializeManifest(reversedKeys(sample()) as Manifest)).toBe(GOLDEN);
  });

  it('keeps extra source keys after the known ones, sorted', () => {
    const m = sample();
    const summary = {
      warnings: ['w'],
      kind: 'mysql',
      zeta: 1,
      database: 'wp',
      alpha: true,
      tables: 3,
    } as const;
    m.objects = [{ ...m.objects[0]!, source: summary }];
    const text = serializeManifest(m);
    const source = (JSON.parse(text) as { objects: { source: object }[] }).objects[0]!.source;
    expect(Object.keys(source)).toEqual(['kind', 'database', 'tables', 'alpha', 'warnings', 'zeta']);
    expect(parseManifest(text).objects[0]!.source).toEqual(summary);
    expect(serializeManifest(parseManifest(text))).toBe(text);
  });
});

describe('parseManifest', () => {
  it('round-trips', () => {
    expect(parseManifest(GOLDEN)).toEqual(sample());
    expect(serializeManifest(parseManifest(GOLDEN))).toBe(GOLDEN);
  });

  it('accepts a manifest without objects or warnings, without optional counts, and ignores unknown top-level keys', () => {
    const m = { ...sample(), objects: [], warnings: [], comment: 'from a newer 0.x' };
    expect(parseManifest(JSON.stringify(m))).toEqual({ ...sample(), objects: [], warnings: [] });
    const minimal = sample();
    minimal.objects = [{ ...minimal.objects[0]!, source: { kind: 'mysql', database: 'wp', tables: 0 } }];
    expect(parseManifest(serializeManifest(minimal))).toEqual(minimal);
  });

  it('round-trips an sqlite object, and refuses one whose name does not match its source', () => {
    const m = sample();
    m.objects = [
      {
        ...m.objects[0]!,
        name: 'sqlite-app.db.zst',
        compression: 'zstd',
        encrypted: false,
        source: { kind: 'sqlite', label: 'app', path: '/srv/app/app.db', bytes: 8192, tables: 3 },
      },
    ];
    const text = serializeManifest(m);
    expect(text).toContain(
      '"source": {\n        "kind": "sqlite",\n        "label": "app",\n        "path": "/srv/app/app.db",\n        "bytes": 8192,\n        "tables": 3\n      }',
    );
    expect(parseManifest(text)).toEqual(m);
    expect(() => parseManifest(text.replace('"tables": 3', '"tables": -1'))).toThrow(/tables/);
    expect(() => parseManifest(text.replace('sqlite-app.db.zst', 'sqlite-other.db.zst'))).toThrow(
      /does not match its source/,
    );
  });

  it('round-trips a command object', () => {
    const m = sample();
    m.objects = [
      {
        ...m.objects[0]!,
        name: 'cmd-redis.out.zst',
        compression: 'zstd',
        encrypted: false,
        source: { kind: 'command', label: 'redis', program: 'redis-cli', bytes: 123 },
      },
    ];
    expect(parseManifest(serializeManifest(m))).toEqual(m);
    expect(() =>
      parseManifest(serializeManifest(m).replace('"program": "redis-cli"', '"program": ""')),
    ).toThrow(/program/);
  });

  const mutate = (
    f: (m: Record<string, unknown> & { objects: Record<string, unknown>[] }) => void,
  ): string => {
    const m = JSON.parse(GOLDEN) as Record<string, unknown> & { objects: Record<string, unknown>[] };
    f(m);
    return JSON.stringify(m);
  };
  const src = (m: { objects: Record<string, unknown>[] }, i = 0): Record<string, unknown> =>
    m.objects[i]!.source as Record<string, unknown>;

  it.each([
    ['not JSON', '{"version": 1,', '', /is not JSON/],
    ['a list', '[]', '', /the document must be an object/],
    ['null', 'null', '', /must be an object/],
    ['version 2', mutate((m) => (m.version = 2)), 'version', /version must be 1 \(got 2\)/],
    ['version "1"', mutate((m) => (m.version = '1')), 'version', /got "1"/],
    ['no job', mutate((m) => delete m.job), 'job', /job must be a non-empty string \(got nothing\)/],
    ['empty host', mutate((m) => (m.host = '')), 'host', /host must be a non-empty string/],
    ['setName latest', mutate((m) => (m.setName = 'latest')), 'setName', /setName must be a set name/],
    ['setName 31 Nov', mutate((m) => (m.setName = '20261131T000000Z')), 'setName', /set name/],
    ['startedAt text', mutate((m) => (m.startedAt = 'yesterday')), 'startedAt', /ISO 8601/],
    ['finishedAt number', mutate((m) => (m.finishedAt = 1)), 'finishedAt', /non-empty string/],
    ['no toolVersion', mutate((m) => delete m.toolVersion), 'toolVersion', /toolVersion/],
    ['objects object', mutate((m) => (m.objects = {} as never)), 'objects', /objects must be a list/],
    ['objects[1] null', mutate((m) => (m.objects[1] = null as never)), 'objects[1]', /must be an object/],
    [
      'path in a name',
      mutate((m) => (m.objects[0]!.name = '../../etc/passwd')),
      'objects[0].name',
      /must be an object name/,
    ],
    [
      'partial name',
      mutate((m) => (m.objects[0]!.name = 'db-wp.sql.zst.partial')),
      'objects[0].name',
      /must be an object name/,
    ],
    ['negative size', mutate((m) => (m.objects[0]!.size = -1)), 'objects[0].size', /non-negative integer/],
    ['fractional size', mutate((m) => (m.objects[1]!.size = 1.5)), 'objects[1].size', /non-negative integer/],
    ['size as text', mutate((m) => (m.objects[0]!.size = '12')), 'objects[0].size', /non-negative integer/],
    [
      'upper-case sha256',
      mutate((m) => (m.objects[0]!.sha256 = 'A'.repeat(64))),
      'objects[0].sha256',
      /64 lower-case hex digits/,
    ],
    ['short sha256', mutate((m) => (m.objects[0]!.sha256 = 'abc')), 'objects[0].sha256', /64/],
    ['compression xz', mutate((m) => (m.objects[0]!.compression = 'xz')), 'objects[0].compression', /zstd/],
    [
      'encrypted "yes"',
      mutate((m) => (m.objects[0]!.encrypted = 'yes')),
      'objects[0].encrypted',
      /true or false/,
    ],
    ['no source', mutate((m) => delete m.objects[0]!.source), 'objects[0].source', /must be an object/],
    [
      'source kind pg',
      mutate((m) => (src(m).kind = 'pg')),
      'objects[0].source.kind',
      /"mysql", "directory", "sqlite" or "command"/,
    ],
    ['no tables', mutate((m) => delete src(m).tables), 'objects[0].source.tables', /non-negative integer/],
    ['views -1', mutate((m) => (src(m).views = -1)), 'objects[0].source.views', /non-negative integer/],
    ['no path', mutate((m) => delete src(m, 1).path), 'objects[1].source.path', /non-empty string/],
    ['symlinks null', mutate((m) => (src(m, 1).symlinks = null)), 'objects[1].source.symlinks', /integer/],
    [
      'name vs compression',
      mutate((m) => (m.objects[0]!.compression = 'gzip')),
      'objects[0].name',
      /does not match .* \(expected "db-wp.sql.gz"\)/,
    ],
    [
      'name vs encryption',
      mutate((m) => (m.objects[1]!.encrypted = false)),
      'objects[1].name',
      /expected "files-site.tar.gz"/,
    ],
    [
      'name vs database',
      mutate((m) => (src(m).database = 'shop')),
      'objects[0].name',
      /expected "db-shop.sql.zst"/,
    ],
    [
      'name vs kind',
      mutate((m) => (m.objects[0]!.source = src(m, 1))),
      'objects[0].name',
      /expected "files-site.tar.zst"/,
    ],
    [
      'duplicate object',
      mutate((m) => (m.objects[1] = m.objects[0]!)),
      'objects[1].name',
      /repeats objects\[0\]\.name/,
    ],
    ['warnings text', mutate((m) => (m.warnings = 'none')), 'warnings', /list of strings/],
    ['warning number', mutate((m) => (m.warnings = ['ok', 3])), 'warnings[1]', /must be a string \(got 3\)/],
  ] as const)('rejects %s, naming %j', (_title, text, field, message) => {
    let error: unknown;
    try {
      parseManifest(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).field).toBe(field);
    expect((error as ManifestError).message).toMatch(/^invalid manifest\.json: /);
    expect((error as ManifestError).message).toMatch(message);
    if (field !== '') expect((error as ManifestError).message).toContain(`: ${field} `);
  });

  it('shortens a long bad value in the message', () => {
    const text = mutate((m) => (m.setName = 'x'.repeat(500)));
    expect(() => parseManifest(text)).toThrow(/got "x{20,}\.\.\.\)$/);
    try {
      parseManifest(text);
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(160);
    }
  });
});

describe('manifest limits (a hostile server writes manifest.json too)', () => {
  const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
  it.each([
    ['100,000 levels of lists', deep(100_000), /the document is nested deeper than 32 levels/],
    ['33 levels of objects', `${'{"a":'.repeat(33)}1${'}'.repeat(33)}`, /nested deeper than 32 levels/],
    ['too many objects and lists', `[${'{},'.repeat(100_000)}{}]`, /holds more than 25000 objects and lists/],
  ])('refuses %s before parsing', (_title, text, message) => {
    expect(() => parseManifest(text)).toThrow(ManifestError);
    expect(() => parseManifest(text)).toThrow(message);
  });

  it('counts no bracket inside a string, escaped quotes included', () => {
    expect(() =>
      checkJsonShape(JSON.stringify({ a: '[[[[\\"{{{{'.repeat(100) }), { depth: 2, containers: 2 }),
    ).not.toThrow();
    expect(() => checkJsonShape('[[[]]]', { depth: 2, containers: 10 })).toThrow(/deeper than 2 levels/);
    expect(() => checkJsonShape('[[],[],[]]', { depth: 5, containers: 3 })).toThrow(/more than 3 objects/);
  });

  it('refuses more than 10,000 objects, naming the count', () => {
    const m = sample();
    const text = serializeManifest(m).replace(
      /"objects": \[/,
      `"objects": [${'1,'.repeat(MANIFEST_LIMITS.objects)}`,
    );
    expect(() => parseManifest(text)).toThrow(/objects must hold at most 10000 entries \(it holds 10002\)/);
  });

  it('keeps contentBytes through a round trip and checks it', () => {
    const m = sample();
    m.objects[0]!.contentBytes = 5000;
    expect(parseManifest(serializeManifest(m))).toEqual(m);
    expect(serializeManifest(m)).toContain(
      '"encrypted": false,\n      "contentBytes": 5000,\n      "source"',
    );
    const bad = serializeManifest(m).replace('"contentBytes": 5000', '"contentBytes": -1');
    expect(() => parseManifest(bad)).toThrow(/objects\[0\]\.contentBytes must be a non-negative integer/);
  });

  it('names the set when it is given', () => {
    expect(new ManifestError('objects', 'is bad', '/b/job/20261122T031500Z').message).toBe(
      'invalid manifest.json of set /b/job/20261122T031500Z: objects is bad',
    );
  });
});

describe('contentLimit and expectedContentBytes', () => {
  const [db, dir] = sample().objects as [ManifestObject, ManifestObject];
  it.each([
    [
      'recorded content bytes, exactly',
      { ...db, contentBytes: 777 },
      { bytes: 777, basis: 'the content size the manifest records' },
      777,
    ],
    ['an older database object: no basis', db, undefined, undefined],
    [
      'an older folder object: its file bytes and a tar allowance per entry',
      dir,
      {
        bytes: 4096 + 14 * 16 * 1024 + 1024 * 1024,
        basis: "the manifest's 4096 file bytes in 14 entries, with tar overhead",
      },
      4096,
    ],
  ])('%s', (_title, object, limit, expected) => {
    expect(contentLimit(object)).toEqual(limit);
    expect(expectedContentBytes(object)).toBe(expected);
  });
});
