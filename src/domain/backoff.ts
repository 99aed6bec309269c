// Retry delays: exponential, capped, with jitter so that retries after an outage do not stampede.

export interface BackoffPolicy {
  /** Delay before the first retry, in milliseconds. */
  readonly baseMs: number;
  /** Largest delay, in milliseconds. */
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): base × 2^(attempt−1), capped at max,
 * then scaled by a jitter factor in [0.8, 1.2) taken from `random` (a number in [0, 1)).
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(raw * (0.8 + 0.4 * random));
}
