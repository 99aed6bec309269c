// Opening a ticket, whichever way the complaint came: a mail to reclamation@, a complaint logged
// by staff (#nouvelle: phone, letter, in person) or forwarded by staff. Qualifies it, computes the
// deadline, acknowledges it when the complainant has an address, and notifies the referents the
// routing names and the pilot — all inside the caller's transaction.
import type { Channel, Config } from '../config/config-schema.js';
import type { Db } from '../db/database.js';
import { recordEvent, type NewEvent } from '../db/events.js';
import { attachMessageToTicket } from '../db/messages.js';
import { insertTicket, type NewTicket, type TicketRow } from '../db/tickets.js';
import { COMMAND_HELP } from '../domain/staff-command.js';
import { computeDeadline } from '../domain/deadline.js';
import { parseDuration, type Duration } from '../domain/duration.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { deadlineSentence, formatFrenchDateTime } from '../domain/french-date.js';
import { findPerson } from '../domain/people.js';
import { qualify, type Qualification, type QualificationFeedback } from '../domain/qualification.js';
import { resolveQualificationRules } from '../domain/qualification-rules.js';
import { recentQualificationFeedback } from '../db/qualification-feedback.js';
import { decideReception } from '../domain/reception-confidentiality.js';
import type { Routing } from '../domain/routing.js';
import { ticketView } from '../domain/ticket-view.js';
import { localDateOf } from '../domain/zoned-time.js';
import type { Deps } from './deps.js';
import { enqueueMail, type EnqueueResult, type MailRequest } from './enqueue-mail.js';
import { enqueueStaffMail, type StaffMailRequest } from './enqueue-staff-mail.js';

export const REPLY_MARKER = '––– Répondez au-dessus de cette ligne –––';

export interface OpenTicketInput {
  readonly complainant: {
    readonly address: string | null;
    readonly name: string;
    readonly phone?: string;
    readonly company?: string;
  };
  readonly channel: Channel;
  readonly subject: string;
  /** The complaint's own words (quoted history and signature removed): qualification and notifications. */
  readonly summary: string;
  readonly receivedAt: Date;
  /** The recorded inbound message the ticket starts from, if any. */
  readonly messageRowId: number | null;
  /** The complainant's Message-ID, so the acknowledgement threads under their mail. */
  readonly complainantMessageId: string | null;
  readonly registeredLetter: boolean;
  /** People in copy, who may write into the ticket too. */
  readonly participants: readonly string[];
  /** The complainant, or the staff member who logged the complaint. */
  readonly actor: string;
  readonly attachments: readonly { readonly filename: string; readonly size: number }[];
  /** A ticket whose subject tag a stranger used: recorded as a link. */
  readonly linkedTicketReference?: string | null;
}

export interface OpenedTicket {
  readonly ticket: TicketRow;
  readonly acknowledged: boolean;
  readonly qualification: Qualification;
}

type OpenDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'random'>;

/** What is decided about a complaint before its ticket exists: pure, so a batch plans outside its transaction. */
export interface TicketPlan {
  readonly values: NewTicket;
  readonly year: number;
  readonly qualification: Qualification;
  readonly level: Config['levels'][number];
  readonly rule: Duration;
  readonly deadlineAt: Date;
  readonly routing: Routing;
}

export async function openTicket(tx: Db, deps: OpenDeps, input: OpenTicketInput): Promise<OpenedTicket> {
  const rules = resolveQualificationRules(deps.config);
  const feedback = rules.learning.enabled ? await recentQualificationFeedback(tx, rules.learning.maxExamples) : [];
  const plan = planTicket(deps, input, feedback);
  const ticket = await insertTicket(tx, deps.config.organisation.ticketPrefix, plan.year, plan.values);
  if (input.messageRowId !== null) await attachMessageToTicket(tx, input.messageRowId, ticket.id);
  for (const event of openingEvents(deps, ticket, plan, input)) await recordEvent(tx, event);

  let acknowledged = false;
  const ack = acknowledgementRequest(deps, ticket, plan, input);
  if (ack) {
    const result = await enqueueMail(tx, deps, ack);
    acknowledged = result.queued;
    await recordEvent(tx, acknowledgementEvent(deps, ticket, result));
  }
  for (const request of notificationRequests(deps, ticket, plan, input)) await enqueueStaffMail(tx, deps, request);
  logOpened(deps, ticket, plan, input);
  return { ticket, acknowledged, qualification: plan.qualification };
}

/** Qualifies the complaint, picks its level, deadline and routing: the ticket's values, without a reference. */
export function planTicket(
  deps: Pick<Deps, 'clock' | 'config'>,
  input: OpenTicketInput,
  feedback: readonly QualificationFeedback[],
): TicketPlan {
  const { config } = deps;
  const now = deps.clock.now();
  const timeZone = config.organisation.timezone;
  const qualification = qualify(
    {
      subject: input.subject,
      text: input.summary,
      from: input.complainant.address ? { address: input.complainant.address, name: input.complainant.name } : null,
    },
    resolveQualificationRules(config),
    feedback,
  );
  // The acknowledged level: the qualified one, or the procedure's choice when qualification is unsure.
  const level =
    config.levels.find((l) => l.level === qualification.acknowledgementLevel) ??
    config.levels.find((l) => l.level === config.defaultLevel)!;
  const rule = parseDuration(level.resolveWithin)!;
  const deadlineAt = computeDeadline(input.receivedAt, rule, {
    timeZone,
    alsaceMoselle: config.organisation.alsaceMoselle,
  });
  // Confidentiality and routing together: a close medical candidate keeps the ticket confidential
  // and brings in its doctors (domain/reception-confidentiality.ts).
  const { confidential, routing } = decideReception(
    qualification,
    {
      category: qualification.category,
      requester: qualification.requester,
      level: level.level,
      channel: input.channel,
    },
    config,
  );
  const values: NewTicket = {
    status: 'received',
    channel: input.channel,
    subject: input.subject,
    complainantEmail: input.complainant.address,
    complainantName: input.complainant.name,
    complainantPhone: input.complainant.phone || null,
    complainantCompany: input.complainant.company || null,
    summary: input.summary,
    participants: [...input.participants],
    category: qualification.category,
    level: level.level,
    requester: qualification.requester,
    typology: qualification.typology,
    receivable: qualification.receivable,
    confidential,
    qualification: { ...qualification, evidence: [...qualification.evidence] },
    receivedAt: input.receivedAt,
    deadlineRule: level.resolveWithin,
    deadlineAt,
    registeredLetter: input.registeredLetter,
    routedTo: [...routing.referents],
    createdAt: now,
    updatedAt: now,
  };
  return {
    values,
    year: Number(localDateOf(input.receivedAt, timeZone).slice(0, 4)),
    qualification,
    level,
    rule,
    deadlineAt,
    routing,
  };
}

/** The audit events of a new ticket: received, and the link a stranger's subject tag made. */
export function openingEvents(
  deps: Pick<Deps, 'clock'>,
  ticket: TicketRow,
  plan: TicketPlan,
  input: OpenTicketInput,
): NewEvent[] {
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

/** The acknowledgement to the complainant, when enabled and the complainant has an address. */
export function acknowledgementRequest(
  deps: Pick<Deps, 'config'>,
  ticket: TicketRow,
  plan: TicketPlan,
  input: OpenTicketInput,
): MailRequest | null {
  const { config } = deps;
  if (!config.acknowledgement.enabled || !input.complainant.address) return null;
  const timeZone = config.organisation.timezone;
  const { level, rule, deadlineAt } = plan;
  return {
    kind: 'ack',
    template: 'ack',
    to: input.complainant.address,
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

/** `ack.queued` (with the outbox row) or `ack.withheld` (the address's budget is spent). */
export function acknowledgementEvent(deps: Pick<Deps, 'clock'>, ticket: TicketRow, result: EnqueueResult): NewEvent {
  return {
    ticketId: ticket.id,
    at: deps.clock.now(),
    actor: 'system',
    type: result.queued ? EVENT_TYPES.ackQueued : EVENT_TYPES.ackWithheld,
    data: result.queued ? { outboxId: result.row.id, messageId: result.row.messageId } : { reason: result.reason },
  };
}

/** The `new-ticket` mails to the referents the routing names and to the pilot. */
export function notificationRequests(
  deps: Pick<Deps, 'config'>,
  ticket: TicketRow,
  plan: TicketPlan,
  input: OpenTicketInput,
): StaffMailRequest[] {
  const { config } = deps;
  const requests: StaffMailRequest[] = [];
  for (const notified of plan.routing.notify) {
    const person = findPerson(config, notified.email);
    if (!person) continue;
    requests.push({
      kind: 'new-ticket',
      template: 'new-ticket',
      to: person,
      ticket,
      data: {
        organisation: { name: config.organisation.name },
        recipientName: person.name ?? '',
        view: ticketView(ticket, person, config, { summary: input.summary, attachments: input.attachments }),
        reason: notified.reason,
        lowConfidence: isLowConfidence(plan.qualification),
        qualificationEvidence: [...plan.qualification.evidence],
        commands: COMMAND_HELP.map((c) => ({ usage: c.usage, description: c.description })),
        replyMarker: REPLY_MARKER,
      },
    });
  }
  return requests;
}

export function logOpened(deps: Pick<Deps, 'log'>, ticket: TicketRow, plan: TicketPlan, input: OpenTicketInput): void {
  deps.log.info(
    { ticket: ticket.reference, level: plan.level.level, channel: input.channel, notified: plan.routing.notify.length },
    'ticket created',
  );
}

function isLowConfidence(qualification: Qualification): boolean {
  const flagged = (qualification as { lowConfidence?: unknown }).lowConfidence;
  return typeof flagged === 'boolean' ? flagged : qualification.confidence < 0.5;
}
