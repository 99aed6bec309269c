// The figures `/metrics`, `/healthz` and `reclam status` read from the database. Counts only:
// no address, subject or text leaves these queries. Each one rides an index (by status, by type
// and instant, by id), so a scrape costs milliseconds on a large database; what grows with the
// history (mails seen, tickets created, reminders) is read from an id onwards (`sinceId`), the
// caller keeping the running totals.
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from './database.js';

const OPEN = sql`status not in ('closed', 'rejected')`;

function count(value: unknown): number {
  return Number(value ?? 0);
}

/** Tickets per state right now. */
export async function ticketsByState(db: Db): Promise<Map<string, number>> {
  const rows = rowsOf<{ status: string; n: unknown }>(
    await db.execute(sql`select status, count(*)::int as n from tickets group by status`),
  );
  return new Map(rows.map((r) => [String(r.status), count(r.n)]));
}

/** Open tickets whose deadline is before `now`. */
export async function overdueCount(db: Db, now: Date): Promise<number> {
  const [row] = rowsOf<{ n: unknown }>(
    await db.execute(
      sql`select count(*)::int as n from tickets where ${OPEN} and deadline_at < ${now.toISOString()}::timestamptz`,
    ),
  );
  return count(row?.n);
}

export interface OutboxFigures {
  /** Rows not sent yet (pending, or claimed and being sent). */
  readonly unsent: number;
  /** When the oldest of them was queued; null when none waits. */
  readonly oldestUnsentAt: Date | null;
  /** Rows given up (`dead`), ever. */
  readonly dead: number;
  /** Unsent rows whose last try SMTP refused our login (535): a person must fix the password. */
  readonly loginRefused: number;
}

export async function outboxFigures(db: Db): Promise<OutboxFigures> {
  const [row] = rowsOf<{ unsent: unknown; oldest_ms: unknown; dead: unknown; login_refused: unknown }>(
    await db.execute(sql`
      select count(*) filter (where status in ('pending', 'sending'))::int as unsent,
        (extract(epoch from min(created_at) filter (where status in ('pending', 'sending'))) * 1000)::float8
          as oldest_ms,
        count(*) filter (where status = 'dead')::int as dead,
        count(*) filter (where status in ('pending', 'sending') and last_error like '535%')::int as login_refused
      from outbox where status in ('pending', 'sending', 'dead')`),
  );
  return {
    unsent: count(row?.unsent),
    oldestUnsentAt: row?.oldest_ms === null || row?.oldest_ms === undefined ? null : new Date(Number(row.oldest_ms)),
    dead: count(row?.dead),
    loginRefused: count(row?.login_refused),
  };
}

/** Events of `type` recorded since `since` (e.g. `outbox.dead` of the last day). */
export async function eventsSince(db: Db, type: string, since: Date): Promise<number> {
  const [row] = rowsOf<{ n: unknown }>(
    await db.execute(
      sql`select count(*)::int as n from events where type = ${type} and at >= ${since.toISOString()}::timestamptz`,
    ),
  );
  return count(row?.n);
}

/** Counts grouped by one label, read from an id onwards: the rows added since the last read. */
export interface CountsSince {
  readonly counts: Map<string, number>;
  /** The highest id seen (the `sinceId` of the next read); `sinceId` itself when nothing is new. */
  readonly lastId: number;
}

async function countsSince(db: Db, query: ReturnType<typeof sql>, sinceId: number): Promise<CountsSince> {
  const rows = rowsOf<{ label: unknown; n: unknown; last_id: unknown }>(await db.execute(query));
  const counts = new Map<string, number>();
  let lastId = sinceId;
  for (const row of rows) {
    counts.set(String(row.label ?? ''), (counts.get(String(row.label ?? '')) ?? 0) + count(row.n));
    lastId = Math.max(lastId, count(row.last_id));
  }
  return { counts, lastId };
}

/** Inbound mails recorded after `sinceId`, by kind (complaint, follow-up, auto-reply, bounce, own, staff). */
export function messagesSince(db: Db, sinceId: number): Promise<CountsSince> {
  return countsSince(
    db,
    sql`select kind as label, count(*)::int as n, max(id)::float8 as last_id from messages
        where id > ${sinceId} group by kind`,
    sinceId,
  );
}

/** Mails quarantined after `sinceId` (one label, `quarantined`). */
export function quarantinedSince(db: Db, sinceId: number): Promise<CountsSince> {
  return countsSince(
    db,
    sql`select 'quarantined' as label, count(*)::int as n, max(id)::float8 as last_id from quarantine
        where id > ${sinceId} having count(*) > 0`,
    sinceId,
  );
}

/** Tickets created after `sinceId`, by channel. */
export function ticketsSince(db: Db, sinceId: number): Promise<CountsSince> {
  return countsSince(
    db,
    sql`select channel as label, count(*)::int as n, max(id)::float8 as last_id from tickets
        where id > ${sinceId} group by channel`,
    sinceId,
  );
}

/**
 * Events of `type` recorded after `sinceId`, by the value of `data->>labelKey` (a reminder's kind,
 * an escalation's round: short codes, never an address).
 */
export function eventsOfTypeSince(db: Db, type: string, labelKey: string, sinceId: number): Promise<CountsSince> {
  if (!/^[A-Za-z]+$/.test(labelKey)) throw new Error(`not a data key: ${labelKey}`);
  // The key is spelled in the statement (checked above): grouping by a parameter is not allowed.
  const label = sql.raw(`data->>'${labelKey}'`);
  return countsSince(
    db,
    sql`select ${label} as label, count(*)::int as n, max(id)::float8 as last_id from events
        where type = ${type} and id > ${sinceId} group by ${label}`,
    sinceId,
  );
}

/**
 * For the tickets created from a mail after `sinceId` and at or after `from`: seconds from the
 * mail's arrival in the mailbox (`received_at`) to the ticket's commit (`created_at`).
 */
export async function ingestDelaysSince(
  db: Db,
  sinceId: number,
  from: Date,
  limit = 10_000,
): Promise<{ seconds: number[]; lastId: number }> {
  const rows = rowsOf<{ id: unknown; s: unknown }>(
    await db.execute(sql`
      select id::float8 as id, extract(epoch from (created_at - received_at))::float8 as s from tickets
      where id > ${sinceId} and created_at >= ${from.toISOString()}::timestamptz and channel = 'email'
      order by id limit ${limit}`),
  );
  return {
    seconds: rows.map((r) => Math.max(0, Number(r.s))),
    lastId: rows.reduce((m, r) => Math.max(m, count(r.id)), sinceId),
  };
}

/**
 * For the acknowledgements SMTP accepted after `since`: seconds from the complaint's arrival in
 * the mailbox (the ticket's `received_at`) to SMTP accepting the acknowledgement.
 */
export async function ackDelaysSince(
  db: Db,
  since: Date,
  limit = 10_000,
): Promise<{ seconds: number[]; lastSentAt: Date }> {
  const rows = rowsOf<{ sent_ms: unknown; s: unknown }>(
    await db.execute(sql`
      select (extract(epoch from o.sent_at) * 1000)::float8 as sent_ms,
        extract(epoch from (o.sent_at - t.received_at))::float8 as s
      from outbox o join tickets t on t.id = o.ticket_id
      where o.sent_at > ${since.toISOString()}::timestamptz and o.kind = 'ack' and o.status = 'sent'
      order by o.sent_at limit ${limit}`),
  );
  return {
    seconds: rows.map((r) => Math.max(0, Number(r.s))),
    lastSentAt: rows.reduce((m, r) => (Number(r.sent_ms) > m.getTime() ? new Date(Number(r.sent_ms)) : m), since),
  };
}

/** The mailbox lease: who holds it and until when (renewed at every sweep); null when nobody does. */
export async function mailboxLease(db: Db, name: string): Promise<{ holder: string; expiresAt: Date } | null> {
  const [row] = rowsOf<{ holder: unknown; expires_ms: unknown }>(
    await db.execute(
      sql`select holder, (extract(epoch from expires_at) * 1000)::float8 as expires_ms
        from leases where name = ${name}`,
    ),
  );
  return row ? { holder: String(row.holder), expiresAt: new Date(Number(row.expires_ms)) } : null;
}

/** When the database last recorded a mail of this inbox (the checkpoint's last move). */
export async function checkpointUpdatedAt(db: Db, mailbox: string): Promise<Date | null> {
  const [row] = rowsOf<{ ms: unknown }>(
    await db.execute(
      sql`select (extract(epoch from updated_at) * 1000)::float8 as ms
        from mailbox_checkpoints where mailbox = ${mailbox}`,
    ),
  );
  return row ? new Date(Number(row.ms)) : null;
}

/** The last digest sent (`job_runs` of the digest job), its period and when it finished. */
export async function lastJobRun(db: Db, job: string): Promise<{ periodKey: string; finishedAt: Date | null } | null> {
  const [row] = rowsOf<{ period_key: unknown; finished_ms: unknown }>(
    await db.execute(sql`
      select period_key, (extract(epoch from finished_at) * 1000)::float8 as finished_ms from job_runs
      where job = ${job} order by started_at desc limit 1`),
  );
  if (!row) return null;
  return {
    periodKey: String(row.period_key),
    finishedAt: row.finished_ms === null || row.finished_ms === undefined ? null : new Date(Number(row.finished_ms)),
  };
}

/** Answers when the database does. */
export async function pingDatabaseQuick(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

/** The open tickets past their deadline, most overdue first: reference, level, state and dates only. */
export async function overdueTickets(
  db: Db,
  now: Date,
  limit: number,
): Promise<{ reference: string; level: number; status: string; deadlineAt: Date }[]> {
  const rows = rowsOf<{ reference: unknown; level: unknown; status: unknown; deadline_ms: unknown }>(
    await db.execute(sql`
      select reference, level, status, (extract(epoch from deadline_at) * 1000)::float8 as deadline_ms from tickets
      where ${OPEN} and deadline_at < ${now.toISOString()}::timestamptz
      order by deadline_at, id limit ${limit}`),
  );
  return rows.map((r) => ({
    reference: String(r.reference),
    level: Number(r.level),
    status: String(r.status),
    deadlineAt: new Date(Number(r.deadline_ms)),
  }));
}
