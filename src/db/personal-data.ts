// Personal data (RGPD) in the database: what is held about one address (its export), and the
// anonymisation of tickets (an erasure on request, or retention) that keeps what the indicators
// count — dates, level, category, requester, typology, state, the rows counted by the pipeline's
// health — and removes identities and texts. Plain SQL both engines run.
import { and, asc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { EVENT_TYPES } from '../domain/event-types.js';
import {
  ADDRESS_REMOVED,
  ANONYMISED,
  anonymisedEventData,
  NAME_REMOVED,
  rawMessageId,
} from '../domain/personal-data.js';
import { type Db, type Engine, rowsOf } from './database.js';
import {
  attachmentBlobs,
  attachments,
  events,
  messages,
  outbox,
  qualificationFeedback,
  quarantine,
  tickets,
} from './schema.js';

export type TicketRow = typeof tickets.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type AttachmentRow = typeof attachments.$inferSelect & { readonly content: Uint8Array | null };
export type EventRow = typeof events.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type QuarantineRow = typeof quarantine.$inferSelect;

/** Everything held about one address. */
export interface PersonRecords {
  /** Tickets they are the complainant of. */
  readonly own: readonly TicketRow[];
  /** Tickets they are in copy of (participants), not their own. */
  readonly copied: readonly TicketRow[];
  /** Mails they sent, whatever ticket they belong to (or none). */
  readonly messages: readonly MessageRow[];
  /** Attachments of those mails, with their content when it was kept. */
  readonly attachments: readonly AttachmentRow[];
  /** Events of their own tickets, and any other event that names their address. */
  readonly events: readonly EventRow[];
  /** Mails sent (or to be sent) to them. */
  readonly outbox: readonly OutboxRow[];
  /** Quarantined raw mails that contain their address. */
  readonly quarantine: readonly QuarantineRow[];
}

const ids = (list: readonly number[]): string => `{${list.map((id) => Math.trunc(id)).join(',')}}`;

/** LIKE pattern matching `text` anywhere (its % _ \ escaped). */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/** POSIX regular expression matching `text` literally. */
function literalRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The tickets of `address` (complainant), and those it is in copy of. */
export async function ticketsOfPerson(db: Db, address: string): Promise<{ own: TicketRow[]; copied: TicketRow[] }> {
  const rows = await db
    .select()
    .from(tickets)
    .where(
      or(
        sql`lower(${tickets.complainantEmail}) = ${address}`,
        sql`exists (select 1 from unnest(${tickets.participants}) p where lower(p) = ${address})`,
      ),
    )
    .orderBy(asc(tickets.receivedAt), asc(tickets.id));
  const own = rows.filter((t) => t.complainantEmail?.toLowerCase() === address);
  return { own, copied: rows.filter((t) => !own.includes(t)) };
}

/** Everything held about `address` (lower case), for its export. */
export async function personRecords(db: Db, address: string): Promise<PersonRecords> {
  const { own, copied } = await ticketsOfPerson(db, address);
  const ownIds = own.map((t) => t.id);
  const sent = await db
    .select()
    .from(messages)
    .where(sql`lower(${messages.fromAddress}) = ${address}`)
    .orderBy(asc(messages.receivedAt), asc(messages.id));
  const files =
    sent.length === 0
      ? []
      : await db
          .select({
            id: attachments.id,
            messageId: attachments.messageId,
            sha256: attachments.sha256,
            filename: attachments.filename,
            contentType: attachments.contentType,
            size: attachments.size,
            stored: attachments.stored,
            content: attachmentBlobs.content,
          })
          .from(attachments)
          .leftJoin(attachmentBlobs, eq(attachmentBlobs.sha256, attachments.sha256))
          .where(
            inArray(
              attachments.messageId,
              sent.map((m) => m.id),
            ),
          )
          .orderBy(asc(attachments.id));
  const like = containing(address);
  const history = await db
    .select()
    .from(events)
    .where(
      or(
        ownIds.length > 0 ? sql`${events.ticketId} = any(${ids(ownIds)}::bigint[])` : sql`false`,
        sql`lower(${events.actor}) = ${address}`,
        sql`${events.data}::text ilike ${like}`,
      ),
    )
    .orderBy(asc(events.at), asc(events.id));
  const mails = await db
    .select()
    .from(outbox)
    .where(sql`lower(${outbox.toAddress}) = ${address}`)
    .orderBy(asc(outbox.createdAt), asc(outbox.id));
  const quarantined = await db
    .select()
    .from(quarantine)
    .where(sql`encode(${quarantine.raw}, 'escape') ilike ${like}`)
    .orderBy(asc(quarantine.receivedAt), asc(quarantine.id));
  return { own, copied, messages: sent, attachments: files, events: history, outbox: mails, quarantine: quarantined };
}

/** What an anonymisation changed. */
export interface AnonymisationCounts {
  readonly tickets: number;
  readonly messages: number;
  readonly attachments: number;
  readonly outboxCleared: number;
  readonly outboxCancelled: number;
  readonly events: number;
}

export interface AnonymiseInput {
  readonly now: Date;
  /** Who did it: an address, or `system` (retention). */
  readonly actor: string;
  readonly reason: 'erasure' | 'retention';
}

/**
 * Anonymises these tickets in `tx`: the complainant's identity and every text of the ticket, its
 * messages (texts, HTML, raw mail), attachments (and their contents no other mail uses), the mails
 * sent about it (bodies; unsent ones are cancelled), its events' free texts and the qualifier's
 * terms learnt from it. What the indicators count stays: dates, level, category, requester,
 * typology, receivability, state, and the rows themselves. Records `ticket.anonymised` on each.
 * Tickets already anonymised are anonymised again (a mail may have come since) without a new event.
 */
export async function anonymiseTickets(
  tx: Db,
  ticketIds: readonly number[],
  input: AnonymiseInput,
): Promise<AnonymisationCounts> {
  if (ticketIds.length === 0)
    return { tickets: 0, messages: 0, attachments: 0, outboxCleared: 0, outboxCancelled: 0, events: 0 };
  const list = ids(ticketIds);
  const rows = await tx
    .select({
      id: tickets.id,
      complainantEmail: tickets.complainantEmail,
      qualification: tickets.qualification,
      anonymisedAt: tickets.anonymisedAt,
    })
    .from(tickets)
    .where(sql`${tickets.id} = any(${list}::bigint[])`)
    // Two daemons anonymising the same tickets: the second waits, then sees them done (one event each).
    .for('update');
  const addressOf = new Map(rows.map((r) => [r.id, r.complainantEmail?.toLowerCase() ?? '']));

  const messageIds = rowsOf<{ id: number }>(
    await tx.execute(sql`select id from ${messages} where ticket_id = any(${list}::bigint[])`),
  ).map((r) => Number(r.id));
  const wiped = await wipeMessages(tx, messageIds);

  const cancelled = rowsOf<{ id: number }>(
    await tx.execute(sql`
      delete from ${outbox} where ticket_id = any(${list}::bigint[]) and status in ('pending', 'sending')
      returning id`),
  ).length;
  const cleared = await clearOutboxBodies(tx, sql`ticket_id = any(${list}::bigint[])`);
  await tx.execute(sql`
    update ${outbox} o set to_address = ${ADDRESS_REMOVED}
    from ${tickets} t
    where o.ticket_id = t.id and t.id = any(${list}::bigint[]) and lower(o.to_address) = lower(t.complainant_email)`);

  const history = await tx
    .select({ id: events.id, ticketId: events.ticketId, actor: events.actor, data: events.data })
    .from(events)
    .where(sql`${events.ticketId} = any(${list}::bigint[])`);
  for (const event of history) {
    const address = addressOf.get(event.ticketId ?? 0) ?? '';
    const data = anonymisedEventData(event.data ?? {}, address);
    const actor = address !== '' && event.actor.toLowerCase() === address ? ADDRESS_REMOVED : event.actor;
    if (JSON.stringify(data) === JSON.stringify(event.data) && actor === event.actor) continue;
    await tx.update(events).set({ data, actor }).where(eq(events.id, event.id));
  }

  await tx
    .update(qualificationFeedback)
    .set({ terms: [] })
    .where(sql`${qualificationFeedback.ticketId} = any(${list}::bigint[])`);

  for (const row of rows) {
    await tx
      .update(tickets)
      .set({
        subject: ANONYMISED,
        summary: '',
        complainantEmail: null,
        complainantName: ANONYMISED,
        complainantPhone: null,
        complainantCompany: null,
        participants: [],
        qualification: row.qualification ? anonymisedEventData(row.qualification, addressOf.get(row.id) ?? '') : null,
        registeredLetterTracking: sql`case when ${tickets.registeredLetterTracking} is null then null
          else ${ANONYMISED} end`,
        anonymisedAt: row.anonymisedAt ?? input.now,
        updatedAt: input.now,
      })
      .where(eq(tickets.id, row.id));
  }
  const fresh = rows.filter((r) => r.anonymisedAt === null);
  if (fresh.length > 0)
    await tx.insert(events).values(
      fresh.map((r) => ({
        ticketId: r.id,
        at: input.now,
        actor: input.actor,
        type: EVENT_TYPES.anonymised,
        data: { reason: input.reason },
      })),
    );
  return {
    tickets: rows.length,
    messages: messageIds.length,
    attachments: wiped.attachments,
    outboxCleared: cleared,
    outboxCancelled: cancelled,
    events: history.length,
  };
}

/**
 * Removes what a mail said and who sent it: texts, HTML, raw bytes, sender, subject, the
 * classifier's evidence (its kind and thread are kept: the pipeline's health counts them), its
 * attachments and their contents when no other mail uses them. The Message-ID stays: a mail
 * delivered again is still recognised.
 */
export async function wipeMessages(tx: Db, messageIds: readonly number[]): Promise<{ attachments: number }> {
  if (messageIds.length === 0) return { attachments: 0 };
  const list = ids(messageIds);
  await tx.execute(sql`
    update ${messages} set text = '', html = null, raw = '\\x'::bytea, subject = '', from_address = null,
      from_name = '',
      classification = jsonb_strip_nulls(
        jsonb_build_object('kind', classification->'kind', 'via', classification->'via'))
    where id = any(${list}::bigint[])`);
  const removed = rowsOf<{ sha256: string }>(
    await tx.execute(sql`delete from ${attachments} where message_id = any(${list}::bigint[]) returning sha256`),
  ).map((r) => r.sha256);
  if (removed.length > 0) {
    const hashes = `{${[...new Set(removed)].map((h) => `"${h.replace(/["\\]/g, '')}"`).join(',')}}`;
    await tx.execute(sql`
      delete from ${attachmentBlobs} b where b.sha256 = any(${hashes}::text[])
        and not exists (select 1 from ${attachments} a where a.sha256 = b.sha256)`);
  }
  return { attachments: removed.length };
}

/** Clears the bodies of sent (or dead) outgoing mails matching `where`; returns how many. */
async function clearOutboxBodies(tx: Db, where: SQL): Promise<number> {
  return rowsOf<{ id: number }>(
    await tx.execute(sql`
      update ${outbox} set subject = ${ANONYMISED}, text = '', html = '', headers = '{}'::jsonb, attachments = null,
        last_error = case when last_error is null then null else ${ANONYMISED} end
      where ${where} and status in ('sent', 'dead') returning id`),
  ).length;
}

/** What erasing one address changed besides its own tickets. */
export interface ErasureCounts {
  readonly messages: number;
  readonly attachments: number;
  readonly outboxCleared: number;
  readonly outboxCancelled: number;
  readonly quarantine: number;
  readonly copies: number;
  /** Cells (row × column) where the address was replaced in other people's data. */
  readonly masked: number;
}

/**
 * The part of an erasure beyond the person's own tickets (anonymised by `anonymiseTickets` first):
 * the mails they sent elsewhere, the mails sent to them, quarantined mails holding their address,
 * their place in the copy lists, and finally their address wherever it is still written — every
 * text, JSON, text-array and bytea column of every table of the schema, so that tables added later
 * are covered too.
 */
export async function eraseAddress(tx: Db, address: string, names: readonly string[] = []): Promise<ErasureCounts> {
  const sent = rowsOf<{ id: number }>(
    await tx.execute(sql`select id from ${messages} where lower(from_address) = ${address}`),
  ).map((r) => Number(r.id));
  const { attachments: files } = await wipeMessages(tx, sent);
  const to = sql`lower(to_address) = ${address}`;
  const cancelled = rowsOf<{ id: number }>(
    await tx.execute(sql`delete from ${outbox} where ${to} and status in ('pending', 'sending') returning id`),
  ).length;
  const cleared = await clearOutboxBodies(tx, to);
  await tx.execute(sql`update ${outbox} set to_address = ${ADDRESS_REMOVED} where ${to}`);
  const quarantined = rowsOf<{ id: number }>(
    await tx.execute(sql`
      update ${quarantine} set raw = '\\x'::bytea, reason = ${ANONYMISED}
      where encode(raw, 'escape') ilike ${containing(address)} returning id`),
  ).length;
  const copies = rowsOf<{ id: number }>(
    await tx.execute(sql`
      update ${tickets} set participants = array(select p from unnest(participants) p where lower(p) <> ${address})
      where exists (select 1 from unnest(participants) p where lower(p) = ${address}) returning id`),
  ).length;
  let masked = await maskEverywhere(tx, address, ADDRESS_REMOVED);
  for (const name of names) masked += await maskEverywhere(tx, name, NAME_REMOVED);
  return {
    messages: sent.length,
    attachments: files,
    outboxCleared: cleared,
    outboxCancelled: cancelled,
    quarantine: quarantined,
    copies,
    masked,
  };
}

interface Column {
  readonly table: string;
  readonly column: string;
  readonly type: 'text' | 'jsonb' | 'text[]' | 'bytea';
}

/** The text-bearing columns of the schema's tables (information_schema: tables added later included). */
async function textColumns(tx: Db): Promise<Column[]> {
  const rows = rowsOf<{ table_name: string; column_name: string; data_type: string; udt_name: string }>(
    await tx.execute(sql`
      select c.table_name, c.column_name, c.data_type, c.udt_name
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
        and (c.data_type in ('text', 'character varying', 'jsonb', 'json', 'bytea')
          or c.udt_name in ('_text', '_varchar'))
      order by c.table_name, c.ordinal_position`),
  );
  return rows.map((r) => ({
    table: r.table_name,
    column: r.column_name,
    type:
      r.udt_name === '_text' || r.udt_name === '_varchar'
        ? 'text[]'
        : r.data_type === 'bytea'
          ? 'bytea'
          : r.data_type === 'jsonb' || r.data_type === 'json'
            ? 'jsonb'
            : 'text',
  }));
}

/**
 * Replaces `needle` (any case: an address, a full name) by `replacement` (ASCII) in every text,
 * JSON, text-array and bytea column of the schema; returns how many cells changed. Raw mails are
 * edited byte for byte (PostgreSQL's escape encoding keeps every other byte as it was).
 */
export async function maskEverywhere(tx: Db, needle: string, replacement: string): Promise<number> {
  const like = containing(needle);
  const regex = literalRegex(needle);
  let changed = 0;
  for (const { table, column, type } of await textColumns(tx)) {
    const t = sql.identifier(table);
    const c = sql.identifier(column);
    const statement =
      type === 'text'
        ? sql`update ${t} set ${c} = regexp_replace(${c}, ${regex}, ${replacement}, 'gi') where ${c} ilike ${like}`
        : type === 'jsonb'
          ? sql`update ${t} set ${c} = regexp_replace(${c}::text, ${regex}, ${replacement}, 'gi')::jsonb
                where ${c}::text ilike ${like}`
          : type === 'text[]'
            ? sql`update ${t} set ${c} = array(select regexp_replace(x, ${regex}, ${replacement}, 'gi')
                    from unnest(${c}) with ordinality u(x, n) order by n)
                  where array_to_string(${c}, chr(1)) ilike ${like}`
            : sql`update ${t}
                  set ${c} = decode(regexp_replace(encode(${c}, 'escape'), ${regex}, ${replacement}, 'gi'), 'escape')
                  where encode(${c}, 'escape') ilike ${like}`;
    const result = await tx.execute(sql`${statement} returning 1 as one`);
    changed += rowsOf(result).length;
  }
  return changed;
}

/** How many cells of the schema still contain `address` (the check after an erasure). */
export async function cellsMentioning(
  db: Db,
  address: string,
): Promise<{ table: string; column: string; rows: number }[]> {
  const like = containing(address);
  const found: { table: string; column: string; rows: number }[] = [];
  for (const { table, column, type } of await textColumns(db)) {
    const t = sql.identifier(table);
    const c = sql.identifier(column);
    const test =
      type === 'text'
        ? sql`${c} ilike ${like}`
        : type === 'jsonb'
          ? sql`${c}::text ilike ${like}`
          : type === 'text[]'
            ? sql`array_to_string(${c}, chr(1)) ilike ${like}`
            : sql`encode(${c}, 'escape') ilike ${like}`;
    const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${t} where ${test}`));
    if (Number(row?.n ?? 0) > 0) found.push({ table, column, rows: Number(row!.n) });
  }
  return found;
}

/** Closed (or rejected) tickets not yet anonymised, closed before `closedBefore`, oldest first. */
export async function closedTicketsToAnonymise(db: Db, closedBefore: Date, limit: number): Promise<number[]> {
  const rows = await db
    .select({ id: tickets.id })
    .from(tickets)
    .where(
      and(
        inArray(tickets.status, ['closed', 'rejected']),
        lt(tickets.closedAt, closedBefore),
        isNull(tickets.anonymisedAt),
      ),
    )
    .orderBy(asc(tickets.closedAt), asc(tickets.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** The earliest closure among the tickets still to anonymise (when the next one falls due), or null. */
export async function oldestClosureToAnonymise(db: Db): Promise<Date | null> {
  const [row] = await db
    .select({ closedAt: tickets.closedAt })
    .from(tickets)
    .where(and(inArray(tickets.status, ['closed', 'rejected']), isNull(tickets.anonymisedAt)))
    .orderBy(asc(tickets.closedAt))
    .limit(1);
  return row?.closedAt ?? null;
}

/** Tables an anonymisation rewrites. */
const TOUCHED_TABLES = [
  'tickets',
  'messages',
  'attachments',
  'attachment_blobs',
  'events',
  'outbox',
  'quarantine',
  'qualification_feedback',
] as const;

/**
 * Makes the old versions of rewritten rows leave the database files. An UPDATE leaves the old row
 * in the table's pages (and its index entries) until vacuumed, and the write-ahead log keeps it
 * until its segment is removed. `full` (the embedded database after an erasure): VACUUM FULL
 * rewrites the tables and their indexes, then a WAL switch and a checkpoint let the old segments
 * be deleted (PGlite runs with wal_recycle off, db/database.ts). Otherwise a plain VACUUM (no lock
 * that would stop other daemons); on PostgreSQL, docs/operations.md says what remains and how to
 * purge it. Cannot run inside a transaction.
 */
export async function purgeOldRowVersions(db: Db, engine: Engine, full: boolean): Promise<void> {
  const list = sql.raw(TOUCHED_TABLES.join(', '));
  if (!full) {
    await db.execute(sql`vacuum ${list}`);
    return;
  }
  await db.execute(sql`vacuum full ${list}`);
  if (engine === 'pglite') {
    await db.execute(sql`select pg_switch_wal()`);
    await db.execute(sql`checkpoint`);
  }
}

/** What erasing one address would change (its dry run), and the Message-IDs to delete from the mailbox. */
export interface ErasurePlan {
  readonly own: readonly { readonly id: number; readonly reference: string }[];
  readonly copied: readonly { readonly id: number; readonly reference: string }[];
  /** Mails of their tickets and mails they sent elsewhere. */
  readonly messages: number;
  readonly attachments: number;
  readonly outboxSent: number;
  readonly outboxUnsent: number;
  /** Quarantined raw mails holding their address, with the Message-ID each carries (null: none). */
  readonly quarantine: readonly (string | null)[];
  /** Message-IDs of the recorded mails to delete from the IMAP folders. */
  readonly messageIds: readonly string[];
  /** Their full names as recorded (complainant, sender), masked in other people's data too. */
  readonly names: readonly string[];
}

export async function erasurePlan(db: Db, address: string): Promise<ErasurePlan> {
  const { own, copied } = await ticketsOfPerson(db, address);
  const list = ids(own.map((t) => t.id));
  const mails = rowsOf<{ id: number; message_id: string; from_address: string | null; from_name: string }>(
    await db.execute(sql`
      select id, message_id, from_address, from_name from ${messages}
      where ticket_id = any(${list}::bigint[]) or lower(from_address) = ${address}`),
  );
  const names = [
    ...own.map((t) => t.complainantName),
    ...mails.filter((m) => m.from_address?.toLowerCase() === address).map((m) => m.from_name),
  ];
  const mailIds = ids(mails.map((m) => Number(m.id)));
  const [counts] = rowsOf<{ attachments: number; sent: number; unsent: number }>(
    await db.execute(sql`
      select (select count(*)::int from ${attachments} where message_id = any(${mailIds}::bigint[])) as attachments,
        (select count(*)::int from ${outbox}
          where (ticket_id = any(${list}::bigint[]) or lower(to_address) = ${address})
          and status in ('sent', 'dead')) as sent,
        (select count(*)::int from ${outbox}
          where (ticket_id = any(${list}::bigint[]) or lower(to_address) = ${address})
          and status in ('pending', 'sending')) as unsent`),
  );
  const quarantined = rowsOf<{ raw: Uint8Array }>(
    await db.execute(sql`
      select substring(raw from 1 for 65536) as raw from ${quarantine}
      where encode(raw, 'escape') ilike ${containing(address)}`),
  );
  return {
    own: own.map((t) => ({ id: t.id, reference: t.reference })),
    copied: copied.map((t) => ({ id: t.id, reference: t.reference })),
    messages: mails.length,
    attachments: Number(counts?.attachments ?? 0),
    outboxSent: Number(counts?.sent ?? 0),
    outboxUnsent: Number(counts?.unsent ?? 0),
    quarantine: quarantined.map((q) => rawMessageId(asBytes(q.raw))),
    messageIds: mails.map((m) => m.message_id),
    names: [...new Set(names.map((n) => n.trim().replace(/\s+/g, ' ')).filter(maskableName))],
  };
}

/**
 * A name specific enough to be masked in other people's texts: at least two words and six
 * letters (« Anne Martin »; not « Anne », which would hit every Anne), plain ASCII-safe to search.
 */
function maskableName(name: string): boolean {
  return name !== ANONYMISED && /\S+\s+\S+/.test(name) && name.replace(/[^\p{L}]/gu, '').length >= 6;
}

/** A raw `bytea` value as bytes: drizzle's raw queries return it as parsed by the engine's bytea parser. */
function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string' && value.startsWith('\\x')) return new Uint8Array(Buffer.from(value.slice(2), 'hex'));
  return new Uint8Array(0);
}
