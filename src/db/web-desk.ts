// The web desk's tables (sign-in links, sessions) and its ticket search: filters and French
// full-text search over the tickets, the same SQL on PGlite and PostgreSQL.
import { and, asc, desc, eq, gt, gte, isNull, lt, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Db } from './database.js';
import {
  attachmentBlobs,
  attachments,
  foldedText,
  messages,
  outbox,
  TICKET_SEARCH_DOCUMENT,
  tickets,
  webLinks,
  webSessions,
} from './schema.js';
import type { TicketRow } from './tickets.js';

export type WebLinkRow = typeof webLinks.$inferSelect;
export type WebSessionRow = typeof webSessions.$inferSelect;

/** Link requests for `addressKey` and from `clientKey` since `since`. */
export async function countLinkRequests(
  db: Db,
  keys: { readonly addressKey: string; readonly clientKey: string },
  since: Date,
): Promise<{ address: number; client: number }> {
  const [row] = await db
    .select({
      address: sql<number>`count(*) filter (where ${webLinks.addressKey} = ${keys.addressKey})::int`,
      client: sql<number>`count(*) filter (where ${webLinks.clientKey} = ${keys.clientKey})::int`,
    })
    .from(webLinks)
    .where(
      and(
        gte(webLinks.requestedAt, since),
        or(eq(webLinks.addressKey, keys.addressKey), eq(webLinks.clientKey, keys.clientKey)),
      ),
    );
  return { address: Number(row?.address ?? 0), client: Number(row?.client ?? 0) };
}

export async function insertLinkRequests(tx: Db, rows: readonly (typeof webLinks.$inferInsert)[]): Promise<void> {
  if (rows.length > 0) await tx.insert(webLinks).values([...rows]);
}

export async function findLinkByNonceHash(db: Db, nonceHash: string): Promise<WebLinkRow | undefined> {
  const [row] = await db.select().from(webLinks).where(eq(webLinks.nonceHash, nonceHash));
  return row;
}

/** Marks link `id` used at `now` unless it was used already: true for the one caller that used it. */
export async function consumeLink(tx: Db, id: number, now: Date): Promise<boolean> {
  const rows = await tx
    .update(webLinks)
    .set({ usedAt: now })
    .where(and(eq(webLinks.id, id), isNull(webLinks.usedAt), gt(webLinks.expiresAt, now)))
    .returning({ id: webLinks.id });
  return rows.length === 1;
}

export async function insertSessions(tx: Db, rows: readonly (typeof webSessions.$inferInsert)[]): Promise<void> {
  if (rows.length > 0) await tx.insert(webSessions).values([...rows]);
}

export async function findSession(db: Db, idHash: string): Promise<WebSessionRow | undefined> {
  const [row] = await db.select().from(webSessions).where(eq(webSessions.idHash, idHash));
  return row;
}

export async function endSession(db: Db, idHash: string, now: Date): Promise<void> {
  await db
    .update(webSessions)
    .set({ endedAt: now })
    .where(and(eq(webSessions.idHash, idHash), isNull(webSessions.endedAt)));
}

/** Forgets links and sessions that ended before `before` (they can open nothing any more). */
export async function purgeWebSignIns(db: Db, before: Date): Promise<void> {
  await db.delete(webLinks).where(lt(webLinks.expiresAt, before));
  await db.delete(webSessions).where(lt(webSessions.expiresAt, before));
}

export interface TicketSearch {
  /** Doctors may search and filter on the content of confidential tickets; others only on dates, level, state. */
  readonly contentOfConfidential: boolean;
  readonly status?: string | undefined;
  readonly level?: number | undefined;
  readonly category?: string | undefined;
  readonly requester?: string | undefined;
  /** Open and past its deadline at `now`. */
  readonly overdue?: boolean | undefined;
  /** A person's address, or `none` for tickets nobody took. */
  readonly assignee?: string | undefined;
  /** Received in [from, to). */
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** Words, "phrases", -excluded (websearch syntax), matched in French without accents. */
  readonly text?: string | undefined;
  readonly now: Date;
  readonly limit: number;
  readonly offset: number;
}

const TERMINAL = ['closed', 'rejected'] as const;
/** Below this many matching tickets, a search fetches them by id (see searchTickets). */
const FEW_MATCHES = 2000;
// The query folded like the indexed document: foldedText around a parameter.
const [queryHead, queryTail] = foldedText('\u0000').split('\u0000') as [string, string];

/** Tickets matching `search`, newest first; one more than `limit` tells there is a next page. */
export async function searchTickets(db: Db, search: TicketSearch): Promise<TicketRow[]> {
  const conditions: (SQL | undefined)[] = [];
  // Filters on content must not tell a non-doctor anything about a confidential ticket.
  const contentFilter = search.text !== undefined || search.requester !== undefined;
  if (contentFilter && !search.contentOfConfidential) conditions.push(eq(tickets.confidential, false));
  if (search.status) conditions.push(eq(tickets.status, search.status as TicketRow['status']));
  if (search.level !== undefined) conditions.push(eq(tickets.level, search.level));
  if (search.category) conditions.push(eq(tickets.category, search.category));
  if (search.requester) conditions.push(eq(tickets.requester, search.requester));
  if (search.overdue)
    conditions.push(and(notInArray(tickets.status, [...TERMINAL]), lt(tickets.deadlineAt, search.now)));
  if (search.assignee === 'none') conditions.push(isNull(tickets.assigneeEmail));
  else if (search.assignee) conditions.push(eq(tickets.assigneeEmail, search.assignee));
  if (search.from) conditions.push(gte(tickets.receivedAt, search.from));
  if (search.to) conditions.push(lt(tickets.receivedAt, search.to));
  if (search.text) {
    const query = sql`websearch_to_tsquery('french'::regconfig,
      ${sql.raw(queryHead)}${search.text}${sql.raw(queryTail)})`;
    const matches = sql`${TICKET_SEARCH_DOCUMENT} @@ ${query}`;
    // Newest first, PostgreSQL walks the reception index and tests each ticket's text: quick when
    // many match, a scan of the whole table when few or none do (10 s over 1 000 000). A probe
    // through the GIN index tells which case this is; few matches are then fetched by id first
    // (an array, evaluated once: the planner cannot fold it back into the walk).
    const few = await db.execute(
      sql`select count(*)::int as n from (select 1 from tickets where ${matches} limit ${FEW_MATCHES}) probe`,
    );
    const count = Number(rowsOf<{ n: number }>(few)[0]?.n ?? 0);
    conditions.push(
      count < FEW_MATCHES ? sql`${tickets.id} = any(array(select id from tickets where ${matches}))` : sql`${matches}`,
    );
  }
  return db
    .select()
    .from(tickets)
    .where(and(...conditions))
    .orderBy(desc(tickets.receivedAt), desc(tickets.id))
    .limit(search.limit + 1)
    .offset(search.offset);
}

/** The attachments of a ticket's messages, without their content. */
export async function ticketAttachments(db: Db, ticketId: number) {
  return db
    .select({
      id: attachments.id,
      messageId: attachments.messageId,
      filename: attachments.filename,
      contentType: attachments.contentType,
      size: attachments.size,
      stored: attachments.stored,
    })
    .from(attachments)
    .innerJoin(messages, eq(messages.id, attachments.messageId))
    .where(eq(messages.ticketId, ticketId))
    .orderBy(asc(attachments.id));
}

/** One attachment with its stored content and the ticket it belongs to. */
export async function attachmentWithContent(db: Db, id: number) {
  const [row] = await db
    .select({
      id: attachments.id,
      ticketId: messages.ticketId,
      filename: attachments.filename,
      contentType: attachments.contentType,
      content: attachmentBlobs.content,
    })
    .from(attachments)
    .innerJoin(messages, eq(messages.id, attachments.messageId))
    .innerJoin(attachmentBlobs, eq(attachmentBlobs.sha256, attachments.sha256))
    .where(and(eq(attachments.id, id), eq(attachments.stored, true)));
  return row;
}

/** The mails we sent about a ticket, with their text, oldest first. */
export async function ticketSentMails(db: Db, ticketId: number) {
  return db
    .select({
      id: outbox.id,
      kind: outbox.kind,
      toAddress: outbox.toAddress,
      automatic: outbox.automatic,
      subject: outbox.subject,
      text: outbox.text,
      status: outbox.status,
      createdAt: outbox.createdAt,
      sentAt: outbox.sentAt,
    })
    .from(outbox)
    .where(eq(outbox.ticketId, ticketId))
    .orderBy(asc(outbox.createdAt), asc(outbox.id));
}
