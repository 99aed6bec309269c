// Retry delays: exponential, capped, with jitter so that retries after an outage do not stampede;
// and when to forget past failures (only once things have worked for a while).

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

/**
 * Where a retried activity (a connection, a polling loop) stands: its consecutive failures, and
 * since when it has been succeeding again (ms since the epoch; null while failing or when clean).
 */
export interface RetryState {
  readonly failures: number;
  readonly recoveringSinceMs: number | null;
}

export const NO_FAILURES: RetryState = { failures: 0, recoveringSinceMs: null };

/**
 * After a failure: the delay before the next try (`backoffDelayMs` of the failures so far, so 1 =
 * the first retry) and the new state. `random` is a number in [0, 1).
 */
export function afterFailure(
  state: RetryState,
  policy: BackoffPolicy,
  random: number,
): { readonly delayMs: number; readonly state: RetryState } {
  const failures = state.failures + 1;
  return { delayMs: backoffDelayMs(failures, policy, random), state: { failures, recoveringSinceMs: null } };
}

/**
 * After a success at `nowMs`: earlier failures are forgotten only once successes have gone on for
 * `stableMs` (a connection that opens and drops at once keeps backing off). `stableMs` 0 forgets
 * them at the first success.
 */
export function afterSuccess(state: RetryState, nowMs: number, stableMs: number): RetryState {
  if (state.failures === 0) return NO_FAILURES;
  const since = state.recoveringSinceMs ?? nowMs;
  if (nowMs - since >= stableMs) return NO_FAILURES;
  return since === state.recoveringSinceMs ? state : { failures: state.failures, recoveringSinceMs: since };
}
