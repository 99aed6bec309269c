// What each received mail does, decided before any write: record it as a complaint, a follow-up
// of a ticket, an automatic mail to ignore, a staff mail, a duplicate — or wait for what comes
// before it to be committed. Pure: the caller loads the threading context for the whole list
// (`inboundContextKeys` says what to load) and writes the plans in one transaction.
import type { Settings } from './settings.js';
import {
  bouncedMessageId,
  classifyInbound,
  referencedMessageIds,
  subjectTicketReferences,
  type Classification,
} from './inbound-classification.js';
import type { InboundMail, MailAddress } from './inbound-mail.js';
import { singleAddress } from './mail-address.js';
import { findPerson, type Person } from './people.js';
import { extractNewText, type NewText } from './reply-text.js';
import type { TicketStatus } from './ticket.js';
import type { OpenTicketInput } from './ticket-plan.js';
import { parseYesNo } from './yes-no.js';

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

/** What threading needs of a ticket. */
export interface ThreadTicket {
  readonly id: number;
  readonly reference: string;
  readonly status: TicketStatus;
  readonly complainantEmail: string | null;
  readonly participants: readonly string[];
}

/** What is already recorded of a Message-ID: enough to tell a re-delivery from a reused id. */
export interface RecordedMail {
  readonly rawSha256: string;
  readonly fromAddress: string | null;
  readonly subject: string;
  readonly text: string;
}

/** The threading context of a list of mails, loaded in one go. */
export interface InboundContext<T extends ThreadTicket> {
  /** Message-ID → the ticket it belongs to: one we sent (`ours`), or a mail of that ticket. */
  readonly byMessageId: ReadonlyMap<string, { readonly reference: string; readonly ours: boolean }>;
  /** Tickets named by subject tags or by the Message-IDs above. */
  readonly tickets: ReadonlyMap<string, T>;
  /** Message-IDs (and their reused-id variants) already recorded. */
  readonly recorded: ReadonlyMap<string, RecordedMail>;
}

/** What to load for `mails` (see `InboundContext`). */
export function inboundContextKeys(
  mails: readonly InboundMail[],
  ticketPrefix: string,
): { referencedIds: string[]; ticketReferences: string[]; messageIds: string[] } {
  return {
    referencedIds: [...new Set(mails.flatMap((m) => [...referencedMessageIds(m), ...bouncedIds(m)]))],
    ticketReferences: [...new Set(mails.flatMap((m) => subjectTicketReferences(m.subject, ticketPrefix)))],
    messageIds: [...new Set(mails.flatMap((m) => [m.messageId, reusedMessageId(m)]))],
  };
}

/** How a mail is stored: its Message-ID (or the variant of a reused one), kind and classification. */
export interface StoredMail {
  readonly messageId: string;
  readonly kind: 'complaint' | 'follow-up' | 'auto-reply' | 'bounce' | 'own' | 'staff';
  readonly classification: Classification;
  readonly receivedAt: Date;
  /** The Message-ID was already recorded for a different mail: it is stored under `messageId`. */
  readonly reusedMessageId: string | null;
}

export type InboundAction<T extends ThreadTicket> =
  | { readonly kind: 'quarantine'; readonly reason: string; readonly preview: { from?: string; subject?: string } }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'complaint'; readonly stored: StoredMail; readonly input: OpenTicketInput }
  | {
      readonly kind: 'follow-up';
      readonly stored: StoredMail;
      readonly ticket: T;
      readonly via: 'message-id' | 'subject-tag';
      readonly newText: string;
    }
  | {
      readonly kind: 'verification-answer';
      readonly stored: StoredMail;
      readonly ticket: T;
      readonly effective: boolean;
      readonly text: string;
    }
  | {
      readonly kind: 'suppressed';
      readonly stored: StoredMail;
      readonly classification: Extract<Classification, { kind: 'own' | 'bounce' | 'auto-reply' }>;
      readonly ticket: T | undefined;
    }
  | { readonly kind: 'staff'; readonly stored: StoredMail; readonly person: Person; readonly ticket: T | undefined };

export interface InboundPlan<T extends ThreadTicket> {
  readonly action: InboundAction<T>;
  /**
   * Why this mail must be written on its own, after everything before it is committed (its
   * outcome depends on what they do), or null when it may share their transaction.
   */
  readonly alone: string | null;
}

export type ParsedInbound =
  | { readonly ok: true; readonly mail: InboundMail; readonly source: MailSource }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly preview: { from?: string; subject?: string };
      readonly source: MailSource;
    };

export interface PlanOptions {
  readonly config: Settings;
  readonly now: Date;
  readonly ownMessageIdDomain: string;
}

/**
 * Plans the mails of `mails` in order, in the context loaded for the whole list, up to and
 * including the first one that must be written alone: what follows it is planned again once it
 * is committed.
 */
export function planInbound<T extends ThreadTicket>(
  mails: readonly ParsedInbound[],
  context: InboundContext<T>,
  options: PlanOptions,
): InboundPlan<T>[] {
  const earlier = new Set<string>();
  const plans: InboundPlan<T>[] = [];
  for (const parsed of mails) {
    let plan: InboundPlan<T>;
    if (!parsed.ok) {
      plan = { action: { kind: 'quarantine', reason: parsed.reason, preview: parsed.preview }, alone: 'unparseable' };
    } else {
      const { mail } = parsed;
      const ids = [...referencedMessageIds(mail), ...bouncedIds(mail), mail.messageId];
      const dependsOnEarlier = ids.some((id) => earlier.has(id));
      earlier.add(mail.messageId);
      plan = planOne(mail, parsed.source, context, options, dependsOnEarlier);
    }
    plans.push(plan);
    if (plan.alone !== null) break;
  }
  return plans;
}

function planOne<T extends ThreadTicket>(
  mail: InboundMail,
  source: MailSource,
  context: InboundContext<T>,
  options: PlanOptions,
  dependsOnEarlier: boolean,
): InboundPlan<T> {
  const { config } = options;
  const prefix = config.organisation.ticketPrefix;
  const tags = subjectTicketReferences(mail.subject, prefix);
  let alone: string | null = dependsOnEarlier ? 'threads onto a mail of the same batch' : null;
  if (alone === null && tags.some((tag) => !context.tickets.has(tag))) alone = 'unknown ticket reference';

  const reuse = reuseOf(mail, context.recorded);
  if (reuse === 'duplicate') return { action: { kind: 'duplicate' }, alone };

  const classification = classify(mail, tags, context, options);
  const person = findPerson(config, mail.from?.address);
  const stored: StoredMail = {
    messageId: reuse === 'reused' ? reusedMessageId(mail) : mail.messageId,
    kind: storedKind(classification, person),
    classification,
    receivedAt: receptionTime(mail, source, options.now),
    reusedMessageId: reuse === 'reused' ? mail.messageId : null,
  };
  const ticketOf = (reference: string | undefined) => (reference ? context.tickets.get(reference) : undefined);

  if (person && (classification.kind === 'new' || classification.kind === 'follow-up')) {
    const ticket = classification.kind === 'follow-up' ? ticketOf(classification.ticketReference) : undefined;
    return { action: { kind: 'staff', stored, person, ticket }, alone: alone ?? 'staff mail' };
  }
  switch (classification.kind) {
    case 'new':
      return {
        action: { kind: 'complaint', stored, input: complaintInput(mail, stored, classification, config) },
        alone,
      };
    case 'follow-up': {
      const ticket = ticketOf(classification.ticketReference)!;
      const newText = extractNewText({ text: mail.text, html: mail.html });
      if (ticket.status === 'verifying' && mail.from?.address === ticket.complainantEmail) {
        // The complainant may be answering « Répondez OUI ou NON »: what came before must be committed.
        const answer = parseYesNo(newText.core);
        const action: InboundAction<T> =
          answer === null
            ? { kind: 'follow-up', stored, ticket, via: classification.via, newText: newText.text }
            : { kind: 'verification-answer', stored, ticket, effective: answer === 'yes', text: newText.core };
        return { action, alone: alone ?? 'may answer the effectiveness question' };
      }
      return { action: { kind: 'follow-up', stored, ticket, via: classification.via, newText: newText.text }, alone };
    }
    default: {
      const ids = [...bouncedIds(mail), ...referencedMessageIds(mail)];
      const ticket = ticketOf(ids.map((id) => context.byMessageId.get(id)?.reference).find((r) => r !== undefined));
      return { action: { kind: 'suppressed', stored, classification, ticket }, alone };
    }
  }
}

function classify<T extends ThreadTicket>(
  mail: InboundMail,
  tags: readonly string[],
  context: InboundContext<T>,
  options: PlanOptions,
): Classification {
  const { config } = options;
  const staff = config.people.map((p) => p.email);
  const sender = mail.from?.address ?? '';
  // A mail of a ticket (rather than one we sent) threads only for that ticket's participants.
  const ticketByMessageId = new Map<string, string>();
  for (const id of referencedMessageIds(mail)) {
    const found = context.byMessageId.get(id);
    if (!found) continue;
    const ticket = context.tickets.get(found.reference);
    if (found.ours || (ticket && participantsOf(ticket, staff).includes(sender)))
      ticketByMessageId.set(id, found.reference);
  }
  const participantsByTicket = new Map(
    tags
      .map((tag) => context.tickets.get(tag))
      .filter((t): t is T => t !== undefined)
      .map((t) => [t.reference, new Set(participantsOf(t, staff))]),
  );
  return classifyInbound(mail, {
    mailboxAddress: config.mailbox.address,
    ownMessageIdDomain: options.ownMessageIdDomain,
    ticketPrefix: config.organisation.ticketPrefix,
    ticketByMessageId,
    participantsByTicket,
  });
}

function complaintInput(
  mail: InboundMail,
  stored: StoredMail,
  classification: Extract<Classification, { kind: 'new' }>,
  config: Settings,
): OpenTicketInput {
  const newText: NewText = extractNewText({ text: mail.text, html: mail.html });
  const address = singleAddress(mail.from?.address);
  return {
    complainant: { address, name: mail.from?.name ?? '' },
    channel: 'email',
    subject: mail.subject,
    summary: newText.core || newText.text || mail.text,
    receivedAt: stored.receivedAt,
    messageRowId: null,
    complainantMessageId: mail.hasOwnMessageId ? mail.messageId : null,
    registeredLetter: false,
    participants: copiedAddresses(mail, config.mailbox.address),
    actor: mail.from?.address ?? 'inconnu',
    attachments: mail.attachments.map((a) => ({
      filename: a.filename,
      size: a.size,
      contentType: a.contentType,
      content: a.content,
    })),
    linkedTicketReference: classification.linkedTicketReference,
    unusableAddress: address === null,
  };
}

/**
 * `duplicate`: the same mail again (same bytes, or the same sender, subject and text with other
 * trace headers or date: a re-delivery); `reused`: another mail under a Message-ID already recorded,
 * stored under a variant of it; `fresh`: never seen.
 */
function reuseOf(mail: InboundMail, recorded: ReadonlyMap<string, RecordedMail>): 'duplicate' | 'reused' | 'fresh' {
  const earlier = recorded.get(mail.messageId);
  if (earlier === undefined) return 'fresh';
  if (sameMail(mail, earlier)) return 'duplicate';
  const variant = recorded.get(reusedMessageId(mail));
  return variant !== undefined ? 'duplicate' : 'reused';
}

function sameMail(mail: InboundMail, recorded: RecordedMail): boolean {
  if (recorded.rawSha256 === mail.rawSha256) return true;
  // A client that sends a mail again may give it a new Date: sender, subject and text decide.
  return (
    recorded.fromAddress === (mail.from?.address ?? null) &&
    recorded.subject === mail.subject &&
    recorded.text === mail.text
  );
}

/** Where a mail reusing a recorded Message-ID is stored: the id and a digest of its bytes. */
export function reusedMessageId(mail: Pick<InboundMail, 'messageId' | 'rawSha256'>): string {
  return `${mail.messageId}#${mail.rawSha256.slice(0, 16)}`;
}

function storedKind(classification: Classification, person: Person | undefined): StoredMail['kind'] {
  switch (classification.kind) {
    case 'new':
      return 'complaint';
    case 'follow-up':
      return person ? 'staff' : 'follow-up';
    default:
      return classification.kind;
  }
}

function bouncedIds(mail: InboundMail): string[] {
  const id = bouncedMessageId(mail);
  return id === null ? [] : [id];
}

/** Who may write into a ticket by its subject tag: its complainant, the people in copy, staff. */
export function participantsOf(ticket: ThreadTicket, staff: readonly string[]): string[] {
  return [...(ticket.complainantEmail ? [ticket.complainantEmail] : []), ...ticket.participants, ...staff];
}

/** Everyone the complainant put in To/Cc, except our own mailbox (and its plus-addresses); valid addresses only. */
export function copiedAddresses(mail: InboundMail, mailbox: string): string[] {
  const [local, domain] = mailbox.split('@');
  const ours = (a: MailAddress) =>
    a.address === mailbox || (a.address.startsWith(`${local}+`) && a.address.endsWith(`@${domain}`));
  const all = [...mail.to, ...mail.cc]
    .filter((a) => !ours(a) && a.address !== mail.from?.address)
    .map((a) => singleAddress(a.address))
    .filter((a): a is string => a !== null);
  return [...new Set(all)];
}

/** The reception instant: the IMAP arrival date, else the Date header, never in the future. */
export function receptionTime(mail: InboundMail, source: MailSource, now: Date): Date {
  const candidate = source.kind === 'imap' ? source.internalDate : (mail.date ?? undefined);
  if (!candidate || Number.isNaN(candidate.getTime()) || candidate.getTime() > now.getTime()) return now;
  return candidate;
}

export function describeSource(source: MailSource): string {
  return source.kind === 'imap' ? `imap:${source.mailbox}:${source.uidValidity}:${source.uid}` : `file:${source.name}`;
}
