import { describe, expect, it } from 'vitest';
import { COMPRESSION_SUFFIX, compressionLevelProblem, objectName } from '../../../src/domain/index.ts';

describe('compression vocabulary', () => {
  it.each([
    ['zstd', 1, undefined],
    ['zstd', 22, undefined],
    ['zstd', 0, 'expected a zstd level (an integer from 1 to 22), got 0'],
    ['zstd', 23, 'expected a zstd level (an integer from 1 to 22), got 23'],
    ['gzip', 1, undefined],
    ['gzip', 9, undefined],
    ['gzip', 0, 'expected a gzip level (an integer from 1 to 9), got 0'],
    ['gzip', 2.5, 'expected a gzip level (an integer from 1 to 9), got 2.5'],
    ['none', 3, 'a level makes no sense with algorithm none: remove it'],
  ] as const)('%s level %d → %s', (algorithm, level, problem) => {
    expect(compressionLevelProblem(algorithm, level)).toBe(problem);
  });

  it('object names take the suffix from the vocabulary', () => {
    for (const [algorithm, suffix] of Object.entries(COMPRESSION_SUFFIX)) {
      const name = objectName(
        { kind: 'mysql', database: 'shop' },
        algorithm as keyof typeof COMPRESSION_SUFFIX,
        false,
      );
      expect(name).toBe(`db-shop.sql${suffix}`);
    }
    expect(COMPRESSION_SUFFIX).toEqual({ zstd: '.zst', gzip: '.gz', none: '' });
  });
});
