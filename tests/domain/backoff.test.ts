import { describe, expect, it } from 'vitest';
import { afterFailure, afterSuccess, backoffDelayMs, NO_FAILURES, type RetryState } from '../../src/domain/backoff.js';

const SECONDS = { baseMs: 1_000, maxMs: 60_000 };
const MINUTES = { baseMs: 60_000, maxMs: 15 * 60_000 };
const T0 = Date.parse('2026-03-02T08:00:00Z');

/** The delays of `n` failures in a row, with the same jitter draw each time. */
function delays(n: number, policy = SECONDS, random = 0.5): number[] {
  let state: RetryState = NO_FAILURES;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const next = afterFailure(state, policy, random);
    out.push(next.delayMs);
    state = next.state;
  }
  return out;
}

describe('backoffDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 7, 8, 30, 1000].map((n) => backoffDelayMs(n, SECONDS, 0.5))).toEqual([
      1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('jitters within [0.8, 1.2) of the raw delay, from the random number given', () => {
    expect(backoffDelayMs(3, SECONDS, 0)).toBe(3_200);
    expect(backoffDelayMs(3, SECONDS, 0.999_999)).toBe(4_800);
    expect(backoffDelayMs(100, MINUTES, 0)).toBe(720_000);
  });
});

describe('afterFailure / afterSuccess', () => {
  it('a refused password backs off to minutes: 1, 2, 4, 8 then 15 minutes', () => {
    expect(delays(6, MINUTES)).toEqual([60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
  });

  it('network failures stay at seconds, capped at a minute', () => {
    expect(delays(8)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('does not forget failures at the first success, only once successes lasted stableMs', () => {
    let state = afterFailure(afterFailure(NO_FAILURES, SECONDS, 0.5).state, SECONDS, 0.5).state;
    expect(state).toEqual({ failures: 2, recoveringSinceMs: null });
    state = afterSuccess(state, T0, 60_000);
    expect(state).toEqual({ failures: 2, recoveringSinceMs: T0 });
    state = afterSuccess(state, T0 + 59_999, 60_000);
    expect(state.failures).toBe(2);
    // A failure now (the connection dropped again within the minute) goes on doubling.
    expect(afterFailure(state, SECONDS, 0.5)).toEqual({
      delayMs: 4_000,
      state: { failures: 3, recoveringSinceMs: null },
    });
    expect(afterSuccess(state, T0 + 60_000, 60_000)).toEqual(NO_FAILURES);
  });

  it('with stableMs 0 the first success forgets the failures', () => {
    const failed = afterFailure(NO_FAILURES, SECONDS, 0.5).state;
    expect(afterSuccess(failed, T0, 0)).toEqual(NO_FAILURES);
    expect(afterSuccess(NO_FAILURES, T0, 60_000)).toBe(NO_FAILURES);
  });
});

describe('backoff at the edges', () => {
  it('waits the base delay for attempt 0 or below, and never more than the cap, even below the base', () => {
    expect(backoffDelayMs(0, SECONDS, 0.5)).toBe(1_000);
    expect(backoffDelayMs(-3, SECONDS, 0.5)).toBe(1_000);
    expect(backoffDelayMs(1, { baseMs: 5_000, maxMs: 2_000 }, 0.5)).toBe(2_000);
    // A huge attempt number neither overflows nor gives Infinity or NaN.
    expect(backoffDelayMs(Number.MAX_SAFE_INTEGER, SECONDS, 0.5)).toBe(60_000);
  });

  it('keeps counting from when successes started, not from the latest one', () => {
    const failed = afterFailure(NO_FAILURES, SECONDS, 0.5).state;
    const first = afterSuccess(failed, T0, 60_000);
    const again = afterSuccess(first, T0 + 30_000, 60_000);
    expect(again).toBe(first);
    expect(afterSuccess(again, T0 + 60_000, 60_000)).toEqual(NO_FAILURES);
  });
});
