// Sends the digests on schedule. node-cron, in the organisation's time zone, only wakes the
// daemon; whether a period is due is decided by `dueDigests` (pure) and whether it was already
// sent by job_runs, so the daemon also catches up at start a run it missed while stopped, and
// several daemons on one PostgreSQL send each digest once.
import cron from 'node-cron';
import { createTrendChartRenderer } from '../adapters/trend-chart.js';
import { createXlsxWriter } from '../adapters/xlsx-workbook.js';
import type { Deps } from '../services/deps.js';
import { sendDueDigests, type DigestDeps, type SendDigestResult } from '../services/send-digest.js';
import { Backoff, sleep } from './loop.js';

/** The digest services' dependencies: the daemon's, plus the chart and spreadsheet adapters. */
export function digestDeps(deps: Deps): DigestDeps {
  return { ...deps, charts: createTrendChartRenderer(), workbooks: createXlsxWriter() };
}

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
  const backoff = new Backoff(300_000, deps.random);
  let running: Promise<void> = Promise.resolve();

  const check = async (reason: 'start' | 'schedule') => {
    while (!signal.aborted) {
      try {
        const results = await sendDueDigests(services);
        backoff.reset();
        const queued = results.filter((r) => r.sent);
        if (queued.length > 0) afterQueue();
        log.debug({ reason, due: results.length, queued: queued.length }, 'digest check');
        options.onChecked?.(results);
        return;
      } catch (error) {
        const delay = backoff.nextDelayMs();
        log.error({ err: error, retryInMs: delay }, 'digest check failed: retrying');
        await sleep(delay, signal);
      }
    }
  };
  // One check at a time: a firing during a slow catch-up waits for it.
  const trigger = (reason: 'start' | 'schedule') => {
    running = running.then(() => check(reason));
  };

  trigger('start');
  // The configuration was validated by our own cron reader; should node-cron read it otherwise,
  // hourly wake-ups are as good a trigger, since `dueDigests` decides.
  let expression = config.digest.schedule;
  if (!cron.validate(expression)) {
    log.error({ schedule: expression }, 'digest.schedule not understood by node-cron: checking every hour instead');
    expression = '0 * * * *';
  }
  const task = cron.schedule(expression, () => trigger('schedule'), {
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
  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await task.destroy();
  await running;
}
