// What the learned qualification model learns from in the database: staff corrections (kept with
// the complaint's terms, for the audit of what the qualifier was taught) and the tickets whose
// qualification staff settled — corrected, or closed/rejected — found through their audit events,
// so that the model follows each settlement with one indexed query per batch of mails.
import { and, desc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import { EVENT_TYPES } from '../domain/event-types.js';
import type { Db } from './database.js';
import { events, qualificationFeedback, tickets } from './schema.js';

export interface NewQualificationFeedback {
  readonly ticketId: number | null;
  /** category | level | requester | receivable | typology */
  readonly field: string;
  readonly fromValue: string | null;
  readonly toValue: string;
  /** Normalised content terms of the complaint (see `contentTerms`). */
  readonly terms: readonly string[];
  readonly actor: string;
  readonly createdAt: Date;
}

export interface QualificationFeedbackRow extends NewQualificationFeedback {
  readonly id: number;
}

export async function insertQualificationFeedback(
  db: Db,
  row: NewQualificationFeedback,
): Promise<QualificationFeedbackRow> {
  const [inserted] = await db
    .insert(qualificationFeedback)
    .values({
      ticketId: row.ticketId,
      field: row.field,
      fromValue: row.fromValue,
      toValue: row.toValue,
      terms: [...row.terms],
      actor: row.actor,
      createdAt: row.createdAt,
    })
    .returning();
  return inserted!;
}

/** The events that settle (part of) a ticket's qualification. */
export const SETTLING_EVENTS = [EVENT_TYPES.requalified, EVENT_TYPES.closed, EVENT_TYPES.rejected] as const;

/** A ticket as the model learns from it: its words and its current qualification. */
export interface SettledTicket {
  readonly id: number;
  readonly status: string;
  readonly subject: string;
  readonly summary: string;
  readonly complainantEmail: string | null;
  readonly complainantName: string;
  readonly category: string | null;
  readonly level: number;
  readonly requester: string | null;
  readonly receivable: boolean;
  readonly typology: string | null;
  /** Fields staff requalified on this ticket (`category`, `level`…), from its events. */
  readonly corrected: readonly string[];
}

const ticketColumns = {
  id: tickets.id,
  status: tickets.status,
  subject: tickets.subject,
  summary: tickets.summary,
  complainantEmail: tickets.complainantEmail,
  complainantName: tickets.complainantName,
  category: tickets.category,
  level: tickets.level,
  requester: tickets.requester,
  receivable: tickets.receivable,
  typology: tickets.typology,
};

/** The last event id (0 when none): where following the settlements starts. */
export async function lastEventId(db: Db): Promise<number> {
  const [row] = await db.select({ id: sql<string | null>`max(${events.id})` }).from(events);
  return Number(row?.id ?? 0);
}

/**
 * The `limit` most recently updated tickets whose qualification is settled: closed or rejected,
 * or requalified by staff. Two queries.
 */
export async function settledTickets(db: Db, limit: number): Promise<SettledTicket[]> {
  if (limit <= 0) return [];
  const requalified = db
    .select({ ticketId: events.ticketId })
    .from(events)
    .where(eq(events.type, EVENT_TYPES.requalified));
  const rows = await db
    .select(ticketColumns)
    .from(tickets)
    .where(or(inArray(tickets.status, ['closed', 'rejected']), inArray(tickets.id, requalified)))
    .orderBy(desc(tickets.updatedAt), desc(tickets.id))
    .limit(limit);
  return withCorrections(db, rows);
}

/** Tickets by id, with their corrected fields. Two queries. */
export async function ticketsForLearning(db: Db, ids: readonly number[]): Promise<SettledTicket[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select(ticketColumns)
    .from(tickets)
    .where(inArray(tickets.id, [...ids]));
  return withCorrections(db, rows);
}

async function withCorrections(db: Db, rows: Omit<SettledTicket, 'corrected'>[]): Promise<SettledTicket[]> {
  if (rows.length === 0) return [];
  const fields = await db
    .selectDistinct({ ticketId: events.ticketId, field: sql<string>`${events.data}->>'field'` })
    .from(events)
    .where(
      and(
        eq(events.type, EVENT_TYPES.requalified),
        inArray(
          events.ticketId,
          rows.map((r) => r.id),
        ),
      ),
    );
  const byTicket = new Map<number, string[]>();
  for (const { ticketId, field } of fields) {
    if (ticketId === null) continue;
    byTicket.set(Number(ticketId), [...(byTicket.get(Number(ticketId)) ?? []), field]);
  }
  return rows.map((row) => ({ ...row, id: Number(row.id), corrected: byTicket.get(Number(row.id)) ?? [] }));
}

/**
 * Settling events with an id above `afterId`, oldest first: the ticket they touch and the event
 * id. One query on the primary key (usually empty).
 */
export async function settlementsSince(db: Db, afterId: number): Promise<{ id: number; ticketId: number }[]> {
  const rows = await db
    .select({ id: events.id, ticketId: events.ticketId })
    .from(events)
    .where(and(gt(events.id, afterId), inArray(events.type, [...SETTLING_EVENTS])))
    .orderBy(events.id);
  return rows.flatMap((r) => (r.ticketId === null ? [] : [{ id: Number(r.id), ticketId: Number(r.ticketId) }]));
}
