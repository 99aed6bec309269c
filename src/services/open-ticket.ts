// Opening a ticket, whichever way the complaint came: a mail to reclamation@, a complaint logged
// by staff (#nouvelle: phone, letter, in person) or forwarded by staff. Qualifies it, computes the
// deadline, acknowledges it when the complainant has an address, and notifies the referents the
// routing names and the pilot — all inside the caller's transaction.
import type { Channel } from '../config/config-schema.js';
import type { Db } from '../db/database.js';
import { recordEvent } from '../db/events.js';
import { attachMessageToTicket } from '../db/messages.js';
import { insertTicket, type TicketRow } from '../db/tickets.js';
import { COMMAND_HELP } from '../domain/staff-command.js';
import { computeDeadline } from '../domain/deadline.js';
import { parseDuration } from '../domain/duration.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { deadlineSentence, formatFrenchDateTime } from '../domain/french-date.js';
import { findPerson, isConfidentialCategory } from '../domain/people.js';
import { qualify, type Qualification } from '../domain/qualification.js';
import { resolveQualificationRules } from '../domain/qualification-rules.js';
import { recentQualificationFeedback } from '../db/qualification-feedback.js';
import { routeTicket } from '../domain/routing.js';
import { ticketView } from '../domain/ticket-view.js';
import { localDateOf } from '../domain/zoned-time.js';
import type { Deps } from './deps.js';
import { enqueueMail } from './enqueue-mail.js';
import { enqueueStaffMail } from './enqueue-staff-mail.js';

export const REPLY_MARKER = '––– Répondez au-dessus de cette ligne –––';

export interface OpenTicketInput {
  readonly complainant: { readonly address: string | null; readonly name: string; readonly phone?: string; readonly company?: string };
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

export async function openTicket(tx: Db, deps: OpenDeps, input: OpenTicketInput): Promise<OpenedTicket> {
  const { config } = deps;
  const now = deps.clock.now();
  const timeZone = config.organisation.timezone;
  const rules = resolveQualificationRules(config);
  const feedback = rules.learning.enabled ? await recentQualificationFeedback(tx, rules.learning.maxExamples) : [];
  const qualification = qualify(
    { subject: input.subject, text: input.summary, from: input.complainant.address ? { address: input.complainant.address, name: input.complainant.name } : null },
    rules,
    feedback,
  );
  // The acknowledged level: the qualified one, or the procedure's choice when qualification is unsure.
  const level =
    config.levels.find((l) => l.level === qualification.acknowledgementLevel) ?? config.levels.find((l) => l.level === config.defaultLevel)!;
  const rule = parseDuration(level.resolveWithin)!;
  const deadlineAt = computeDeadline(input.receivedAt, rule, { timeZone, alsaceMoselle: config.organisation.alsaceMoselle });
  const routing = routeTicket({ category: qualification.category, requester: qualification.requester, level: level.level, channel: input.channel }, config);

  const ticket = await insertTicket(tx, config.organisation.ticketPrefix, Number(localDateOf(input.receivedAt, timeZone).slice(0, 4)), {
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
    confidential: isConfidentialCategory(config, qualification.category),
    qualification: { ...qualification, evidence: [...qualification.evidence] },
    receivedAt: input.receivedAt,
    deadlineRule: level.resolveWithin,
    deadlineAt,
    registeredLetter: input.registeredLetter,
    routedTo: [...routing.referents],
    createdAt: now,
    updatedAt: now,
  });
  if (input.messageRowId !== null) await attachMessageToTicket(tx, input.messageRowId, ticket.id);
  await recordEvent(tx, {
    ticketId: ticket.id,
    at: now,
    actor: input.actor,
    type: EVENT_TYPES.received,
    data: { channel: input.channel, level: level.level, deadlineRule: level.resolveWithin, deadlineAt: deadlineAt.toISOString(), routedTo: routing.referents },
    messageId: input.messageRowId,
  });
  if (input.linkedTicketReference) {
    await recordEvent(tx, {
      ticketId: ticket.id,
      at: now,
      actor: 'system',
      type: EVENT_TYPES.linked,
      data: { linkedTo: input.linkedTicketReference, why: 'subject tag used by someone who is not a participant of that ticket' },
      messageId: input.messageRowId,
    });
  }

  let acknowledged = false;
  if (config.acknowledgement.enabled && input.complainant.address) {
    const result = await enqueueMail(tx, deps, {
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
    });
    acknowledged = result.queued;
    await recordEvent(tx, {
      ticketId: ticket.id,
      at: now,
      actor: 'system',
      type: result.queued ? EVENT_TYPES.ackQueued : EVENT_TYPES.ackWithheld,
      data: result.queued ? { outboxId: result.row.id, messageId: result.row.messageId } : { reason: result.reason },
    });
  }

  for (const notified of routing.notify) {
    const person = findPerson(config, notified.email);
    if (!person) continue;
    await enqueueStaffMail(tx, deps, {
      kind: 'new-ticket',
      template: 'new-ticket',
      to: person,
      ticket,
      data: {
        organisation: { name: config.organisation.name },
        recipientName: person.name ?? '',
        view: ticketView(ticket, person, config, { summary: input.summary, attachments: input.attachments }),
        reason: notified.reason,
        lowConfidence: isLowConfidence(qualification),
        qualificationEvidence: [...qualification.evidence],
        commands: COMMAND_HELP.map((c) => ({ usage: c.usage, description: c.description })),
        replyMarker: REPLY_MARKER,
      },
    });
  }
  deps.log.info({ ticket: ticket.reference, level: level.level, channel: input.channel, notified: routing.notify.length }, 'ticket created');
  return { ticket, acknowledged, qualification };
}

function isLowConfidence(qualification: Qualification): boolean {
  const flagged = (qualification as { lowConfidence?: unknown }).lowConfidence;
  return typeof flagged === 'boolean' ? flagged : qualification.confidence < 0.5;
}
