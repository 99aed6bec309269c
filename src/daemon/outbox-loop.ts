// The outbox deliverer's loop: sends what is due, then sleeps until the next row is due or it is
// woken. Runs in the daemon's thread (PGlite, tests with a fake clock) or in its own worker
// thread (outbox-worker.ts), where its SMTP work does not compete with the mailbox's.
import { nextOutboxDueAt } from '../db/outbox.js';
import type { Deps } from '../services/deps.js';
import { deliverOutbox, takeBackOutboxClaims } from '../services/deliver-outbox.js';
import { Backoff, sleep, type Wakeup } from './loop.js';

/** How often the outbox loop looks for rows claimed by a local deliverer that died meanwhile. */
const TAKE_BACK_EVERY_MS = 60_000;

export async function runOutboxLoop(
  deps: OutboxDeps,
  holder: string,
  wakeup: Wakeup,
  signal: AbortSignal,
): Promise<void> {
  const backoff = new Backoff(60_000, deps.random);
  // At start: the rows a killed predecessor had claimed are sent now, not after their lease.
  let takeBack: { own: boolean } | null = { own: false };
  let tookBackAt = 0;
  while (!signal.aborted) {
    try {
      if (takeBack || Date.now() - tookBackAt > TAKE_BACK_EVERY_MS) {
        await takeBackOutboxClaims(deps, { holder, own: takeBack?.own ?? false });
        takeBack = null;
        tookBackAt = Date.now();
      }
      await deliverOutbox(deps, { holder });
      backoff.reset();
      const next = await nextOutboxDueAt(deps.db);
      const untilNext = next ? next.getTime() - deps.clock.now().getTime() : 30_000;
      await wakeup.wait(Math.min(Math.max(untilNext, 50), 30_000), signal);
    } catch (error) {
      if (signal.aborted) break;
      // deliverOutbox returns only once its sends are settled: what it still holds is not in
      // flight, so it is taken back on the next turn instead of waiting for the lease.
      takeBack = { own: true };
      const delay = backoff.nextDelayMs();
      deps.log.error({ err: error, retryInMs: delay }, 'outbox loop failed');
      await sleep(delay, signal);
    }
  }
}

type OutboxDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'sender' | 'random'>;
