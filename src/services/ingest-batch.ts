// A fetched batch of inbound mails through the pipeline with one transaction and a handful of
// multi-row statements for the common mails (new complaints, follow-ups, automatic replies and
// bounces), instead of one transaction of ~15 statements per mail (bench/README.md).
//
// The outcome is the same as `ingestMail` on each mail in turn, which stays the path of every
// other mail: staff mails (commands), a complainant's answer to the effectiveness question, mails
// that cannot be parsed, a mail threading onto something that this same batch creates (a
// Message-ID or a ticket reference not yet in the database), a complainant whose automatic-mail
// budget is nearly spent. Such a mail first commits the mails before it, then goes alone, and
// the rest of the batch is looked at afresh. If the database refuses a batch's content
// (SQLSTATE 22/23), its mails are redone one by one so only the faulty one is quarantined.
import { setImmediate } from 'node:timers/promises';
import type { Db } from '../db/database.js';
import { recordEvents, type NewEvent } from '../db/events.js';
import {
  allocateTicketReferences,
  attachmentsRows,
  countAutomaticSinceMany,
  insertAttachmentRows,
  insertMessages,
  insertOutboxRows,
  insertTicketRows,
  recordedMessageIds,
  type NumberedTicket,
} from '../db/batch-writes.js';
import { advanceCheckpoint } from '../db/mailbox-checkpoints.js';
import type { NewMessage } from '../db/messages.js';
import type { NewOutboxRow } from '../db/outbox.js';
import { recentQualificationFeedback } from '../db/qualification-feedback.js';
import { findTicketsByReferences, ticketsByMessageIds, type TicketRow } from '../db/tickets.js';
import { parseDuration } from '../domain/duration.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import {
  bouncedMessageId,
  referencedMessageIds,
  subjectTicketReferences,
  type Classification,
} from '../domain/inbound-classification.js';
import type { InboundMail } from '../domain/inbound-mail.js';
import { windowMs } from '../domain/mail-budget.js';
import { findPerson } from '../domain/people.js';
import type { QualificationFeedback } from '../domain/qualification.js';
import { resolveQualificationRules } from '../domain/qualification-rules.js';
import { extractNewText } from '../domain/reply-text.js';
import type { ParseResult } from '../ports.js';
import type { Deps } from './deps.js';
import { composeOutboxRow, type MailRequest } from './enqueue-mail.js';
import { staffMailRequest } from './enqueue-staff-mail.js';
import {
  classifyFor,
  copiedAddresses,
  describeSource,
  followUpForwardRequests,
  ingestMail,
  isDataError,
  messageRow,
  participantsOf,
  receptionTime,
  type IngestOutcome,
  type MailSource,
} from './ingest-mail.js';
import {
  acknowledgementRequest,
  logOpened,
  notificationRequests,
  openingEvents,
  planTicket,
  type OpenTicketInput,
  type TicketPlan,
} from './open-ticket.js';

export interface RawInbound {
  readonly raw: Uint8Array;
  readonly source: MailSource;
}

type BatchDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'parseMail' | 'random'>;

/** A mail of the batch, parsed and classified against what the database held before the batch. */
type Prepared =
  | { readonly path: 'single'; readonly item: RawInbound; readonly why: string }
  | {
      readonly path: 'batch';
      readonly item: RawInbound;
      readonly mail: InboundMail;
      readonly classification: Classification;
      /** The ticket a follow-up, bounce or automatic reply belongs to. */
      readonly ticket: TicketRow | undefined;
      readonly recorded: boolean;
    };

type Parsed = { readonly item: RawInbound; readonly result: ParseResult };

/** Ingests `items` (in mailbox order); returns one outcome per item, in the same order. */
export async function ingestBatch(deps: BatchDeps, items: readonly RawInbound[]): Promise<IngestOutcome[]> {
  // One at a time: parsing is CPU work, and 50 parsers at once would only hold more memory.
  const parsed: Parsed[] = [];
  for (const item of items) parsed.push({ item, result: await deps.parseMail(item.raw) });
  const outcomes: IngestOutcome[] = [];
  let rest = parsed;
  while (rest.length > 0) {
    const prepared = await prepare(deps, rest);
    const cut = prepared.findIndex((p) => p.path === 'single');
    const group = (cut < 0 ? prepared : prepared.slice(0, cut)) as Extract<Prepared, { path: 'batch' }>[];
    outcomes.push(...(await commitGroup(deps, group)));
    if (cut < 0) break;
    const single = prepared[cut]!;
    deps.log.debug(
      { source: describeSource(single.item.source), why: single.path === 'single' ? single.why : '' },
      'mail ingested on its own',
    );
    outcomes.push(await ingestMail(deps, single.item.raw, single.item.source));
    // What that mail did (a command, a new ticket…) may change how the next ones thread.
    rest = rest.slice(cut + 1);
  }
  return outcomes;
}

async function prepare(deps: BatchDeps, items: readonly Parsed[]): Promise<Prepared[]> {
  const { config } = deps;
  const mails = items.map((p) => (p.result.ok ? p.result.mail : null));
  const ok = mails.filter((m): m is InboundMail => m !== null);

  // Everything the batch threads onto, and what it already recorded: four queries whatever its size.
  const referenced = [...new Set(ok.flatMap((m) => [...referencedMessageIds(m), ...bouncedMessageIds(m)]))];
  const byMessageId = await ticketsByMessageIds(deps.db, referenced);
  const tags = new Set(ok.flatMap((m) => subjectTicketReferences(m.subject, config.organisation.ticketPrefix)));
  for (const found of byMessageId.values()) tags.add(found.reference);
  const tickets = new Map((await findTicketsByReferences(deps.db, [...tags])).map((t) => [t.reference, t]));
  const recorded = await recordedMessageIds(
    deps.db,
    ok.map((m) => m.messageId),
  );
  const staff = config.people.map((p) => p.email);

  const earlier = new Set<string>();
  return items.map(({ item }, i): Prepared => {
    const mail = mails[i];
    if (!mail) return { path: 'single', item, why: 'unparseable' };
    const ownIds = referencedMessageIds(mail);
    const dependsOnBatch = [...ownIds, ...bouncedMessageIds(mail), mail.messageId].some((id) => earlier.has(id));
    earlier.add(mail.messageId);
    if (dependsOnBatch) return { path: 'single', item, why: 'threads onto a mail of the same batch' };
    const mailTags = subjectTicketReferences(mail.subject, config.organisation.ticketPrefix);
    if (mailTags.some((tag) => !tickets.has(tag))) return { path: 'single', item, why: 'unknown ticket reference' };

    const sender = mail.from?.address ?? '';
    const ticketByMessageId = new Map<string, string>();
    for (const id of ownIds) {
      const found = byMessageId.get(id);
      if (!found) continue;
      const ticket = tickets.get(found.reference);
      if (found.ours || (ticket && participantsOf(ticket, staff).includes(sender)))
        ticketByMessageId.set(id, found.reference);
    }
    const participantsByTicket = new Map(
      mailTags
        .map((tag) => tickets.get(tag))
        .filter((t): t is TicketRow => t !== undefined)
        .map((t) => [t.reference, new Set(participantsOf(t, staff))]),
    );
    const classification = classifyFor(config, mail, ticketByMessageId, participantsByTicket);
    const person = findPerson(config, mail.from?.address);
    const isRecorded = recorded.has(mail.messageId);
    if (!isRecorded && person && (classification.kind === 'new' || classification.kind === 'follow-up'))
      return { path: 'single', item, why: 'staff mail' };

    let ticket: TicketRow | undefined;
    if (classification.kind === 'follow-up') {
      ticket = tickets.get(classification.ticketReference);
      if (!ticket) return { path: 'single', item, why: 'ticket not loaded' };
      if (!isRecorded && ticket.status === 'verifying' && sender === ticket.complainantEmail)
        return { path: 'single', item, why: 'may answer the effectiveness question' };
    } else if (classification.kind === 'bounce' || classification.kind === 'auto-reply') {
      const ids = [...bouncedMessageIds(mail), ...ownIds];
      const reference = ids.map((id) => byMessageId.get(id)?.reference).find((r) => r !== undefined);
      ticket = reference ? tickets.get(reference) : undefined;
      if (reference && !ticket) return { path: 'single', item, why: 'ticket not loaded' };
    }
    return { path: 'batch', item, mail, classification, ticket, recorded: isRecorded };
  });
}

function bouncedMessageIds(mail: InboundMail): string[] {
  const id = bouncedMessageId(mail);
  return id === null ? [] : [id];
}

/** Thrown inside a group's transaction to redo its mails one by one (rolled back first). */
class RedoOneByOne extends Error {}

interface Planned {
  readonly prepared: Extract<Prepared, { path: 'batch' }>;
  readonly receivedAt: Date;
  readonly newText: ReturnType<typeof extractNewText> | null;
  readonly opening: { readonly input: OpenTicketInput; readonly plan: TicketPlan } | null;
}

async function commitGroup(
  deps: BatchDeps,
  group: readonly Extract<Prepared, { path: 'batch' }>[],
): Promise<IngestOutcome[]> {
  if (group.length === 0) return [];
  const { config } = deps;
  const now = deps.clock.now();
  const rules = resolveQualificationRules(config);
  const complaints = group.some((p) => !p.recorded && p.classification.kind === 'new');
  const feedback: QualificationFeedback[] =
    complaints && rules.learning.enabled ? await recentQualificationFeedback(deps.db, rules.learning.maxExamples) : [];

  // The pure work (reply text, qualification, deadline, routing) before the transaction.
  const planned: Planned[] = [];
  for (const prepared of group) {
    planned.push(plan(deps, prepared, now, feedback));
    // Lets SMTP replies and IMAP notifications through between two mails' work (a few ms each).
    await setImmediate();
  }

  let written: Written;
  try {
    written = await deps.db.transaction((tx) => writeGroup(tx, deps, planned, now));
  } catch (error) {
    if (!(error instanceof RedoOneByOne) && !isDataError(error)) throw error;
    deps.log.info(
      { mails: group.length, why: error instanceof RedoOneByOne ? error.message : 'database refused the content' },
      'batch redone mail by mail',
    );
    const outcomes: IngestOutcome[] = [];
    for (const { item } of group) outcomes.push(await ingestMail(deps, item.raw, item.source));
    return outcomes;
  }
  return planned.map((p, i) => report(deps, p, written.tickets[i]));
}

/** The pure work of one mail: its new text and, for a complaint, the ticket's qualification, deadline and routing. */
function plan(
  deps: BatchDeps,
  prepared: Extract<Prepared, { path: 'batch' }>,
  now: Date,
  feedback: readonly QualificationFeedback[],
): Planned {
  const { mail, classification, item } = prepared;
  const receivedAt = receptionTime(mail, item.source, now);
  if (prepared.recorded || (classification.kind !== 'new' && classification.kind !== 'follow-up'))
    return { prepared, receivedAt, newText: null, opening: null };
  const newText = extractNewText({ text: mail.text, html: mail.html });
  if (classification.kind !== 'new') return { prepared, receivedAt, newText, opening: null };
  const input: OpenTicketInput = {
    complainant: { address: mail.from!.address, name: mail.from!.name },
    channel: 'email',
    subject: mail.subject,
    summary: newText.core || newText.text || mail.text,
    receivedAt,
    messageRowId: null,
    complainantMessageId: mail.hasOwnMessageId ? mail.messageId : null,
    registeredLetter: false,
    participants: copiedAddresses(mail, deps.config.mailbox.address),
    actor: mail.from!.address,
    attachments: mail.attachments.map((a) => ({ filename: a.filename, size: a.size })),
    linkedTicketReference: classification.linkedTicketReference,
  };
  return { prepared, receivedAt, newText, opening: { input, plan: planTicket(deps, input, feedback) } };
}

interface Written {
  /** The ticket each planned mail opened, by position. */
  readonly tickets: (TicketRow | undefined)[];
}

async function writeGroup(tx: Db, deps: BatchDeps, planned: readonly Planned[], now: Date): Promise<Written> {
  const { config } = deps;
  const fresh = planned.filter((p) => !p.prepared.recorded);

  // Ticket numbers, one statement per reception year, in mailbox order.
  const openings = fresh.filter((p) => p.opening !== null);
  const years = [...new Set(openings.map((p) => p.opening!.plan.year))];
  const numbered = new Map<Planned, NumberedTicket>();
  for (const year of years) {
    const ofYear = openings.filter((p) => p.opening!.plan.year === year);
    const references = await allocateTicketReferences(tx, config.organisation.ticketPrefix, year, ofYear.length);
    for (const [i, p] of ofYear.entries()) numbered.set(p, { ...p.opening!.plan.values, ...references[i]!, year });
  }
  const ticketRows = await insertTicketRows(tx, [...numbered.values()]);
  const opened = new Map<Planned, TicketRow>([...numbered.keys()].map((p, i) => [p, ticketRows[i]!]));

  const messageRows: NewMessage[] = fresh.map((p) => {
    const { mail, classification, item } = p.prepared;
    const ticketId = opened.get(p)?.id ?? p.prepared.ticket?.id ?? null;
    return { ...messageRow(deps, mail, classification, item.raw, item.source, p.receivedAt), ticketId };
  });
  const messageIds = await insertMessages(tx, messageRows);
  const messageRowId = new Map(fresh.map((p, i) => [p, messageIds[i]!]));
  await insertAttachmentRows(
    tx,
    attachmentsRows(fresh.map((p) => ({ messageRowId: messageRowId.get(p)!, files: p.prepared.mail.attachments }))),
    config.attachments.maxBytes,
  );

  const lastUid = new Map<string, { uidValidity: number; uid: number }>();
  for (const { prepared } of planned) {
    const source = prepared.item.source;
    if (source.kind !== 'imap') continue;
    const seen = lastUid.get(source.mailbox);
    if (!seen || seen.uidValidity !== source.uidValidity || seen.uid < source.uid)
      lastUid.set(source.mailbox, { uidValidity: source.uidValidity, uid: source.uid });
  }
  for (const [mailbox, at] of lastUid) await advanceCheckpoint(tx, mailbox, at.uidValidity, at.uid, now);

  // The mails to send, and the audit trail.
  const events: NewEvent[] = [];
  const mails: MailRequest[] = [];
  const acks = new Map<number, { ticket: TicketRow }>();
  for (const p of fresh) {
    const { mail, classification } = p.prepared;
    const id = messageRowId.get(p)!;
    const ticket = opened.get(p);
    if (ticket && p.opening) {
      const input = { ...p.opening.input, messageRowId: id };
      events.push(...openingEvents(deps, ticket, p.opening.plan, input));
      const ack = acknowledgementRequest(deps, ticket, p.opening.plan, input);
      if (ack) {
        acks.set(mails.length, { ticket });
        mails.push(ack);
      }
      mails.push(...notificationRequests(deps, ticket, p.opening.plan, input).map((r) => staffMailRequest(deps, r)));
    } else if (classification.kind === 'follow-up') {
      const followed = p.prepared.ticket!;
      events.push({
        ticketId: followed.id,
        at: now,
        actor: mail.from?.address ?? '',
        type: EVENT_TYPES.followUp,
        data: { via: classification.via, attachments: mail.attachments.length },
        messageId: id,
      });
      mails.push(
        ...followUpForwardRequests(deps, followed, mail, p.newText?.text ?? '').map((r) => staffMailRequest(deps, r)),
      );
    } else if (
      classification.kind === 'own' ||
      classification.kind === 'bounce' ||
      classification.kind === 'auto-reply'
    ) {
      events.push({
        ticketId: p.prepared.ticket?.id ?? null,
        at: now,
        actor: 'system',
        type: `mail.${classification.kind}`,
        data: {
          reason: classification.reason,
          ...(classification.kind === 'bounce'
            ? { originalMessageId: classification.originalMessageId, failedRecipient: classification.failedRecipient }
            : {}),
        },
        messageId: id,
      });
    }
  }

  await checkBudgets(tx, deps, mails, now);
  const rows: NewOutboxRow[] = [];
  for (const request of mails) {
    rows.push(composeOutboxRow(deps, request, now));
    if (rows.length % 8 === 0) await setImmediate();
  }
  const queued = await insertOutboxRows(tx, rows);
  for (const [index, { ticket }] of acks) {
    const row = queued[index]!;
    events.push({
      ticketId: ticket.id,
      at: now,
      actor: 'system',
      type: EVENT_TYPES.ackQueued,
      data: { outboxId: row.id, messageId: row.messageId },
    });
  }
  await recordEvents(tx, events);
  return { tickets: planned.map((p) => opened.get(p)) };
}

/**
 * The per-address budget of automatic mails, for the whole batch in one query: if any address
 * would reach a limit, the batch is redone mail by mail, where the limit is applied and the pilot
 * told exactly as for a single mail.
 */
async function checkBudgets(tx: Db, deps: BatchDeps, mails: readonly MailRequest[], now: Date): Promise<void> {
  const automatic = mails.filter((m) => m.automatic);
  if (automatic.length === 0) return;
  const windows = deps.config.rateLimits.perAddress.map((w) => ({ max: w.max, within: parseDuration(w.within)! }));
  const since = windows.map((w) => new Date(now.getTime() - windowMs(w)));
  const used = await countAutomaticSinceMany(
    tx,
    automatic.map((m) => m.to.toLowerCase()),
    since,
  );
  const added = new Map<string, number>();
  for (const mail of automatic) {
    const to = mail.to.toLowerCase();
    added.set(to, (added.get(to) ?? 0) + 1);
  }
  for (const [to, count] of added) {
    const counts = used.get(to) ?? windows.map(() => 0);
    if (windows.some((w, i) => counts[i]! + count > w.max))
      throw new RedoOneByOne('an address reaches its automatic-mail budget');
  }
}

/** The outcome of a mail written with its batch, logged as the single-mail path logs it. */
function report(deps: BatchDeps, p: Planned, ticket: TicketRow | undefined): IngestOutcome {
  const { mail, classification, item } = p.prepared;
  if (p.prepared.recorded) {
    deps.log.info(
      { source: describeSource(item.source) },
      'mail already recorded (same Message-ID): not processed again',
    );
    return { outcome: 'duplicate', messageId: mail.messageId };
  }
  switch (classification.kind) {
    case 'new': {
      logOpened(deps, ticket!, p.opening!.plan, p.opening!.input);
      return {
        outcome: 'ticket',
        reference: ticket!.reference,
        messageId: mail.messageId,
        acknowledged: acknowledged(deps, p),
      };
    }
    case 'follow-up':
      deps.log.info({ ticket: p.prepared.ticket!.reference, via: classification.via }, 'follow-up added to ticket');
      return { outcome: 'follow-up', reference: p.prepared.ticket!.reference, messageId: mail.messageId };
    default:
      deps.log.info(
        { kind: classification.kind, reason: classification.reason, ticket: p.prepared.ticket?.reference },
        'mail suppressed: no ticket, no answer',
      );
      return {
        outcome: 'suppressed',
        kind: classification.kind,
        reason: classification.reason,
        messageId: mail.messageId,
      };
  }
}

function acknowledged(deps: BatchDeps, p: Planned): boolean {
  return deps.config.acknowledgement.enabled && p.opening?.input.complainant.address != null;
}
