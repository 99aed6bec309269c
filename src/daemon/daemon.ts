// The daemon's composition root: opens the database (migrating it), connects the adapters and runs
// two loops — the mailbox watcher (IDLE, polling as fallback, under a lease) and the outbox
// deliverer — until stopped.
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { openDatabase, type Database } from '../db/database.js';
import {
  holderIsDeadLocal,
  leaseHolder,
  newHolder,
  releaseLease,
  takeOverLease,
  tryAcquireLease,
} from '../db/leases.js';
import { openMailboxSession } from '../adapters/imap-mailbox.js';
import { createMailParser } from '../adapters/mail-parser.js';
import { createSmtpSender } from '../adapters/smtp-sender.js';
import { createTemplateRenderer } from '../adapters/template-renderer.js';
import { systemClock, type Clock, type MailboxSession } from '../ports.js';
import type { Deps } from '../services/deps.js';
import { sweepMailbox } from '../services/sweep-mailbox.js';
import { TEMPLATES_DIR } from '../paths.js';
import { Worker } from 'node:worker_threads';
import { Backoff, sleep, Wakeup } from './loop.js';
import { runOutboxLoop } from './outbox-loop.js';
import type { OutboxWorkerData } from './outbox-worker.js';
import { startDigestScheduler } from './digest-scheduler.js';

export interface RunningDaemon {
  readonly deps: Deps;
  readonly database: Database;
  /** Stops both loops, closes IMAP, SMTP and the database. */
  stop(): Promise<void>;
  /** Resolves when the daemon has stopped. */
  readonly stopped: Promise<void>;
  /** Wakes the outbox deliverer (after mails were queued outside the loops, e.g. by `ingest`). */
  wakeOutbox(): void;
  /** Whether the deliverer runs in its own thread (PostgreSQL). */
  readonly outboxThread: boolean;
}

export interface DaemonOptions {
  readonly clock?: Clock;
  /** Run the mailbox watcher (false: outbox only, e.g. `reclam ingest` with no IMAP). */
  readonly watchMailbox?: boolean;
  /** An already open database (tests); it is migrated but left open on stop. */
  readonly database?: Database;
}

const MAILBOX_LEASE_MS = 60_000;
/** Longest wait in IDLE before a safety sweep and a lease renewal. */
const MAX_IDLE_WAIT_MS = 20_000;

/** Builds the service dependencies for a configuration and an open database. */
export function buildDeps(config: Config, database: Database, log: Logger, clock: Clock = systemClock): Deps {
  return {
    db: database.db,
    clock,
    log,
    config,
    render: createTemplateRenderer({ templatesDir: TEMPLATES_DIR, overrideDir: config.templates.overrideDir }),
    parseMail: createMailParser({ maxMessageBytes: config.mailbox.maxMessageBytes }),
    sender: createSmtpSender(config.mailbox.smtp),
    random: Math.random,
  };
}

export async function startDaemon(config: Config, log: Logger, options: DaemonOptions = {}): Promise<RunningDaemon> {
  const ownsDatabase = options.database === undefined;
  const database =
    options.database ?? (await openDatabase({ url: config.database.url, dataDir: config.database.dataDir }));
  try {
    await database.migrate();
  } catch (error) {
    if (ownsDatabase) await database.close();
    throw error;
  }
  const deps = buildDeps(config, database, log, options.clock);
  const abort = new AbortController();
  const holder = newHolder();
  log.info({ engine: database.engine, holder }, 'daemon started');

  // On PostgreSQL the deliverer has its own thread (and connections); PGlite is one connection in
  // this thread, and a test's fake clock cannot cross to another thread.
  const threaded =
    database.engine === 'postgres' &&
    config.database.url !== undefined &&
    options.clock === undefined &&
    config.outbox.separateThread;
  const outbox = threaded ? runOutboxThread(deps, holder, abort.signal) : runOutboxHere(deps, holder, abort.signal);
  const loops = [outbox.done];
  if (options.watchMailbox !== false) loops.push(runMailboxLoop(deps, holder, () => outbox.wake(), abort.signal));
  if (options.watchMailbox !== false) loops.push(startDigestScheduler(deps, abort.signal, () => outbox.wake()));

  const stopped = Promise.all(loops).then(async () => {
    await releaseLease(deps.db, leaseName(config), holder).catch(() => undefined);
    deps.sender.close();
    if (ownsDatabase) await database.close();
    log.info('daemon stopped');
  });
  return {
    deps,
    database,
    stopped,
    wakeOutbox: () => outbox.wake(),
    outboxThread: threaded,
    async stop() {
      abort.abort();
      await stopped;
    },
  };
}

interface OutboxRunner {
  readonly done: Promise<void>;
  wake(): void;
}

function runOutboxHere(deps: Deps, holder: string, signal: AbortSignal): OutboxRunner {
  const wakeup = new Wakeup();
  return { done: runOutboxLoop(deps, holder, wakeup, signal), wake: () => wakeup.notify() };
}

/**
 * The deliverer in a worker thread (outbox-worker.ts). Should the thread die, delivery goes on
 * from this thread: nothing queued waits for a restart.
 */
function runOutboxThread(deps: Deps, holder: string, signal: AbortSignal): OutboxRunner {
  const { config, log } = deps;
  // Compiled: dist/daemon/outbox-worker.js; from the sources (tests, tsx): the .ts through tsx.
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(`./outbox-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url);
  const data: OutboxWorkerData = { config, holder, logLevel: log.level };
  // Its live data is a few claimed rows: a 96 MB old generation keeps V8 from piling up garbage
  // (peak RSS 426 → 377 MB on a 5 000-mail backlog, same speed). Should it ever run out, the
  // thread ends and delivery goes on from this one.
  const worker = new Worker(entry, {
    workerData: data,
    execArgv: fromSources ? ['--import', 'tsx'] : [],
    resourceLimits: { maxOldGenerationSizeMb: 96 },
  });
  let fallback: OutboxRunner | null = null;
  const done = new Promise<void>((resolve) => {
    worker.on('error', (error) => log.error({ err: error }, 'outbox thread failed'));
    worker.on('exit', (code) => {
      if (signal.aborted) return resolve();
      log.error({ code }, 'outbox thread stopped: delivering from the main thread');
      fallback = runOutboxHere(deps, holder, signal);
      resolve(fallback.done);
    });
  });
  signal.addEventListener('abort', () => worker.postMessage('stop'), { once: true });
  log.info('outbox delivered from its own thread');
  return { done, wake: () => (fallback ? fallback.wake() : worker.postMessage('wake')) };
}

function leaseName(config: Config): string {
  return `mailbox:${config.mailbox.address}`;
}

async function runMailboxLoop(deps: Deps, holder: string, afterBatch: () => void, signal: AbortSignal): Promise<void> {
  const { config, log } = deps;
  const backoff = new Backoff(60_000, deps.random);
  while (!signal.aborted) {
    if (!(await acquireMailboxLease(deps, holder).catch(() => false))) {
      log.debug('mailbox held by another daemon: standing by');
      await sleep(MAILBOX_LEASE_MS / 3, signal);
      continue;
    }
    let session: MailboxSession | null = null;
    try {
      session = await openMailboxSession({
        imap: config.mailbox.imap,
        log,
        maxMessageBytes: config.mailbox.maxMessageBytes,
      });
      log.info(
        { mailbox: session.inbox, uidValidity: session.uidValidity, idle: config.mailbox.imap.idle },
        'mailbox opened',
      );
      const openedAt = Date.now();
      await sweepMailbox(deps, session, {
        full: true,
        afterBatch,
        signal,
        batchSize: deps.config.mailbox.imap.batchSize,
      });
      const pollMs = config.mailbox.imap.idle
        ? Math.min(MAX_IDLE_WAIT_MS, config.mailbox.imap.pollSeconds * 1000)
        : config.mailbox.imap.pollSeconds * 1000;
      while (!signal.aborted && session.usable) {
        const woke = await session.waitForNews(pollMs, signal);
        if (woke === 'aborted' || woke === 'closed') break;
        if (!(await tryAcquireLease(deps.db, leaseName(config), holder, deps.clock.now(), MAILBOX_LEASE_MS))) {
          log.warn('mailbox lease lost to another daemon');
          break;
        }
        await sweepMailbox(deps, session, {
          full: false,
          afterBatch,
          signal,
          batchSize: deps.config.mailbox.imap.batchSize,
        });
        if (Date.now() - openedAt > 60_000) backoff.reset();
      }
      if (!signal.aborted && !session.usable) throw new Error('IMAP connection closed');
    } catch (error) {
      if (signal.aborted) break;
      const delay = backoff.nextDelayMs();
      log.error({ err: error, retryInMs: delay }, 'mailbox loop failed: reconnecting');
      await sleep(delay, signal);
    } finally {
      await session?.close().catch(() => undefined);
    }
  }
}

/**
 * Takes the mailbox lease. A lease left by a dead process of this same machine (a crash, then a
 * restart) is taken over at once instead of waiting for it to expire.
 */
async function acquireMailboxLease(deps: Deps, holder: string): Promise<boolean> {
  const name = leaseName(deps.config);
  const now = deps.clock.now();
  if (await tryAcquireLease(deps.db, name, holder, now, MAILBOX_LEASE_MS)) return true;
  const current = await leaseHolder(deps.db, name, now);
  if (current && holderIsDeadLocal(current)) {
    deps.log.info({ previous: current }, 'taking over the mailbox lease of a process that died');
    return takeOverLease(deps.db, name, current, holder, now, MAILBOX_LEASE_MS);
  }
  return false;
}
