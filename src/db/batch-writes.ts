// Multi-row writes for the batch ingest: one statement per table for a whole fetched batch of
// mails instead of one per row (a round trip costs more than a row here, see bench/README.md).
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { InboundAttachment } from '../domain/inbound-mail.js';
import { formatTicketReference } from '../domain/ticket-reference.js';
import type { Db } from './database.js';
import type { NewMessage } from './messages.js';
import type { NewOutboxRow } from './outbox.js';
import { attachmentBlobs, attachments, messages, outbox, tickets, ticketSequences } from './schema.js';
import type { NewTicket, TicketRow } from './tickets.js';

/** What an insert into the outbox brings back: not the rendered text and HTML it just sent. */
export interface QueuedOutboxRow {
  readonly id: number;
  readonly messageId: string;
}

export async function insertOutboxRows(tx: Db, rows: readonly NewOutboxRow[]): Promise<QueuedOutboxRow[]> {
  if (rows.length === 0) return [];
  return tx
    .insert(outbox)
    .values([...rows])
    .returning({ id: outbox.id, messageId: outbox.messageId });
}

/** The Message-IDs among `messageIds` that are already recorded. */
export async function recordedMessageIds(tx: Db, messageIds: readonly string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const rows = await tx
    .select({ messageId: messages.messageId })
    .from(messages)
    .where(inArray(messages.messageId, [...messageIds]));
  return new Set(rows.map((r) => r.messageId));
}

/**
 * Inserts messages known not to be recorded yet; returns their ids in the order given. A row
 * that conflicts anyway is an error (the caller's transaction is rolled back and retried mail by
 * mail), never a silently missing message.
 */
export async function insertMessages(tx: Db, rows: readonly NewMessage[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const inserted = await tx
    .insert(messages)
    .values([...rows])
    .returning({ id: messages.id, messageId: messages.messageId });
  const ids = new Map(inserted.map((r) => [r.messageId, r.id]));
  return rows.map((r) => {
    const id = ids.get(r.messageId);
    if (id === undefined) throw new Error(`message ${r.messageId} was not inserted`);
    return id;
  });
}

export interface NewAttachmentRow {
  readonly messageRowId: number;
  readonly sha256: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly content: Uint8Array;
}

/** The attachment rows of several messages. */
export function attachmentsRows(
  messages: readonly { readonly messageRowId: number; readonly files: readonly InboundAttachment[] }[],
): NewAttachmentRow[] {
  return messages.flatMap(({ messageRowId, files }) =>
    files.map((f) => ({
      messageRowId,
      sha256: f.sha256,
      filename: f.filename,
      contentType: f.contentType,
      size: f.size,
      content: f.content,
    })),
  );
}

/** Attachments of several messages; contents above `maxBytes` are listed but not kept apart. */
export async function insertAttachmentRows(
  tx: Db,
  files: readonly NewAttachmentRow[],
  maxBytes: number,
): Promise<void> {
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

/**
 * Allocates `count` consecutive numbers of `prefix` for `year` in one statement, inside the
 * caller's transaction (same row lock and rollback semantics as `allocateTicketReference`).
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

export type NumberedTicket = NewTicket & {
  readonly reference: string;
  readonly year: number;
  readonly sequence: number;
};

/** Inserts tickets (references already allocated); returns the full rows in the order given. */
export async function insertTicketRows(tx: Db, rows: readonly NumberedTicket[]): Promise<TicketRow[]> {
  if (rows.length === 0) return [];
  const inserted = await tx
    .insert(tickets)
    .values([...rows])
    .returning();
  const byReference = new Map(inserted.map((t) => [t.reference, t]));
  return rows.map((r) => byReference.get(r.reference)!);
}

/** Sets the ticket of several messages in one statement. */
export async function attachMessagesToTickets(
  tx: Db,
  pairs: readonly { readonly messageRowId: number; readonly ticketId: number }[],
): Promise<void> {
  if (pairs.length === 0) return;
  const messageIds = pairs.map((p) => p.messageRowId);
  const ticketIds = pairs.map((p) => p.ticketId);
  await tx.execute(sql`
    update ${messages} set ticket_id = pairs.ticket_id
    from (select unnest(${`{${messageIds.join(',')}}`}::int[]) as message_id, unnest(${`{${ticketIds.join(',')}}`}::int[]) as ticket_id) as pairs
    where ${messages.id} = pairs.message_id`);
}

/**
 * Automatic mails queued to each address since each instant of `windows` (the per-address
 * budget), for several addresses in one statement: address → count per window, in order.
 */
export async function countAutomaticSinceMany(
  tx: Db,
  addresses: readonly string[],
  since: readonly Date[],
): Promise<Map<string, number[]>> {
  const counts = new Map<string, number[]>();
  if (addresses.length === 0 || since.length === 0) return counts;
  const earliest = new Date(Math.min(...since.map((d) => d.getTime())));
  const rows = await tx
    .select({ address: outbox.toAddress, createdAt: outbox.createdAt })
    .from(outbox)
    .where(
      and(
        inArray(outbox.toAddress, [...new Set(addresses)]),
        eq(outbox.automatic, true),
        gt(outbox.createdAt, earliest),
      ),
    );
  for (const row of rows) {
    const perWindow = counts.get(row.address) ?? since.map(() => 0);
    since.forEach((instant, i) => {
      if (row.createdAt.getTime() > instant.getTime()) perWindow[i]!++;
    });
    counts.set(row.address, perWindow);
  }
  return counts;
}
