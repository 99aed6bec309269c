// What a received mail is for reclam: one of our own mails coming back, a bounce, an automatic
// reply, a follow-up of a ticket or a new complaint. Automatic mail must never open a ticket or
// be answered (loops); a stranger copying a subject tag must not write into someone's ticket.
// Pure: the caller looks up tickets and participants beforehand.

import { headerValue, type InboundAttachment, type InboundMail } from './inbound-mail.js';

export type Classification =
  | { kind: 'own'; reason: string } // a mail we sent ourselves (loop protection)
  | { kind: 'bounce'; reason: string; originalMessageId: string | null; failedRecipient: string | null }
  | { kind: 'auto-reply'; reason: string }
  | { kind: 'follow-up'; ticketReference: string; via: 'message-id' | 'subject-tag' }
  | { kind: 'new'; linkedTicketReference: string | null }; // linked = a non-participant used a ticket's subject tag

export interface ClassificationContext {
  /** Our mailbox, e.g. `reclamation@spst.fr`; its plus-addresses (`reclamation+xyz@spst.fr`) are ours too. */
  mailboxAddress: string;
  /** The right-hand side of the Message-IDs we generate. */
  ownMessageIdDomain: string;
  /** Ticket reference prefix, e.g. `REC`. */
  ticketPrefix: string;
  /** For every id in In-Reply-To/References that is a Message-ID we sent: the ticket it belongs to (looked up by the caller). */
  ticketByMessageId: ReadonlyMap<string, string>;
  /** For every ticket reference found in the subject tag: its participants (lower-cased addresses: complainant, people in copy, staff). Absent key = no such ticket. */
  participantsByTicket: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Classifies one parsed mail. Decisions in order: own mail, bounce, automatic reply, follow-up by
 * Message-ID, follow-up by subject tag (participants only), new complaint. Each `reason` names the
 * evidence found, e.g. `Auto-Submitted: auto-replied`.
 */
export function classifyInbound(mail: InboundMail, context: ClassificationContext): Classification {
  const own = ownEvidence(mail, context);
  if (own !== undefined) return { kind: 'own', reason: own };

  const bounce = bounceEvidence(mail);
  const auto = bounce === undefined ? autoReplyEvidence(mail) : undefined;
  if (bounce !== undefined || (auto === undefined && mail.returnPath === '')) {
    const report = deliveryReportOf(mail);
    // a delay warning or a relay/delivery notice is a report too, but names no failed recipient
    const nonFailure = report !== undefined && report.failed === undefined && report.actions.length > 0;
    return {
      kind: 'bounce',
      // a null envelope sender alone (no sign of an automatic reply) is how MTAs send reports
      reason: (bounce ?? 'Return-Path: <>') + (nonFailure ? ` (Action: ${report.actions.join(', ')})` : ''),
      originalMessageId: originalMessageIdOf(mail),
      failedRecipient: report === undefined ? failedRecipientOf(mail) : (report.failed ?? null),
    };
  }
  if (auto !== undefined) return { kind: 'auto-reply', reason: auto };

  for (const id of referencedMessageIds(mail)) {
    const ticketReference = context.ticketByMessageId.get(id);
    if (ticketReference !== undefined) return { kind: 'follow-up', ticketReference, via: 'message-id' };
  }

  const sender = mail.from?.address.toLowerCase();
  let linkedTicketReference: string | null = null;
  for (const reference of subjectTicketReferences(mail.subject, context.ticketPrefix)) {
    const participants = context.participantsByTicket.get(reference);
    if (participants === undefined) continue;
    if (sender !== undefined && participants.has(sender))
      return { kind: 'follow-up', ticketReference: reference, via: 'subject-tag' };
    linkedTicketReference ??= reference;
  }
  return { kind: 'new', linkedTicketReference };
}

/** The Message-ID a delivery report is about, when the mail is one and says so (as `classifyInbound` reads it). */
export function bouncedMessageId(mail: InboundMail): string | null {
  const bounce = bounceEvidence(mail);
  if (bounce === undefined && (autoReplyEvidence(mail) !== undefined || mail.returnPath !== '')) return null;
  return originalMessageIdOf(mail);
}

/** Ids of In-Reply-To then References, without angle brackets, each once, in that order. */
export function referencedMessageIds(mail: InboundMail): string[] {
  const ids: string[] = [];
  for (const raw of [...mail.inReplyTo, ...mail.references]) {
    const id = stripBrackets(raw);
    if (id !== '' && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * Ticket references in subject tags: `Re: [REC-2026-0042] …` → `['REC-2026-0042']`. The tag is
 * `[PREFIX-YYYY-NNNN]` with at least 4 sequence digits; case and blanks inside the brackets are
 * forgiven, the result uses `prefix` as given. Each reference once, in order of appearance.
 */
export function subjectTicketReferences(subject: string, prefix: string): string[] {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`\\[\\s*${escaped}-(\\d{4})-(\\d{4,})\\s*\\]`, 'gi');
  const references: string[] = [];
  for (const match of subject.matchAll(pattern)) {
    const reference = `${prefix}-${match[1]}-${match[2]}`;
    if (!references.includes(reference)) references.push(reference);
  }
  return references;
}

/** True for ids we generate: `<something>@<ownMessageIdDomain>` (brackets optional, domain case-insensitive). */
export function isOwnMessageId(messageId: string, ownMessageIdDomain: string): boolean {
  const id = stripBrackets(messageId);
  const at = id.lastIndexOf('@');
  return (
    at > 0 && ownMessageIdDomain !== '' && id.slice(at + 1).toLowerCase() === ownMessageIdDomain.trim().toLowerCase()
  );
}

// ---------------------------------------------------------------------------------------------
// Own mail

function ownEvidence(mail: InboundMail, context: ClassificationContext): string | undefined {
  const from = mail.from?.address.toLowerCase();
  if (from !== undefined && isMailboxAddress(from, context.mailboxAddress)) return `From: ${from} is our mailbox`;

  if (!mail.hasOwnMessageId || !isOwnMessageId(mail.messageId, context.ownMessageIdDomain)) return undefined;
  const marker = ['X-Reclam-Ticket', 'X-Reclam-Kind'].find((name) => headerValue(mail, name) !== undefined);
  if (marker !== undefined) return `${marker} header with our Message-ID <${mail.messageId}>`;
  // Our Message-ID domain is the organisation's mail domain, where staff mail clients
  // (Thunderbird, Apple Mail) generate ids too: the id alone would swallow staff replies.
  // Everything we send is Auto-Submitted.
  const autoSubmitted = autoSubmittedValue(mail);
  if (autoSubmitted !== undefined) return `our Message-ID <${mail.messageId}> with Auto-Submitted: ${autoSubmitted}`;
  return undefined;
}

function isMailboxAddress(address: string, mailbox: string): boolean {
  const [local, domain] = splitAddress(mailbox.trim().toLowerCase());
  const [candidateLocal, candidateDomain] = splitAddress(address);
  return candidateDomain === domain && (candidateLocal === local || candidateLocal.startsWith(`${local}+`));
}

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf('@');
  return at === -1 ? [address, ''] : [address.slice(0, at), address.slice(at + 1)];
}

// ---------------------------------------------------------------------------------------------
// Bounces

const DAEMON = /^(?:mailer[-_]?daemon|mail[-_]?daemon|postmaster)$/i;

/** Unambiguous subjects of delivery reports (anchored: a complaint may mention a delivery). */
const BOUNCE_SUBJECTS: readonly RegExp[] = [
  /^undelivered mail returned to sender/i,
  /^undeliver(?:able|ed)(?: mail(?: returned)?)?\s*(?::|$)/i,
  /^delivery status notification\b/i,
  /^mail delivery failed\b/i,
  /^delivery (?:notification: )?(?:has )?fail(?:ed|ure)\b/i,
  /^returned mail\s*:/i,
  /^failure notice\s*$/i,
  /^delayed mail \(still being retried\)/i,
  /^warning: could not send message\b/i,
  /^mail system error - returned mail/i,
  /^non remis\s*(?::|$)/i,
  /^message non remis\s*:/i,
  /^[ée]chec de (?:la )?remise\s*(?::|$)/i,
  /^notification d'[ée]tat de (?:la )?remise\b/i,
  /^rapport de non-remise\b/i,
  /^unzustellbar\s*:/i,
  /^nicht zustellbar\s*:/i,
  /^benachrichtigung zum [üu]bermittlungsstatus\b/i,
];

function bounceEvidence(mail: InboundMail): string | undefined {
  const reportType = reportTypeOf(mail);
  if (reportType !== undefined && reportType !== 'disposition-notification') {
    return `multipart/report; report-type=${reportType === '' ? '(none)' : reportType}`;
  }
  const statusPart = mail.attachments.find((part) => /^message\/(?:global-)?delivery-status$/.test(part.contentType));
  if (statusPart !== undefined) return `Content-Type: ${statusPart.contentType} part`;
  if (headerValue(mail, 'x-failed-recipients') !== undefined) return 'X-Failed-Recipients header';
  const from = mail.from?.address;
  if (from !== undefined && DAEMON.test(splitAddress(from)[0])) return `From: ${from}`;
  if (mail.from === null) return 'no sender address (MTA report)';
  if (mail.returnPath !== null && mail.returnPath !== '' && DAEMON.test(splitAddress(mail.returnPath)[0])) {
    return `Return-Path: <${mail.returnPath}>`;
  }
  const subject = mail.subject.trim();
  for (const pattern of BOUNCE_SUBJECTS) {
    const match = pattern.exec(subject);
    if (match !== null) return `Subject: ${quoteSubject(match[0])}`;
  }
  return undefined;
}

/** The report-type of a top-level multipart/report (`''` when it names none), else undefined. */
function reportTypeOf(mail: InboundMail): string | undefined {
  if (mail.contentType !== 'multipart/report') return undefined;
  const header = headerValue(mail, 'content-type') ?? '';
  return /report-type\s*=\s*"?([^";\s]+)/i.exec(header)?.[1]?.toLowerCase() ?? '';
}

function originalMessageIdOf(mail: InboundMail): string | null {
  for (const part of mail.attachments) {
    if (!/^(?:message\/(?:global|rfc822)|text\/rfc822-headers|message\/global-headers)$/.test(part.contentType))
      continue;
    const id = headerField(headerSection(textOf(part)), 'message-id');
    if (id !== undefined) return id;
  }
  const threaded = referencedMessageIds(mail)[0];
  if (threaded !== undefined) return threaded;
  // plain-text bounces quote the original header block in their body
  return /^message-id:\s*<([^<>\s]+)>/im.exec(mail.text)?.[1] ?? null;
}

interface DeliveryReport {
  /** The recipient of the first `Action: failed` block (or of the first block when no block has an Action). */
  readonly failed: string | undefined;
  /** The distinct Action values of the report, in order. */
  readonly actions: readonly string[];
}

/**
 * The machine-readable part of a DSN (RFC 3464) or abuse report (ARF): from a report part, or
 * from the text when the report arrived without MIME structure. Undefined when there is none.
 */
function deliveryReportOf(mail: InboundMail): DeliveryReport | undefined {
  const parts = mail.attachments.filter((part) =>
    /^message\/(?:(?:global-)?delivery-status|feedback-report)$/.test(part.contentType),
  );
  for (const text of [...parts.map(textOf), mail.text]) {
    const report = readReport(text);
    if (report !== undefined) return report;
  }
  return undefined;
}

function readReport(text: string): DeliveryReport | undefined {
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/);
  const entries = blocks.flatMap((block) => {
    const recipient = recipientOf(block);
    if (recipient === undefined) return [];
    return [{ recipient, action: /^action\s*:\s*([a-z-]+)/im.exec(block)?.[1]?.toLowerCase() }];
  });
  if (entries.length === 0) return undefined;
  const actions = [...new Set(entries.flatMap((entry) => (entry.action === undefined ? [] : [entry.action])))];
  const failed =
    actions.length === 0 ? entries[0]!.recipient : entries.find((entry) => entry.action === 'failed')?.recipient;
  return { failed, actions };
}

/** The address we wrote to (Original-Recipient) rather than where an alias led (Final-Recipient). */
function recipientOf(block: string): string | undefined {
  for (const name of ['original-recipient', 'final-recipient', 'original-rcpt-to']) {
    const field = new RegExp(`^${name}\\s*:\\s*(.+)$`, 'im').exec(block)?.[1];
    const address = field === undefined ? undefined : firstAddress(field.replace(/^\s*[a-z0-9-]+\s*;/i, ''));
    if (address !== undefined) return address;
  }
  return undefined;
}

/** Without a machine-readable report: X-Failed-Recipients, then the wording of the bounce. */
function failedRecipientOf(mail: InboundMail): string | null {
  const header = headerValue(mail, 'x-failed-recipients');
  if (header !== undefined) return firstAddress(header) ?? null;
  return recipientFromProse(mail.text) ?? null;
}

/** Postfix `<user@example.fr>: host … said`, or the address after an Exchange/Gmail/Exim lead-in. */
function recipientFromProse(text: string): string | undefined {
  const postfix = /^<([^<>\s@]+@[^<>\s@]+)>\s*:/m.exec(text)?.[1];
  if (postfix !== undefined) return postfix.toLowerCase();
  const lead =
    /(?:following (?:recipients?|address(?:es)?)|these recipients(?: or (?:groups|distribution lists))?|ces destinataires(?: ou (?:groupes|listes de distribution))?|destinataires? suivants?|could not be delivered to)[^\n]*\n(?:[ \t]*\n)*([^\n]+)/i.exec(
      text,
    )?.[1];
  return lead === undefined ? undefined : firstAddress(lead);
}

// ---------------------------------------------------------------------------------------------
// Automatic replies

const LIST_PRECEDENCE = /^(?:bulk|junk|list|auto_reply)$/i;

/** Automatic-reply prefixes no human writes: decisive at the start of the subject, before a colon or alone. */
const AUTO_REPLY_SUBJECTS =
  /^(?:r[ée]ponse automatique|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|autor[ée]ponse|out of (?:the )?office(?: reply| autoreply)?|message d'absence|notification d'absence|abwesenheitsnotiz|automatische antwort|respuesta autom[áa]tica|risposta automatica)\s*(?::|$)/i;

/**
 * Words that also start real complaints ("Absence du médecin…"): alone or before a colon, they
 * count on a reply to an earlier mail, and are a mere hint otherwise. Read-receipt prefixes
 * (`Lu :`, `Accusé de réception :`) count only before a colon on a reply.
 */
const AMBIGUOUS_SUBJECTS = /^(?:absent\(e\)|absente|absent|absence|abwesend|abwesenheit)(?:\s+du bureau)?\s*(?::|$)/i;
const RECEIPT_SUBJECTS = /^(?:lu|non lu|read|not read|gelesen|ungelesen|accus[ée] de r[ée]ception)\s*:/i;

/** Headers whose value is not personal data, so it may be quoted in a reason. */
const QUOTABLE = new Set([
  'auto-submitted',
  'precedence',
  'x-precedence',
  'x-autoreply',
  'x-autorespond',
  'x-autogenerated',
  'list-id',
  'x-auto-response-suppress',
]);

function evidence(name: string, value: string): string {
  return QUOTABLE.has(name.toLowerCase()) ? `${name}: ${value}` : `${name} header`;
}

function autoReplyEvidence(mail: InboundMail): string | undefined {
  const autoSubmitted = autoSubmittedValue(mail);
  if (autoSubmitted !== undefined) return `Auto-Submitted: ${autoSubmitted}`;

  for (const name of ['X-Autoreply', 'X-Autorespond', 'X-Autoreply-From', 'X-Mail-Autoreply']) {
    const value = headerValue(mail, name);
    if (value !== undefined && !/^(?:no|false|0)$/i.test(value.trim())) return evidence(name, value);
  }
  const autogenerated = headerValue(mail, 'x-autogenerated');
  if (autogenerated !== undefined && /^reply$/i.test(autogenerated.trim()))
    return evidence('X-Autogenerated', autogenerated);

  for (const name of ['Precedence', 'X-Precedence']) {
    const value = headerValue(mail, name);
    if (value !== undefined && LIST_PRECEDENCE.test(value.trim())) return evidence(name, value);
  }
  for (const name of [
    'List-Id',
    'List-Unsubscribe',
    'X-MS-Exchange-Generated-Message-Source',
    'X-MS-Exchange-Inbox-Rules-Loop',
  ]) {
    const value = headerValue(mail, name);
    if (value !== undefined) return evidence(name, value);
  }

  if (reportTypeOf(mail) === 'disposition-notification')
    return 'multipart/report; report-type=disposition-notification (read receipt)';
  if (mail.attachments.some((part) => part.contentType === 'message/disposition-notification')) {
    return 'Content-Type: message/disposition-notification part (read receipt)';
  }

  const subject = mail.subject.trim();
  const isReply = referencedMessageIds(mail).length > 0;
  const decisive = AUTO_REPLY_SUBJECTS.exec(subject);
  if (decisive !== null) return `Subject: ${quoteSubject(decisive[0])}`;
  const ambiguous = AMBIGUOUS_SUBJECTS.exec(subject);
  if (ambiguous !== null && isReply) return `Subject: ${quoteSubject(ambiguous[0])} on a reply`;
  const receipt = RECEIPT_SUBJECTS.exec(subject);
  if (receipt !== null && isReply) return `Subject: ${quoteSubject(receipt[0])} on a reply`;

  // Hints that real mail can carry as well (Outlook sets X-Auto-Response-Suppress on some ordinary
  // mails, mailing services add Feedback-ID to contact-form mails): two of them are needed.
  const hints: string[] = [];
  const suppress = headerValue(mail, 'x-auto-response-suppress');
  if (suppress !== undefined && /\b(?:all|oof)\b/i.test(suppress))
    hints.push(evidence('X-Auto-Response-Suppress', suppress));
  if (headerValue(mail, 'feedback-id') !== undefined) hints.push('Feedback-ID header');
  if (mail.returnPath === '') hints.push('Return-Path: <>');
  if (ambiguous !== null) hints.push(`Subject: ${quoteSubject(ambiguous[0])}`);
  return hints.length >= 2 ? hints.join(', ') : undefined;
}

/** The Auto-Submitted value when it says the mail is automatic (anything but `no`). */
function autoSubmittedValue(mail: InboundMail): string | undefined {
  const value = headerValue(mail, 'auto-submitted')?.trim();
  if (value === undefined || value === '') return undefined;
  return /^no\b/i.test(value) ? undefined : value;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function stripBrackets(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim();
}

const utf8 = new TextDecoder('utf-8');

function textOf(part: InboundAttachment): string {
  return utf8.decode(part.content);
}

/** The header block of a message or header dump (up to the first blank line), unfolded. */
function headerSection(text: string): string {
  const normalised = text.replace(/\r\n?/g, '\n');
  const end = normalised.search(/\n[ \t]*\n/);
  return (end === -1 ? normalised : normalised.slice(0, end)).replace(/\n(?=[ \t])/g, '');
}

function headerField(section: string, name: string): string | undefined {
  const value = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'im').exec(section)?.[1];
  const id = value === undefined ? undefined : (/<([^<>\s]+)>/.exec(value)?.[1] ?? value.trim());
  return id === undefined || id === '' ? undefined : id;
}

/**
 * The first `local@domain` of `text`, lower-cased: within a run of characters that are not blank,
 * `<>()"',;:`, everything up to the last `@` that is followed by at least two characters, the run
 * ending at its last character that is not a dot (what `/[^…]+@[^…]+[^….]/` matches, without
 * that expression's quadratic scanning of long runs).
 */
function firstAddress(text: string): string | undefined {
  for (const run of text.split(/[\s<>()"',;:]+/)) {
    let end = run.length;
    while (end > 0 && run[end - 1] === '.') end -= 1;
    const at = end >= 4 ? run.lastIndexOf('@', end - 3) : -1;
    if (at >= 1) return run.slice(0, end).toLowerCase();
  }
  return undefined;
}

/** A matched subject prefix, quoted (the pattern, never the rest of the subject: personal data). */
function quoteSubject(prefix: string): string {
  return JSON.stringify(prefix.replace(/\s+/g, ' ').trim());
}
