// The IMAP checkpoint `(uidValidity, lastUid)` per mailbox, advanced in each mail's transaction.
import { eq, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { mailboxCheckpoints } from './schema.js';

export type Checkpoint = typeof mailboxCheckpoints.$inferSelect;

export async function readCheckpoint(db: Db, mailbox: string): Promise<Checkpoint | undefined> {
  const [row] = await db.select().from(mailboxCheckpoints).where(eq(mailboxCheckpoints.mailbox, mailbox));
  return row;
}

/**
 * Moves the checkpoint to `uid` (never backwards within one uidValidity); a different
 * uidValidity replaces the old one, which is how a resync starts over.
 */
export async function advanceCheckpoint(
  tx: Db,
  mailbox: string,
  uidValidity: number,
  uid: number,
  now: Date,
): Promise<void> {
  await tx
    .insert(mailboxCheckpoints)
    .values({ mailbox, uidValidity, lastUid: uid, updatedAt: now })
    .onConflictDoUpdate({
      target: mailboxCheckpoints.mailbox,
      set: {
        lastUid: sql`case when ${mailboxCheckpoints.uidValidity} = excluded.uid_validity
          then greatest(${mailboxCheckpoints.lastUid}, excluded.last_uid) else excluded.last_uid end`,
        uidValidity: sql`excluded.uid_validity`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}
