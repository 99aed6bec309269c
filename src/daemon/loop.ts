// The one way the daemon polls things: `runLoop` calls an injected `tick` until aborted, waits
// between turns (abortable, and cut short by a `Wakeup`), and after a failed turn backs off with
// capped jittered delays (src/domain/backoff.ts) that are forgotten only once turns have kept
// succeeding for a while — a connection that opens and drops at once keeps backing off.
import type { Logger } from 'pino';
import { afterFailure, afterSuccess, type BackoffPolicy, NO_FAILURES, type RetryState } from '../domain/backoff.js';
import { AppError } from '../domain/errors.js';
import type { Clock } from '../ports.js';

/** setTimeout's largest delay (about 24.8 days); longer waits, or Infinity, wait for a wake-up or abort. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Sleeps `ms` (Infinity: until aborted), or less if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = ms < MAX_TIMER_MS ? setTimeout(done, Math.max(0, ms)) : undefined;
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Lets one part of the daemon wake a loop that is waiting (e.g. new outbox rows). */
export class Wakeup {
  private pending = false;
  private waiter: (() => void) | null = null;

  notify(): void {
    this.pending = true;
    this.waiter?.();
  }

  /** Waits for `notify()`, `ms` (Infinity: no time limit), or abort, whichever comes first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending || signal?.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiter = null;
        this.pending = false;
        resolve();
      };
      const timer = ms < MAX_TIMER_MS ? setTimeout(done, Math.max(0, ms)) : undefined;
      signal?.addEventListener('abort', done, { once: true });
      this.waiter = done;
    });
  }
}

export interface LoopSpec {
  /** The loop's name in logs (`loop` field): mailbox, outbox, digest. */
  readonly name: string;
  readonly signal: AbortSignal;
  /** Measures how long turns have been succeeding (the injected clock). */
  readonly clock: Clock;
  /** Jitter source, [0, 1). */
  readonly random: () => number;
  readonly log: Logger;
  /**
   * One turn. Resolves with how long to wait before the next one, in ms (Infinity: until woken or
   * aborted); throws when the turn failed.
   */
  tick(): Promise<number>;
  /** Cuts a wait between turns short; the wait after a failure is not cut short. */
  readonly wakeup?: Wakeup;
  /** Backoff after a failed turn; it may depend on the error (a refused password waits minutes). */
  retryPolicy(error: unknown): BackoffPolicy;
  /** How long turns must keep succeeding before earlier failures are forgotten, in ms (0: at once). */
  readonly stableAfterMs: number;
  /** After a failed turn, before its wait: let go of what the turn held (an IMAP session…). */
  onFailure?(error: unknown): Promise<void> | void;
  /** The catalogue error a person should read for `error`, when it is not one already (database errors…). */
  explain?(error: unknown): AppError | null;
}

/**
 * Runs `spec.tick` until `spec.signal` aborts; never rejects (a failed turn is logged and retried).
 * Resolves once the turn in progress, if any, has finished.
 */
export async function runLoop(spec: LoopSpec): Promise<void> {
  const { signal, log } = spec;
  let state: RetryState = NO_FAILURES;
  while (!signal.aborted) {
    let waitMs: number;
    try {
      waitMs = await spec.tick();
      if (state.failures > 0 && state.recoveringSinceMs === null)
        log.info({ loop: spec.name, failures: state.failures }, `${spec.name} loop working again`);
      state = afterSuccess(state, spec.clock.now().getTime(), spec.stableAfterMs);
    } catch (error) {
      if (signal.aborted) break;
      const next = afterFailure(state, spec.retryPolicy(error), spec.random());
      state = next.state;
      try {
        await spec.onFailure?.(error);
      } catch (cleanup) {
        log.warn({ loop: spec.name, err: cleanup }, `${spec.name} loop: cleaning up after a failure failed`);
      }
      const explained = error instanceof AppError ? error : (spec.explain?.(error) ?? null);
      log.error(
        { loop: spec.name, err: error, code: explained?.code, failures: state.failures, retryInMs: next.delayMs },
        `${spec.name} loop failed, next try in ${Math.round(next.delayMs / 1000)} s: ` +
          `${explained?.message ?? errorText(error)}`,
      );
      await sleep(next.delayMs, signal);
      continue;
    }
    if (spec.wakeup) await spec.wakeup.wait(waitMs, signal);
    else await sleep(waitMs, signal);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
