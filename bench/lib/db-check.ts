// Reads the outcome of a leg from the database once the daemon is done (PGlite: after it exited,
// since an embedded database must never be opened by two processes).
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf, type Db } from '../../src/db/database.js';
import type { BenchDatabase } from './env.js';

export async function withDb<T>(bdb: BenchDatabase, fn: (db: Db) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: bdb.url, dataDir: bdb.dataDir, maxConnections: 2 });
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

export interface Outcome {
  readonly tickets: number;
  readonly distinctReferences: number;
  readonly messages: Record<string, number>;
  readonly outbox: Record<string, number>;
  readonly acksSent: number;
  readonly outboxNotSent: number;
  readonly events: number;
  readonly quarantined: number;
}

export async function readOutcome(db: Db): Promise<Outcome> {
  const one = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => rowsOf<T>(await db.execute(query));
  const [counts] = await one<{
    tickets: number;
    refs: number;
    events: number;
    quarantined: number;
    acks: number;
    unsent: number;
  }>(sql`
    select (select count(*)::int from tickets) as tickets,
           (select count(distinct reference)::int from tickets) as refs,
           (select count(*)::int from events) as events,
           (select count(*)::int from quarantine) as quarantined,
           (select count(*)::int from outbox where kind = 'ack' and status = 'sent') as acks,
           (select count(*)::int from outbox where status <> 'sent') as unsent`);
  const messages = await one<{ kind: string; n: number }>(
    sql`select kind, count(*)::int as n from messages group by kind`,
  );
  const outbox = await one<{ kind: string; n: number }>(sql`select kind, count(*)::int as n from outbox group by kind`);
  return {
    tickets: Number(counts?.tickets ?? 0),
    distinctReferences: Number(counts?.refs ?? 0),
    messages: Object.fromEntries(messages.map((r) => [r.kind, Number(r.n)])),
    outbox: Object.fromEntries(outbox.map((r) => [r.kind, Number(r.n)])),
    acksSent: Number(counts?.acks ?? 0),
    outboxNotSent: Number(counts?.unsent ?? 0),
    events: Number(counts?.events ?? 0),
    quarantined: Number(counts?.quarantined ?? 0),
  };
}

/** For each complaint Message-ID: when its ticket was created and its acknowledgement marked sent (epoch ms). */
export async function ticketTimes(
  db: Db,
  messageIds: readonly string[],
): Promise<Map<string, { createdAt: number; ackSentAt: number | null }>> {
  const found = new Map<string, { createdAt: number; ackSentAt: number | null }>();
  if (messageIds.length === 0) return found;
  const list = `{${messageIds.map((id) => `"${id.replace(/"/g, '')}"`).join(',')}}`;
  const rows = rowsOf<{ message_id: string; created_ms: number | string; sent_ms: number | string | null }>(
    await db.execute(sql`
      select m.message_id, (extract(epoch from t.created_at) * 1000)::float8 as created_ms,
        (select (extract(epoch from o.sent_at) * 1000)::float8 from outbox o where o.ticket_id = t.id and o.kind = 'ack' limit 1) as sent_ms
      from messages m join tickets t on t.id = m.ticket_id
      where m.message_id = any(${list}::text[]) and m.kind = 'complaint'`),
  );
  for (const r of rows)
    found.set(r.message_id, {
      createdAt: Number(r.created_ms),
      ackSentAt: r.sent_ms === null ? null : Number(r.sent_ms),
    });
  return found;
}
