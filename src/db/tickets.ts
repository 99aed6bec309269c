// Ticket queries: reference allocation, creation, look-ups for threading and the CLI.
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { events, messages, outbox, tickets, ticketSequences } from './schema.js';
import { formatTicketReference } from '../domain/ticket-reference.js';
import { invalidateStoredFigures, touchesFigures, updateConcerns } from './month-figures.js';

export type TicketRow = typeof tickets.$inferSelect;
export type NewTicket = Omit<typeof tickets.$inferInsert, 'id' | 'reference' | 'year' | 'sequence'>;

/**
 * Allocates `count` consecutive numbers of `prefix` for `year` in one statement, inside the
 * caller's transaction. The row lock taken by the upsert serialises concurrent allocations; a
 * rollback gives the numbers back, so references have neither gaps nor duplicates.
 */
export async function allocateTicketReferences(
  tx: Db,
  prefix: string,
  year: number,
  count: number,
): Promise<{ reference: string; sequence: number }[]> {
  if (count === 0) return [];
  const [row] = await tx
    .insert(ticketSequences)
    .values({ prefix, year, lastValue: count })
    .onConflictDoUpdate({
      target: [ticketSequences.prefix, ticketSequences.year],
      set: { lastValue: sql`${ticketSequences.lastValue} + ${count}` },
    })
    .returning({ lastValue: ticketSequences.lastValue });
  const first = row!.lastValue - count + 1;
  return Array.from({ length: count }, (_, i) => ({
    reference: formatTicketReference(prefix, year, first + i),
    sequence: first + i,
  }));
}

/** One number (see `allocateTicketReferences`). */
export async function allocateTicketReference(
  tx: Db,
  prefix: string,
  year: number,
): Promise<{ reference: string; sequence: number }> {
  const [allocated] = await allocateTicketReferences(tx, prefix, year, 1);
  return allocated!;
}

export type NumberedTicket = NewTicket & {
  readonly reference: string;
  readonly year: number;
  readonly sequence: number;
};

/** Inserts tickets (references already allocated); returns the full rows in the order given. */
export async function insertTickets(tx: Db, rows: readonly NumberedTicket[]): Promise<TicketRow[]> {
  if (rows.length === 0) return [];
  const inserted = await tx
    .insert(tickets)
    .values([...rows])
    .returning();
  // A ticket received in a month whose figures are stored (a late or back-dated reception) changes them.
  await invalidateStoredFigures(tx, new Date(Math.min(...inserted.map((t) => t.receivedAt.getTime()))));
  const byReference = new Map(inserted.map((t) => [t.reference, t]));
  return rows.map((r) => byReference.get(r.reference)!);
}

export async function findTicketByReference(db: Db, reference: string): Promise<TicketRow | undefined> {
  const [row] = await db.select().from(tickets).where(eq(tickets.reference, reference.toUpperCase()));
  return row;
}

export async function findTicketById(db: Db, id: number): Promise<TicketRow | undefined> {
  const [row] = await db.select().from(tickets).where(eq(tickets.id, id));
  return row;
}

export async function findTicketsByReferences(db: Db, references: readonly string[]): Promise<TicketRow[]> {
  if (references.length === 0) return [];
  return db
    .select()
    .from(tickets)
    .where(inArray(tickets.reference, [...references]));
}

/**
 * For the given Message-IDs: the ticket each belongs to, when it is one we sent (outbox) or a
 * mail of that ticket (messages). Returns messageId → { reference, ours }.
 */
export async function ticketsByMessageIds(
  db: Db,
  messageIds: readonly string[],
): Promise<Map<string, { reference: string; ours: boolean }>> {
  const found = new Map<string, { reference: string; ours: boolean }>();
  if (messageIds.length === 0) return found;
  const ids = [...messageIds];
  const sent = await db
    .select({ messageId: outbox.messageId, reference: tickets.reference })
    .from(outbox)
    .innerJoin(tickets, eq(outbox.ticketId, tickets.id))
    .where(inArray(outbox.messageId, ids));
  for (const row of sent) found.set(row.messageId, { reference: row.reference, ours: true });
  const received = await db
    .select({ messageId: messages.messageId, reference: tickets.reference })
    .from(messages)
    .innerJoin(tickets, eq(messages.ticketId, tickets.id))
    .where(inArray(messages.messageId, ids));
  for (const row of received)
    if (!found.has(row.messageId)) found.set(row.messageId, { reference: row.reference, ours: false });
  return found;
}

/**
 * Writes `values` to the ticket. Any change may move what the follow-through owes it, so its next
 * due instant is cleared (computed again by the next sweep) unless `values` sets it.
 */
export async function updateTicket(tx: Db, id: number, values: Partial<typeof tickets.$inferInsert>): Promise<void> {
  if (!touchesFigures(values)) {
    await tx
      .update(tickets)
      .set({ nextDueAt: null, ...values })
      .where(eq(tickets.id, id));
    return;
  }
  const [before] = await tx
    .select({ receivedAt: tickets.receivedAt, closedAt: tickets.closedAt, answeredAt: tickets.answeredAt })
    .from(tickets)
    .where(eq(tickets.id, id));
  await tx
    .update(tickets)
    .set({ nextDueAt: null, ...values })
    .where(eq(tickets.id, id));
  // Its qualification, closure or answer moved: the stored digest figures it is part of are no longer true.
  const since = before ? updateConcerns(before, values) : null;
  if (since) await invalidateStoredFigures(tx, since);
}

export interface TicketListFilter {
  readonly status?: string | undefined;
  readonly limit: number;
}

export async function listTickets(db: Db, filter: TicketListFilter): Promise<TicketRow[]> {
  return db
    .select()
    .from(tickets)
    .where(filter.status ? eq(tickets.status, filter.status as TicketRow['status']) : undefined)
    .orderBy(desc(tickets.receivedAt), desc(tickets.id))
    .limit(filter.limit);
}

export type EventRow = typeof events.$inferSelect;

export async function ticketHistory(db: Db, ticketId: number): Promise<EventRow[]> {
  return db.select().from(events).where(eq(events.ticketId, ticketId)).orderBy(asc(events.at), asc(events.id));
}

export async function ticketMessages(db: Db, ticketId: number) {
  return db
    .select({
      id: messages.id,
      kind: messages.kind,
      fromAddress: messages.fromAddress,
      fromName: messages.fromName,
      subject: messages.subject,
      receivedAt: messages.receivedAt,
      text: messages.text,
    })
    .from(messages)
    .where(eq(messages.ticketId, ticketId))
    .orderBy(asc(messages.receivedAt), asc(messages.id));
}

export async function ticketOutbox(db: Db, ticketId: number) {
  return db
    .select({
      id: outbox.id,
      kind: outbox.kind,
      toAddress: outbox.toAddress,
      subject: outbox.subject,
      text: outbox.text,
      status: outbox.status,
      attempts: outbox.attempts,
      createdAt: outbox.createdAt,
      sentAt: outbox.sentAt,
      lastError: outbox.lastError,
    })
    .from(outbox)
    .where(and(eq(outbox.ticketId, ticketId)))
    .orderBy(asc(outbox.createdAt), asc(outbox.id));
}

/** Message-IDs of the complainant's side of a ticket: their mails, and what we sent to them. */
export async function threadMessageIds(
  db: Db,
  ticketId: number,
): Promise<{ inbound: { id: string; at: Date }[]; outbound: { id: string; at: Date }[] }> {
  const [ticket] = await db.select({ email: tickets.complainantEmail }).from(tickets).where(eq(tickets.id, ticketId));
  const inbound = await db
    .select({ id: messages.messageId, at: messages.receivedAt })
    .from(messages)
    .where(and(eq(messages.ticketId, ticketId), inArray(messages.kind, ['complaint', 'follow-up'])))
    .orderBy(asc(messages.receivedAt), asc(messages.id));
  const outbound = ticket?.email
    ? await db
        .select({ id: outbox.messageId, at: outbox.createdAt })
        .from(outbox)
        .where(and(eq(outbox.ticketId, ticketId), eq(outbox.toAddress, ticket.email)))
        .orderBy(asc(outbox.createdAt), asc(outbox.id))
    : [];
  return { inbound, outbound };
}
