// The follow-through's bookkeeping: which open tickets are due (tickets.next_due_at), their
// intermediate deadlines, and the steps already handled (follow_ups, unique per ticket, key and
// due instant — the guarantee that a step is sent once whatever restarts or daemons).
import { and, asc, eq, inArray, isNull, lte, min, or, sql } from 'drizzle-orm';
import { EVENT_TYPES } from '../domain/event-types.js';
import type { Milestone } from '../domain/follow-through.js';
import { OPEN_STATUSES } from '../domain/ticket-life-cycle.js';
import type { Db } from './database.js';
import { events, followUps, tickets } from './schema.js';
import type { TicketRow } from './tickets.js';

/** next_due_at of an open ticket the follow-through owes nothing more (until it changes). */
export const NOTHING_DUE = new Date('9999-12-31T00:00:00.000Z');

const open = inArray(tickets.status, [...OPEN_STATUSES]);

/**
 * Locks the open tickets whose schedule must be computed again (next_due_at null) and, with
 * `dueBy`, those with a step due by then; rows another sweep holds are skipped.
 */
export async function claimFollowThroughTickets(tx: Db, dueBy: Date | null, limit: number): Promise<TicketRow[]> {
  const due = dueBy ? or(isNull(tickets.nextDueAt), lte(tickets.nextDueAt, dueBy)) : isNull(tickets.nextDueAt);
  return tx
    .select()
    .from(tickets)
    .where(and(open, due))
    .orderBy(asc(tickets.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** Every open ticket (the dry run reads them all). */
export async function openTickets(db: Db): Promise<TicketRow[]> {
  return db.select().from(tickets).where(open).orderBy(asc(tickets.id));
}

/** The intermediate deadlines (#echeance events) of the tickets, by ticket id. */
export async function milestonesOf(db: Db, ticketIds: readonly number[]): Promise<Map<number, Milestone[]>> {
  const found = new Map<number, Milestone[]>();
  if (ticketIds.length === 0) return found;
  const rows = await db
    .select({ id: events.id, ticketId: events.ticketId, data: events.data })
    .from(events)
    .where(and(eq(events.type, EVENT_TYPES.milestone), inArray(events.ticketId, [...ticketIds])))
    .orderBy(asc(events.id));
  for (const row of rows) {
    const dueAt = new Date(String(row.data['dueAt'] ?? ''));
    if (row.ticketId === null || Number.isNaN(dueAt.getTime())) continue;
    const text = typeof row.data['text'] === 'string' ? row.data['text'] : '';
    found.set(row.ticketId, [...(found.get(row.ticketId) ?? []), { id: row.id, dueAt, text }]);
  }
  return found;
}

/** The handled steps of the tickets as `key@ISO due instant`, by ticket id. */
export async function handledFollowUps(db: Db, ticketIds: readonly number[]): Promise<Map<number, Set<string>>> {
  const found = new Map<number, Set<string>>();
  if (ticketIds.length === 0) return found;
  const rows = await db
    .select({ ticketId: followUps.ticketId, kind: followUps.kind, dueAt: followUps.dueAt })
    .from(followUps)
    .where(inArray(followUps.ticketId, [...ticketIds]));
  for (const row of rows) {
    const set = found.get(row.ticketId) ?? new Set<string>();
    set.add(`${row.kind}@${row.dueAt.toISOString()}`);
    found.set(row.ticketId, set);
  }
  return found;
}

/** When each ticket's first escalation was mailed (follow_ups `escalation-1`, sent), by ticket id. */
export async function firstEscalations(db: Db, ticketIds: readonly number[]): Promise<Map<number, Date>> {
  const found = new Map<number, Date>();
  if (ticketIds.length === 0) return found;
  const rows = await db
    .select({ ticketId: followUps.ticketId, handledAt: followUps.handledAt })
    .from(followUps)
    .where(
      and(
        inArray(followUps.ticketId, [...ticketIds]),
        eq(followUps.kind, 'escalation-1'),
        eq(followUps.outcome, 'sent'),
      ),
    );
  for (const row of rows) found.set(row.ticketId, row.handledAt);
  return found;
}

export interface NewFollowUp {
  readonly ticketId: number;
  readonly key: string;
  readonly dueAt: Date;
  readonly outcome: 'sent' | 'superseded' | 'closed' | 'no-recipient';
  readonly recipients: readonly string[];
  readonly handledAt: Date;
}

/** Records the steps; returns the ones this call recorded (`key@ISO`), not those another sweep had. */
export async function recordFollowUps(tx: Db, rows: readonly NewFollowUp[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await tx
    .insert(followUps)
    .values(
      rows.map((r) => ({
        ticketId: r.ticketId,
        kind: r.key,
        dueAt: r.dueAt,
        outcome: r.outcome,
        recipients: [...r.recipients],
        handledAt: r.handledAt,
      })),
    )
    .onConflictDoNothing()
    .returning({ ticketId: followUps.ticketId, kind: followUps.kind, dueAt: followUps.dueAt });
  return new Set(inserted.map((r) => `${r.ticketId}:${r.kind}@${r.dueAt.toISOString()}`));
}

export async function setNextDueAt(tx: Db, ticketId: number, at: Date): Promise<void> {
  await tx.update(tickets).set({ nextDueAt: at }).where(eq(tickets.id, ticketId));
}

/** When the follow-through must look again: now when a schedule is to be computed, else the earliest due step. */
export async function nextFollowThroughCheck(db: Db, now: Date): Promise<Date | null> {
  const [row] = await db
    .select({
      stale: sql<number>`count(*) filter (where ${tickets.nextDueAt} is null)`.mapWith(Number),
      earliest: min(tickets.nextDueAt),
    })
    .from(tickets)
    .where(open);
  if (!row) return null;
  if (row.stale > 0) return now;
  const earliest = row.earliest ? new Date(row.earliest) : null;
  return earliest && earliest.getTime() < NOTHING_DUE.getTime() ? earliest : null;
}

/** The follow-through steps recorded for a ticket (the history and the tests read them). */
export async function followUpsOf(db: Db, ticketId: number) {
  return db.select().from(followUps).where(eq(followUps.ticketId, ticketId)).orderBy(asc(followUps.id));
}
