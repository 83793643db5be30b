/** manifest.json (version 1): written last; a set without it is incomplete. Validated by hand (pure). */

export interface ManifestObject {
  name: string;
  size: number;
  sha256: string;
  compression: 'zstd' | 'gzip' | 'none';
  encrypted: boolean;
  /** A summary of the source (databases and table counts; file count and bytes). */
  source: { readonly kind: 'mysql' | 'directory' };
}

export interface Manifest {
  version: 1;
  job: string;
  host: string;
  setName: string;
  startedAt: string;
  finishedAt: string;
  toolVersion: string;
  objects: ManifestObject[];
  warnings: string[];
}

export function serializeManifest(m: Manifest): string {
  const ordered = {
    version: m.version,
    job: m.job,
    host: m.host,
    setName: m.setName,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    toolVersion: m.toolVersion,
    objects: m.objects.map((o) => ({
      name: o.name,
      size: o.size,
      sha256: o.sha256,
      compression: o.compression,
      encrypted: o.encrypted,
      source: o.source,
    })),
    warnings: m.warnings,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function fail(field: string, why: string): never {
  throw new Error(`invalid manifest.json: ${field} ${why}`);
}

function str(o: Record<string, unknown>, k: string, where = k): string {
  const v = o[k];
  if (typeof v !== 'string' || v === '') fail(where, 'must be a non-empty string');
  return v;
}

export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    fail('', `is not JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('', 'must be an object');
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) fail('version', `must be 1 (got ${JSON.stringify(o.version)})`);
  if (!Array.isArray(o.objects)) fail('objects', 'must be a list');
  if (!Array.isArray(o.warnings) || !o.warnings.every((w) => typeof w === 'string'))
    fail('warnings', 'must be a list of strings');
  const objects = o.objects.map((x, i): ManifestObject => {
    if (typeof x !== 'object' || x === null) fail(`objects[${i}]`, 'must be an object');
    const ob = x as Record<string, unknown>;
    const size = ob.size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
      fail(`objects[${i}].size`, 'must be a non-negative integer');
    const sha = str(ob, 'sha256', `objects[${i}].sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha)) fail(`objects[${i}].sha256`, 'must be 64 lower-case hex digits');
    const compression = ob.compression;
    if (compression !== 'zstd' && compression !== 'gzip' && compression !== 'none')
      fail(`objects[${i}].compression`, 'must be zstd, gzip or none');
    if (typeof ob.encrypted !== 'boolean') fail(`objects[${i}].encrypted`, 'must be true or false');
    const source = ob.source as Record<string, unknown> | undefined;
    if (
      typeof source !== 'object' ||
      source === null ||
      (source.kind !== 'mysql' && source.kind !== 'directory')
    ) {
      fail(`objects[${i}].source.kind`, 'must be mysql or directory');
    }
    return {
      name: str(ob, 'name', `objects[${i}].name`),
      size,
      sha256: sha,
      compression,
      encrypted: ob.encrypted,
      source: source as ManifestObject['source'],
    };
  });
  return {
    version: 1,
    job: str(o, 'job'),
    host: str(o, 'host'),
    setName: str(o, 'setName'),
    startedAt: str(o, 'startedAt'),
    finishedAt: str(o, 'finishedAt'),
    toolVersion: str(o, 'toolVersion'),
    objects,
    warnings: o.warnings,
  };
}
