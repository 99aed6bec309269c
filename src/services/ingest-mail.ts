// One inbound mail through the pipeline: parse, classify, and in ONE transaction record the
// message, create or update the ticket, write the audit events, queue the outgoing mails and
// advance the mailbox checkpoint. The caller moves the mail out of the inbox only afterwards.
import type { Db } from '../db/database.js';
import { recordEvent } from '../db/events.js';
import { advanceCheckpoint } from '../db/mailbox-checkpoints.js';
import { attachMessageToTicket, insertAttachments, insertMessageOnce, insertQuarantine } from '../db/messages.js';
import type { MessageKind } from '../db/schema.js';
import { findTicketsByReferences, insertTicket, ticketsByMessageIds, type TicketRow } from '../db/tickets.js';
import { computeDeadline } from '../domain/deadline.js';
import { parseDuration } from '../domain/duration.js';
import { deadlineSentence, formatFrenchDateTime } from '../domain/french-date.js';
import {
  classifyInbound,
  referencedMessageIds,
  subjectTicketReferences,
  type Classification,
} from '../domain/inbound-classification.js';
import type { InboundMail, MailAddress } from '../domain/inbound-mail.js';
import { findPerson, isConfidentialCategory, maySeeContent, peopleWithRole } from '../domain/people.js';
import { maskAddresses } from '../domain/personal-data.js';
import { describeQuarantineReason } from '../domain/quarantine-reason.js';
import { qualify } from '../domain/qualification.js';
import { localDateOf } from '../domain/zoned-time.js';
import { createHash } from 'node:crypto';
import type { Deps } from './deps.js';
import { enqueueMail, ownMessageIdDomain } from './enqueue-mail.js';

/** Where a raw mail came from; IMAP sources advance the checkpoint in the same transaction. */
export type MailSource =
  | { readonly kind: 'imap'; readonly mailbox: string; readonly uidValidity: number; readonly uid: number; readonly internalDate?: Date | undefined }
  | { readonly kind: 'file'; readonly name: string };

export type IngestOutcome =
  | { readonly outcome: 'ticket'; readonly reference: string; readonly messageId: string; readonly acknowledged: boolean }
  | { readonly outcome: 'follow-up'; readonly reference: string; readonly messageId: string }
  | { readonly outcome: 'suppressed'; readonly kind: 'auto-reply' | 'bounce' | 'own'; readonly reason: string; readonly messageId: string }
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

async function storeMail(deps: IngestDeps, mail: InboundMail, raw: Uint8Array, source: MailSource): Promise<IngestOutcome> {
  const { config } = deps;
  const now = deps.clock.now();
  const receivedAt = receptionTime(mail, source, now);

  // Read-only look-ups for threading, done before the transaction to keep it short.
  const referenced = referencedMessageIds(mail);
  const byMessageId = await ticketsByMessageIds(deps.db, referenced);
  const taggedTickets = await findTicketsByReferences(deps.db, subjectTicketReferences(mail.subject, config.organisation.ticketPrefix));
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

  const classification = classifyInbound(mail, {
    mailboxAddress: config.mailbox.address,
    ownMessageIdDomain: ownMessageIdDomain(config),
    ticketPrefix: config.organisation.ticketPrefix,
    ticketByMessageId,
    participantsByTicket,
  });
  const followedTicket =
    classification.kind === 'follow-up'
      ? (await findTicketsByReferences(deps.db, [classification.ticketReference]))[0]
      : undefined;
  const bouncedTicket = await ticketOfSuppressed(deps.db, classification, referenced, byMessageId);

  return deps.db.transaction(async (tx) => {
    const messageRowId = await insertMessageOnce(tx, {
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
    });
    if (source.kind === 'imap') await advanceCheckpoint(tx, source.mailbox, source.uidValidity, source.uid, now);
    if (messageRowId === null) {
      deps.log.info({ source: describeSource(source) }, 'mail already recorded (same Message-ID): not processed again');
      return { outcome: 'duplicate', messageId: mail.messageId } as const;
    }
    await insertAttachments(tx, messageRowId, mail.attachments, config.attachments.maxBytes);

    switch (classification.kind) {
      case 'new':
        return createTicket(tx, deps, mail, messageRowId, receivedAt, classification.linkedTicketReference);
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
        deps.log.info({ kind: classification.kind, reason: classification.reason, ticket: ticket?.reference }, 'mail suppressed: no ticket, no answer');
        return { outcome: 'suppressed', kind: classification.kind, reason: classification.reason, messageId: mail.messageId } as const;
      }
    }
  });
}

async function createTicket(
  tx: Db,
  deps: IngestDeps,
  mail: InboundMail,
  messageRowId: number,
  receivedAt: Date,
  linkedTicketReference: string | null,
): Promise<IngestOutcome> {
  const { config } = deps;
  const now = deps.clock.now();
  const timeZone = config.organisation.timezone;
  const qualification = qualify({ subject: mail.subject, text: mail.text, from: mail.from }, { defaultLevel: config.defaultLevel });
  const level = config.levels.find((l) => l.level === qualification.level) ?? config.levels.find((l) => l.level === config.defaultLevel)!;
  const rule = parseDuration(level.resolveWithin)!;
  const deadlineAt = computeDeadline(receivedAt, rule, { timeZone, alsaceMoselle: config.organisation.alsaceMoselle });
  const complainant = mail.from!;
  const year = Number(localDateOf(receivedAt, timeZone).slice(0, 4));

  const ticket = await insertTicket(tx, config.organisation.ticketPrefix, year, {
    status: 'received',
    channel: 'email',
    subject: mail.subject,
    complainantEmail: complainant.address,
    complainantName: complainant.name,
    participants: copiedAddresses(mail, config.mailbox.address),
    category: qualification.category,
    level: level.level,
    requester: qualification.requester,
    typology: qualification.typology,
    receivable: qualification.receivable,
    confidential: isConfidentialCategory(config, qualification.category),
    qualification: { ...qualification, evidence: [...qualification.evidence] },
    receivedAt,
    deadlineRule: level.resolveWithin,
    deadlineAt,
    createdAt: now,
    updatedAt: now,
  });
  await attachMessageToTicket(tx, messageRowId, ticket.id);
  await recordEvent(tx, {
    ticketId: ticket.id,
    at: now,
    actor: complainant.address,
    type: 'ticket.received',
    data: { channel: 'email', level: level.level, deadlineRule: level.resolveWithin, deadlineAt: deadlineAt.toISOString(), qualification: { ...qualification } },
    messageId: messageRowId,
  });
  if (linkedTicketReference) {
    await recordEvent(tx, {
      ticketId: ticket.id,
      at: now,
      actor: 'system',
      type: 'ticket.linked',
      data: { linkedTo: linkedTicketReference, why: 'subject tag used by someone who is not a participant of that ticket' },
      messageId: messageRowId,
    });
  }

  let acknowledged = false;
  if (config.acknowledgement.enabled) {
    const result = await enqueueMail(tx, deps, {
      kind: 'ack',
      template: 'ack',
      to: complainant.address,
      ticket,
      automatic: true,
      autoSubmitted: 'auto-replied',
      inReplyTo: mail.hasOwnMessageId ? mail.messageId : null,
      data: {
        organisation: { name: config.organisation.name },
        reference: ticket.reference,
        originalSubject: mail.subject,
        complainantName: complainant.name,
        receivedAt: formatFrenchDateTime(receivedAt, timeZone),
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
      type: result.queued ? 'ack.queued' : 'ack.withheld',
      data: result.queued ? { outboxId: result.row.id, messageId: result.row.messageId } : { reason: result.reason },
    });
  }
  deps.log.info({ ticket: ticket.reference, level: level.level, deadlineAt: deadlineAt.toISOString() }, 'ticket created');
  return { outcome: 'ticket', reference: ticket.reference, messageId: mail.messageId, acknowledged };
}

async function addFollowUp(
  tx: Db,
  deps: IngestDeps,
  mail: InboundMail,
  messageRowId: number,
  ticket: TicketRow,
  via: 'message-id' | 'subject-tag',
): Promise<IngestOutcome> {
  const { config } = deps;
  const now = deps.clock.now();
  const from = mail.from?.address ?? '';
  const fromStaff = findPerson(config, from);
  await attachMessageToTicket(tx, messageRowId, ticket.id);
  await recordEvent(tx, {
    ticketId: ticket.id,
    at: now,
    actor: from,
    type: fromStaff ? 'ticket.staff-message' : 'ticket.follow-up',
    data: { via, attachments: mail.attachments.length },
    messageId: messageRowId,
  });
  if (!fromStaff) {
    // The complainant (or someone in copy) wrote again: whoever handles the ticket must see it.
    const recipients = ticket.assigneeEmail ? [ticket.assigneeEmail] : peopleWithRole(config, 'pilot').map((p) => p.email);
    for (const to of recipients) {
      const person = findPerson(config, to);
      await enqueueMail(tx, deps, {
        kind: 'follow-up-forward',
        template: 'follow-up-forward',
        to,
        ticket,
        automatic: false,
        autoSubmitted: 'auto-generated',
        data: {
          organisation: { name: config.organisation.name },
          reference: ticket.reference,
          recipientName: person?.name ?? '',
          confidential: !maySeeContent(ticket, person),
          complainant: { name: mail.from?.name ?? '', email: from },
          originalSubject: mail.subject,
          receivedAt: formatFrenchDateTime(now, config.organisation.timezone),
          text: mail.text,
          attachments: mail.attachments.map((a) => ({ filename: a.filename, size: formatSize(a.size) })),
        },
      });
    }
  }
  deps.log.info({ ticket: ticket.reference, via, staff: Boolean(fromStaff) }, 'follow-up added to ticket');
  return { outcome: 'follow-up', reference: ticket.reference, messageId: mail.messageId };
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
    const fresh = await insertQuarantine(tx, { rawSha256, reason, raw, source: describeSource(source), receivedAt: now });
    if (source.kind === 'imap') await advanceCheckpoint(tx, source.mailbox, source.uidValidity, source.uid, now);
    if (!fresh) return;
    await recordEvent(tx, { at: now, actor: 'system', type: 'mail.quarantined', data: { reason, rawSha256, source: describeSource(source) } });
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
  const ids = classification.kind === 'bounce' && classification.originalMessageId ? [classification.originalMessageId, ...referenced] : referenced;
  let reference = ids.map((id) => byMessageId.get(id)?.reference).find((r) => r !== undefined);
  if (!reference && classification.kind === 'bounce' && classification.originalMessageId) {
    const found = await ticketsByMessageIds(db, [classification.originalMessageId]);
    reference = found.get(classification.originalMessageId)?.reference;
  }
  if (!reference) return undefined;
  return (await findTicketsByReferences(db, [reference]))[0];
}

function messageKind(classification: Classification, mail: InboundMail, deps: IngestDeps): MessageKind {
  switch (classification.kind) {
    case 'new':
      return 'complaint';
    case 'follow-up':
      return findPerson(deps.config, mail.from?.address) ? 'staff' : 'follow-up';
    default:
      return classification.kind;
  }
}

function participantsOf(ticket: TicketRow, staff: readonly string[]): string[] {
  return [...(ticket.complainantEmail ? [ticket.complainantEmail] : []), ...ticket.participants, ...staff];
}

/** Everyone the complainant put in To/Cc, except our own mailbox (and its plus-addresses). */
function copiedAddresses(mail: InboundMail, mailbox: string): string[] {
  const [local, domain] = mailbox.split('@');
  const ours = (a: MailAddress) => a.address === mailbox || (a.address.startsWith(`${local}+`) && a.address.endsWith(`@${domain}`));
  const all = [...mail.to, ...mail.cc].filter((a) => !ours(a) && a.address !== mail.from?.address).map((a) => a.address);
  return [...new Set(all)];
}

function receptionTime(mail: InboundMail, source: MailSource, now: Date): Date {
  const candidate = source.kind === 'imap' ? source.internalDate : (mail.date ?? undefined);
  if (!candidate || Number.isNaN(candidate.getTime()) || candidate.getTime() > now.getTime()) return now;
  return candidate;
}

export function describeSource(source: MailSource): string {
  return source.kind === 'imap' ? `imap:${source.mailbox}:${source.uidValidity}:${source.uid}` : `file:${source.name}`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} Ko`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} Mo`;
}

/**
 * SQLSTATE classes 22 (data exception) and 23 (integrity) mean this mail's content was refused;
 * anything else (connection lost, disk full…) is the infrastructure and must be retried.
 */
function isDataError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function errorMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const source = cause instanceof Error ? cause : error;
  return source instanceof Error ? source.message : String(source);
}

