// Bulk-loads a generated ticket history (tests/support/ticket-history.ts, seeded: tickets, their
// audit events, mails, outbox rows, quarantine) into an empty, migrated database with COPY, the
// fastest bulk path on both engines: secondary indexes are dropped first and rebuilt at the end,
// foreign-key triggers skipped during the load (session_replication_role = replica), then
// VACUUM (ANALYZE) of the loaded tables: what autovacuum does to a production database after such
// a load (statistics, and the visibility map, without which every index-only scan visits the heap).
// The end state is the schema's, with the same indexes.
import type { PGlite } from '@electric-sql/pglite';
import type postgres from 'postgres';
import { Worker } from 'node:worker_threads';
import { ticketHistoryBatches, type HistoryOptions, type TicketHistory } from '../../tests/support/ticket-history.js';
import { log, round } from './util.js';

/** [column, key in the generated row, kind] — every NOT NULL column of what the generator fills. */
type Columns = readonly (readonly [string, string, ('json' | 'bytes' | 'plain')?, unknown?])[];

const TICKETS: Columns = [
  ['id', 'id'],
  ['reference', 'reference'],
  ['year', 'year'],
  ['sequence', 'sequence'],
  ['status', 'status'],
  ['channel', 'channel'],
  ['subject', 'subject'],
  ['complainant_email', 'complainantEmail'],
  ['complainant_name', 'complainantName'],
  ['summary', 'summary'],
  ['category', 'category'],
  ['level', 'level'],
  ['requester', 'requester'],
  ['receivable', 'receivable'],
  ['confidential', 'confidential'],
  ['received_at', 'receivedAt'],
  ['deadline_rule', 'deadlineRule'],
  ['deadline_at', 'deadlineAt'],
  ['assignee_email', 'assigneeEmail'],
  ['registered_letter', 'registeredLetter'],
  ['effective', 'effective'],
  ['verification_asked_at', 'verificationAskedAt'],
  ['answered_at', 'answeredAt'],
  ['closed_at', 'closedAt'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
];
const EVENTS: Columns = [
  ['ticket_id', 'ticketId'],
  ['at', 'at'],
  ['actor', 'actor'],
  ['type', 'type'],
  ['data', 'data', 'json', {}],
];
const MESSAGES: Columns = [
  ['id', 'id'],
  ['message_id', 'messageId'],
  ['ticket_id', 'ticketId'],
  ['kind', 'kind'],
  ['from_address', 'fromAddress'],
  ['from_name', 'fromName', 'plain', ''],
  ['subject', 'subject', 'plain', ''],
  ['received_at', 'receivedAt'],
  ['text', 'text', 'plain', ''],
  ['raw', 'raw', 'bytes'],
  ['raw_sha256', 'rawSha256'],
  ['source', 'source'],
  ['classification', 'classification', 'json', {}],
];
const OUTBOX: Columns = [
  ['message_id', 'messageId'],
  ['ticket_id', 'ticketId'],
  ['kind', 'kind'],
  ['to_address', 'toAddress'],
  ['automatic', 'automatic'],
  ['subject', 'subject'],
  ['text', 'text'],
  ['html', 'html'],
  ['headers', 'headers', 'json', {}],
  ['status', 'status'],
  ['attempts', 'attempts', 'plain', 0],
  ['next_attempt_at', 'nextAttemptAt'],
  ['created_at', 'createdAt'],
  ['sent_at', 'sentAt'],
];
const QUARANTINE: Columns = [
  ['raw_sha256', 'rawSha256'],
  ['reason', 'reason'],
  ['raw', 'raw', 'bytes'],
  ['source', 'source'],
  ['received_at', 'receivedAt'],
];

function field(value: unknown, kind: 'json' | 'bytes' | 'plain' | undefined, fallback: unknown): string {
  const v = value ?? fallback;
  if (v === null || v === undefined) return '\\N';
  let s: string;
  if (v instanceof Date) s = v.toISOString();
  else if (kind === 'bytes' && v instanceof Uint8Array) s = `\\x${Buffer.from(v).toString('hex')}`;
  else if (kind === 'json' || (typeof v === 'object' && !(v instanceof Uint8Array))) s = JSON.stringify(v);
  else s = String(v);
  // COPY text format escapes.
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function copyText(rows: readonly object[], columns: Columns): string {
  let out = '';
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    out += columns.map(([, key, kind, fallback]) => field(r[key], kind, fallback)).join('\t');
    out += '\n';
  }
  return out;
}

/** The few things the loader needs from either engine, on ONE session. */
export interface LoadTarget {
  exec(text: string): Promise<void>;
  rows<T>(text: string): Promise<T[]>;
  copy(table: string, columns: readonly string[], text: string): Promise<void>;
}

export function postgresTarget(client: postgres.Sql): LoadTarget {
  return {
    async exec(text) {
      await client.unsafe(text);
    },
    async rows<T>(text: string) {
      return (await client.unsafe(text)) as unknown as T[];
    },
    async copy(table, columns, text) {
      const writable = await client.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
      await new Promise<void>((resolve, reject) => {
        writable.on('error', reject);
        writable.on('finish', resolve);
        writable.end(text);
      });
    },
  };
}

export function pgliteTarget(pg: PGlite): LoadTarget {
  return {
    async exec(text) {
      await pg.exec(text);
    },
    async rows<T>(text: string) {
      return (await pg.query<T>(text)).rows;
    },
    async copy(table, columns, text) {
      await pg.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob'`, [], { blob: new Blob([text]) });
    },
  };
}

/** One batch of the history as COPY text per table, ready to send. */
export interface CopyBatch {
  readonly texts: readonly (readonly [table: string, columns: readonly string[], text: string])[];
  readonly tickets: number;
  readonly events: number;
  readonly messages: number;
  readonly outbox: number;
  /** [year, largest sequence] of the batch's tickets. */
  readonly sequences: readonly (readonly [number, number])[];
  readonly generateMs: number;
}

/** The generated history as COPY batches (runs in a worker thread during the load). */
export function* copyBatches(options: HistoryOptions, batchSize: number): Generator<CopyBatch> {
  const batches = ticketHistoryBatches(options, batchSize);
  for (;;) {
    const started = performance.now();
    const next = batches.next();
    if (next.done) return;
    const batch: TicketHistory = next.value;
    const sequences = new Map<number, number>();
    for (const t of batch.tickets) sequences.set(t.year!, Math.max(sequences.get(t.year!) ?? 0, t.sequence!));
    const table = (name: string, columns: Columns, rows: readonly object[]) =>
      [name, columns.map((c) => c[0]), copyText(rows, columns)] as const;
    const texts = [
      table('tickets', TICKETS, batch.tickets),
      table('messages', MESSAGES, batch.messages),
      table('events', EVENTS, batch.events),
      table('outbox', OUTBOX, batch.outbox),
      table('quarantine', QUARANTINE, batch.quarantine),
    ].filter(([, , text]) => text.length > 0);
    yield {
      texts,
      tickets: batch.tickets.length,
      events: batch.events.length,
      messages: batch.messages.length,
      outbox: batch.outbox.length,
      sequences: [...sequences.entries()],
      generateMs: performance.now() - started,
    };
  }
}

/**
 * The same batches produced by a worker thread (history-worker.ts), at most `ahead` batches in
 * advance: generating (JavaScript) and ingesting (the database) then use both cores.
 */
async function* workerBatches(options: HistoryOptions, batchSize: number, ahead = 3): AsyncGenerator<CopyBatch> {
  const url = new URL('./history-worker.ts', import.meta.url).href;
  // Worker threads do not inherit tsx's loader: register it first, then load the TypeScript module.
  const worker = new Worker(
    `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`,
    {
      eval: true,
      workerData: {
        options: {
          ...options,
          from: options.from.toISOString(),
          to: options.to.toISOString(),
          now: options.now?.toISOString(),
        },
        batchSize,
        ahead,
      },
    },
  );
  const queue: (CopyBatch | null | Error)[] = [];
  let wake: (() => void) | null = null;
  worker.on('message', (message: CopyBatch | null) => {
    queue.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    queue.push(error);
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const item = queue.shift()!;
      if (item instanceof Error) throw item;
      if (item === null) return;
      yield item;
      worker.postMessage('more');
    }
  } finally {
    await worker.terminate();
  }
}

export interface LoadReport {
  readonly tickets: number;
  readonly events: number;
  readonly messages: number;
  readonly outbox: number;
  readonly seconds: number;
  /** Time the generator (worker thread) spent producing the rows, overlapped with the load. */
  readonly generateSeconds: number;
  readonly indexSeconds: number;
  /** VACUUM (ANALYZE) of the loaded tables. */
  readonly analyzeSeconds: number;
}

const TABLES = ['tickets', 'events', 'messages', 'outbox', 'quarantine'];

export async function loadHistory(target: LoadTarget, options: HistoryOptions, batchSize = 2000): Promise<LoadReport> {
  const started = performance.now();
  const indexes = await target.rows<{ indexname: string; indexdef: string }>(
    `select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename in (${TABLES.map((t) => `'${t}'`).join(', ')}) and indexname not like '%_pkey'`,
  );
  for (const index of indexes) await target.exec(`drop index ${index.indexname}`);
  await target.exec('set session_replication_role = replica');
  const counts = { tickets: 0, events: 0, messages: 0, outbox: 0 };
  let generateMs = 0;
  const maxSequence = new Map<number, number>();
  for await (const batch of workerBatches(options, batchSize)) {
    for (const [table, columns, text] of batch.texts) await target.copy(table, columns, text);
    for (const [year, last] of batch.sequences) maxSequence.set(year, Math.max(maxSequence.get(year) ?? 0, last));
    counts.tickets += batch.tickets;
    counts.events += batch.events;
    counts.messages += batch.messages;
    counts.outbox += batch.outbox;
    generateMs += batch.generateMs;
    if (counts.tickets % 100_000 < batchSize) log(`    ${counts.tickets.toLocaleString('en-US')} tickets loaded`);
  }
  await target.exec('set session_replication_role = origin');
  const i = performance.now();
  for (const index of indexes) await target.exec(index.indexdef);
  const indexSeconds = (performance.now() - i) / 1000;
  const a = performance.now();
  // Not ANALYZE alone: a freshly COPYed table has no visibility map until vacuumed, and the
  // benchmark server runs without autovacuum.
  await target.exec(`vacuum (analyze) ${TABLES.join(', ')}`);
  const analyzeSeconds = (performance.now() - a) / 1000;
  await target.exec(
    `select setval(pg_get_serial_sequence('tickets', 'id'), greatest((select max(id) from tickets), 1))`,
  );
  await target.exec(
    `select setval(pg_get_serial_sequence('messages', 'id'), greatest((select max(id) from messages), 1))`,
  );
  const prefix = options.prefix ?? 'REC';
  for (const [year, last] of maxSequence) {
    await target.exec(
      `insert into ticket_sequences (prefix, year, last_value) values ('${prefix}', ${year}, ${last}) on conflict (prefix, year) do update set last_value = greatest(ticket_sequences.last_value, excluded.last_value)`,
    );
  }
  return {
    ...counts,
    seconds: round((performance.now() - started) / 1000, 1),
    generateSeconds: round(generateMs / 1000, 1),
    indexSeconds: round(indexSeconds, 1),
    analyzeSeconds: round(analyzeSeconds, 1),
  };
}
