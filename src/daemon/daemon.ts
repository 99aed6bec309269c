// The daemon's composition root: opens the database (migrating it), connects the adapters and runs
// two loops — the mailbox watcher (IDLE, polling as fallback, under a lease) and the outbox
// deliverer — until stopped.
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { databaseFailure, openDatabase, type Database } from '../db/database.js';
import {
  holderIsDeadLocal,
  leaseHolder,
  MAILBOX_LEASE_MS,
  mailboxLeaseName,
  newHolder,
  releaseLease,
  takeOverLease,
  tryAcquireLease,
} from '../db/leases.js';
import { openMailboxSession } from '../adapters/imap-mailbox.js';
import type { Clock, MailboxSession } from '../ports.js';
import type { Deps } from '../services/deps.js';
import { sweepMailbox } from '../services/sweep-mailbox.js';
import { buildDeps, mailRemoverFor, withQualificationModel } from '../app/compose.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterFailure, type BackoffPolicy, NO_FAILURES, type RetryState } from '../domain/backoff.js';
import { isAppError } from '../domain/errors.js';
import { runLoop, sleep, Wakeup } from './loop.js';
import { runOutboxLoop } from './outbox-loop.js';
import type { OutboxWorkerData } from './outbox-worker.js';
import { startDigestScheduler } from './digest-scheduler.js';
import { stderrIsTerminal } from '../log.js';
import { DaemonHealth } from './health.js';
import { anonymiseExpiredTickets } from '../services/anonymise-expired.js';
import { runFollowThroughLoop } from './follow-through-loop.js';

export interface RunningDaemon {
  readonly deps: Deps;
  readonly database: Database;
  /** Stops both loops, closes IMAP, SMTP and the database. */
  stop(): Promise<void>;
  /** Resolves when the daemon has stopped. */
  readonly stopped: Promise<void>;
  /** Wakes the outbox deliverer (after mails were queued outside the loops, e.g. by `ingest`). */
  wakeOutbox(): void;
  /** Makes the follow-through look at once (a test moved its clock). */
  wakeFollowThrough(): void;
  /**
   * Whether the deliverer runs in its own thread now (PostgreSQL; false once that thread died and this one took over).
   */
  readonly outboxThread: boolean;
  /** The mailbox watcher's state, for `/healthz`, `/metrics` and `reclam status`. */
  readonly health: DaemonHealth;
}

export interface DaemonOptions {
  readonly clock?: Clock;
  /** Run the mailbox watcher (false: outbox only, e.g. `reclam ingest` with no IMAP). */
  readonly watchMailbox?: boolean;
  /** An already open database (tests); it is migrated but left open on stop. */
  readonly database?: Database;
}

/** Longest wait in IDLE before a safety sweep and a lease renewal. */
const MAX_IDLE_WAIT_MS = 20_000;
/** After a network or database failure: 1 s doubling to a minute. */
const NETWORK_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };
/** After a refused password or login (a person must act): a minute doubling to 15 minutes. */
const CONFIGURATION_BACKOFF: BackoffPolicy = { baseMs: 60_000, maxMs: 15 * 60_000 };
/** A session must have worked this long before the backoff starts again from the beginning. */
const STABLE_SESSION_MS = 60_000;

/** The backoff after `error`: minutes when waiting cannot help soon (a refused login), seconds otherwise. */
export function retryPolicyFor(error: unknown): BackoffPolicy {
  const explained = isAppError(error) ? error : databaseFailure(error);
  return explained?.kind === 'configuration' ? CONFIGURATION_BACKOFF : NETWORK_BACKOFF;
}

export async function startDaemon(config: Config, log: Logger, options: DaemonOptions = {}): Promise<RunningDaemon> {
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await openAndMigrate(config, log));
  if (!ownsDatabase) await database.migrate();
  const deps = await withQualificationModel(buildDeps(config, database, log, options.clock));
  const abort = new AbortController();
  const holder = newHolder();
  const health = new DaemonHealth(deps.clock.now());
  log.info({ engine: database.engine, holder }, 'daemon started');

  // On PostgreSQL the deliverer has its own thread (and connections); PGlite is one connection in
  // this thread, and a test's fake clock cannot cross to another thread.
  const threaded =
    database.engine === 'postgres' &&
    config.database.url !== undefined &&
    options.clock === undefined &&
    config.outbox.separateThread;
  const outbox: OutboxRunner = threaded
    ? runOutboxThread(deps, holder, abort.signal)
    : runOutboxHere(deps, holder, abort.signal);
  const loops = [outbox.done];
  // A mail that queued something (a new ticket, a command) may change what the follow-through owes.
  const followThrough = new Wakeup();
  const afterMailbox = (): void => {
    outbox.wake();
    followThrough.notify();
  };
  if (options.watchMailbox !== false) loops.push(runMailboxLoop(deps, holder, afterMailbox, abort.signal, health));
  if (options.watchMailbox !== false) loops.push(startDigestScheduler(deps, abort.signal, () => outbox.wake()));
  if (options.watchMailbox !== false && config.retention.anonymiseClosedAfter)
    loops.push(runRetentionLoop(deps, database, abort.signal));
  if (options.watchMailbox !== false)
    loops.push(runFollowThroughLoop(deps, abort.signal, () => outbox.wake(), followThrough));

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
    wakeFollowThrough: () => followThrough.notify(),
    health,
    get outboxThread() {
      return outbox.threaded;
    },
    async stop() {
      abort.abort();
      await stopped;
    },
  };
}

/**
 * Opens the configured database and migrates it. While PostgreSQL is out of reach (not started
 * yet, restarting) it waits and tries again, saying so; a refused login or any other error ends
 * the start-up with its cause.
 */
async function openAndMigrate(config: Config, log: Logger): Promise<Database> {
  let state: RetryState = NO_FAILURES;
  for (;;) {
    const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir });
    try {
      await database.migrate();
      if (state.failures > 0) log.info({ failures: state.failures }, 'database reachable again: starting');
      return database;
    } catch (error) {
      await database.close().catch(() => undefined);
      const explained = databaseFailure(error);
      if (explained?.code !== 'DATABASE_UNREACHABLE') throw explained ?? error;
      const next = afterFailure(state, NETWORK_BACKOFF, Math.random());
      state = next.state;
      log.error(
        { err: error, code: explained.code, failures: state.failures, retryInMs: next.delayMs },
        `database not ready at start-up, next try in ${Math.round(next.delayMs / 1000)} s: ${explained.message}`,
      );
      await sleep(next.delayMs);
    }
  }
}

interface OutboxRunner {
  readonly done: Promise<void>;
  /** Whether the deliveries run in a worker thread now. */
  readonly threaded: boolean;
  wake(): void;
}

function runOutboxHere(deps: Deps, holder: string, signal: AbortSignal): OutboxRunner {
  const wakeup = new Wakeup();
  return { done: runOutboxLoop(deps, holder, wakeup, signal), threaded: false, wake: () => wakeup.notify() };
}

/**
 * The deliverer in a worker thread (outbox-worker.ts). Should the thread die, delivery goes on
 * from this thread: nothing queued waits for a restart.
 */
function runOutboxThread(deps: Deps, holder: string, signal: AbortSignal): OutboxRunner {
  const { config, log } = deps;
  const data: OutboxWorkerData = { config, holder, logLevel: log.level, prettyLogs: stderrIsTerminal() };
  // Its live data is a few claimed rows: a 96 MB old generation keeps V8 from piling up garbage
  // (peak RSS 426 → 377 MB on a 5 000-mail backlog, same speed). Should it ever run out, the
  // thread ends and delivery goes on from this one.
  const [entry, how] = outboxWorkerEntry();
  const worker = new Worker(entry, { ...how, workerData: data, resourceLimits: { maxOldGenerationSizeMb: 96 } });
  let fallback: OutboxRunner | null = null;
  let alive = true;
  const done = new Promise<void>((resolve) => {
    worker.on('error', (error) => log.error({ err: error }, 'outbox thread failed'));
    worker.on('exit', (code) => {
      alive = false;
      if (signal.aborted) return resolve();
      log.error({ code }, 'outbox thread stopped: delivering from the main thread');
      fallback = runOutboxHere(deps, holder, signal);
      resolve(fallback.done);
    });
  });
  signal.addEventListener('abort', () => worker.postMessage('stop'), { once: true });
  log.info('outbox delivered from its own thread');
  return {
    done,
    get threaded() {
      return alive;
    },
    wake: () => (fallback ? fallback.wake() : alive && worker.postMessage('wake')),
  };
}

/**
 * How to start outbox-worker: compiled, dist/daemon/outbox-worker.js itself; from the sources
 * (tests, tsx) a bootstrap that registers tsx in the thread first — `execArgv: ['--import', 'tsx']`
 * does not make Node 20 load a .ts entry in a worker ("Unknown file extension").
 */
function outboxWorkerEntry(): [URL | string, { eval?: boolean }] {
  if (!import.meta.url.endsWith('.ts')) return [new URL('./outbox-worker.js', import.meta.url), {}];
  // tsx's ESM API (its `import` condition of `tsx/esm/api`), whose register() installs the hooks.
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./outbox-worker.ts', import.meta.url).href;
  const bootstrap = [
    `import(${JSON.stringify(tsx)}).then((tsx) => {`,
    'tsx.register();',
    `return import(${JSON.stringify(entry)});`,
    '})',
  ].join(' ');
  return [bootstrap, { eval: true }];
}

function leaseName(config: Config): string {
  return mailboxLeaseName(config.mailbox.address);
}

/**
 * Watches the inbox under the mailbox lease: a full sweep when a session opens, then a sweep at
 * each IDLE notification (or poll). A failure closes the session and the loop opens a new one
 * after a backoff of seconds (network, database) or minutes (a refused password).
 */
function runMailboxLoop(
  deps: Deps,
  holder: string,
  afterBatch: () => void,
  signal: AbortSignal,
  health: DaemonHealth,
): Promise<void> {
  const { config, log } = deps;
  const { imap } = config.mailbox;
  const pollMs = imap.idle ? Math.min(MAX_IDLE_WAIT_MS, imap.pollSeconds * 1000) : imap.pollSeconds * 1000;
  const sweep = async (session: MailboxSession, full: boolean) => {
    await sweepMailbox(deps, session, { full, afterBatch, signal, batchSize: imap.batchSize });
    health.swept(deps.clock.now());
  };
  let session: MailboxSession | null = null;
  const closeSession = async () => {
    const current = session;
    session = null;
    await current?.close().catch(() => undefined);
  };
  return runLoop({
    name: 'mailbox',
    signal,
    clock: deps.clock,
    random: deps.random,
    log,
    stableAfterMs: STABLE_SESSION_MS,
    retryPolicy: retryPolicyFor,
    explain: databaseFailure,
    onFailure: async (error) => {
      health.failed(error, deps.clock.now());
      await closeSession();
    },
    async tick() {
      if (!session) {
        if (!(await acquireMailboxLease(deps, holder))) {
          log.debug('mailbox held by another daemon: standing by');
          health.standingBy(deps.clock.now());
          return MAILBOX_LEASE_MS / 3;
        }
        session = await openMailboxSession({ imap, log });
        health.opened(deps.clock.now());
        log.info({ mailbox: session.inbox, uidValidity: session.uidValidity, idle: imap.idle }, 'mailbox opened');
        await sweep(session, true);
        return 0;
      }
      const woke = await session.waitForNews(pollMs, signal);
      if (woke === 'aborted') return 0;
      if (woke === 'closed' || !session.usable) throw new Error('IMAP connection closed');
      if (!(await tryAcquireLease(deps.db, leaseName(config), holder, deps.clock.now(), MAILBOX_LEASE_MS))) {
        log.warn('mailbox lease lost to another daemon');
        health.standingBy(deps.clock.now());
        await closeSession();
        return 0;
      }
      await sweep(session, false);
      return 0;
    },
  }).finally(closeSession);
}

/** The retention loop's longest wait: closures made meanwhile are seen within it. */
const RETENTION_CHECK_MS = 6 * 3_600_000;

/**
 * Anonymises the closed tickets past `retention.anonymiseClosedAfter` (services/anonymise-expired.ts):
 * at start, then when the next one falls due, at least every 6 hours. A failure (IMAP or the
 * database out of reach) is retried with backoff; several daemons may run it (the tickets are
 * locked while anonymised, each gets one event).
 */
function runRetentionLoop(deps: Deps, database: Database, signal: AbortSignal): Promise<void> {
  const services = { ...deps, mailRemover: mailRemoverFor(deps), engine: database.engine };
  return runLoop({
    name: 'retention',
    signal,
    clock: deps.clock,
    random: deps.random,
    log: deps.log,
    stableAfterMs: 0,
    retryPolicy: retryPolicyFor,
    explain: databaseFailure,
    async tick() {
      const result = await anonymiseExpiredTickets(services, { signal });
      if (!result.nextDueAt) return RETENTION_CHECK_MS;
      const untilDue = result.nextDueAt.getTime() - deps.clock.now().getTime() + 1_000;
      return Math.min(RETENTION_CHECK_MS, Math.max(1_000, untilDue));
    },
  });
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
