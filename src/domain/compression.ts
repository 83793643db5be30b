/**
 * The compression vocabulary, stated once: the algorithms, their level ranges and defaults, and the
 * object-name suffix of each. The schema (src/config), the compressor (src/pipeline) and object names
 * (set-name.ts) all read it from here.
 */

export const COMPRESSION_ALGORITHMS = ['zstd', 'gzip', 'none'] as const;

export type CompressionAlgorithm = (typeof COMPRESSION_ALGORITHMS)[number];

/** Default levels: zstd's own default (3) and gzip's (6). */
export const DEFAULT_COMPRESSION_LEVEL = { zstd: 3, gzip: 6 } as const;

/**
 * Accepted levels. Zstd's negative "fast" levels are not offered (level 1 is already faster than the
 * uplink); gzip's level 0 stores without compressing: that is algorithm none.
 */
export const COMPRESSION_LEVEL_RANGE = { zstd: { min: 1, max: 22 }, gzip: { min: 1, max: 9 } } as const;

/** File-name suffix of an object compressed with `algorithm` ('.zst', '.gz', ''). */
export const COMPRESSION_SUFFIX = { zstd: '.zst', gzip: '.gz', none: '' } as const satisfies Record<
  CompressionAlgorithm,
  string
>;

/** Why `level` is not a valid level of `algorithm`, or undefined when it is. */
export function compressionLevelProblem(algorithm: CompressionAlgorithm, level: number): string | undefined {
  if (algorithm === 'none') return 'a level makes no sense with algorithm none: remove it';
  const { min, max } = COMPRESSION_LEVEL_RANGE[algorithm];
  if (!Number.isInteger(level) || level < min || level > max) {
    return `expected a ${algorithm} level (an integer from ${min} to ${max}), got ${level}`;
  }
  return undefined;
}
