// The follow-through in the daemon: one loop sweeps the tickets' reminders and escalations
// (services/follow-through.ts) and the open recurrence analyses' reminders
// (services/remind-analyses.ts); each decides what is due and records it once per due instant.
// The loop looks again when the next step is due, or at the next working moment, and at least
// every ten minutes (changed tickets, new analyses, clock changes).
import { databaseFailure } from '../db/database.js';
import type { BackoffPolicy } from '../domain/backoff.js';
import type { Deps } from '../services/deps.js';
import { sweepFollowThrough } from '../services/follow-through.js';
import { remindAnalyses } from '../services/remind-analyses.js';
import { runLoop, type Wakeup } from './loop.js';

const BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 300_000 };
const MIN_WAIT_MS = 5_000;
const MAX_WAIT_MS = 10 * 60_000;

/** How long to wait before looking again, from when the next check is due. */
export function reminderWaitMs(nextCheckAt: Date | null, now: Date): number {
  if (nextCheckAt === null) return MAX_WAIT_MS;
  return Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, nextCheckAt.getTime() - now.getTime()));
}

const earliest = (a: Date | null, b: Date | null): Date | null =>
  a === null ? b : b === null ? a : a.getTime() <= b.getTime() ? a : b;

/**
 * Runs until `signal` aborts; `afterQueue` is called when mails were queued (wakes the outbox);
 * `wakeup` (a ticket changed) makes it look at once.
 */
export function runFollowThroughLoop(
  deps: Deps,
  signal: AbortSignal,
  afterQueue: () => void,
  wakeup?: Wakeup,
): Promise<void> {
  return runLoop({
    name: 'follow-through',
    signal,
    clock: deps.clock,
    random: deps.random,
    log: deps.log,
    ...(wakeup ? { wakeup } : {}),
    stableAfterMs: 0,
    retryPolicy: () => BACKOFF,
    explain: databaseFailure,
    async tick() {
      const tickets = await sweepFollowThrough(deps);
      const analyses = await remindAnalyses(deps);
      if (tickets.mails > 0 || analyses.reminded.length > 0) afterQueue();
      return reminderWaitMs(earliest(tickets.nextCheckAt, analyses.nextCheckAt), deps.clock.now());
    },
  });
}
