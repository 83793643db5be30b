/** Set and object names: a set is `<root>/<job>/<YYYYMMDDTHHMMSSZ>/`, its time in the name (UTC). */

const SET_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export const PARTIAL_SUFFIX = '.partial';
export const MANIFEST_NAME = 'manifest.json';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function formatSetName(d: Date): string {
  return (
    `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`
  );
}

/** The set's time, or undefined unless `name` is exactly our pattern and a real date. */
export function parseSetName(name: string): Date | undefined {
  const m = SET_RE.exec(name);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return formatSetName(t) === name ? t : undefined;
}

export function isSetName(name: string): boolean {
  return parseSetName(name) !== undefined;
}

/** Keeps [A-Za-z0-9_.-] and encodes every other byte as %XX (reversible with decodeURIComponent). */
function safeFileName(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9_.-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

export type ObjectSource = { kind: 'mysql'; database: string } | { kind: 'directory'; label: string };

const SUFFIX = { zstd: '.zst', gzip: '.gz', none: '' } as const;

export function objectName(
  source: ObjectSource,
  compression: 'zstd' | 'gzip' | 'none',
  encrypted: boolean,
): string {
  const base =
    source.kind === 'mysql'
      ? `db-${safeFileName(source.database)}.sql`
      : `files-${safeFileName(source.label)}.tar`;
  return `${base}${SUFFIX[compression]}${encrypted ? '.age' : ''}`;
}

const OBJECT_RE = /^(db-[A-Za-z0-9_.%-]+\.sql|files-[A-Za-z0-9_.%-]+\.tar)(\.zst|\.gz)?(\.age)?$/;

/** Names we write inside a set: objects, manifest.json, and their .partial forms. */
export function isOurObjectName(name: string): boolean {
  const base = name.endsWith(PARTIAL_SUFFIX) ? name.slice(0, -PARTIAL_SUFFIX.length) : name;
  return base === MANIFEST_NAME || OBJECT_RE.test(base);
}
