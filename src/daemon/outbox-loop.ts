// The outbox deliverer's loop: sends what is due, then sleeps until the next row is due or it is
// woken. Runs in the daemon's thread (PGlite, tests with a fake clock) or in its own worker
// thread (outbox-worker.ts), where its SMTP work does not compete with the mailbox's.
import { databaseFailure } from '../db/database.js';
import { nextOutboxDueAt } from '../db/outbox.js';
import type { BackoffPolicy } from '../domain/backoff.js';
import type { Deps } from '../services/deps.js';
import {
  deliverOutbox,
  recoverIfSmtpAnswers,
  takeBackOutboxClaims,
  UnrecordedSends,
} from '../services/deliver-outbox.js';
import { runLoop, type Wakeup } from './loop.js';

/** How often the outbox loop looks for rows claimed by a local deliverer that died meanwhile. */
const TAKE_BACK_EVERY_MS = 60_000;
/** With mails given up during an SMTP outage and nothing to send, how often to ask SMTP whether it is back. */
const PROBE_SMTP_EVERY_MS = 5 * 60_000;
/** After a failed run (database or SMTP connection gone): 1 s doubling to a minute. */
const OUTBOX_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };
/** Runs must keep succeeding this long before the backoff starts again from 1 s. */
const STABLE_AFTER_MS = 60_000;

export async function runOutboxLoop(
  deps: OutboxDeps,
  holder: string,
  wakeup: Wakeup,
  signal: AbortSignal,
): Promise<void> {
  // At start: the rows a killed predecessor had claimed are sent now, not after their lease.
  let takeBack: { own: boolean } | null = { own: false };
  let tookBackAtMs = Number.NEGATIVE_INFINITY;
  let probedAtMs = Number.NEGATIVE_INFINITY;
  // Sent during a database outage, not yet recorded: recorded before any claim is taken back.
  const unrecorded = new UnrecordedSends();
  await runLoop({
    name: 'outbox',
    signal,
    clock: deps.clock,
    random: deps.random,
    log: deps.log,
    wakeup,
    stableAfterMs: STABLE_AFTER_MS,
    retryPolicy: () => OUTBOX_BACKOFF,
    explain: databaseFailure,
    async tick() {
      await unrecorded.record(deps);
      if (takeBack || deps.clock.now().getTime() - tookBackAtMs > TAKE_BACK_EVERY_MS) {
        await takeBackOutboxClaims(deps, { holder, own: takeBack?.own ?? false });
        takeBack = null;
        tookBackAtMs = deps.clock.now().getTime();
      }
      const report = await deliverOutbox(deps, { holder, unrecorded });
      if (report.sent === 0 && deps.clock.now().getTime() - probedAtMs > PROBE_SMTP_EVERY_MS) {
        probedAtMs = deps.clock.now().getTime();
        // Alerts queued again are due now: the next turn sends them.
        if ((await recoverIfSmtpAnswers(deps)) > 0) return 0;
      }
      const next = await nextOutboxDueAt(deps.db);
      const untilNext = next ? next.getTime() - deps.clock.now().getTime() : 30_000;
      return Math.min(Math.max(untilNext, 50), 30_000);
    },
    onFailure() {
      // deliverOutbox returns only once its sends are settled: what it still holds is not in
      // flight, so it is taken back on the next turn instead of waiting for the lease.
      takeBack = { own: true };
    },
  });
}

type OutboxDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'sender' | 'random'>;
