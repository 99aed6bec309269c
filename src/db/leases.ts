// Named leases: with several daemons on one PostgreSQL, one holds the mailbox at a time and the
// others take over when its lease expires.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { processAlive } from './directory-lock.js';
import { leases } from './schema.js';

/** The mailbox lease lasts this long; its holder renews it at every sweep (at least every 20 s). */
export const MAILBOX_LEASE_MS = 60_000;

/** The lease of the complaint mailbox `address`. */
export function mailboxLeaseName(address: string): string {
  return `mailbox:${address}`;
}

/** A new holder name, `host:pid:random`: unique per call, and what `holderIsDeadLocal` can check later. */
export function newHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

let thisProcess: string | undefined;

/** One holder name for this process, for the callers that do not bring their own. */
export function processHolder(): string {
  thisProcess ??= newHolder();
  return thisProcess;
}

/** Whether `holder` names a process of this machine that no longer runs (a crash, then a restart). */
export function holderIsDeadLocal(holder: string): boolean {
  const [host, pid] = holder.split(':');
  return host === hostname() && !!pid && /^\d+$/.test(pid) && Number(pid) !== process.pid && !processAlive(Number(pid));
}

/** Takes or renews `name` for `holder` until now + ttl; returns whether `holder` holds it. */
export async function tryAcquireLease(
  db: Db,
  name: string,
  holder: string,
  now: Date,
  ttlMs: number,
): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const rows = await db
    .insert(leases)
    .values({ name, holder, expiresAt })
    .onConflictDoUpdate({
      target: leases.name,
      set: { holder, expiresAt },
      setWhere: or(eq(leases.holder, holder), lt(leases.expiresAt, now)),
    })
    .returning({ holder: leases.holder });
  return rows[0]?.holder === holder;
}

export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder)));
}

export async function leaseHolder(db: Db, name: string, now: Date): Promise<string | null> {
  const [row] = await db
    .select({ holder: leases.holder })
    .from(leases)
    .where(and(eq(leases.name, name), sql`${leases.expiresAt} >= ${now.toISOString()}::timestamptz`));
  return row?.holder ?? null;
}

/** Takes `name` from `previous` (known dead) for `holder`; false when someone else got it first. */
export async function takeOverLease(
  db: Db,
  name: string,
  previous: string,
  holder: string,
  now: Date,
  ttlMs: number,
): Promise<boolean> {
  const rows = await db
    .update(leases)
    .set({ holder, expiresAt: new Date(now.getTime() + ttlMs) })
    .where(and(eq(leases.name, name), eq(leases.holder, previous)))
    .returning({ holder: leases.holder });
  return rows.length > 0;
}
