import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/domain/index.ts';

const policy = { initialDelay: 1000, maxDelay: 30_000 };

describe('backoffDelay (exponential, capped, equal jitter)', () => {
  it.each([
    // attempt, delay with random 0 (the floor: half), delay with random 0.999 (just under the cap)
    [1, 500, 1000], // 500 + 499.5 rounds to 1000
    [2, 1000, 1999],
    [3, 2000, 3998],
    [4, 4000, 7996],
    [5, 8000, 15_992],
    [6, 15_000, 29_985], // 32 s capped at 30 s
    [7, 15_000, 29_985],
    [100, 15_000, 29_985],
    [5000, 15_000, 29_985], // no overflow to Infinity or NaN
  ])('attempt %i: %i ms with random 0, %i ms with random 0.999', (attempt, low, high) => {
    expect(backoffDelay(attempt, policy, 0)).toBe(low);
    expect(backoffDelay(attempt, policy, 0.999)).toBe(high);
  });

  it('stays within [capped/2, capped] and grows with the attempt for any random value', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const capped = Math.min(policy.maxDelay, policy.initialDelay * 2 ** (attempt - 1));
      let previous = -1;
      for (let i = 0; i < 200; i++) {
        const random = i / 200;
        const d = backoffDelay(attempt, policy, random);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(capped / 2);
        expect(d).toBeLessThanOrEqual(capped);
        expect(d).toBeGreaterThanOrEqual(previous); // monotonic in random
        previous = d;
      }
      if (attempt > 1) {
        expect(backoffDelay(attempt, policy, 0.5)).toBeGreaterThanOrEqual(
          backoffDelay(attempt - 1, policy, 0.5),
        );
      }
    }
  });

  it('handles a zero delay and a cap below the initial delay', () => {
    expect(backoffDelay(1, { initialDelay: 0, maxDelay: 1000 }, 0.7)).toBe(0);
    expect(backoffDelay(3000, { initialDelay: 0, maxDelay: 1000 }, 0.7)).toBe(0);
    expect(backoffDelay(1, { initialDelay: 5000, maxDelay: 1000 }, 0)).toBe(500);
  });

  it('clamps a random value outside [0, 1)', () => {
    expect(backoffDelay(1, policy, -0.5)).toBe(500);
    expect(backoffDelay(1, policy, 1.5)).toBe(1000);
  });

  it.each([
    [0, policy, 0.5],
    [1.5, policy, 0.5],
    [Number.NaN, policy, 0.5],
    [1, { initialDelay: -1, maxDelay: 1000 }, 0.5],
    [1, { initialDelay: 1000, maxDelay: Number.POSITIVE_INFINITY }, 0.5],
    [1, policy, Number.NaN],
  ])('throws a RangeError for attempt %s, %j, random %s', (attempt, p, random) => {
    expect(() => backoffDelay(attempt, p, random)).toThrow(RangeError);
  });
});
