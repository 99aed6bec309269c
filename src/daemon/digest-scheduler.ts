// Sends the digests on schedule. node-cron, in the organisation's time zone, only wakes the
// daemon; whether a period is due is decided by `dueDigests` (pure) and whether it was already
// sent by job_runs, so the daemon also catches up at start a run it missed while stopped, and
// several daemons on one PostgreSQL send each digest once.
import cron from 'node-cron';
import type { Deps } from '../services/deps.js';
import { sendDueDigests, type SendDigestResult } from '../services/send-digest.js';
import { digestDeps } from '../app/compose.js';
import { databaseFailure } from '../db/database.js';
import type { BackoffPolicy } from '../domain/backoff.js';
import { runLoop, Wakeup } from './loop.js';

/** A failed check (database down…) is retried from 1 s, doubling to 5 minutes. */
const DIGEST_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 300_000 };

/**
 * Runs until `signal` aborts: a catch-up check at once, then one at every firing of
 * `digest.schedule`. A failed check (database down…) is retried with backoff until it succeeds.
 * `afterQueue` is called when digests were queued (to wake the outbox deliverer).
 */
export async function startDigestScheduler(
  deps: Deps,
  signal: AbortSignal,
  afterQueue: () => void,
  options: { readonly onChecked?: (results: readonly SendDigestResult[]) => void } = {},
): Promise<void> {
  const { config, log } = deps;
  const services = digestDeps(deps);
  // node-cron only wakes the loop; a firing during a slow catch-up runs one more check after it.
  const wakeup = new Wakeup();
  // The configuration was validated by our own cron reader; should node-cron read it otherwise,
  // hourly wake-ups are as good a trigger, since `dueDigests` decides.
  let { expression } = config.digest.schedule;
  if (!cron.validate(expression)) {
    log.error({ schedule: expression }, 'digest.schedule not understood by node-cron: checking every hour instead');
    expression = '0 * * * *';
  }
  const task = cron.schedule(expression, () => wakeup.notify(), {
    timezone: config.organisation.timezone,
    name: 'reclam-digest',
    noOverlap: true,
    logger: {
      info: (message) => log.debug({ job: 'digest' }, message),
      warn: (message) => log.warn({ job: 'digest' }, message),
      error: (message) => log.error({ job: 'digest' }, String(message)),
      debug: (message) => log.debug({ job: 'digest' }, String(message)),
    },
  });
  let reason: 'start' | 'schedule' = 'start';
  try {
    await runLoop({
      name: 'digest',
      signal,
      clock: deps.clock,
      random: deps.random,
      log,
      wakeup,
      // A check is whole in itself: one success forgets the failures before it.
      stableAfterMs: 0,
      retryPolicy: () => DIGEST_BACKOFF,
      explain: databaseFailure,
      async tick() {
        const results = await sendDueDigests(services);
        const queued = results.filter((r) => r.sent);
        if (queued.length > 0) afterQueue();
        log.debug({ reason, due: results.length, queued: queued.length }, 'digest check');
        options.onChecked?.(results);
        reason = 'schedule';
        // Until the next firing of the schedule (or a retry, after a failure).
        return Number.POSITIVE_INFINITY;
      },
    });
  } finally {
    await task.destroy();
  }
}
