/**
 * Retry delay: exponential (initialDelay × 2^(attempt−1)), capped at maxDelay, with EQUAL JITTER: half
 * of the capped delay is fixed and the other half is random. The fixed half is a floor, so a retry never
 * hammers a struggling server right away (full jitter could pick ~0 ms); the random half spreads agents
 * that failed together so they do not retry in step. Pure: `random` in [0, 1) comes in as an argument.
 *
 * Result, in whole milliseconds: round(c/2 + random × c/2) with c = min(maxDelay, initialDelay × 2^(n−1)),
 * so always within [round(c/2), c].
 */
export interface BackoffPolicy {
  /** Delay before the 2nd attempt (after attempt 1 failed), in ms, before jitter. */
  initialDelay: number;
  /** Cap on the delay, in ms, before jitter. */
  maxDelay: number;
}

/** Above this exponent the delay is capped anyway; it keeps 2^n finite. */
const MAX_EXPONENT = 52;

/**
 * The wait after failed attempt `attempt` (1-based) before the next one.
 * Throws a RangeError for a non-integer attempt < 1, negative or non-finite delays, or a non-finite random.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1)
    throw new RangeError(`backoffDelay: attempt must be an integer ≥ 1, got ${attempt}`);
  const { initialDelay, maxDelay } = policy;
  if (!Number.isFinite(initialDelay) || initialDelay < 0)
    throw new RangeError(`backoffDelay: initialDelay must be a finite number ≥ 0, got ${initialDelay}`);
  if (!Number.isFinite(maxDelay) || maxDelay < 0)
    throw new RangeError(`backoffDelay: maxDelay must be a finite number ≥ 0, got ${maxDelay}`);
  if (!Number.isFinite(random)) throw new RangeError(`backoffDelay: random must be a number, got ${random}`);
  const r = Math.min(Math.max(random, 0), 1);
  const exponential = initialDelay * 2 ** Math.min(attempt - 1, MAX_EXPONENT);
  const capped = Math.min(maxDelay, exponential);
  return Math.round(capped / 2 + (capped / 2) * r);
}
