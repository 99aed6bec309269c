// Outbox queries. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so several
// deliverers (several daemons on one PostgreSQL) never send the same row at the same time, and a
// deliverer that dies mid-send has its rows taken back when the lease expires.
import { and, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { rowsOf } from './database.js';
import { events, outbox } from './schema.js';

export type OutboxRow = typeof outbox.$inferSelect;
export type NewOutboxRow = typeof outbox.$inferInsert;

export async function insertOutbox(tx: Db, row: NewOutboxRow): Promise<OutboxRow> {
  const [inserted] = await tx.insert(outbox).values(row).returning();
  return inserted!;
}

/**
 * Claims up to `limit` rows that are due (pending and next attempt reached, or sending with an
 * expired lease), marks them `sending` until now + leaseMs and counts the attempt.
 */
export async function claimDueOutbox(db: Db, now: Date, leaseMs: number, limit: number): Promise<OutboxRow[]> {
  // Raw SQL parameters: dates as ISO text (postgres.js does not serialise Date here).
  const at = now.toISOString();
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  const result = await db.execute(sql`
    update ${outbox} set status = 'sending', lease_until = ${leaseUntil}::timestamptz, attempts = attempts + 1
    where id in (
      select id from ${outbox}
      where (status = 'pending' and next_attempt_at <= ${at}::timestamptz)
         or (status = 'sending' and lease_until < ${at}::timestamptz)
      order by next_attempt_at, id
      limit ${limit}
      for update skip locked
    )
    returning id`);
  const ids = rowsOf<{ id: number | string }>(result).map((r) => Number(r.id));
  if (ids.length === 0) return [];
  return db.select().from(outbox).where(inArray(outbox.id, ids)).orderBy(outbox.id);
}

export async function markOutboxSent(db: Db, id: number, now: Date): Promise<void> {
  await db
    .update(outbox)
    .set({ status: 'sent', sentAt: now, leaseUntil: null, lastError: null })
    .where(eq(outbox.id, id));
}

export async function markOutboxRetry(db: Db, id: number, nextAttemptAt: Date, error: string): Promise<void> {
  await db
    .update(outbox)
    .set({ status: 'pending', nextAttemptAt, leaseUntil: null, lastError: error })
    .where(eq(outbox.id, id));
}

export async function markOutboxDead(tx: Db, id: number, error: string): Promise<void> {
  await tx.update(outbox).set({ status: 'dead', leaseUntil: null, lastError: error }).where(eq(outbox.id, id));
}

/** When the next row becomes due (pending retry or expiring lease), or null when none waits. */
export async function nextOutboxDueAt(db: Db): Promise<Date | null> {
  const [row] = await db
    .select({
      due: sql<string | Date | null>`min(case when ${outbox.status} = 'pending' then ${outbox.nextAttemptAt} else ${outbox.leaseUntil} end)`,
    })
    .from(outbox)
    .where(or(eq(outbox.status, 'pending'), eq(outbox.status, 'sending')));
  return row?.due ? new Date(row.due) : null;
}

/** Automatic mails queued to `address` since `since` (the per-address budget). */
export async function countAutomaticSince(db: Db, address: string, since: Date): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(outbox)
    .where(and(eq(outbox.toAddress, address), eq(outbox.automatic, true), gt(outbox.createdAt, since)));
  return Number(row?.count ?? 0);
}

/** Whether the pilot was already told that `address` exhausted its budget since `since`. */
export async function budgetAlertSentSince(db: Db, address: string, since: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: events.id })
    .from(events)
    .where(
      and(
        eq(events.type, 'mail.budget-exceeded'),
        gt(events.at, since),
        sql`${events.data}->>'address' = ${address}`,
        sql`(${events.data}->>'pilotAlerted')::boolean`,
      ),
    )
    .limit(1);
  return row !== undefined;
}

export async function outboxCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: outbox.status, count: sql<number>`count(*)::int` })
    .from(outbox)
    .groupBy(outbox.status);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
}
