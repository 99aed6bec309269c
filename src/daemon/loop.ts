// Small primitives for the daemon's loops: an abortable sleep, a wake-up signal, and a capped
// jittered backoff that is reset only once a connection has proven stable.

/** Sleeps `ms`, or less if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
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

  /** Waits for `notify()`, `ms`, or abort, whichever comes first. */
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
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
      this.waiter = done;
    });
  }
}

/** Reconnection delays: 1 s doubling to `maxMs`, ±20 % jitter. */
export class Backoff {
  private failures = 0;
  constructor(
    private readonly maxMs = 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  nextDelayMs(): number {
    this.failures++;
    const raw = Math.min(this.maxMs, 1000 * 2 ** Math.min(this.failures - 1, 16));
    return Math.round(raw * (0.8 + 0.4 * this.random()));
  }

  /** Call once the connection has worked for a while, not right after it opens. */
  reset(): void {
    this.failures = 0;
  }
}
