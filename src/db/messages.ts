// Inbound messages, their attachments (content-addressed) and the quarantine.
import { eq, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { attachmentBlobs, attachments, messages, quarantine } from './schema.js';
import type { InboundAttachment } from '../domain/inbound-mail.js';

export type NewMessage = typeof messages.$inferInsert;

/**
 * Records an inbound mail once: returns its id, or null when a mail with the same Message-ID was
 * already recorded (a re-delivery or a re-fetch after a crash).
 */
export async function insertMessageOnce(tx: Db, values: NewMessage): Promise<number | null> {
  const [row] = await tx
    .insert(messages)
    .values(values)
    .onConflictDoNothing({ target: messages.messageId })
    .returning({ id: messages.id });
  return row?.id ?? null;
}

export async function attachMessageToTicket(tx: Db, messageId: number, ticketId: number): Promise<void> {
  await tx.update(messages).set({ ticketId }).where(eq(messages.id, messageId));
}

/** Stores attachments; contents above `maxBytes` are listed but not kept apart from the raw mail. */
export async function insertAttachments(
  tx: Db,
  messageId: number,
  files: readonly InboundAttachment[],
  maxBytes: number,
): Promise<void> {
  if (files.length === 0) return;
  const kept = files.filter((f) => f.size <= maxBytes);
  if (kept.length > 0) {
    await tx
      .insert(attachmentBlobs)
      .values(kept.map((f) => ({ sha256: f.sha256, size: f.size, content: f.content })))
      .onConflictDoNothing();
  }
  await tx.insert(attachments).values(
    files.map((f) => ({
      messageId,
      sha256: f.sha256,
      filename: f.filename,
      contentType: f.contentType,
      size: f.size,
      stored: f.size <= maxBytes,
    })),
  );
}

export async function messageAttachments(db: Db, messageId: number) {
  return db.select().from(attachments).where(eq(attachments.messageId, messageId));
}

/** Keeps an unprocessable mail; returns false when the same bytes were already quarantined. */
export async function insertQuarantine(tx: Db, values: typeof quarantine.$inferInsert): Promise<boolean> {
  const rows = await tx.insert(quarantine).values(values).onConflictDoNothing().returning({ id: quarantine.id });
  return rows.length > 0;
}

export async function countMessagesByKind(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .select({ kind: messages.kind, count: sql<number>`count(*)::int` })
    .from(messages)
    .groupBy(messages.kind);
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.count)]));
}
