// Reminds the pilot of open recurrence analyses (services/remind-analyses.ts decides what is due
// and records it once per due instant). The loop looks again when the next reminder is due, or
// at the next working moment, and at least every ten minutes (new analyses, clock changes).
import { databaseFailure } from '../db/database.js';
import type { BackoffPolicy } from '../domain/backoff.js';
import type { Deps } from '../services/deps.js';
import { remindAnalyses } from '../services/remind-analyses.js';
import { runLoop } from './loop.js';

const BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 300_000 };
const MIN_WAIT_MS = 5_000;
const MAX_WAIT_MS = 10 * 60_000;

/** How long to wait before looking again, from when the next check is due. */
export function reminderWaitMs(nextCheckAt: Date | null, now: Date): number {
  if (nextCheckAt === null) return MAX_WAIT_MS;
  return Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, nextCheckAt.getTime() - now.getTime()));
}

/** Runs until `signal` aborts; `afterQueue` is called when reminders were queued (wakes the outbox). */
export function runAnalysisReminderLoop(deps: Deps, signal: AbortSignal, afterQueue: () => void): Promise<void> {
  return runLoop({
    name: 'analyses',
    signal,
    clock: deps.clock,
    random: deps.random,
    log: deps.log,
    stableAfterMs: 0,
    retryPolicy: () => BACKOFF,
    explain: databaseFailure,
    async tick() {
      const result = await remindAnalyses(deps);
      if (result.reminded.length > 0) afterQueue();
      return reminderWaitMs(result.nextCheckAt, deps.clock.now());
    },
  });
}
