// Drains the outbox: claims due rows, sends them with their fixed Message-ID, and records the
// result as soon as each send resolves (sent rows grouped into one UPDATE). Transient SMTP
// failures are retried with backoff; permanent ones (or too many attempts) mark the row dead and
// tell the pilot.
import { previewsFor } from './unfiled-mail.js';
import type { Db } from '../db/database.js';
import { recordEvent } from '../db/events.js';
import { holderIsDeadLocal, processHolder } from '../db/leases.js';
import {
  claimDueOutbox,
  lockOutageRecovery,
  markOutboxDead,
  markOutboxRetry,
  markOutboxSent,
  outboxClaimHolders,
  releaseOutboxClaims,
  requeueDeadPilotAlerts,
  unrecoveredOutage,
  type OutboxRow,
} from '../db/outbox.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { backoffDelayMs } from '../domain/backoff.js';
import { findTicketById } from '../db/tickets.js';
import { maySeeContent, peopleWithRole } from '../domain/people.js';
import { maskAddresses } from '../domain/personal-data.js';
import { smtpSetupError } from '../domain/errors.js';
import { classifySmtpFailure } from '../domain/smtp-failure.js';
import type { SendResult } from '../ports.js';
import type { Deps } from './deps.js';
import { enqueueMail, pilotAlert } from './enqueue-mail.js';

export interface DeliveryReport {
  readonly sent: number;
  readonly retried: number;
  readonly dead: number;
}

export interface DeliverOptions {
  /** Rows claimed per statement; up to 1.5 × this many sends in flight (default 20). */
  readonly batchSize?: number;
  /** Who claims the rows (default: this process, `processHolder()`). */
  readonly holder?: string;
  /**
   * Coalescing window for marking rows sent, ms (default 10): a completed send waits at most this
   * long (plus the statement before it) for others to share its UPDATE. It bounds what a crash
   * re-sends: only mails accepted by SMTP within it.
   */
  readonly flushWindowMs?: number;
  /**
   * Where to keep the rows SMTP accepted whose `sent` could not be recorded (the database went
   * away): recorded first by the next run. The outbox loop passes the same one to every run.
   */
  readonly unrecorded?: UnrecordedSends;
}

/**
 * Rows SMTP accepted whose `sent` the database did not take (it was unreachable). Kept in memory
 * across runs and recorded first once it answers again, so that a database outage does not send a
 * mail twice: until then their claims are not taken back and their lease keeps them from others.
 */
export class UnrecordedSends {
  private groups: { ids: number[]; at: Date }[] = [];

  get size(): number {
    return this.groups.reduce((n, g) => n + g.ids.length, 0);
  }

  add(ids: readonly number[], at: Date): void {
    if (ids.length > 0) this.groups.push({ ids: [...ids], at });
  }

  /** Records them as sent (at the time SMTP accepted them); throws, keeping them, while the database fails. */
  async record(deps: Pick<Deps, 'db' | 'log'>): Promise<number> {
    let recorded = 0;
    while (this.groups.length > 0) {
      const group = this.groups[0]!;
      await markOutboxSent(deps.db, group.ids, group.at);
      this.groups.shift();
      recorded += group.ids.length;
    }
    if (recorded > 0)
      deps.log.info({ rows: recorded }, 'mails accepted by SMTP during a database outage recorded as sent');
    return recorded;
  }
}

type DeliverDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'sender' | 'random'>;

/** How long a claimed row stays ours before another deliverer may take it back. */
export const OUTBOX_LEASE_MS = 120_000;

/**
 * Sends every row due now until none is left. Rows are claimed `batchSize` at a time and the next
 * batch is claimed once half of the sends in flight are done, so the SMTP connections never wait
 * for a batch's slowest mail. Each row is marked sent as soon as its send resolves, grouped with
 * the others that completed within `flushWindowMs` (one UPDATE for all of them); refusals are
 * recorded row by row (retry with backoff, or dead + pilot alert). Returns once every send it
 * started is settled and recorded, even when it throws.
 */
export async function deliverOutbox(deps: DeliverDeps, options: DeliverOptions = {}): Promise<DeliveryReport> {
  const batchSize = options.batchSize ?? 20;
  const holder = options.holder ?? processHolder();
  const report = { sent: 0, retried: 0, dead: 0 };
  const unrecorded = options.unrecorded ?? new UnrecordedSends();
  // What SMTP accepted before the database went away is recorded before anything else is claimed.
  await unrecorded.record(deps);
  const marker = new SentMarker(deps, options.flushWindowMs ?? 10, unrecorded, (n) => (report.sent += n));
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  try {
    for (;;) {
      const rows = failure ? [] : await claimDueOutbox(deps.db, deps.clock.now(), OUTBOX_LEASE_MS, batchSize, holder);
      for (const row of rows) {
        const task: Promise<void> = (async () => {
          const result = await send(deps, row);
          if (result.ok) marker.add(row);
          else report[await recordFailure(deps, row, result)]++;
        })()
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            inFlight.delete(task);
            // The last send out: nothing else will join the pending UPDATE, so it need not wait.
            if (inFlight.size === 0) marker.flushSoon();
          });
        inFlight.add(task);
      }
      if (rows.length === batchSize && !failure) {
        // More may be due: claim again once half of what is in flight is done.
        while (inFlight.size > batchSize / 2) await Promise.race(inFlight);
        continue;
      }
      // None (or fewer than asked) left: finish what is in flight, then look once more (a dead
      // row queues a pilot alert).
      while (inFlight.size > 0) await Promise.race(inFlight);
      await marker.drain();
      if (failure) break;
      // SMTP answers: if mails were given up during an outage, the pilot alerts that died with them
      // go out now (then the loop claims them).
      if (rows.length === 0 && !(report.sent > 0 && (await recoverFromOutage(deps)) > 0)) break;
    }
  } finally {
    while (inFlight.size > 0) await Promise.race(inFlight);
    await marker.drain().catch((error: unknown) => {
      failure ??= { error };
    });
  }
  if (failure) throw (failure as { error: unknown }).error;
  return report;
}

/**
 * When mails were given up during an SMTP outage but nothing else is due (so no delivery will show
 * that SMTP answers again), asks the SMTP server itself; if it answers, recovers as after a
 * successful delivery (pilot alerts queued again, once). Returns how many alerts were queued again.
 */
export async function recoverIfSmtpAnswers(deps: DeliverDeps): Promise<number> {
  if (!(await unrecoveredOutage(deps.db))) return 0;
  try {
    await deps.sender.verify();
  } catch {
    return 0;
  }
  return recoverFromOutage(deps);
}

/**
 * After a successful delivery: when mails were given up on transient failures since the last
 * recovery (SMTP down longer than the retry window), records `outbox.recovered` (the outage's
 * start and end, for the digest) and queues again, once, the pilot alerts that died meanwhile.
 * Returns how many alerts were queued again.
 */
async function recoverFromOutage(deps: DeliverDeps): Promise<number> {
  if (!(await unrecoveredOutage(deps.db))) return 0;
  return deps.db.transaction(async (tx) => {
    await lockOutageRecovery(tx);
    // Another deliverer may have recovered it meanwhile.
    const outage = await unrecoveredOutage(tx);
    if (!outage) return 0;
    const now = deps.clock.now();
    const requeued = await requeueDeadPilotAlerts(tx, now);
    await recordEvent(tx, {
      ticketId: null,
      at: now,
      actor: 'system',
      type: EVENT_TYPES.outboxRecovered,
      data: { since: outage.since.toISOString(), deadMails: outage.deadMails, requeued },
    });
    deps.log.warn(
      { since: outage.since.toISOString(), deadMails: outage.deadMails, requeued: requeued.length },
      'SMTP answers again after mails were given up: the pilot alerts that died meanwhile are queued again',
    );
    return requeued.length;
  });
}

/**
 * Puts back to `pending` the rows claimed by deliverers known not to be sending any more: dead
 * processes of this machine (a daemon killed, then restarted) and, with `own`, this holder itself
 * — only safe between two `deliverOutbox` runs (none of its sends is in flight then). Otherwise
 * those rows would wait for their lease (OUTBOX_LEASE_MS). Returns how many rows came back.
 */
export async function takeBackOutboxClaims(
  deps: Pick<Deps, 'db' | 'log'>,
  options: { holder?: string; own?: boolean } = {},
): Promise<number> {
  const holder = options.holder ?? processHolder();
  const holders = (await outboxClaimHolders(deps.db)).filter(
    (h) => (options.own && h === holder) || (h !== holder && holderIsDeadLocal(h)),
  );
  if (holders.length === 0) return 0;
  const count = await releaseOutboxClaims(deps.db, holders);
  if (count > 0)
    deps.log.info({ rows: count, previous: holders }, 'outbox rows claimed by a stopped deliverer taken back');
  return count;
}

/**
 * Collects the rows whose send succeeded and marks them sent in groups: the first row waits at
 * most `windowMs`; while one UPDATE runs, the next group gathers. Only one UPDATE at a time.
 */
class SentMarker {
  private pending: OutboxRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private error: { error: unknown } | null = null;

  constructor(
    private readonly deps: DeliverDeps,
    private readonly windowMs: number,
    private readonly unrecorded: UnrecordedSends,
    private readonly onMarked: (count: number) => void,
  ) {}

  add(row: OutboxRow): void {
    if (this.error) {
      // SMTP took it: keep it for the next run rather than let its claim be taken back and resent.
      this.unrecorded.add([row.id], this.deps.clock.now());
      throw this.error.error;
    }
    this.pending.push(row);
    if (!this.timer && !this.running) this.timer = setTimeout(() => this.flush(), this.windowMs);
  }

  /** Flushes what is pending without waiting for the window (no more sends will join it). */
  flushSoon(): void {
    if (this.pending.length === 0 || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }

  /** Waits until every row added so far is marked; throws what a flush threw. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.running) await this.running;
      else if (this.pending.length > 0) this.flushSoon();
      else break;
    }
    if (this.error) throw this.error.error;
  }

  private flush(): void {
    this.timer = null;
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return;
    const at = this.deps.clock.now();
    this.running = (async () => {
      try {
        await markOutboxSent(
          this.deps.db,
          rows.map((r) => r.id),
          at,
        );
        this.onMarked(rows.length);
        for (const row of rows)
          this.deps.log.info({ outboxId: row.id, kind: row.kind, attempts: row.attempts }, 'mail sent');
      } catch (error) {
        // Those rows stay `sending` under their lease; the next run records them (`unrecorded`). Only
        // if this process dies meanwhile are they sent again (same Message-ID).
        this.unrecorded.add(
          rows.map((r) => r.id),
          at,
        );
        this.error ??= { error };
      } finally {
        this.running = null;
        if (this.pending.length > 0 && this.error) {
          this.unrecorded.add(
            this.pending.map((r) => r.id),
            at,
          );
          this.pending = [];
        }
        if (this.pending.length > 0 && !this.error) this.timer = setTimeout(() => this.flush(), this.windowMs);
      }
    })();
  }
}

async function send(deps: DeliverDeps, row: OutboxRow): Promise<SendResult> {
  const { config } = deps;
  const { 'Reply-To': replyTo, ...headers } = row.headers;
  try {
    return await deps.sender.send({
      messageId: row.messageId,
      from: { name: config.mailbox.smtp.fromName ?? config.organisation.name, address: config.mailbox.address },
      to: row.toAddress,
      replyTo,
      subject: row.subject,
      text: row.text,
      html: row.html,
      headers,
      attachments: row.attachments ?? undefined,
    });
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

async function recordFailure(
  deps: DeliverDeps,
  row: OutboxRow,
  result: SendResult & { ok: false },
): Promise<'retried' | 'dead'> {
  const now = deps.clock.now();
  const log = deps.log.child({ outboxId: row.id, kind: row.kind });
  const error = [result.responseCode, result.message].filter(Boolean).join(' ');
  const kind = classifySmtpFailure(result);
  const { maxAttempts, baseDelaySeconds, maxDelaySeconds } = deps.config.outbox;
  if (kind === 'transient' && row.attempts < maxAttempts) {
    const delay = backoffDelayMs(
      row.attempts,
      { baseMs: baseDelaySeconds * 1000, maxMs: maxDelaySeconds * 1000 },
      deps.random(),
    );
    await markOutboxRetry(deps.db, row.id, new Date(now.getTime() + delay), error);
    // A refused login or an unreachable server is said in the catalogue's words, naming the keys.
    const setup = smtpSetupError(result, deps.config.mailbox.smtp);
    log.warn(
      { attempts: row.attempts, retryInMs: delay, error: maskAddresses(error), code: setup?.code },
      setup ? `mail not sent, will retry: ${setup.message}` : 'mail refused for now: will retry',
    );
    return 'retried';
  }
  await deps.db.transaction(async (tx) => {
    await markOutboxDead(tx, row.id, error);
    await recordEvent(tx, {
      ticketId: row.ticketId,
      at: now,
      actor: 'system',
      type: 'outbox.dead',
      data: { outboxId: row.id, kind: row.kind, attempts: row.attempts, error, permanent: kind === 'permanent' },
    });
    // An alert about a failed alert would only fail the same way; the log and the event keep it.
    if (row.kind !== 'pilot-alert') await alertPilots(tx, deps, row, error);
  });
  log.error(
    { attempts: row.attempts, error: maskAddresses(error) },
    'mail could not be delivered: marked dead, pilot alerted',
  );
  log.trace({ to: row.toAddress, error }, 'undeliverable mail details');
  return 'dead';
}

async function alertPilots(tx: Db, deps: DeliverDeps, row: OutboxRow, error: string): Promise<void> {
  const reference = row.headers['X-Reclam-Ticket'];
  const ticket = row.ticketId ? await findTicketById(tx, row.ticketId) : undefined;
  const pilots = peopleWithRole(deps.config, 'pilot');
  // A mail on no ticket (an intake confirmation) is described by its subject only when that
  // subject cannot be medical, as for a quarantined mail.
  const unfiled = ticket ? null : await previewsFor(tx, deps, { subject: row.subject }, pilots);
  for (const [i, pilot] of pilots.entries()) {
    // A medical ticket's recipient (the complainant), subject and the server's reply (which
    // usually quotes the recipient's address) are not the pilot's to see.
    const visible = ticket ? maySeeContent(ticket, pilot) : !('masked' in unfiled![i]!);
    const details = visible
      ? { to: row.toAddress, subject: row.subject, attempts: row.attempts, error }
      : { attempts: row.attempts, error: maskAddresses(error) };
    const onTicket = row.ticketId && reference ? { id: row.ticketId, reference } : null;
    await enqueueMail(tx, deps, pilotAlert(deps.config, pilot, 'outbox-dead', details, onTicket));
  }
}
