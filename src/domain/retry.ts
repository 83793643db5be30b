/**
 * Retry delay: exponential (×2 per attempt from initialDelay), capped at maxDelay, with "equal jitter":
 * half the delay is fixed, half random — a floor so retries never hammer a struggling server, and
 * spread so many agents don't retry in step. `random` in [0, 1) comes in as an argument (pure).
 */
export function backoffDelay(
  attempt: number,
  policy: { initialDelay: number; maxDelay: number },
  random: number,
): number {
  const exp = policy.initialDelay * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelay, exp);
  return Math.round(capped / 2 + (capped / 2) * Math.min(Math.max(random, 0), 1));
}
