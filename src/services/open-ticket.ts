// Opening tickets, whichever way the complaints came: mails to reclamation@, complaints logged by
// staff (#nouvelle: phone, letter, in person) or forwarded by staff. The plan (qualification,
// deadline, routing) is pure (domain/ticket-plan.ts); here the tickets are numbered and written,
// and their audit events, acknowledgements and staff notifications prepared — all inside the
// caller's transaction, for a list of tickets at once.
import type { Db } from '../db/database.js';
import { recordEvents } from '../db/events.js';
import { attachMessagesToTickets } from '../db/messages.js';
import { allocateTicketReferences, insertTickets, type NumberedTicket, type TicketRow } from '../db/tickets.js';
import { EVENT_TYPES, type NewEvent } from '../domain/event-types.js';
import { deadlineSentence, formatFrenchDateTime } from '../domain/french-date.js';
import { findPerson } from '../domain/people.js';
import type { Qualification } from '../domain/qualification.js';
import { COMMAND_HELP } from '../domain/staff-command.js';
import { isLowConfidence, planTicket, type OpenTicketInput, type TicketPlan } from '../domain/ticket-plan.js';
import { ticketView } from '../domain/ticket-view.js';
import type { Deps } from './deps.js';
import { checkRecurrence } from './detect-recurrence.js';
import { queueMails, type EnqueueResult, type MailRequest } from './enqueue-mail.js';
import { staffMailRequest } from './enqueue-staff-mail.js';
import { notificationAttachments } from './staff-attachments.js';
import type { AttachmentFile } from '../domain/attachment-files.js';

export const REPLY_MARKER = '––– Répondez au-dessus de cette ligne –––';

/**
 * What became of a new ticket's acknowledgement: queued, or why not — `disabled` (configuration),
 * `no-address` (the complainant gave none), `address` (not exactly one valid address), `budget`
 * (the sender's automatic-mail budget is spent), `deadline-passed` (the deadline was already past
 * when the mail was recorded, e.g. an old mail imported with `reclam ingest`: the acknowledgement
 * would promise a date gone by, so none is sent and the follow-through tells the handlers).
 */
export type Acknowledgement = 'queued' | 'disabled' | 'no-address' | 'address' | 'budget' | 'deadline-passed';

export interface OpenedTicket {
  readonly ticket: TicketRow;
  readonly acknowledged: boolean;
  readonly acknowledgement: Acknowledgement;
  readonly qualification: Qualification;
}

type OpenDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'random' | 'qualificationModel'>;

/** One complaint to open: what was said, and what was decided about it. */
export interface Opening {
  readonly input: OpenTicketInput;
  readonly plan: TicketPlan;
}

/** Opens one ticket (a complaint logged or forwarded by staff): its mails and events are written too. */
export async function openTicket(tx: Db, deps: OpenDeps, input: OpenTicketInput): Promise<OpenedTicket> {
  const model = deps.qualificationModel ? await deps.qualificationModel.current(tx) : null;
  const opening: Opening = { input, plan: planTicket(deps.config, input, model, deps.clock.now()) };
  const [ticket] = await insertOpenings(tx, deps, [opening]);
  const effects = new Effects();
  effects.addOpening(deps, ticket!, opening);
  const acknowledgements = await effects.write(tx, deps);
  logOpened(deps, ticket!, opening);
  const acknowledgement = acknowledgements.get(ticket!.id) ?? 'disabled';
  return {
    ticket: ticket!,
    acknowledged: acknowledgement === 'queued',
    acknowledgement,
    qualification: opening.plan.qualification,
  };
}

/**
 * Numbers and inserts the tickets of `openings` (one sequence statement per reception year, in
 * the order given), attaches the messages they start from, and checks their typologies'
 * recurrence (services/detect-recurrence.ts). Returns the rows in that order.
 */
export async function insertOpenings(
  tx: Db,
  deps: Pick<Deps, 'config' | 'clock' | 'log' | 'render' | 'random'>,
  openings: readonly Opening[],
): Promise<TicketRow[]> {
  const prefix = deps.config.organisation.ticketPrefix;
  const numbered: NumberedTicket[] = new Array(openings.length);
  for (const year of new Set(openings.map((o) => o.plan.year))) {
    const indexes = [...openings.keys()].filter((i) => openings[i]!.plan.year === year);
    const references = await allocateTicketReferences(tx, prefix, year, indexes.length);
    indexes.forEach((index, k) => {
      numbered[index] = { ...openings[index]!.plan.values, ...references[k]!, year };
    });
  }
  const rows = await insertTickets(tx, numbered);
  await attachMessagesToTickets(
    tx,
    openings.flatMap((o, i) =>
      o.input.messageRowId === null ? [] : [{ messageRowId: o.input.messageRowId, ticketId: rows[i]!.id }],
    ),
  );
  await checkRecurrence(tx, deps, rows);
  return rows;
}

/**
 * The audit events and outgoing mails of a transaction, written together at its end: one budget
 * query, one insert for the mails, one for the events. An acknowledgement's event says whether it
 * was queued or withheld.
 */
export class Effects {
  readonly events: NewEvent[] = [];
  private readonly mails: { readonly request: MailRequest; readonly ackOf: TicketRow | null }[] = [];

  mail(request: MailRequest): void {
    this.mails.push({ request, ackOf: null });
  }

  private readonly withheld = new Map<number, Acknowledgement>();

  /** The events, acknowledgement and notifications of a new ticket. */
  addOpening(deps: Pick<Deps, 'clock' | 'config'>, ticket: TicketRow, opening: Opening): void {
    this.events.push(...openingEvents(deps, ticket, opening));
    const ack = acknowledgementRequest(deps, ticket, opening);
    if (typeof ack !== 'string') this.mails.push({ request: ack, ackOf: ticket });
    else {
      this.withheld.set(ticket.id, ack);
      if (ack === 'deadline-passed')
        this.events.push({
          ticketId: ticket.id,
          at: deps.clock.now(),
          actor: 'system',
          type: EVENT_TYPES.ackWithheld,
          data: { reason: ack, deadlineAt: opening.plan.deadlineAt.toISOString() },
        });
    }
    for (const request of notificationRequests(deps, ticket, opening)) this.mail(staffMailRequest(deps, request));
  }

  /** Writes everything; returns, by ticket id, what became of its acknowledgement. */
  async write(
    tx: Db,
    deps: Pick<Deps, 'clock' | 'config' | 'render' | 'random'>,
  ): Promise<Map<number, Acknowledgement>> {
    const results = await queueMails(
      tx,
      deps,
      this.mails.map((m) => m.request),
    );
    const acknowledged = new Map<number, Acknowledgement>(this.withheld);
    for (const [i, { ackOf }] of this.mails.entries()) {
      if (!ackOf) continue;
      const result = results[i]!;
      this.events.push(acknowledgementEvent(deps, ackOf, result));
      acknowledged.set(ackOf.id, result.queued ? 'queued' : result.reason);
    }
    await recordEvents(tx, this.events);
    return acknowledged;
  }
}

/** The audit events of a new ticket: received, and the link a stranger's subject tag made. */
function openingEvents(deps: Pick<Deps, 'clock'>, ticket: TicketRow, { input, plan }: Opening): NewEvent[] {
  const now = deps.clock.now();
  const { level, deadlineAt, routing } = plan;
  const events: NewEvent[] = [
    {
      ticketId: ticket.id,
      at: now,
      actor: input.actor,
      type: EVENT_TYPES.received,
      data: {
        channel: input.channel,
        level: level.level,
        deadlineRule: level.resolveWithin,
        deadlineAt: deadlineAt.toISOString(),
        routedTo: routing.referents,
      },
      messageId: input.messageRowId,
    },
  ];
  if (input.linkedTicketReference) {
    events.push({
      ticketId: ticket.id,
      at: now,
      actor: 'system',
      type: EVENT_TYPES.linked,
      data: {
        linkedTo: input.linkedTicketReference,
        why: 'subject tag used by someone who is not a participant of that ticket',
      },
      messageId: input.messageRowId,
    });
  }
  return events;
}

/**
 * The acknowledgement to the complainant, when enabled, the complainant gave an address and the
 * deadline it states is still to come; else why none is sent. An address we must not write to
 * (several addresses, bad syntax) is kept empty: `queueMails` refuses it and tells the pilot; the
 * ticket stands.
 */
function acknowledgementRequest(
  deps: Pick<Deps, 'config' | 'clock'>,
  ticket: TicketRow,
  { input, plan }: Opening,
): MailRequest | Acknowledgement {
  const { config } = deps;
  if (!config.acknowledgement.enabled) return 'disabled';
  if (!input.complainant.address && !input.unusableAddress) return 'no-address';
  if (plan.deadlineAt.getTime() <= deps.clock.now().getTime()) return 'deadline-passed';
  const timeZone = config.organisation.timezone;
  const { level, rule, deadlineAt } = plan;
  return {
    kind: 'ack',
    template: 'ack',
    to: input.complainant.address ?? '',
    ticket,
    automatic: true,
    autoSubmitted: 'auto-replied',
    inReplyTo: input.complainantMessageId,
    data: {
      organisation: { name: config.organisation.name },
      reference: ticket.reference,
      originalSubject: input.subject,
      complainantName: input.complainant.name,
      receivedAt: formatFrenchDateTime(input.receivedAt, timeZone),
      deadline: {
        sentence: deadlineSentence(deadlineAt, rule, { level: level.level, label: level.label }, { timeZone }),
        date: deadlineAt.toISOString(),
        rule: level.resolveWithin,
        level: level.level,
        levelLabel: level.label,
      },
      mailboxAddress: config.mailbox.address,
    },
  };
}

/** `ack.queued` (with the outbox row) or `ack.withheld` (budget spent, or no usable address). */
function acknowledgementEvent(deps: Pick<Deps, 'clock'>, ticket: TicketRow, result: EnqueueResult): NewEvent {
  return {
    ticketId: ticket.id,
    at: deps.clock.now(),
    actor: 'system',
    type: result.queued ? EVENT_TYPES.ackQueued : EVENT_TYPES.ackWithheld,
    data: result.queued ? { outboxId: result.row.id, messageId: result.row.messageId } : { reason: result.reason },
  };
}

/** The `new-ticket` mails to the referents the routing names and to the pilot. */
function notificationRequests(deps: Pick<Deps, 'config'>, ticket: TicketRow, { input, plan }: Opening) {
  const { config } = deps;
  return plan.routing.notify.flatMap((notified) => {
    const person = findPerson(config, notified.email);
    if (!person) return [];
    const files = notificationAttachments(deps, ticket, person, attachmentFiles(input.attachments));
    return [
      {
        kind: 'new-ticket',
        template: 'new-ticket',
        to: person,
        ticket,
        attachments: files.attachments,
        data: {
          mailAttachments: files.data,
          organisation: { name: config.organisation.name },
          recipientName: person.name ?? '',
          view: ticketView(ticket, person, config, { summary: input.summary, attachments: input.attachments }),
          reason: notified.reason,
          lowConfidence: isLowConfidence(plan.qualification),
          qualificationEvidence: [...plan.qualification.evidence],
          commands: COMMAND_HELP.map((c) => ({ usage: c.usage, description: c.description })),
          replyMarker: REPLY_MARKER,
        },
      },
    ];
  });
}

/** The attachments of a ticket's input as files (without content when the mail did not bring it). */
function attachmentFiles(list: OpenTicketInput['attachments']): AttachmentFile[] {
  return list.map((a) => ({
    filename: a.filename,
    size: a.size,
    contentType: a.contentType ?? 'application/octet-stream',
    content: a.content,
  }));
}

export function logOpened(deps: Pick<Deps, 'log'>, ticket: TicketRow, { input, plan }: Opening): void {
  deps.log.info(
    { ticket: ticket.reference, level: plan.level.level, channel: input.channel, notified: plan.routing.notify.length },
    'ticket created',
  );
}
