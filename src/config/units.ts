/**
 * Human units of the configuration: durations ('30s', '1h30m') and byte sizes ('64MiB'). Both parsers throw
 * a RangeError whose message says what was expected; the schema turns them into config problems.
 */

const DURATION_UNITS = [
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

/** What a duration looks like, for error messages. */
export const DURATION_HINT = 'a duration like "30s", "10m" or "1h30m" (units: ms, s, m, h, d, w)';

/** Milliseconds of a duration such as '30s', '10m', '1h30m' or '250ms'. Units go from largest to smallest. */
export function parseDuration(text: string): number {
  if (typeof text !== 'string' || !/^(\d+(ms|s|m|h|d|w))+$/.test(text)) {
    throw new RangeError(`expected ${DURATION_HINT}, got ${JSON.stringify(text)}`);
  }
  let total = 0;
  let lastRank = -1;
  // 'ms' before 'm' so that '250ms' is not read as 250 minutes followed by garbage.
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) {
    const unit = m[2] as string;
    const rank = DURATION_UNITS.findIndex(([u]) => u === unit);
    if (rank <= lastRank) {
      throw new RangeError(
        `expected ${DURATION_HINT}, each unit once from largest to smallest, got ${JSON.stringify(text)}`,
      );
    }
    lastRank = rank;
    total += Number(m[1]) * (DURATION_UNITS[rank]?.[1] ?? 0);
  }
  if (!Number.isSafeInteger(total)) throw new RangeError(`duration ${JSON.stringify(text)} is too large`);
  return total;
}

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

/** What a byte size looks like, for error messages. */
export const SIZE_HINT = 'a size like "64MiB" or "1GB" (units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)';

/** Bytes of a size such as '64MiB', '1GB' or '512B'. */
export function parseByteSize(text: string): number {
  const m = typeof text === 'string' ? /^(\d+)(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)$/.exec(text) : null;
  const factor = m?.[2] !== undefined ? SIZE_UNITS[m[2]] : undefined;
  if (m === null || factor === undefined) {
    throw new RangeError(`expected ${SIZE_HINT}, got ${JSON.stringify(text)}`);
  }
  const bytes = Number(m[1]) * factor;
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`size ${JSON.stringify(text)} is too large`);
  return bytes;
}

/** The shortest duration text for a number of milliseconds (3_600_000 → '1h', 5_400_000 → '1h30m'). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of DURATION_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
