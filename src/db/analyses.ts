// Recurrence analyses: numbering, the tickets of a typology in a window, opening, attaching
// tickets, reading an analysis with its tickets and events, and the reminders' bookkeeping.
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, ne, notExists, or, sql } from 'drizzle-orm';
import type { DigestAnalysisFigure } from '../domain/digest-analyses.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import type { TimeRange } from '../domain/period.js';
import { formatAnalysisReference } from '../domain/recurrence.js';
import type { Db } from './database.js';
import { analyses, analysisReminders, analysisSequences, analysisTickets, events, tickets } from './schema.js';
import type { EventRow, TicketRow } from './tickets.js';

export type AnalysisRow = typeof analyses.$inferSelect;
export type NewAnalysis = Omit<typeof analyses.$inferInsert, 'id' | 'reference' | 'year' | 'sequence'>;

/** The next `ANA-YYYY-NNNN` of `year`, inside the caller's transaction (no gaps, no duplicates). */
export async function allocateAnalysisReference(
  tx: Db,
  year: number,
): Promise<{ reference: string; sequence: number }> {
  const [row] = await tx
    .insert(analysisSequences)
    .values({ year, lastValue: 1 })
    .onConflictDoUpdate({ target: analysisSequences.year, set: { lastValue: sql`${analysisSequences.lastValue} + 1` } })
    .returning({ lastValue: analysisSequences.lastValue });
  return { reference: formatAnalysisReference(year, row!.lastValue), sequence: row!.lastValue };
}

/** The open analysis of each of `typologies` that has one. */
export async function openAnalysesOf(db: Db, typologies: readonly string[]): Promise<Map<string, AnalysisRow>> {
  if (typologies.length === 0) return new Map();
  const rows = await db
    .select()
    .from(analyses)
    .where(and(eq(analyses.status, 'open'), inArray(analyses.typology, [...typologies])));
  return new Map(rows.map((r) => [r.typology, r]));
}

/**
 * The tickets of `typology` received in `(start, end]`, not rejected, that belong to no analysis
 * yet, oldest first: what counts towards opening one.
 */
export async function unlinkedTicketsInWindow(db: Db, typology: string, start: Date, end: Date): Promise<number[]> {
  const rows = await db
    .select({ id: tickets.id })
    .from(tickets)
    .where(
      and(
        eq(tickets.typology, typology),
        gt(tickets.receivedAt, start),
        lte(tickets.receivedAt, end),
        ne(tickets.status, 'rejected'),
        notExists(db.select({ one: sql`1` }).from(analysisTickets).where(eq(analysisTickets.ticketId, tickets.id))),
      ),
    )
    .orderBy(asc(tickets.receivedAt), asc(tickets.id));
  return rows.map((r) => r.id);
}

/**
 * Inserts an analysis (reference already allocated); null when its typology has an open one
 * already (another transaction opened it first: the unique index decides).
 */
export async function insertAnalysis(
  tx: Db,
  values: NewAnalysis & { reference: string; year: number; sequence: number },
): Promise<AnalysisRow | null> {
  const [row] = await tx.insert(analyses).values(values).onConflictDoNothing().returning();
  return row ?? null;
}

/** Links tickets to an analysis; returns the ids actually linked now (not already). */
export async function attachTickets(
  tx: Db,
  analysisId: number,
  ticketIds: readonly number[],
  at: Date,
): Promise<number[]> {
  if (ticketIds.length === 0) return [];
  const rows = await tx
    .insert(analysisTickets)
    .values(ticketIds.map((ticketId) => ({ analysisId, ticketId, attachedAt: at })))
    .onConflictDoNothing()
    .returning({ ticketId: analysisTickets.ticketId });
  return rows.map((r) => r.ticketId);
}

/** Unlinks a ticket from the open analyses of other typologies than `typology` (a requalified ticket). */
export async function detachFromOtherOpenAnalyses(tx: Db, ticketId: number, typology: string | null): Promise<void> {
  const others = tx
    .select({ id: analyses.id })
    .from(analyses)
    .where(and(eq(analyses.status, 'open'), typology === null ? undefined : ne(analyses.typology, typology)));
  await tx
    .delete(analysisTickets)
    .where(and(eq(analysisTickets.ticketId, ticketId), inArray(analysisTickets.analysisId, others)));
}

export async function findAnalysisById(db: Db, id: number): Promise<AnalysisRow | undefined> {
  const [row] = await db.select().from(analyses).where(eq(analyses.id, id));
  return row;
}

export async function findAnalysisByReference(db: Db, reference: string): Promise<AnalysisRow | undefined> {
  const [row] = await db.select().from(analyses).where(eq(analyses.reference, reference.toUpperCase()));
  return row;
}

/** The tickets of an analysis, oldest first. */
export async function analysisTicketRows(db: Db, analysisId: number): Promise<TicketRow[]> {
  const rows = await db
    .select({ ticket: tickets })
    .from(analysisTickets)
    .innerJoin(tickets, eq(analysisTickets.ticketId, tickets.id))
    .where(eq(analysisTickets.analysisId, analysisId))
    .orderBy(asc(tickets.receivedAt), asc(tickets.id));
  return rows.map((r) => r.ticket);
}

/** The `analysis.*` events of analyses, in order (by analysis id). */
export async function analysisEvents(db: Db, analysisIds: readonly number[]): Promise<Map<number, EventRow[]>> {
  const found = new Map<number, EventRow[]>(analysisIds.map((id) => [id, []]));
  if (analysisIds.length === 0) return found;
  const rows = await db
    .select()
    .from(events)
    .where(inArray(events.analysisId, [...analysisIds]))
    .orderBy(asc(events.at), asc(events.id));
  for (const row of rows) found.get(row.analysisId!)?.push(row);
  return found;
}

/** How many tickets each analysis has. */
export async function analysisTicketCounts(db: Db, analysisIds: readonly number[]): Promise<Map<number, number>> {
  if (analysisIds.length === 0) return new Map();
  const rows = await db
    .select({ id: analysisTickets.analysisId, count: sql<number>`count(*)::int` })
    .from(analysisTickets)
    .where(inArray(analysisTickets.analysisId, [...analysisIds]))
    .groupBy(analysisTickets.analysisId);
  return new Map(rows.map((r) => [r.id, Number(r.count)]));
}

/** The open analyses, oldest first. */
export async function listOpenAnalyses(db: Db): Promise<AnalysisRow[]> {
  return db.select().from(analyses).where(eq(analyses.status, 'open')).orderBy(asc(analyses.openedAt));
}

export async function updateAnalysis(tx: Db, id: number, values: Partial<typeof analyses.$inferInsert>): Promise<void> {
  await tx.update(analyses).set(values).where(eq(analyses.id, id));
}

/**
 * The open analyses whose reminder is due at `now`, locked for this transaction; a second daemon
 * skips them (PostgreSQL; PGlite is one session).
 */
export async function claimDueAnalyses(tx: Db, now: Date, limit = 100): Promise<AnalysisRow[]> {
  return tx
    .select()
    .from(analyses)
    .where(and(eq(analyses.status, 'open'), isNotNull(analyses.nextReminderAt), lte(analyses.nextReminderAt, now)))
    .orderBy(asc(analyses.nextReminderAt), asc(analyses.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** The earliest reminder due of an open analysis, if any. */
export async function nextAnalysisReminderAt(db: Db): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | string | null>`min(${analyses.nextReminderAt})` })
    .from(analyses)
    .where(eq(analyses.status, 'open'));
  return row?.at ? new Date(row.at) : null;
}

/** Records the reminder of `analysisId` due at `dueAt`; false when it was recorded already (never send twice). */
export async function recordAnalysisReminder(
  tx: Db,
  values: { analysisId: number; dueAt: Date; sentAt: Date; to: readonly string[] },
): Promise<boolean> {
  const rows = await tx
    .insert(analysisReminders)
    .values({ ...values, to: [...values.to] })
    .onConflictDoNothing()
    .returning({ id: analysisReminders.id });
  return rows.length > 0;
}

/**
 * The analyses a digest of `range` shows, as they stood at `asOf`: opened before the period's end
 * and not closed before its start, with their tickets, whys, causes and actions recorded by
 * `asOf`; newest first.
 */
export async function analysesForDigest(db: Db, range: TimeRange, asOf: Date): Promise<DigestAnalysisFigure[]> {
  const rows = await db
    .select()
    .from(analyses)
    .where(
      and(
        lt(analyses.openedAt, range.end),
        lte(analyses.openedAt, asOf),
        or(isNull(analyses.closedAt), gte(analyses.closedAt, range.start)),
      ),
    )
    .orderBy(desc(analyses.openedAt), desc(analyses.id));
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const counts = await db
    .select({ id: analysisTickets.analysisId, count: sql<number>`count(*)::int` })
    .from(analysisTickets)
    .where(and(inArray(analysisTickets.analysisId, ids), lte(analysisTickets.attachedAt, asOf)))
    .groupBy(analysisTickets.analysisId);
  const recorded = await db
    .select({ analysisId: events.analysisId, type: events.type, data: events.data })
    .from(events)
    .where(
      and(
        inArray(events.analysisId, ids),
        inArray(events.type, [EVENT_TYPES.analysisWhy, EVENT_TYPES.analysisCause, EVENT_TYPES.analysisAction]),
        lte(events.at, asOf),
      ),
    )
    .orderBy(asc(events.at), asc(events.id));
  return rows.map((a) => {
    const own = recorded.filter((e) => e.analysisId === a.id);
    const texts = (type: string) => own.filter((e) => e.type === type).map((e) => String(e.data.text ?? ''));
    return {
      reference: a.reference,
      typology: a.typology,
      category: a.category,
      threshold: a.threshold,
      months: a.months,
      windowStart: a.windowStart,
      windowEnd: a.windowEnd,
      openedAt: a.openedAt,
      closedAt: a.closedAt && a.closedAt.getTime() <= asOf.getTime() ? a.closedAt : null,
      tickets: Number(counts.find((c) => c.id === a.id)?.count ?? 0),
      whys: texts(EVENT_TYPES.analysisWhy),
      causes: texts(EVENT_TYPES.analysisCause),
      actions: own
        .filter((e) => e.type === EVENT_TYPES.analysisAction)
        .map((e) => ({
          text: String(e.data.text ?? ''),
          dueAt: typeof e.data.dueAt === 'string' ? new Date(e.data.dueAt) : null,
        })),
    };
  });
}
