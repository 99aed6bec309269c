// One inbound mail through the pipeline: parse, classify, and in ONE transaction record the
// message, create or update the ticket, write the audit events, queue the outgoing mails and
// advance the mailbox checkpoint. The caller moves the mail out of the inbox only afterwards.
import { createHash } from 'node:crypto';
import type { Person } from '../config/config-schema.js';
import type { Db } from '../db/database.js';
import { recordEvent } from '../db/events.js';
import { advanceCheckpoint } from '../db/mailbox-checkpoints.js';
import {
  attachMessageToTicket,
  insertAttachments,
  insertMessageOnce,
  insertQuarantine,
  type NewMessage,
} from '../db/messages.js';
import type { MessageKind } from '../db/schema.js';
import { findTicketsByReferences, ticketsByMessageIds, updateTicket, type TicketRow } from '../db/tickets.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import {
  classifyInbound,
  referencedMessageIds,
  subjectTicketReferences,
  type Classification,
} from '../domain/inbound-classification.js';
import type { InboundMail, MailAddress } from '../domain/inbound-mail.js';
import { findPerson, maySeeContent, peopleWithRole } from '../domain/people.js';
import { maskAddresses } from '../domain/personal-data.js';
import { describeQuarantineReason } from '../domain/quarantine-reason.js';
import { extractNewText } from '../domain/reply-text.js';
import { formatSize, ticketView } from '../domain/ticket-view.js';
import { parseYesNo } from '../domain/yes-no.js';
import type { Deps } from './deps.js';
import { enqueueMail, ownMessageIdDomain } from './enqueue-mail.js';
import { enqueueStaffMail, type StaffMailRequest } from './enqueue-staff-mail.js';
import { handleStaffMail, type StaffOutcome } from './handle-staff-mail.js';
import { mailComplainant } from './mail-complainant.js';
import { openTicket } from './open-ticket.js';

/** Where a raw mail came from; IMAP sources advance the checkpoint in the same transaction. */
export type MailSource =
  | {
      readonly kind: 'imap';
      readonly mailbox: string;
      readonly uidValidity: number;
      readonly uid: number;
      readonly internalDate?: Date | undefined;
    }
  | { readonly kind: 'file'; readonly name: string };

export type IngestOutcome =
  | {
      readonly outcome: 'ticket';
      readonly reference: string;
      readonly messageId: string;
      readonly acknowledged: boolean;
    }
  | { readonly outcome: 'follow-up'; readonly reference: string; readonly messageId: string }
  | {
      readonly outcome: 'suppressed';
      readonly kind: 'auto-reply' | 'bounce' | 'own';
      readonly reason: string;
      readonly messageId: string;
    }
  | { readonly outcome: 'staff'; readonly detail: StaffOutcome; readonly messageId: string }
  | { readonly outcome: 'duplicate'; readonly messageId: string }
  | { readonly outcome: 'quarantined'; readonly reason: string };

type IngestDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'parseMail' | 'random'>;

/**
 * Ingests one raw mail. Mails that cannot be parsed, or whose content the database refuses, are
 * quarantined (kept raw, pilot told); infrastructure failures (database unreachable…) are thrown
 * so the caller retries later with the mail still in the inbox.
 */
export async function ingestMail(deps: IngestDeps, raw: Uint8Array, source: MailSource): Promise<IngestOutcome> {
  const parsed = await deps.parseMail(raw);
  if (!parsed.ok) return quarantineMail(deps, raw, source, parsed.reason, parsed.preview ?? {});
  try {
    return await storeMail(deps, parsed.mail, raw, source);
  } catch (error) {
    if (!isDataError(error)) throw error;
    const { from, subject } = parsed.mail;
    return quarantineMail(deps, raw, source, `database refused the content: ${errorMessage(error)}`, {
      ...(from ? { from: from.address } : {}),
      subject,
    });
  }
}

async function storeMail(
  deps: IngestDeps,
  mail: InboundMail,
  raw: Uint8Array,
  source: MailSource,
): Promise<IngestOutcome> {
  const { config } = deps;
  const now = deps.clock.now();
  const receivedAt = receptionTime(mail, source, now);

  // Read-only look-ups for threading, done before the transaction to keep it short.
  const referenced = referencedMessageIds(mail);
  const byMessageId = await ticketsByMessageIds(deps.db, referenced);
  const taggedTickets = await findTicketsByReferences(
    deps.db,
    subjectTicketReferences(mail.subject, config.organisation.ticketPrefix),
  );
  const staff = config.people.map((p) => p.email);
  const participantsByTicket = new Map(taggedTickets.map((t) => [t.reference, new Set(participantsOf(t, staff))]));
  // A mail of a ticket (rather than one we sent) threads only for that ticket's participants.
  const ticketByMessageId = new Map<string, string>();
  for (const [id, found] of byMessageId) {
    if (found.ours) ticketByMessageId.set(id, found.reference);
  }
  const sender = mail.from?.address ?? '';
  for (const [id, found] of byMessageId) {
    if (found.ours || ticketByMessageId.has(id)) continue;
    const [ticket] = await findTicketsByReferences(deps.db, [found.reference]);
    if (ticket && participantsOf(ticket, staff).includes(sender)) ticketByMessageId.set(id, found.reference);
  }

  const classification = classifyFor(config, mail, ticketByMessageId, participantsByTicket);
  const followedTicket =
    classification.kind === 'follow-up'
      ? (await findTicketsByReferences(deps.db, [classification.ticketReference]))[0]
      : undefined;
  const bouncedTicket = await ticketOfSuppressed(deps.db, classification, referenced, byMessageId);

  return deps.db.transaction(async (tx) => {
    const messageRowId = await insertMessageOnce(tx, messageRow(deps, mail, classification, raw, source, receivedAt));
    if (source.kind === 'imap') await advanceCheckpoint(tx, source.mailbox, source.uidValidity, source.uid, now);
    if (messageRowId === null) {
      deps.log.info({ source: describeSource(source) }, 'mail already recorded (same Message-ID): not processed again');
      return { outcome: 'duplicate', messageId: mail.messageId } as const;
    }
    await insertAttachments(tx, messageRowId, mail.attachments, config.attachments.maxBytes);

    const person = findPerson(config, mail.from?.address);
    if (person && (classification.kind === 'new' || classification.kind === 'follow-up')) {
      const result = await handleStaffMail(tx, deps, {
        mail,
        person,
        messageRowId,
        ticket: followedTicket,
        receivedAt,
      });
      return { outcome: 'staff', detail: result, messageId: mail.messageId } as const;
    }
    switch (classification.kind) {
      case 'new': {
        const newText = extractNewText({ text: mail.text, html: mail.html });
        const opened = await openTicket(tx, deps, {
          complainant: { address: mail.from!.address, name: mail.from!.name },
          channel: 'email',
          subject: mail.subject,
          summary: newText.core || newText.text || mail.text,
          receivedAt,
          messageRowId,
          complainantMessageId: mail.hasOwnMessageId ? mail.messageId : null,
          registeredLetter: false,
          participants: copiedAddresses(mail, config.mailbox.address),
          actor: mail.from!.address,
          attachments: mail.attachments.map((a) => ({ filename: a.filename, size: a.size })),
          linkedTicketReference: classification.linkedTicketReference,
        });
        return {
          outcome: 'ticket',
          reference: opened.ticket.reference,
          messageId: mail.messageId,
          acknowledged: opened.acknowledged,
        } as const;
      }
      case 'follow-up':
        return addFollowUp(tx, deps, mail, messageRowId, followedTicket!, classification.via);
      default: {
        const ticket = bouncedTicket;
        if (ticket) await attachMessageToTicket(tx, messageRowId, ticket.id);
        await recordEvent(tx, {
          ticketId: ticket?.id ?? null,
          at: now,
          actor: 'system',
          type: `mail.${classification.kind}`,
          data: {
            reason: classification.reason,
            ...(classification.kind === 'bounce'
              ? { originalMessageId: classification.originalMessageId, failedRecipient: classification.failedRecipient }
              : {}),
          },
          messageId: messageRowId,
        });
        deps.log.info(
          { kind: classification.kind, reason: classification.reason, ticket: ticket?.reference },
          'mail suppressed: no ticket, no answer',
        );
        return {
          outcome: 'suppressed',
          kind: classification.kind,
          reason: classification.reason,
          messageId: mail.messageId,
        } as const;
      }
    }
  });
}

async function addFollowUp(
  tx: Db,
  deps: IngestDeps,
  mail: InboundMail,
  messageRowId: number,
  ticket: TicketRow,
  via: 'message-id' | 'subject-tag',
): Promise<IngestOutcome> {
  const now = deps.clock.now();
  const from = mail.from?.address ?? '';
  const newText = extractNewText({ text: mail.text, html: mail.html });
  await attachMessageToTicket(tx, messageRowId, ticket.id);
  await recordEvent(tx, {
    ticketId: ticket.id,
    at: now,
    actor: from,
    type: EVENT_TYPES.followUp,
    data: { via, attachments: mail.attachments.length },
    messageId: messageRowId,
  });
  // The complainant answers the effectiveness question (« Répondez OUI ou NON »).
  if (ticket.status === 'verifying' && from === ticket.complainantEmail) {
    const answer = parseYesNo(newText.core);
    if (answer !== null) {
      await recordVerificationAnswer(tx, deps, ticket, answer === 'yes', newText.core, messageRowId);
      return { outcome: 'follow-up', reference: ticket.reference, messageId: mail.messageId };
    }
  }
  for (const request of followUpForwardRequests(deps, ticket, mail, newText.text))
    await enqueueStaffMail(tx, deps, request);
  deps.log.info({ ticket: ticket.reference, via }, 'follow-up added to ticket');
  return { outcome: 'follow-up', reference: ticket.reference, messageId: mail.messageId };
}

/** The `messages` row of an inbound mail: the raw bytes, what was decoded and how it was classified. */
export function messageRow(
  deps: Pick<IngestDeps, 'config'>,
  mail: InboundMail,
  classification: Classification,
  raw: Uint8Array,
  source: MailSource,
  receivedAt: Date,
): NewMessage {
  return {
    messageId: mail.messageId,
    kind: messageKind(classification, mail, deps),
    fromAddress: mail.from?.address ?? null,
    fromName: mail.from?.name ?? '',
    subject: mail.subject,
    sentAt: mail.date,
    receivedAt,
    text: mail.text,
    html: mail.html,
    raw,
    rawSha256: mail.rawSha256,
    source: describeSource(source),
    classification: { ...classification },
  };
}

/** `classifyInbound` with the configuration's mailbox, Message-ID domain and ticket prefix. */
export function classifyFor(
  config: IngestDeps['config'],
  mail: InboundMail,
  ticketByMessageId: ReadonlyMap<string, string>,
  participantsByTicket: ReadonlyMap<string, ReadonlySet<string>>,
): Classification {
  return classifyInbound(mail, {
    mailboxAddress: config.mailbox.address,
    ownMessageIdDomain: ownMessageIdDomain(config),
    ticketPrefix: config.organisation.ticketPrefix,
    ticketByMessageId,
    participantsByTicket,
  });
}

/** Whoever handles the ticket must see a follow-up: the assignee, else the routed referents, else the pilot. */
export function followUpForwardRequests(
  deps: Pick<IngestDeps, 'config' | 'clock'>,
  ticket: TicketRow,
  mail: InboundMail,
  newText: string,
): StaffMailRequest[] {
  const { config } = deps;
  const now = deps.clock.now();
  const from = mail.from?.address ?? '';
  return handlers(deps, ticket).map((person) => ({
    kind: 'follow-up-forward',
    template: 'follow-up-forward',
    to: person,
    ticket,
    data: {
      organisation: { name: config.organisation.name },
      reference: ticket.reference,
      recipientName: person.name ?? '',
      confidential: !maySeeContent(ticket, person),
      complainant: { name: mail.from?.name ?? '', email: from },
      originalSubject: mail.subject,
      receivedAt: formatFrenchDateTime(now, config.organisation.timezone),
      text: newText || mail.text,
      attachments: mail.attachments.map((a) => ({ filename: a.filename, size: formatSize(a.size) })),
    },
  }));
}

/** The people who handle a ticket: its assignee, else the referents routing named, else the pilots. */
function handlers(deps: Pick<IngestDeps, 'config'>, ticket: TicketRow): Person[] {
  const emails = ticket.assigneeEmail
    ? [ticket.assigneeEmail]
    : ticket.routedTo.length > 0
      ? ticket.routedTo
      : peopleWithRole(deps.config, 'pilot').map((p) => p.email);
  return emails.map((email) => findPerson(deps.config, email)).filter((p): p is Person => p !== undefined);
}

async function recordVerificationAnswer(
  tx: Db,
  deps: IngestDeps,
  ticket: TicketRow,
  effective: boolean,
  text: string,
  messageRowId: number,
): Promise<void> {
  const { config } = deps;
  const now = deps.clock.now();
  const close = effective && config.effectiveness.closeOnYes;
  await updateTicket(tx, ticket.id, {
    effective,
    status: close ? 'closed' : effective ? ticket.status : 'in_progress',
    ...(close ? { closedAt: now } : {}),
    updatedAt: now,
  });
  const actor = ticket.complainantEmail ?? 'complainant';
  await recordEvent(tx, {
    ticketId: ticket.id,
    at: now,
    actor,
    type: EVENT_TYPES.effectiveness,
    data: { effective, source: 'complainant' },
    messageId: messageRowId,
  });
  if (close) {
    await recordEvent(tx, {
      ticketId: ticket.id,
      at: now,
      actor: 'system',
      type: EVENT_TYPES.closed,
      data: { after: 'complainant said yes' },
      messageId: messageRowId,
    });
    if (ticket.complainantEmail) await mailComplainant(tx, deps, ticket, 'closure', {});
  }
  const after = {
    ...ticket,
    effective,
    status: close ? ('closed' as const) : effective ? ticket.status : ('in_progress' as const),
  };
  for (const person of handlers(deps, ticket)) {
    const view = ticketView(after, person, config, { summary: ticket.summary });
    await enqueueStaffMail(tx, deps, {
      kind: 'verification-result',
      template: 'verification-result',
      to: person,
      ticket,
      data: {
        organisation: { name: config.organisation.name },
        recipientName: person.name ?? '',
        view,
        effective,
        closed: close,
        text: view.visible ? text : '',
      },
    });
  }
  deps.log.info({ ticket: ticket.reference, effective, closed: close }, 'effectiveness answered by the complainant');
}

/**
 * Keeps a mail that cannot be processed: raw bytes and reason in the quarantine table, an event,
 * a mail to the pilot, and the checkpoint moved past it so it never blocks the mailbox.
 */
export async function quarantineMail(
  deps: IngestDeps,
  raw: Uint8Array,
  source: MailSource,
  reason: string,
  headerPreview: { readonly from?: string; readonly subject?: string },
): Promise<IngestOutcome> {
  const now = deps.clock.now();
  const rawSha256 = createHash('sha256').update(raw).digest('hex');
  await deps.db.transaction(async (tx) => {
    const fresh = await insertQuarantine(tx, {
      rawSha256,
      reason,
      raw,
      source: describeSource(source),
      receivedAt: now,
    });
    if (source.kind === 'imap') await advanceCheckpoint(tx, source.mailbox, source.uidValidity, source.uid, now);
    if (!fresh) return;
    await recordEvent(tx, {
      at: now,
      actor: 'system',
      type: 'mail.quarantined',
      data: { reason, rawSha256, source: describeSource(source) },
    });
    for (const pilot of peopleWithRole(deps.config, 'pilot')) {
      await enqueueMail(tx, deps, {
        kind: 'pilot-alert',
        template: 'pilot-alert',
        to: pilot.email,
        automatic: false,
        autoSubmitted: 'auto-generated',
        data: {
          organisation: { name: deps.config.organisation.name },
          alert: 'quarantine',
          details: {
            reason: describeQuarantineReason(reason),
            from: headerPreview.from,
            subject: headerPreview.subject,
            receivedAt: formatFrenchDateTime(now, deps.config.organisation.timezone),
            folder: source.kind === 'imap' ? deps.config.mailbox.imap.quarantine : undefined,
          },
        },
      });
    }
  });
  deps.log.warn({ reason: maskAddresses(reason), source: describeSource(source) }, 'mail quarantined');
  return { outcome: 'quarantined', reason };
}

async function ticketOfSuppressed(
  db: Db,
  classification: Classification,
  referenced: readonly string[],
  byMessageId: ReadonlyMap<string, { reference: string; ours: boolean }>,
): Promise<TicketRow | undefined> {
  if (classification.kind !== 'bounce' && classification.kind !== 'auto-reply') return undefined;
  const ids =
    classification.kind === 'bounce' && classification.originalMessageId
      ? [classification.originalMessageId, ...referenced]
      : referenced;
  let reference = ids.map((id) => byMessageId.get(id)?.reference).find((r) => r !== undefined);
  if (!reference && classification.kind === 'bounce' && classification.originalMessageId) {
    const found = await ticketsByMessageIds(db, [classification.originalMessageId]);
    reference = found.get(classification.originalMessageId)?.reference;
  }
  if (!reference) return undefined;
  return (await findTicketsByReferences(db, [reference]))[0];
}

function messageKind(classification: Classification, mail: InboundMail, deps: Pick<IngestDeps, 'config'>): MessageKind {
  switch (classification.kind) {
    case 'new':
      return 'complaint';
    case 'follow-up':
      return findPerson(deps.config, mail.from?.address) ? 'staff' : 'follow-up';
    default:
      return classification.kind;
  }
}

export function participantsOf(ticket: TicketRow, staff: readonly string[]): string[] {
  return [...(ticket.complainantEmail ? [ticket.complainantEmail] : []), ...ticket.participants, ...staff];
}

/** Everyone the complainant put in To/Cc, except our own mailbox (and its plus-addresses). */
export function copiedAddresses(mail: InboundMail, mailbox: string): string[] {
  const [local, domain] = mailbox.split('@');
  const ours = (a: MailAddress) =>
    a.address === mailbox || (a.address.startsWith(`${local}+`) && a.address.endsWith(`@${domain}`));
  const all = [...mail.to, ...mail.cc]
    .filter((a) => !ours(a) && a.address !== mail.from?.address)
    .map((a) => a.address);
  return [...new Set(all)];
}

export function receptionTime(mail: InboundMail, source: MailSource, now: Date): Date {
  const candidate = source.kind === 'imap' ? source.internalDate : (mail.date ?? undefined);
  if (!candidate || Number.isNaN(candidate.getTime()) || candidate.getTime() > now.getTime()) return now;
  return candidate;
}

export function describeSource(source: MailSource): string {
  return source.kind === 'imap' ? `imap:${source.mailbox}:${source.uidValidity}:${source.uid}` : `file:${source.name}`;
}

/**
 * SQLSTATE classes 22 (data exception) and 23 (integrity) mean this mail's content was refused;
 * anything else (connection lost, disk full…) is the infrastructure and must be retried.
 */
export function isDataError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export function errorMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const source = cause instanceof Error ? cause : error;
  return source instanceof Error ? source.message : String(source);
}
