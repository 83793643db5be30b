/**
 * The configuration reference, generated from the schema (z.toJSONSchema of the input side, so durations
 * read '30s', not milliseconds): describeSchema() is the Markdown the README includes, schemaKeyPaths()
 * lists every key path (the drift test checks config.example.yaml against it).
 */
import { z } from 'zod';
import { configSchema, jobSchema } from './schema.ts';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  'x-kind'?: string;
}

interface Row {
  path: string;
  variant: string | undefined;
  type: string;
  required: boolean;
  default: string;
  description: string;
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

function alternatives(s: JsonSchema): JsonSchema[] | undefined {
  return s.anyOf ?? s.oneOf;
}

/** The value of the `type` key that tells a variant of a discriminated union apart. */
function discriminator(s: JsonSchema): string | undefined {
  const t = s.properties?.type?.const;
  return typeof t === 'string' ? t : undefined;
}

function typeName(s: JsonSchema): string {
  if (s['x-kind'] !== undefined) {
    return s['x-kind'] === 'secret' ? 'secret: { env } | { file } | { credential }' : s['x-kind'];
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum !== undefined) return s.enum.map((v) => String(v)).join(' | ');
  const alts = alternatives(s);
  if (alts !== undefined) {
    if (alts.every((a) => discriminator(a) !== undefined)) return 'mapping (by type)';
    return [...new Set(alts.map(typeName))].join(' or ');
  }
  switch (s.type) {
    case 'integer': {
      // z.number().int() carries the safe-integer range: not worth printing.
      const min = s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER ? s.minimum : undefined;
      const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
      if (min !== undefined && max !== undefined) return `integer ${min}–${max}`;
      if (min !== undefined) return `integer ≥ ${min}`;
      return max !== undefined ? `integer ≤ ${max}` : 'integer';
    }
    case 'array':
      return s.items !== undefined ? `list of ${typeName(s.items)}` : 'list';
    case 'object':
      return typeof s.additionalProperties === 'object'
        ? `mapping of name → ${typeName(s.additionalProperties)}`
        : 'mapping';
    default:
      return s.type ?? 'any';
  }
}

function defaultText(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Child schemas whose keys get their own rows, with the path suffix that leads to them. */
function children(s: JsonSchema): Array<{ suffix: string; schema: JsonSchema; variant?: string }> {
  if (s['x-kind'] === 'secret') return [];
  const alts = alternatives(s);
  if (alts !== undefined) {
    return alts.flatMap((a) => {
      const v = discriminator(a);
      return v !== undefined ? [{ suffix: '', schema: a, variant: v }] : children(a);
    });
  }
  if (s.properties !== undefined) return [{ suffix: '', schema: s }];
  if (s.type === 'array' && s.items !== undefined) {
    return children(s.items).map((c) => ({ ...c, suffix: `[]${c.suffix}` }));
  }
  if (s.type === 'object' && typeof s.additionalProperties === 'object') {
    return children(s.additionalProperties).map((c) => ({ ...c, suffix: `.<name>${c.suffix}` }));
  }
  return [];
}

function rows(s: JsonSchema, path: string, variant: string | undefined, out: Row[]): Row[] {
  for (const [key, prop] of Object.entries(s.properties ?? {})) {
    const p = path === '' ? key : `${path}.${key}`;
    out.push({
      path: p,
      variant,
      type: typeName(prop),
      required: (s.required ?? []).includes(key) && prop.default === undefined,
      default: defaultText(prop.default),
      description: prop.description ?? '',
    });
    for (const c of children(prop)) rows(c.schema, p + c.suffix, c.variant ?? variant, out);
  }
  return out;
}

function secretKeyPaths(s: JsonSchema, path: string): string[] {
  return (alternatives(s) ?? []).flatMap((a) => Object.keys(a.properties ?? {}).map((k) => `${path}.${k}`));
}

function keyPaths(s: JsonSchema, path: string, out: Set<string>): Set<string> {
  for (const [key, prop] of Object.entries(s.properties ?? {})) {
    const p = path === '' ? key : `${path}.${key}`;
    out.add(p);
    if (prop['x-kind'] === 'secret') for (const k of secretKeyPaths(prop, p)) out.add(k);
    for (const c of children(prop)) keyPaths(c.schema, p + c.suffix, out);
  }
  return out;
}

/**
 * Every key path the schema accepts: 'destinations.<name>.timeouts.connect', 'defaults.retry.attempts',
 * and for job files 'sources[].excludeTables'. Record keys read '<name>', list items '[]'.
 */
export function schemaKeyPaths(): { config: string[]; job: string[] } {
  return {
    config: [...keyPaths(jsonSchemaOf(configSchema), '', new Set())],
    job: [...keyPaths(jsonSchemaOf(jobSchema), '', new Set())],
  };
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(list: Row[]): string {
  const lines = ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const r of list) {
    const key = `\`${r.path}\`${r.required ? ' (required)' : ''}`;
    const desc = r.variant !== undefined ? `*type ${r.variant}:* ${r.description}` : r.description;
    const def = r.default === '' ? '' : `\`${r.default}\``;
    lines.push(`| ${cell(key)} | ${cell(r.type)} | ${cell(def)} | ${cell(desc)} |`);
  }
  return lines.join('\n');
}

/** A Markdown reference of every key of config.yaml and of a job file: type, default, description. */
export function describeSchema(): string {
  const config = jsonSchemaOf(configSchema);
  const job = jsonSchemaOf(jobSchema);
  // Inline jobs have the same keys as job files: documented once, in the job table.
  const configRows = rows(config, '', undefined, []).filter((r) => !r.path.startsWith('jobs[]'));
  return [
    '### config.yaml',
    '',
    'Durations are written like `30s`, `10m`, `1h30m` (units ms, s, m, h, d, w); sizes like `64MiB` or `1GB`.',
    'A secret is one of `{ env: NAME }`, `{ file: /absolute/path }` or `{ credential: name }` (a systemd',
    '`LoadCredential=` credential); a password written as plain text is refused. Unknown keys are errors.',
    '',
    table(configRows),
    '',
    '### Job files (`jobs/<name>.yaml`, or items of `jobs:`)',
    '',
    table(rows(job, '', undefined, [])),
    '',
  ].join('\n');
}
