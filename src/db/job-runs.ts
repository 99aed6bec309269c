// Scheduled work done at most once per period: the unique (job, period_key) row is inserted in
// the same transaction as the work's effects (e.g. the digest's outbox rows), so two daemons
// racing for one period, or a daemon retrying after a crash, end with exactly one run.
import { and, desc, eq, isNotNull, like, min } from 'drizzle-orm';
import type { Db } from './database.js';
import { jobRuns, tickets } from './schema.js';

export type JobRunRow = typeof jobRuns.$inferSelect;

export async function findJobRun(db: Db, job: string, periodKey: string): Promise<JobRunRow | undefined> {
  const [row] = await db
    .select()
    .from(jobRuns)
    .where(and(eq(jobRuns.job, job), eq(jobRuns.periodKey, periodKey)));
  return row;
}

/**
 * Claims (job, periodKey) inside the caller's transaction: the new row's id, or null when another
 * run holds or committed it. On PostgreSQL a concurrent claim waits for the first transaction and
 * then gets null if it committed (the id if it rolled back).
 */
export async function claimJobRun(tx: Db, job: string, periodKey: string, startedAt: Date): Promise<number | null> {
  const [row] = await tx
    .insert(jobRuns)
    .values({ job, periodKey, startedAt })
    .onConflictDoNothing({ target: [jobRuns.job, jobRuns.periodKey] })
    .returning({ id: jobRuns.id });
  return row?.id ?? null;
}

export async function finishJobRun(
  tx: Db,
  id: number,
  finishedAt: Date,
  result: Record<string, unknown>,
): Promise<void> {
  await tx.update(jobRuns).set({ finishedAt, result }).where(eq(jobRuns.id, id));
}

/** The finished runs whose job starts with `prefix` (e.g. `digest:`), latest period first. */
export async function finishedJobRuns(db: Db, prefix: string, limit: number): Promise<JobRunRow[]> {
  return db
    .select()
    .from(jobRuns)
    .where(and(like(jobRuns.job, `${prefix}%`), isNotNull(jobRuns.finishedAt)))
    .orderBy(desc(jobRuns.periodKey), desc(jobRuns.id))
    .limit(limit);
}

export async function findJobRunById(db: Db, id: number): Promise<JobRunRow | undefined> {
  const [row] = await db.select().from(jobRuns).where(eq(jobRuns.id, id));
  return row;
}

/**
 * Since when this installation has been working: the earliest of the first ticket's creation
 * (`created_at`: when it was recorded, not the back-dated reception of an imported mail), the
 * first job run and `now`. A database that already holds work keeps its past (its missed digests
 * are still caught up); an empty one starts now.
 */
export async function installationInstant(db: Db, now: Date): Promise<Date> {
  const [ticket] = await db.select({ at: min(tickets.createdAt) }).from(tickets);
  const [run] = await db.select({ at: min(jobRuns.startedAt) }).from(jobRuns);
  const times = [now, ticket?.at, run?.at].filter((d) => d != null).map((d) => new Date(d as Date | string).getTime());
  return new Date(Math.min(...times));
}
