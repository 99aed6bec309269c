// Outbox queries. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so several
// deliverers (several daemons on one PostgreSQL) never send the same row at the same time, and a
// deliverer that dies mid-send has its rows taken back when the lease expires — or at once, when
// its claims (recorded in `leases`) are known to belong to a dead process.
import { and, eq, getTableColumns, gt, inArray, like, or, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { rowsOf } from './database.js';
import { processHolder } from './leases.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { events, leases, outbox } from './schema.js';

export type OutboxRow = typeof outbox.$inferSelect;
export type NewOutboxRow = typeof outbox.$inferInsert;

/** What an insert into the outbox brings back: not the rendered text and HTML it just stored. */
export interface QueuedOutboxRow {
  readonly id: number;
  readonly messageId: string;
}

/** Queues mails in one statement; returns their ids and Message-IDs in the order given. */
export async function insertOutboxRows(tx: Db, rows: readonly NewOutboxRow[]): Promise<QueuedOutboxRow[]> {
  if (rows.length === 0) return [];
  return tx
    .insert(outbox)
    .values([...rows])
    .returning({ id: outbox.id, messageId: outbox.messageId });
}

/** Lease rows (table `leases`) that say which deliverer holds a claimed outbox row: `outbox:<id>`. */
const CLAIM_PREFIX = 'outbox:';

/**
 * Claims up to `limit` rows that are due (pending and next attempt reached, or sending with an
 * expired lease), marks them `sending` until now + leaseMs, counts the attempt and records
 * `holder` as their claimant (a `leases` row per claimed row, written by the same statement), so
 * that a restarted daemon can take back at once what a dead one held (`releaseOutboxClaims`).
 * One statement.
 */
export async function claimDueOutbox(
  db: Db,
  now: Date,
  leaseMs: number,
  limit: number,
  holder: string = processHolder(),
): Promise<OutboxRow[]> {
  // Raw SQL parameters: dates as ISO text (postgres.js does not serialise Date here).
  const at = now.toISOString();
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  const result = await db.execute(sql`
    with claimed as (
      update ${outbox} set status = 'sending', lease_until = ${leaseUntil}::timestamptz, attempts = attempts + 1
      where id in (
        select id from ${outbox}
        where (status = 'pending' and next_attempt_at <= ${at}::timestamptz)
           or (status = 'sending' and lease_until < ${at}::timestamptz)
        order by next_attempt_at, id
        limit ${limit}
        for update skip locked
      )
      returning *
    ), owned as (
      insert into ${leases} (name, holder, expires_at)
      select ${CLAIM_PREFIX} || id, ${holder}, ${leaseUntil}::timestamptz from claimed
      on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
    )
    select * from claimed order by id`);
  return rowsOf<Record<string, unknown>>(result).map(outboxRowFromDriver);
}

/** A raw `select *` row of outbox mapped like drizzle maps it (both engines, via the columns' own decoders). */
function outboxRowFromDriver(raw: Record<string, unknown>): OutboxRow {
  const row: Record<string, unknown> = {};
  for (const [key, column] of OUTBOX_COLUMNS) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as OutboxRow;
}
const OUTBOX_COLUMNS = Object.entries(getTableColumns(outbox));

/** Postgres array literal of ids, one parameter whatever the count. */
function idArray(ids: readonly number[]): string {
  return `{${ids.map((id) => Math.trunc(id)).join(',')}}`;
}

/**
 * Marks rows sent at `now` and drops their claims: one statement for any number of rows. A row
 * already `sent` (or `dead`) elsewhere keeps what it has.
 */
export async function markOutboxSent(db: Db, ids: readonly number[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  const list = idArray(ids);
  await db.execute(sql`
    with done as (
      update ${outbox}
      set status = 'sent', sent_at = ${now.toISOString()}::timestamptz, lease_until = null, last_error = null
      where id = any(${list}::bigint[]) and status in ('sending', 'pending')
      returning id
    )
    delete from ${leases} where name in (select ${CLAIM_PREFIX} || id from done)`);
}

export async function markOutboxRetry(db: Db, id: number, nextAttemptAt: Date, error: string): Promise<void> {
  await db.execute(sql`
    with retry as (
      update ${outbox}
      set status = 'pending', next_attempt_at = ${nextAttemptAt.toISOString()}::timestamptz, lease_until = null,
        last_error = ${error}
      where id = ${id}
      returning id
    )
    delete from ${leases} where name in (select ${CLAIM_PREFIX} || id from retry)`);
}

export async function markOutboxDead(tx: Db, id: number, error: string): Promise<void> {
  await tx.update(outbox).set({ status: 'dead', leaseUntil: null, lastError: error }).where(eq(outbox.id, id));
  await tx.delete(leases).where(eq(leases.name, `${CLAIM_PREFIX}${id}`));
}

/** Who holds claimed outbox rows now (the deliverers that have rows `sending`). */
export async function outboxClaimHolders(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ holder: leases.holder })
    .from(leases)
    .where(like(leases.name, `${CLAIM_PREFIX}%`));
  return rows.map((r) => r.holder);
}

/**
 * Puts the rows claimed by `holders` back to `pending` (their attempt stays counted) without
 * waiting for their lease: only for holders known not to be sending any more — a dead process,
 * or this deliverer between two runs. Returns how many rows came back.
 */
export async function releaseOutboxClaims(db: Db, holders: readonly string[]): Promise<number> {
  if (holders.length === 0) return 0;
  const list = `{${holders.map((h) => `"${h.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  const result = await db.execute(sql`
    with gone as (
      delete from ${leases} where name like ${`${CLAIM_PREFIX}%`} and holder = any(${list}::text[])
      returning substr(name, ${CLAIM_PREFIX.length + 1})::bigint as id
    )
    update ${outbox} set status = 'pending', lease_until = null
    where id in (select id from gone) and status = 'sending'
    returning id`);
  return rowsOf(result).length;
}

/** When the next row becomes due (pending retry or expiring lease), or null when none waits. */
export async function nextOutboxDueAt(db: Db): Promise<Date | null> {
  const [row] = await db
    .select({
      due: sql<
        string | Date | null
      >`min(case when ${outbox.status} = 'pending' then ${outbox.nextAttemptAt} else ${outbox.leaseUntil} end)`,
    })
    .from(outbox)
    .where(or(eq(outbox.status, 'pending'), eq(outbox.status, 'sending')));
  return row?.due ? new Date(row.due) : null;
}

/**
 * Automatic mails queued to each address since each instant of `since` (the per-address budget),
 * for several addresses in one statement: address → count per instant, in order.
 */
export async function countAutomaticSince(
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

/** The addresses among `addresses` whose exhausted budget the pilot was told about since `since`. */
export async function budgetAlertsSentSince(db: Db, addresses: readonly string[], since: Date): Promise<Set<string>> {
  if (addresses.length === 0) return new Set();
  const rows = await db
    .select({ address: sql<string>`${events.data}->>'address'` })
    .from(events)
    .where(
      and(
        eq(events.type, 'mail.budget-exceeded'),
        gt(events.at, since),
        inArray(sql`${events.data}->>'address'`, [...new Set(addresses)]),
        sql`(${events.data}->>'pilotAlerted')::boolean`,
      ),
    );
  return new Set(rows.map((r) => r.address));
}

/** Arbitrary constant: serialises the recovery after an SMTP outage among deliverers on one PostgreSQL. */
const RECOVERY_LOCK_KEY = 727_100_002;

/**
 * The outage a successful delivery ends: mails given up on transient failures (`outbox.dead`,
 * not permanent) since the last `outbox.recovered` event — how many, and since when (the earliest
 * of them was queued). Null when there are none.
 */
export async function unrecoveredOutage(db: Db): Promise<{ since: Date; deadMails: number } | null> {
  const [row] = rowsOf<{ since: string | Date | null; dead: number }>(
    await db.execute(sql`
      select min(${outbox.createdAt}) as since, count(*)::int as dead
      from ${events} e join ${outbox} on ${outbox.id} = (e.data->>'outboxId')::bigint
      where e.type = ${EVENT_TYPES.outboxDead}
        and not coalesce((e.data->>'permanent')::boolean, false)
        and e.at > coalesce(
          (select max(r.at) from ${events} r where r.type = ${EVENT_TYPES.outboxRecovered}),
          '-infinity'::timestamptz)`),
  );
  if (!row || Number(row.dead) === 0 || row.since === null) return null;
  return { since: new Date(row.since), deadMails: Number(row.dead) };
}

/** Takes the recovery lock until the end of `tx` (PostgreSQL; PGlite has one session anyway). */
export async function lockOutageRecovery(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${RECOVERY_LOCK_KEY})`);
}

/**
 * Puts back to pending, due `now` with their attempts reset, the pilot alerts that were given up
 * on transient failures and were never queued again before (no `outbox.recovered` event lists
 * them): each alert gets this second chance once. Returns their ids.
 */
export async function requeueDeadPilotAlerts(tx: Db, now: Date): Promise<number[]> {
  const result = await tx.execute(sql`
    update ${outbox} set status = 'pending', attempts = 0, next_attempt_at = ${now.toISOString()}::timestamptz,
                         lease_until = null
    where ${outbox.status} = 'dead' and ${outbox.kind} = 'pilot-alert'
      and exists (select 1 from ${events} d where d.type = ${EVENT_TYPES.outboxDead}
                  and (d.data->>'outboxId')::bigint = ${outbox.id}
                  and not coalesce((d.data->>'permanent')::boolean, false))
      and not exists (select 1 from ${events} r where r.type = ${EVENT_TYPES.outboxRecovered}
                      and r.data->'requeued' @> to_jsonb(${outbox.id}))
    returning id`);
  return rowsOf<{ id: number | string }>(result)
    .map((r) => Number(r.id))
    .sort((a, b) => a - b);
}

/** Recipient and attached files of outbox rows `ids` (the digests a job run queued). */
export async function outboxAttachmentsOf(db: Db, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db
    .select({ id: outbox.id, toAddress: outbox.toAddress, attachments: outbox.attachments })
    .from(outbox)
    .where(inArray(outbox.id, [...ids]));
}
