// Retention (`retention.anonymiseClosedAfter`): closed and rejected tickets whose time is up are
// anonymised as an erasure does it (db/personal-data.ts `anonymiseTickets`), in batches, their raw
// mails deleted from the IMAP processed and quarantine folders first. The daemon's retention loop
// calls it; the digest counts the `ticket.anonymised` events of its period.
import { inArray } from 'drizzle-orm';
import {
  anonymiseTickets,
  closedTicketsToAnonymise,
  oldestClosureToAnonymise,
  purgeOldRowVersions,
} from '../db/personal-data.js';
import type { Engine } from '../db/database.js';
import { messages, tickets } from '../db/schema.js';
import { computeDeadline } from '../domain/deadline.js';
import type { Duration } from '../domain/duration.js';
import type { MailRemover } from '../ports.js';
import type { Deps } from './deps.js';

export type AnonymiseExpiredDeps = Pick<Deps, 'db' | 'config' | 'clock' | 'log'> & {
  readonly mailRemover: MailRemover;
  readonly engine: Engine;
};

export interface AnonymiseExpiredResult {
  readonly anonymised: number;
  /** When the next ticket falls due (its closure plus the retention time), or null: none waits. */
  readonly nextDueAt: Date | null;
}

/** Tickets anonymised per transaction. */
export const RETENTION_BATCH = 100;

/**
 * Anonymises every ticket closed (or rejected) longer ago than `retention.anonymiseClosedAfter`
 * — counted like a deadline from the closure: `1095d` is the end of the local day 1095 days after
 * it — `batchSize` per transaction, until none is due. Nothing happens without that key.
 */
export async function anonymiseExpiredTickets(
  deps: AnonymiseExpiredDeps,
  options: { readonly batchSize?: number; readonly signal?: AbortSignal } = {},
): Promise<AnonymiseExpiredResult> {
  const duration = deps.config.retention.anonymiseClosedAfter;
  if (!duration) return { anonymised: 0, nextDueAt: null };
  const batchSize = options.batchSize ?? RETENTION_BATCH;
  const now = deps.clock.now();
  const dueAt = (closedAt: Date) => retentionEnd(closedAt, duration, deps.config);
  let anonymised = 0;
  for (;;) {
    if (options.signal?.aborted) break;
    // Every due ticket was closed before now − the duration's length (a business day is at least a
    // calendar day); those candidates are then checked against the exact end.
    const candidates = await closedTicketsToAnonymise(
      deps.db,
      new Date(now.getTime() - minimumMs(duration)),
      batchSize,
    );
    const rows =
      candidates.length === 0
        ? []
        : await deps.db
            .select({ id: tickets.id, closedAt: tickets.closedAt })
            .from(tickets)
            .where(inArray(tickets.id, candidates));
    const due = rows
      .filter((r) => r.closedAt !== null && dueAt(r.closedAt).getTime() <= now.getTime())
      .map((r) => r.id);
    if (due.length === 0) break;
    const mails = await deps.db
      .select({ messageId: messages.messageId })
      .from(messages)
      .where(inArray(messages.ticketId, due));
    await deps.mailRemover.deleteMails({ messageIds: mails.map((m) => m.messageId) });
    const counts = await deps.db.transaction((tx) =>
      anonymiseTickets(tx, due, { now, actor: 'system', reason: 'retention' }),
    );
    anonymised += counts.tickets;
    deps.log.info(
      { job: 'retention', tickets: counts.tickets, messages: counts.messages },
      'closed tickets anonymised',
    );
    if (due.length < candidates.length || candidates.length < batchSize) break;
  }
  if (anonymised > 0) await purgeOldRowVersions(deps.db, deps.engine, false);
  const oldest = await oldestClosureToAnonymise(deps.db);
  return { anonymised, nextDueAt: oldest ? dueAt(oldest) : null };
}

/** When a ticket closed at `closedAt` falls due for anonymisation. */
export function retentionEnd(closedAt: Date, duration: Duration, config: Deps['config']): Date {
  return computeDeadline(closedAt, duration, {
    timeZone: config.organisation.timezone,
    alsaceMoselle: config.organisation.alsaceMoselle,
  });
}

function minimumMs(duration: Duration): number {
  return duration.amount * (duration.unit === 'h' ? 3_600_000 : 86_400_000) - 86_400_000;
}
