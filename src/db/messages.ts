// Inbound messages, their attachments (content-addressed) and the quarantine. Every write takes
// a list: the ingest writes a fetched batch of mails with one statement per table.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { RecordedMail } from '../domain/inbound-plan.js';
import type { Db } from './database.js';
import { attachmentBlobs, attachments, events, messages, quarantine } from './schema.js';

export type NewMessage = typeof messages.$inferInsert;

/**
 * Records inbound mails; returns the id of each in the order given, or null for a mail whose
 * Message-ID was recorded meanwhile (a concurrent ingest of the same mail).
 */
export async function insertMessages(tx: Db, rows: readonly NewMessage[]): Promise<(number | null)[]> {
  if (rows.length === 0) return [];
  const inserted = await tx
    .insert(messages)
    .values([...rows])
    .onConflictDoNothing({ target: messages.messageId })
    .returning({ id: messages.id, messageId: messages.messageId });
  const ids = new Map(inserted.map((r) => [r.messageId, r.id]));
  return rows.map((r) => ids.get(r.messageId) ?? null);
}

/** What is already recorded of these Message-IDs: enough to tell a re-delivery from a reused id. */
export async function recordedMessages(db: Db, messageIds: readonly string[]): Promise<Map<string, RecordedMail>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db
    .select({
      messageId: messages.messageId,
      rawSha256: messages.rawSha256,
      fromAddress: messages.fromAddress,
      subject: messages.subject,
      text: messages.text,
    })
    .from(messages)
    .where(inArray(messages.messageId, [...new Set(messageIds)]));
  return new Map(rows.map((r) => [r.messageId, r]));
}

/** Sets the ticket of several messages in one statement. */
export async function attachMessagesToTickets(
  tx: Db,
  pairs: readonly { readonly messageRowId: number; readonly ticketId: number }[],
): Promise<void> {
  if (pairs.length === 0) return;
  const messageIds = `{${pairs.map((p) => Math.trunc(p.messageRowId)).join(',')}}`;
  const ticketIds = `{${pairs.map((p) => Math.trunc(p.ticketId)).join(',')}}`;
  await tx.execute(sql`
    update ${messages} set ticket_id = pairs.ticket_id
    from (select unnest(${messageIds}::bigint[]) as message_id, unnest(${ticketIds}::bigint[]) as ticket_id) as pairs
    where ${messages.id} = pairs.message_id`);
}

export interface NewAttachmentRow {
  readonly messageRowId: number;
  readonly sha256: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly content: Uint8Array;
}

/** Attachments of several messages; contents above `maxBytes` are listed but not kept apart from the raw mail. */
export async function insertAttachments(tx: Db, files: readonly NewAttachmentRow[], maxBytes: number): Promise<void> {
  if (files.length === 0) return;
  const blobs = new Map<string, NewAttachmentRow>();
  for (const f of files) if (f.size <= maxBytes && !blobs.has(f.sha256)) blobs.set(f.sha256, f);
  if (blobs.size > 0) {
    await tx
      .insert(attachmentBlobs)
      .values([...blobs.values()].map((f) => ({ sha256: f.sha256, size: f.size, content: f.content })))
      .onConflictDoNothing();
  }
  await tx.insert(attachments).values(
    files.map((f) => ({
      messageId: f.messageRowId,
      sha256: f.sha256,
      filename: f.filename,
      contentType: f.contentType,
      size: f.size,
      stored: f.size <= maxBytes,
    })),
  );
}

export type NewQuarantine = typeof quarantine.$inferInsert;

/** Keeps unprocessable mails; returns, for each, false when the same bytes were already quarantined. */
export async function insertQuarantine(tx: Db, rows: readonly NewQuarantine[]): Promise<boolean[]> {
  if (rows.length === 0) return [];
  const inserted = await tx
    .insert(quarantine)
    .values([...rows])
    .onConflictDoNothing()
    .returning({ rawSha256: quarantine.rawSha256 });
  const fresh = new Set(inserted.map((r) => r.rawSha256));
  return rows.map((r) => fresh.has(r.rawSha256));
}

/** One recorded mail with its raw bytes (an intake waiting for confirmation). */
export async function findMessageById(db: Db, id: number) {
  const [row] = await db
    .select({
      id: messages.id,
      ticketId: messages.ticketId,
      fromAddress: messages.fromAddress,
      receivedAt: messages.receivedAt,
      raw: messages.raw,
    })
    .from(messages)
    .where(eq(messages.id, id));
  return row;
}

/** Whether the sender of the staff mail `messageRowId` answered NON to its confirmation. */
export async function intakeCancelled(db: Db, messageRowId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.type, 'intake.cancelled'), sql`(${events.data}->>'intake')::bigint = ${messageRowId}`))
    .limit(1);
  return row !== undefined;
}
