// The database schema, shared by embedded PGlite and PostgreSQL. drizzle-kit generates the
// migrations in drizzle/ from this file; a test fails when the two drift apart.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { TicketStatus } from '../domain/ticket.js';

/** bytea as Uint8Array on both engines. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The text the web desk searches in a ticket, in French (stemmed by the `french` text-search
 * configuration), lower-cased and without accents: people type « medecin » for « médecin », and
 * PGlite has no `unaccent` extension. The same expression is indexed (GIN) and queried
 * (db/web-desk.ts), so the index is used; keep the two identical.
 */
export const TICKET_SEARCH_DOCUMENT = sql.raw(
  `to_tsvector('french'::regconfig, ${foldedText(
    "reference || ' ' || subject || ' ' || summary || ' ' || complainant_name || ' ' || " +
      "coalesce(complainant_company, '')",
  )})`,
);

/** SQL of `expression` lower-cased, without accents (œ, æ spelled out): how searched text and queries are compared. */
export function foldedText(expression: string): string {
  return (
    `translate(replace(replace(lower(${expression}), 'œ', 'oe'), 'æ', 'ae'), ` +
    "'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ', 'aaaaaaceeeeiiiinooooouuuuyy')"
  );
}

export const tickets = pgTable(
  'tickets',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    reference: text('reference').notNull(),
    year: smallint('year').notNull(),
    sequence: integer('sequence').notNull(),
    status: text('status').$type<TicketStatus>().notNull().default('received'),
    channel: text('channel').notNull().default('email'),
    subject: text('subject').notNull().default(''),
    complainantEmail: text('complainant_email'),
    complainantName: text('complainant_name').notNull().default(''),
    /** Given by staff for phone, letter or in-person complaints (#tel, #entreprise). */
    complainantPhone: text('complainant_phone'),
    complainantCompany: text('complainant_company'),
    /** The complaint's own words: new text, quoted history and signature removed. */
    summary: text('summary').notNull().default(''),
    /** Addresses in copy of the complaint: they may thread by subject tag too (SPEC §3). */
    participants: text('participants').array().notNull().default(sql`'{}'::text[]`),
    category: text('category'),
    level: smallint('level').notNull(),
    requester: text('requester'),
    typology: text('typology'),
    receivable: boolean('receivable').notNull().default(true),
    confidential: boolean('confidential').notNull().default(false),
    /** Qualification as decided at reception, with its evidence, for audit and learning. */
    qualification: jsonb('qualification').$type<Record<string, unknown>>(),
    receivedAt: instant('received_at').notNull(),
    /** The deadline rule is stored so that a later configuration change does not move it. */
    deadlineRule: text('deadline_rule').notNull(),
    deadlineAt: instant('deadline_at').notNull(),
    assigneeEmail: text('assignee_email'),
    registeredLetter: boolean('registered_letter').notNull().default(false),
    /** Tracking number of the registered-letter response (#lrar), required before closing an LRAR complaint. */
    registeredLetterTracking: text('registered_letter_tracking'),
    /** People notified at creation by routing (referents), for follow-ups when nobody took the ticket. */
    routedTo: text('routed_to').array().notNull().default(sql`'{}'::text[]`),
    /** Effectiveness check: null = not done, true/false = the answer (complainant OUI/NON or #efficace). */
    effective: boolean('effective'),
    verificationAskedAt: instant('verification_asked_at'),
    answeredAt: instant('answered_at'),
    closedAt: instant('closed_at'),
    /**
     * When the complainant's identity and texts were removed (RGPD erasure or retention): dates,
     * level, category, requester, typology and state stay, so the indicators do not move.
     */
    anonymisedAt: instant('anonymised_at'),
    /**
     * When the follow-through (services/follow-through.ts) must next look at this open ticket:
     * its earliest reminder, escalation or effectiveness step not yet handled. Null: to be
     * computed again, set by every change of the ticket (db/tickets.ts `updateTicket`).
     */
    nextDueAt: instant('next_due_at'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('tickets_reference_key').on(t.reference),
    index('tickets_received_at_idx').on(t.receivedAt),
    index('tickets_status_idx').on(t.status),
    index('tickets_complainant_idx').on(t.complainantEmail),
    /**
     * Indicators: closures in a range; the tickets closed since an instant and received before it (backlog at that
     * instant).
     */
    index('tickets_closed_at_received_at_idx').on(t.closedAt, t.receivedAt),
    /** Indicators: the current backlog (tickets still open), by reception. */
    index('tickets_open_received_idx').on(t.receivedAt).where(sql`${t.status} not in ('closed', 'rejected')`),
    /** Web desk: full-text search in French (TICKET_SEARCH_DOCUMENT). */
    index('tickets_search_idx').using('gin', TICKET_SEARCH_DOCUMENT),
    /** Recurrence: the tickets of one typology received in a window (db/analyses.ts). */
    index('tickets_typology_received_idx').on(t.typology, t.receivedAt),
    /** Follow-through: the open tickets with a step due (or to be computed again). */
    index('tickets_next_due_idx')
      .on(t.nextDueAt)
      .where(sql`${t.status} in ('received', 'in_progress', 'answered', 'verifying')`),
  ],
);

/**
 * Every follow-through step handled, once per (ticket, kind, due instant): the unique key is what
 * makes restarts, clock jumps and several daemons on one PostgreSQL send each reminder once.
 * kind: domain/follow-through.ts `FollowUpKind`, with `:<event id>` for an intermediate deadline.
 * outcome: `sent` (mailed to `recipients`), `superseded` (a later step of the same chain was due
 * too and went instead), `closed` (silence means yes: the ticket was closed), `no-recipient`.
 */
export const followUps = pgTable(
  'follow_ups',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ticketId: bigint('ticket_id', { mode: 'number' })
      .notNull()
      .references(() => tickets.id),
    kind: text('kind').notNull(),
    dueAt: instant('due_at').notNull(),
    outcome: text('outcome').notNull(),
    recipients: text('recipients').array().notNull().default(sql`'{}'::text[]`),
    handledAt: instant('handled_at').notNull(),
  },
  (t) => [uniqueIndex('follow_ups_ticket_kind_due_key').on(t.ticketId, t.kind, t.dueAt)],
);

export const MESSAGE_KINDS = ['complaint', 'follow-up', 'auto-reply', 'bounce', 'own', 'staff'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Every inbound mail, raw bytes kept: the full original is evidence. */
export const messages = pgTable(
  'messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: text('message_id').notNull(),
    ticketId: bigint('ticket_id', { mode: 'number' }).references(() => tickets.id),
    kind: text('kind').$type<MessageKind>().notNull(),
    fromAddress: text('from_address'),
    fromName: text('from_name').notNull().default(''),
    subject: text('subject').notNull().default(''),
    sentAt: instant('sent_at'),
    receivedAt: instant('received_at').notNull(),
    text: text('text').notNull().default(''),
    html: text('html'),
    raw: bytea('raw').notNull(),
    rawSha256: text('raw_sha256').notNull(),
    /** Where the mail came from: `imap:<mailbox>:<uidValidity>:<uid>` or `file:<name>`. */
    source: text('source').notNull(),
    classification: jsonb('classification').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    uniqueIndex('messages_message_id_key').on(t.messageId),
    index('messages_ticket_idx').on(t.ticketId),
    /** Indicators: mails seen per period. */
    index('messages_received_at_idx').on(t.receivedAt),
  ],
);

/** Attachment contents, stored once per distinct content (SHA-256). */
export const attachmentBlobs = pgTable('attachment_blobs', {
  sha256: text('sha256').primaryKey(),
  size: integer('size').notNull(),
  content: bytea('content').notNull(),
});

export const attachments = pgTable(
  'attachments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: bigint('message_id', { mode: 'number' })
      .notNull()
      .references(() => messages.id),
    /** Key into attachment_blobs when `stored`; the content is still in the raw message either way. */
    sha256: text('sha256').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    /** False when the attachment exceeded `attachments.maxBytes`: listed, content not kept. */
    stored: boolean('stored').notNull().default(true),
  },
  (t) => [index('attachments_message_idx').on(t.messageId)],
);

/** The audit trail: every change of every ticket, kept forever. */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ticketId: bigint('ticket_id', { mode: 'number' }).references(() => tickets.id),
    at: instant('at').notNull(),
    /** `system`, or the e-mail address of the person who acted. */
    actor: text('actor').notNull(),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    messageId: bigint('message_id', { mode: 'number' }).references(() => messages.id),
    /** The recurrence analysis the event is about (`analysis.*` events). */
    analysisId: bigint('analysis_id', { mode: 'number' }).references(() => analyses.id),
  },
  (t) => [
    index('events_ticket_idx').on(t.ticketId, t.at),
    index('events_analysis_idx').on(t.analysisId, t.at),
    index('events_type_at_idx').on(t.type, t.at),
    /**
     * Indicators: « has this ticket a `ticket.closed` event », a ticket's last life-cycle event: probes by type and
     * ticket.
     */
    index('events_type_ticket_idx').on(t.type, t.ticketId, t.at),
  ],
);

/** A file attached to an outgoing mail; with `cid`, an image the HTML shows inline (`<img src="cid:…">`). */
export interface OutboxAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly contentBase64: string;
  readonly cid?: string;
}

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'dead'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** Transactional outbox: written with the change that causes the mail, drained by the deliverer. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** RFC 5322 Message-ID without brackets, fixed at enqueue time so a resend is recognisable. */
    messageId: text('message_id').notNull(),
    ticketId: bigint('ticket_id', { mode: 'number' }).references(() => tickets.id),
    kind: text('kind').notNull(),
    toAddress: text('to_address').notNull(),
    /** Counts toward the per-address budget of automatic mails (mails to outside addresses). */
    automatic: boolean('automatic').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: instant('next_attempt_at').notNull(),
    leaseUntil: instant('lease_until'),
    lastError: text('last_error'),
    createdAt: instant('created_at').notNull(),
    sentAt: instant('sent_at'),
    /** Files sent with the mail (the digest's chart, inline by `cid`, and its spreadsheet); null for most mails. */
    attachments: jsonb('attachments').$type<OutboxAttachment[]>(),
  },
  (t) => [
    uniqueIndex('outbox_message_id_key').on(t.messageId),
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
    index('outbox_to_created_idx').on(t.toAddress, t.createdAt),
    index('outbox_ticket_idx').on(t.ticketId),
    /** Indicators: outgoing mails sent per period. */
    index('outbox_sent_at_idx').on(t.sentAt),
  ],
);

/** IMAP checkpoint per mailbox: mails above lastUid are new; a new uidValidity forces a resync. */
export const mailboxCheckpoints = pgTable('mailbox_checkpoints', {
  mailbox: text('mailbox').primaryKey(),
  uidValidity: bigint('uid_validity', { mode: 'number' }).notNull(),
  lastUid: bigint('last_uid', { mode: 'number' }).notNull(),
  updatedAt: instant('updated_at').notNull(),
});

/** Mails that could not be parsed or stored, kept raw with the reason. */
export const quarantine = pgTable(
  'quarantine',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    rawSha256: text('raw_sha256').notNull(),
    reason: text('reason').notNull(),
    raw: bytea('raw').notNull(),
    source: text('source').notNull(),
    receivedAt: instant('received_at').notNull(),
  },
  (t) => [uniqueIndex('quarantine_raw_sha256_key').on(t.rawSha256)],
);

/** Scheduled work done at most once per period: unique (job, period). */
export const jobRuns = pgTable(
  'job_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    job: text('job').notNull(),
    periodKey: text('period_key').notNull(),
    startedAt: instant('started_at').notNull(),
    finishedAt: instant('finished_at'),
    result: jsonb('result').$type<Record<string, unknown>>(),
  },
  (t) => [uniqueIndex('job_runs_job_period_key').on(t.job, t.periodKey)],
);

/**
 * Digest figures that can no longer change, computed once and kept (src/db/month-figures.ts): a
 * closed month's 12-month-trend points, or the backlog at a past period's end (`as_of`).
 * Engine-independent JSON. A row is deleted, in the same transaction, by every write that could
 * change it (a ticket whose figures concern instants after `as_of` changes, a life-cycle event
 * before it is recorded); `fingerprint` is that of the configuration and code the figures were
 * computed with, rows of another one are ignored and dropped at the next fill.
 */
export const monthFigures = pgTable(
  'month_figures',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** `trend` (one month of the trend chart) or `backlog` (at the period's end). */
    kind: text('kind').notNull(),
    periodKey: text('period_key').notNull(),
    /** The instant the figures describe; every write concerning an instant before it deletes the row. */
    asOf: instant('as_of').notNull(),
    fingerprint: text('fingerprint').notNull(),
    figures: jsonb('figures').$type<unknown>().notNull(),
    computedAt: instant('computed_at').notNull(),
  },
  (t) => [
    uniqueIndex('month_figures_key').on(t.kind, t.periodKey, t.asOf, t.fingerprint),
    index('month_figures_as_of_idx').on(t.asOf),
  ],
);

/** Ticket numbers per prefix and year, allocated in the ticket's own transaction: no gaps, no duplicates. */
export const ticketSequences = pgTable(
  'ticket_sequences',
  {
    prefix: text('prefix').notNull(),
    year: smallint('year').notNull(),
    lastValue: integer('last_value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.prefix, t.year] })],
);

/** Named leases (e.g. the mailbox): one daemon holds one at a time, others take over on expiry. */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: instant('expires_at').notNull(),
});

/**
 * Staff corrections of the automatic qualification (#categorie, #niveau, #demandeur, #typologie,
 * #irrecevable): each adjusts future scores. Bounded by the qualifier (recent rows only).
 */
export const qualificationFeedback = pgTable(
  'qualification_feedback',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ticketId: bigint('ticket_id', { mode: 'number' }).references(() => tickets.id),
    /** category | level | requester | receivable | typology */
    field: text('field').notNull(),
    fromValue: text('from_value'),
    toValue: text('to_value').notNull(),
    /** The normalised terms of the complaint the correction applies to (what the qualifier learns from). */
    terms: text('terms').array().notNull(),
    actor: text('actor').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('qualification_feedback_field_idx').on(t.field, t.createdAt)],
);

/**
 * Sign-in links of the web desk, one row per request, known address or not (the rate limits count
 * both alike). Only hashes are kept: the nonce's SHA-256, and keyed hashes of the address and the
 * client, so the table names nobody who is not a configured person.
 */
export const webLinks = pgTable(
  'web_links',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** SHA-256 (hex) of the link's nonce; null when no link was sent (unknown address). */
    nonceHash: text('nonce_hash'),
    /** The configured person the link was sent to; null for an unknown address. */
    email: text('email'),
    addressKey: text('address_key').notNull(),
    clientKey: text('client_key').notNull(),
    requestedAt: instant('requested_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    /** Set once, when the link opened a session: a second use is refused. */
    usedAt: instant('used_at'),
  },
  (t) => [
    uniqueIndex('web_links_nonce_hash_key').on(t.nonceHash),
    index('web_links_address_idx').on(t.addressKey, t.requestedAt),
    index('web_links_client_idx').on(t.clientKey, t.requestedAt),
  ],
);

/** Web desk sessions: the cookie holds a random id, the table its SHA-256. */
export const webSessions = pgTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    email: text('email').notNull(),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    /** Sign-out. */
    endedAt: instant('ended_at'),
  },
  (t) => [index('web_sessions_expires_idx').on(t.expiresAt)],
);

export const ANALYSIS_STATUSES = ['open', 'closed'] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

/**
 * Recurrence analyses (SPEC §2): more than `threshold` tickets of one typology in `months` months
 * open one, owed by the pilot. Its whys, causes, actions and closure are `analysis.*` events.
 * At most one open analysis per typology (partial unique index): later tickets join it.
 */
export const analyses = pgTable(
  'analyses',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** `ANA-YYYY-NNNN`, from analysis_sequences. */
    reference: text('reference').notNull(),
    year: smallint('year').notNull(),
    sequence: integer('sequence').notNull(),
    typology: text('typology').notNull(),
    /** The category the typology belongs to in the configuration when it opened (its referents are told). */
    category: text('category'),
    status: text('status').$type<AnalysisStatus>().notNull().default('open'),
    /** The rule that opened it, as configured then. */
    threshold: integer('threshold').notNull(),
    months: smallint('months').notNull(),
    /** The window whose tickets opened it: received in (windowStart, windowEnd]. */
    windowStart: instant('window_start').notNull(),
    windowEnd: instant('window_end').notNull(),
    openedAt: instant('opened_at').notNull(),
    closedAt: instant('closed_at'),
    closedBy: text('closed_by'),
    /** When the pilot is next reminded while it is open (daemon/follow-through-loop.ts); null when closed. */
    nextReminderAt: instant('next_reminder_at'),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('analyses_reference_key').on(t.reference),
    uniqueIndex('analyses_open_typology_key').on(t.typology).where(sql`${t.status} = 'open'`),
    index('analyses_next_reminder_idx').on(t.nextReminderAt).where(sql`${t.status} = 'open'`),
    index('analyses_opened_at_idx').on(t.openedAt),
  ],
);

/** The tickets of an analysis: those that opened it and those of its typology received while it was open. */
export const analysisTickets = pgTable(
  'analysis_tickets',
  {
    analysisId: bigint('analysis_id', { mode: 'number' })
      .notNull()
      .references(() => analyses.id),
    ticketId: bigint('ticket_id', { mode: 'number' })
      .notNull()
      .references(() => tickets.id),
    attachedAt: instant('attached_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.analysisId, t.ticketId] }), index('analysis_tickets_ticket_idx').on(t.ticketId)],
);

/** Analysis numbers per year, allocated in the analysis's own transaction (as ticket_sequences). */
export const analysisSequences = pgTable('analysis_sequences', {
  year: smallint('year').primaryKey(),
  lastValue: integer('last_value').notNull(),
});

/** Reminders of open analyses, one row per (analysis, due instant): restarts and other daemons never send twice. */
export const analysisReminders = pgTable(
  'analysis_reminders',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    analysisId: bigint('analysis_id', { mode: 'number' })
      .notNull()
      .references(() => analyses.id),
    dueAt: instant('due_at').notNull(),
    sentAt: instant('sent_at').notNull(),
    to: text('to').array().notNull(),
  },
  (t) => [uniqueIndex('analysis_reminders_due_key').on(t.analysisId, t.dueAt)],
);
