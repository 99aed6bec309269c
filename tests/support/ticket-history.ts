// Realistic ticket histories for indicator tests, digest previews and the benchmark: tickets with
// their audit events (and, optionally, the mails around them), drawn from a seeded generator so a
// seed always gives the same history, then bulk-inserted with multi-row INSERTs in chunks.
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/database.js';
import { rowsOf } from '../../src/db/database.js';
import {
  type events,
  type messages,
  type outbox,
  quarantine,
  type tickets,
  ticketSequences,
} from '../../src/db/schema.js';
import { computeDeadline } from '../../src/domain/deadline.js';
import { parseDuration } from '../../src/domain/duration.js';
import { EVENT_TYPES } from '../../src/domain/event-types.js';
import { formatTicketReference } from '../../src/domain/ticket-reference.js';
import { localWallTimeOf } from '../../src/domain/zoned-time.js';

type NewTicket = typeof tickets.$inferInsert;
type NewEvent = typeof events.$inferInsert;
type NewMessage = typeof messages.$inferInsert;
type NewOutbox = typeof outbox.$inferInsert;
type NewQuarantine = typeof quarantine.$inferInsert;

export interface HistoryOptions {
  readonly seed: number;
  /** How many tickets. */
  readonly count: number;
  /** Reception window [from, to). */
  readonly from: Date;
  readonly to: Date;
  /** The history stops here: nothing happens after `now` (defaults to `to`). */
  readonly now?: Date;
  readonly timeZone?: string;
  readonly prefix?: string;
  /** Share of medical (confidential) tickets, 0–1 (default 0.12). */
  readonly medicalShare?: number;
  /** Share of non-receivable tickets (default 0.06). */
  readonly nonReceivableShare?: number;
  /** Share of closed tickets reopened (default 0.05). */
  readonly reopenShare?: number;
  /** Mails around the tickets: complaint messages, follow-ups, auto-replies, bounces, quarantine, acknowledgements (default true). */
  readonly withMail?: boolean;
  /** Levels and their response rules (default: SPEC §7's 10d, 15d, 30d). */
  readonly levels?: readonly { readonly level: number; readonly resolveWithin: string; readonly weight: number }[];
}

export interface TicketHistory {
  /** Ticket and message ids are local (from 1); `insertTicketHistory` shifts them past the rows already there. */
  readonly tickets: NewTicket[];
  readonly events: NewEvent[];
  readonly messages: NewMessage[];
  readonly outbox: NewOutbox[];
  readonly quarantine: NewQuarantine[];
}

/** Subjects only medical tickets use: a test may look for them in what non-doctors receive. */
export const MEDICAL_SUBJECTS = [
  'Contestation de l’avis d’inaptitude',
  'Dossier médical transmis sans mon accord',
  'Visite de reprise refusée par le médecin du travail',
  'Propos du médecin lors de la visite',
  'Aménagement de poste préconisé non respecté',
  'Demande de copie du dossier médical restée sans réponse',
] as const;

const SUBJECTS: Record<string, readonly string[]> = {
  generale: [
    'Attente trop longue à l’accueil',
    'Impossible de joindre le standard',
    'Rendez-vous annulé au dernier moment',
    'Accueil désagréable au centre de Montreuil',
  ],
  administrative: [
    'Convocation envoyée à la mauvaise adresse',
    'Attestation de suivi non reçue',
    'Erreur dans la liste des salariés déclarés',
    'Changement de SIRET non pris en compte',
  ],
  facturation: [
    'Cotisation facturée deux fois',
    'Facture pour un salarié parti',
    'Demande de remise sur la cotisation',
    'Relance de paiement injustifiée',
  ],
  prevention: [
    'Fiche d’entreprise non réalisée',
    'Étude de poste toujours en attente',
    'Intervention de l’ergonome reportée',
    'Action de sensibilisation annulée',
  ],
  autre: [
    'Site internet indisponible',
    'Questionnaire de satisfaction trop long',
    'Portail adhérent : mot de passe refusé',
  ],
};

const CATEGORY_WEIGHTS: readonly [string, number][] = [
  ['generale', 0.3],
  ['administrative', 0.2],
  ['facturation', 0.16],
  ['prevention', 0.14],
  ['autre', 0.2],
];
const CHANNEL_WEIGHTS: readonly [string, number][] = [
  ['email', 0.55],
  ['telephone', 0.18],
  ['portail', 0.12],
  ['courrier', 0.07],
  ['presentiel', 0.05],
  ['lrar', 0.03],
];
const FIRST_NAMES = [
  'Marie',
  'Jean',
  'Nathalie',
  'Karim',
  'Sophie',
  'Thomas',
  'Isabelle',
  'Mehdi',
  'Claire',
  'Julien',
  'Fatima',
  'Nicolas',
  'Hélène',
  'Lucas',
  'Amandine',
];
const LAST_NAMES = [
  'Martin',
  'Bernard',
  'Dubois',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Benali',
  'Fournier',
  'Girard',
  'Lambert',
  'Rousseau',
  'Nguyen',
  'Mercier',
];
const COMPANIES = [
  'btp-ile-de-france',
  'boulangerie-dupre',
  'transports-leclerc',
  'clinique-saint-roch',
  'garage-moderne',
  'logistique-express',
  'mairie-exemple',
];
const REFERENTS = ['accueil@spst-test.fr', 'pilote@spst-test.fr', 'direction@spst-test.fr'];

const DAY = 86_400_000;

/** mulberry32: small, fast, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generates `options.count` tickets with their events, oldest first. Deterministic for a seed. */
export function generateTicketHistory(options: HistoryOptions): TicketHistory {
  const all: TicketHistory = { tickets: [], events: [], messages: [], outbox: [], quarantine: [] };
  for (const batch of ticketHistoryBatches(options, options.count)) {
    for (const key of Object.keys(all) as (keyof TicketHistory)[]) (all[key] as unknown[]).push(...batch[key]);
  }
  return all;
}

/**
 * The same history in batches of `batchSize` tickets (ids, references and message ids continue
 * from one batch to the next), so that a million tickets never sit in memory at once: insert each
 * batch with `insertTicketHistory(db, batch, offsets)` using the offsets of the first call.
 */
export function* ticketHistoryBatches(options: HistoryOptions, batchSize = 10_000): Generator<TicketHistory> {
  const random = prng(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const weighted = (list: readonly (readonly [string, number])[]): string => {
    const total = list.reduce((s, [, w]) => s + w, 0);
    let r = random() * total;
    for (const [value, weight] of list) {
      r -= weight;
      if (r < 0) return value;
    }
    return list[list.length - 1]![0];
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const timeZone = options.timeZone ?? 'Europe/Paris';
  const prefix = options.prefix ?? 'REC';
  const now = options.now ?? options.to;
  const medicalShare = options.medicalShare ?? 0.12;
  const nonReceivableShare = options.nonReceivableShare ?? 0.06;
  const reopenShare = options.reopenShare ?? 0.05;
  const withMail = options.withMail ?? true;
  const levels = (
    options.levels ?? [
      { level: 1, resolveWithin: '10d', weight: 0.15 },
      { level: 2, resolveWithin: '15d', weight: 0.35 },
      { level: 3, resolveWithin: '30d', weight: 0.5 },
    ]
  ).map((l) => ({ ...l, rule: parseDuration(l.resolveWithin)! }));
  const levelWeights = levels.map((l) => [String(l.level), l.weight] as const);

  // Reception times: office hours on working days most of the time.
  const span = options.to.getTime() - options.from.getTime();
  const receptions: number[] = [];
  while (receptions.length < options.count) {
    const t = options.from.getTime() + Math.floor(random() * span);
    const wall = localWallTimeOf(new Date(t), timeZone);
    const weekday = new Date(`${wall.localDate}T12:00:00Z`).getUTCDay();
    const office = weekday >= 1 && weekday <= 5 && wall.hour >= 8 && wall.hour < 19;
    if (office || random() < 0.12) receptions.push(t);
  }
  receptions.sort((a, b) => a - b);

  let history: TicketHistory = { tickets: [], events: [], messages: [], outbox: [], quarantine: [] };
  const deadlines = new Map<string, Date>();
  const sequences = new Map<number, number>();
  let messageNo = 0;
  const event = (
    ticketId: number | null,
    at: number,
    type: string,
    actor = 'system',
    data: Record<string, unknown> = {},
  ) => {
    if (at <= now.getTime()) history.events.push({ ticketId, at: new Date(at), actor, type, data });
  };
  const message = (ticketId: number | null, at: number, kind: NewMessage['kind'], from: string, subject: string) => {
    const n = ++messageNo;
    history.messages.push({
      id: n,
      messageId: `gen-${options.seed}-${n}@example.test`,
      ticketId,
      kind,
      fromAddress: from,
      subject,
      receivedAt: new Date(at),
      text: '',
      raw: new Uint8Array([0x0a]),
      rawSha256: `gen-${options.seed}-${n}`,
      source: 'file:generated',
      classification: { kind },
    });
  };

  for (let start = 0; start < receptions.length; start += batchSize) {
    receptions.slice(start, start + batchSize).forEach((receivedMs, batchIndex) => {
      const index = start + batchIndex;
      const id = index + 1;
      const receivedAt = new Date(receivedMs);
      const year = Number(localWallTimeOf(receivedAt, timeZone).localDate.slice(0, 4));
      const sequence = (sequences.get(year) ?? 0) + 1;
      sequences.set(year, sequence);
      const levelKey = weighted(levelWeights);
      const level = levels.find((l) => String(l.level) === levelKey)!;
      const medical = random() < medicalShare;
      const category = medical ? 'medicale' : weighted(CATEGORY_WEIGHTS);
      const requester = medical ? (random() < 0.85 ? 'salarie' : 'adherent') : random() < 0.72 ? 'adherent' : 'salarie';
      const channel = weighted(CHANNEL_WEIGHTS);
      const first = pick(FIRST_NAMES);
      const last = pick(LAST_NAMES);
      const complainantEmail = `${first
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z]/g, '')}.${last.toLowerCase()}.${id}@${pick(COMPANIES)}.fr`;
      const subject = medical ? pick(MEDICAL_SUBJECTS) : pick(SUBJECTS[category]!);
      // Day rules depend only on the local reception date: computed once per date and level.
      const deadlineKey =
        level.rule.unit === 'h' ? null : `${localWallTimeOf(receivedAt, timeZone).localDate}|${level.level}`;
      let deadlineAt = deadlineKey ? deadlines.get(deadlineKey) : undefined;
      if (!deadlineAt) {
        deadlineAt = computeDeadline(receivedAt, level.rule, { timeZone, alsaceMoselle: false });
        if (deadlineKey) deadlines.set(deadlineKey, deadlineAt);
      }
      const deadlineDays = (deadlineAt.getTime() - receivedMs) / DAY;
      const assignee = medical ? 'dr.martin@spst-test.fr' : pick(REFERENTS);

      const ticket: NewTicket = {
        id,
        reference: formatTicketReference(prefix, year, sequence),
        year,
        sequence,
        status: 'received',
        channel,
        subject,
        complainantEmail,
        complainantName: `${first} ${last}`,
        summary: medical ? `${subject}. Détails médicaux confidentiels du dossier ${id}.` : `${subject}.`,
        category,
        level: level.level,
        requester,
        receivable: true,
        confidential: medical,
        receivedAt,
        deadlineRule: level.resolveWithin,
        deadlineAt,
        registeredLetter: channel === 'lrar',
        createdAt: receivedAt,
        updatedAt: receivedAt,
      };
      history.tickets.push(ticket);
      event(id, receivedMs, EVENT_TYPES.received, channel === 'email' ? complainantEmail : assignee, {
        channel,
        level: level.level,
      });
      if (withMail && channel === 'email') {
        message(id, receivedMs, 'complaint', complainantEmail, subject);
        history.outbox.push(outboxRow(options.seed, id, 'ack', complainantEmail, receivedMs + 60_000, now.getTime()));
        if (random() < 0.08) {
          // The complainant's out-of-office answered our acknowledgement.
          message(null, receivedMs + 120_000, 'auto-reply', complainantEmail, `Réponse automatique : ${subject}`);
          event(null, receivedMs + 120_000, EVENT_TYPES.mailAutoReply, 'system', {
            reason: 'Auto-Submitted: auto-replied',
          });
        }
      }
      const assignedMs = receivedMs + (0.05 + random()) * DAY;
      if (assignedMs <= now.getTime()) {
        ticket.status = 'in_progress';
        ticket.assigneeEmail = assignee;
        event(id, assignedMs, EVENT_TYPES.assigned, assignee, { assignee });
        event(id, assignedMs, EVENT_TYPES.commandApplied, assignee, { command: 'prendre' });
      }
      if (withMail && random() < 0.15) {
        const followMs = receivedMs + (1 + random() * 10) * DAY;
        if (followMs <= now.getTime()) {
          message(id, followMs, 'follow-up', complainantEmail, `RE: [${ticket.reference}] ${subject}`);
          event(id, followMs, EVENT_TYPES.followUp, complainantEmail);
        }
      }

      if (random() < nonReceivableShare) {
        const rejectedMs = receivedMs + (0.2 + random() * 3) * DAY;
        if (rejectedMs <= now.getTime()) {
          Object.assign(ticket, { status: 'rejected', receivable: false, updatedAt: new Date(rejectedMs) });
          event(id, rejectedMs, EVENT_TYPES.rejected, assignee, { reason: 'hors du champ du service' });
          event(id, rejectedMs, EVENT_TYPES.commandApplied, assignee, { command: 'irrecevable' });
        }
        return;
      }

      // Answers: about one in eight after the deadline.
      const answerDays = Math.max(0.05, deadlineDays * Math.exp(-0.8 + 0.7 * normal()));
      const answeredMs = receivedMs + answerDays * DAY;
      if (answeredMs > now.getTime()) return;
      Object.assign(ticket, { status: 'answered', answeredAt: new Date(answeredMs), updatedAt: new Date(answeredMs) });
      event(id, answeredMs, EVENT_TYPES.answered, assignee, { via: channel === 'lrar' ? 'lrar' : 'mail' });
      event(id, answeredMs, EVENT_TYPES.commandApplied, assignee, {
        command: channel === 'lrar' ? 'lrar' : 'repondre',
      });
      if (withMail && channel === 'email')
        history.outbox.push(
          outboxRow(options.seed, id, 'response', complainantEmail, answeredMs + 30_000, now.getTime()),
        );

      const verifyingMs = answeredMs + 0.1 * DAY;
      if (verifyingMs > now.getTime()) return;
      Object.assign(ticket, {
        status: 'verifying',
        verificationAskedAt: new Date(verifyingMs),
        updatedAt: new Date(verifyingMs),
      });
      event(id, verifyingMs, EVENT_TYPES.verifying);
      const effectiveMs = verifyingMs + (1 + random() * 8) * DAY;
      if (effectiveMs > now.getTime()) return;
      const effective = random() < 0.86;
      event(id, effectiveMs, EVENT_TYPES.effectiveness, effective ? complainantEmail : assignee, {
        effective,
        source: effective ? 'complainant' : 'staff',
      });
      ticket.effective = effective;
      let closedMs = effectiveMs + random() * 2 * DAY;
      if (closedMs > now.getTime()) return;
      Object.assign(ticket, { status: 'closed', closedAt: new Date(closedMs), updatedAt: new Date(closedMs) });
      event(id, closedMs, EVENT_TYPES.closed, assignee);
      event(id, closedMs, EVENT_TYPES.commandApplied, assignee, { command: 'clore' });

      if (random() < reopenShare) {
        const reopenedMs = closedMs + (1 + random() * 20) * DAY;
        if (reopenedMs > now.getTime()) return;
        Object.assign(ticket, {
          status: 'in_progress',
          closedAt: null,
          effective: null,
          updatedAt: new Date(reopenedMs),
        });
        event(id, reopenedMs, EVENT_TYPES.reopened, assignee, { from: 'closed' });
        event(id, reopenedMs, EVENT_TYPES.commandApplied, assignee, { command: 'rouvrir' });
        closedMs = reopenedMs + (2 + random() * 15) * DAY;
        if (closedMs > now.getTime()) return;
        Object.assign(ticket, {
          status: 'closed',
          closedAt: new Date(closedMs),
          effective: true,
          updatedAt: new Date(closedMs),
        });
        event(id, closedMs, EVENT_TYPES.closed, assignee);
        event(id, closedMs, EVENT_TYPES.commandApplied, assignee, { command: 'clore' });
      }
    });
    if (start + batchSize < receptions.length) {
      history.events.sort((a, b) => (a.at as Date).getTime() - (b.at as Date).getTime());
      yield history;
      history = { tickets: [], events: [], messages: [], outbox: [], quarantine: [] };
    }
  }

  if (withMail) {
    // Bounces and unreadable mails: a few per hundred tickets, spread over the window.
    const extras = Math.round(options.count * 0.03);
    for (let i = 0; i < extras; i++) {
      const at = options.from.getTime() + Math.floor(random() * span);
      if (at > now.getTime()) continue;
      if (random() < 0.8) {
        message(null, at, 'bounce', 'mailer-daemon@example.test', 'Undelivered Mail Returned to Sender');
        event(null, at, EVENT_TYPES.mailBounce, 'system', { reason: 'multipart/report' });
      } else {
        history.quarantine.push({
          rawSha256: `gen-q-${options.seed}-${i}`,
          reason: 'no header',
          raw: new Uint8Array([0x0a]),
          source: 'file:generated',
          receivedAt: new Date(at),
        });
        event(null, at, EVENT_TYPES.mailQuarantined, 'system', { reason: 'no header' });
      }
    }
  }
  history.events.sort((a, b) => (a.at as Date).getTime() - (b.at as Date).getTime());
  yield history;
}

function outboxRow(seed: number, ticketId: number, kind: string, to: string, at: number, now: number): NewOutbox {
  const sent = at <= now;
  return {
    messageId: `gen-out-${seed}-${kind}-${ticketId}@spst-test.fr`,
    ticketId,
    kind,
    toAddress: to,
    automatic: kind === 'ack',
    subject: kind,
    text: '',
    html: '',
    status: sent ? 'sent' : 'pending',
    attempts: sent ? 1 : 0,
    nextAttemptAt: new Date(at),
    createdAt: new Date(at),
    sentAt: sent ? new Date(at) : null,
  };
}

async function maxId(db: Db, table: 'tickets' | 'messages'): Promise<number> {
  const [row] = rowsOf<{ max: number | string | null }>(
    await db.execute(sql.raw(`select max(id) as max from ${table}`)),
  );
  return Number(row?.max ?? 0);
}

/** Column name in the table, key in the row, SQL type, value when the row has none — for `insertAsJson`. */
type JsonColumns = readonly (readonly [column: string, key: string, type: string, fallback?: unknown])[];

const TICKET_COLUMNS: JsonColumns = [
  ['id', 'id', 'bigint'],
  ['reference', 'reference', 'text'],
  ['year', 'year', 'smallint'],
  ['sequence', 'sequence', 'integer'],
  ['status', 'status', 'text'],
  ['channel', 'channel', 'text'],
  ['subject', 'subject', 'text'],
  ['complainant_email', 'complainantEmail', 'text'],
  ['complainant_name', 'complainantName', 'text'],
  ['summary', 'summary', 'text'],
  ['category', 'category', 'text'],
  ['level', 'level', 'smallint'],
  ['requester', 'requester', 'text'],
  ['receivable', 'receivable', 'boolean'],
  ['confidential', 'confidential', 'boolean'],
  ['received_at', 'receivedAt', 'timestamptz'],
  ['deadline_rule', 'deadlineRule', 'text'],
  ['deadline_at', 'deadlineAt', 'timestamptz'],
  ['assignee_email', 'assigneeEmail', 'text'],
  ['registered_letter', 'registeredLetter', 'boolean'],
  ['effective', 'effective', 'boolean'],
  ['verification_asked_at', 'verificationAskedAt', 'timestamptz'],
  ['answered_at', 'answeredAt', 'timestamptz'],
  ['closed_at', 'closedAt', 'timestamptz'],
  ['created_at', 'createdAt', 'timestamptz'],
  ['updated_at', 'updatedAt', 'timestamptz'],
];
const EVENT_COLUMNS: JsonColumns = [
  ['ticket_id', 'ticketId', 'bigint'],
  ['at', 'at', 'timestamptz'],
  ['actor', 'actor', 'text'],
  ['type', 'type', 'text'],
  ['data', 'data', 'jsonb', {}],
];
const MESSAGE_COLUMNS: JsonColumns = [
  ['id', 'id', 'bigint'],
  ['message_id', 'messageId', 'text'],
  ['ticket_id', 'ticketId', 'bigint'],
  ['kind', 'kind', 'text'],
  ['from_address', 'fromAddress', 'text'],
  ['from_name', 'fromName', 'text', ''],
  ['subject', 'subject', 'text', ''],
  ['received_at', 'receivedAt', 'timestamptz'],
  ['text', 'text', 'text', ''],
  ['raw', 'raw', 'bytea'],
  ['raw_sha256', 'rawSha256', 'text'],
  ['source', 'source', 'text'],
  ['classification', 'classification', 'jsonb', {}],
];
const OUTBOX_COLUMNS: JsonColumns = [
  ['message_id', 'messageId', 'text'],
  ['ticket_id', 'ticketId', 'bigint'],
  ['kind', 'kind', 'text'],
  ['to_address', 'toAddress', 'text'],
  ['automatic', 'automatic', 'boolean'],
  ['subject', 'subject', 'text'],
  ['text', 'text', 'text'],
  ['html', 'html', 'text'],
  ['headers', 'headers', 'jsonb', {}],
  ['status', 'status', 'text'],
  ['attempts', 'attempts', 'integer', 0],
  ['next_attempt_at', 'nextAttemptAt', 'timestamptz'],
  ['created_at', 'createdAt', 'timestamptz'],
  ['sent_at', 'sentAt', 'timestamptz'],
];

/**
 * One INSERT … SELECT FROM json_to_recordset per chunk: a single bound parameter however many
 * rows, several times faster than multi-row VALUES through the ORM, on both engines. Columns
 * left out of a row get NULL, so every NOT NULL column must be in `columns` and in each row.
 */
async function insertAsJson(db: Db, table: string, columns: JsonColumns, rows: readonly object[]): Promise<void> {
  const json = JSON.stringify(
    rows.map((row) =>
      Object.fromEntries(
        columns.map(([column, key, type, fallback]) => {
          const value = (row as Record<string, unknown>)[key] ?? fallback ?? null;
          // bytea from JSON text: PostgreSQL's hex input format.
          return [
            column,
            type === 'bytea' && value instanceof Uint8Array ? `\\x${Buffer.from(value).toString('hex')}` : value,
          ];
        }),
      ),
    ),
  );
  const names = columns.map(([column]) => column).join(', ');
  const types = columns.map(([column, , type]) => `${column} ${type}`).join(', ');
  await db.execute(
    sql`insert into ${sql.raw(table)} (${sql.raw(names)}) select ${sql.raw(names)} from json_to_recordset(${json}::json) as x(${sql.raw(types)})`,
  );
}

async function chunked<T>(rows: readonly T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/**
 * Inserts a history with multi-row INSERTs of `chunkSize` rows (PostgreSQL allows 65 535 bound
 * parameters per statement: 1 000 tickets of ~35 columns fit). Ticket and message ids are shifted
 * past the existing rows and the id sequences and ticket_sequences moved past them. Meant for a
 * table without tickets of the same prefix and years.
 */
export async function insertTicketHistory(
  db: Db,
  history: TicketHistory,
  options: InsertOptions = {},
): Promise<Required<Omit<InsertOptions, 'chunkSize'>>> {
  const size = options.chunkSize ?? 1000;
  const ticketBase = options.ticketIdOffset ?? (await maxId(db, 'tickets'));
  const messageBase = options.messageIdOffset ?? (await maxId(db, 'messages'));
  const shift = (id: number | null | undefined) => (id === null || id === undefined ? null : id + ticketBase);
  await chunked(history.tickets, size * 5, (chunk) =>
    insertAsJson(
      db,
      'tickets',
      TICKET_COLUMNS,
      chunk.map((t) => ({ ...t, id: shift(t.id)! })),
    ),
  );
  await chunked(history.messages, size * 5, (chunk) =>
    insertAsJson(
      db,
      'messages',
      MESSAGE_COLUMNS,
      chunk.map((m) => ({ ...m, id: messageBase + m.id!, ticketId: shift(m.ticketId) })),
    ),
  );
  await chunked(history.events, size * 10, (chunk) =>
    insertAsJson(
      db,
      'events',
      EVENT_COLUMNS,
      chunk.map((e) => ({ ...e, ticketId: shift(e.ticketId) })),
    ),
  );
  await chunked(history.outbox, size * 5, (chunk) =>
    insertAsJson(
      db,
      'outbox',
      OUTBOX_COLUMNS,
      chunk.map((o) => ({ ...o, ticketId: shift(o.ticketId) })),
    ),
  );
  await chunked(history.quarantine, size, (chunk) => db.insert(quarantine).values(chunk));
  await db.execute(
    sql`select setval(pg_get_serial_sequence('tickets', 'id'), greatest((select max(id) from tickets), 1))`,
  );
  await db.execute(
    sql`select setval(pg_get_serial_sequence('messages', 'id'), greatest((select max(id) from messages), 1))`,
  );
  const perYear = new Map<string, { prefix: string; year: number; lastValue: number }>();
  for (const t of history.tickets) {
    const prefix = t.reference!.split('-')[0]!;
    const key = `${prefix}-${t.year}`;
    const current = perYear.get(key);
    if (!current || current.lastValue < t.sequence!)
      perYear.set(key, { prefix, year: t.year!, lastValue: t.sequence! });
  }
  for (const row of perYear.values()) {
    await db
      .insert(ticketSequences)
      .values(row)
      .onConflictDoUpdate({
        target: [ticketSequences.prefix, ticketSequences.year],
        set: { lastValue: sql`greatest(${ticketSequences.lastValue}, ${row.lastValue})` },
      });
  }
  return { ticketIdOffset: ticketBase, messageIdOffset: messageBase };
}

export interface InsertOptions {
  /** Rows per INSERT (default 1 000). */
  readonly chunkSize?: number;
  /** Added to the history's local ids; default: the largest id in the table (pass the first call's for later batches). */
  readonly ticketIdOffset?: number;
  readonly messageIdOffset?: number;
}

/** Generates and inserts a history batch by batch (the benchmark's million tickets). */
export async function insertGeneratedHistory(db: Db, options: HistoryOptions, batchSize = 10_000): Promise<void> {
  let offsets: Omit<InsertOptions, 'chunkSize'> = {};
  for (const batch of ticketHistoryBatches(options, batchSize)) offsets = await insertTicketHistory(db, batch, offsets);
}
