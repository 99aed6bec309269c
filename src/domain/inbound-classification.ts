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
  /**
   * For every id in In-Reply-To/References that is a Message-ID we sent: the ticket it belongs to
   * (looked up by the caller).
   */
  ticketByMessageId: ReadonlyMap<string, string>;
  /**
   * For every ticket reference found in the subject tag: its participants (lower-cased addresses:
   * complainant, people in copy, staff). Absent key = no such ticket.
   */
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
  // A thanks that follows up on a ticket stays with it (above); alone it is no complaint: it is
  // recorded and counted with the suppressed mails, never acknowledged as a new ticket.
  const thanks = thanksOnlyEvidence(mail);
  if (thanks !== undefined) return { kind: 'auto-reply', reason: thanks };
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
  const ids = new Set<string>();
  for (const raw of [...mail.inReplyTo, ...mail.references]) {
    const id = stripBrackets(raw);
    if (id !== '') ids.add(id);
  }
  return [...ids];
}

/** Tags read from one subject: a reply carries one or two; a subject full of them is no reply. */
const MAX_SUBJECT_TAGS = 10;

/**
 * Ticket references in subject tags: `Re: [REC-2026-0042] …` → `['REC-2026-0042']`. The tag is
 * `[PREFIX-YYYY-NNNN]` with at least 4 sequence digits; case and blanks inside the brackets are
 * forgiven, the result uses `prefix` as given. Each reference once, in order of appearance, the
 * first {@link MAX_SUBJECT_TAGS} only (60 000 tags in one subject took minutes to read, and as
 * many look-up parameters would pass what the database takes).
 */
export function subjectTicketReferences(subject: string, prefix: string): string[] {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`\\[\\s*${escaped}-(\\d{4})-(\\d{4,})\\s*\\]`, 'gi');
  const references = new Set<string>();
  for (const match of subject.matchAll(pattern)) {
    references.add(`${prefix}-${match[1]}-${match[2]}`);
    if (references.size >= MAX_SUBJECT_TAGS) break;
  }
  return [...references];
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

const RECIPIENT_LEAD_IN_WORDS = [
  'following (?:recipients?|address(?:es)?)',
  'these recipients(?: or (?:groups|distribution lists))?',
  'ces destinataires(?: ou (?:groupes|listes de distribution))?',
  'destinataires? suivants?',
  'could not be delivered to',
];
/** An Exchange/Gmail/Exim lead-in line, then (after blank lines) the line that names the recipient. */
const RECIPIENT_LEAD_IN = new RegExp(
  String.raw`(?:${RECIPIENT_LEAD_IN_WORDS.join('|')})[^\n]*\n(?:[ \t]*\n)*([^\n]+)`,
  'i',
);

/** Postfix `<user@example.fr>: host … said`, or the address after an Exchange/Gmail/Exim lead-in. */
function recipientFromProse(text: string): string | undefined {
  const postfix = /^<([^<>\s@]+@[^<>\s@]+)>\s*:/m.exec(text)?.[1];
  if (postfix !== undefined) return postfix.toLowerCase();
  const lead = RECIPIENT_LEAD_IN.exec(text)?.[1];
  return lead === undefined ? undefined : firstAddress(lead);
}

// ---------------------------------------------------------------------------------------------
// Automatic replies

const LIST_PRECEDENCE = /^(?:bulk|junk|list|auto_reply)$/i;

/** Automatic-reply prefixes no human writes: decisive at the start of the subject, before a colon or alone. */
const AUTO_REPLY_SUBJECT_WORDS = [
  'r[ée]ponse automatique',
  'automatic reply',
  'auto[- ]?reply',
  'autoreply',
  'auto[- ]?response',
  'autor[ée]ponse',
  'out of (?:the )?office(?: reply| autoreply)?',
  "message d'absence",
  "notification d'absence",
  'abwesenheitsnotiz',
  'automatische antwort',
  'respuesta autom[áa]tica',
  'risposta automatica',
];
const AUTO_REPLY_SUBJECTS = new RegExp(String.raw`^(?:${AUTO_REPLY_SUBJECT_WORDS.join('|')})\s*(?::|$)`, 'i');

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
  const vendor = vendorNotificationEvidence(mail);
  if (vendor !== undefined) return vendor;

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

  const absence = outOfOfficeEvidence(mail);
  if (absence !== undefined) return absence;

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

/**
 * Headers that notification systems put on every mail they generate, and on nothing a person
 * writes: their presence alone marks the mail as automatic.
 * - `X-JIRA-FingerPrint`: Jira's outgoing notifications (its mail handler uses it to ignore its
 *   own mails).
 * - `X-GitHub-Reason`: GitHub notifications (why you were notified: mention, assign, author…).
 * - `X-GitLab-*` (`X-GitLab-Project`, `X-GitLab-NotificationReason`, `X-GitLab-Pipeline-Id`…):
 *   GitLab notifications and CI mails.
 * - `X-Bugzilla-Reason`, `X-Bugzilla-Type`: Bugzilla bug mail.
 * - `X-Redmine-Host`: Redmine notifications.
 * - `X-Jenkins-Job`: Jenkins build mails (email-ext).
 * - `X-Cron-Env`: the output of a cron job.
 * Not here, because people's mail carries them too: `X-Mailgun-*` (any mail sent or received
 * through Mailgun, contact forms and replies included), `X-MC-*` (Mailchimp campaigns, but also
 * Mimecast's `X-MC-Unique` on ordinary mail through that gateway), `Feedback-ID` (Gmail's
 * feedback-loop id, which ESPs such as Amazon SES put on every mail they relay: a weak hint below).
 */
const VENDOR_HEADERS: readonly { readonly name: string; readonly prefix?: true; readonly what: string }[] = [
  { name: 'x-jira-fingerprint', what: 'Jira notification' },
  { name: 'x-github-reason', what: 'GitHub notification' },
  { name: 'x-gitlab-', prefix: true, what: 'GitLab notification' },
  { name: 'x-bugzilla-reason', what: 'Bugzilla notification' },
  { name: 'x-bugzilla-type', what: 'Bugzilla notification' },
  { name: 'x-redmine-host', what: 'Redmine notification' },
  { name: 'x-jenkins-job', what: 'Jenkins notification' },
  { name: 'x-cron-env', what: 'cron job output' },
];

function vendorNotificationEvidence(mail: InboundMail): string | undefined {
  for (const vendor of VENDOR_HEADERS) {
    const name = vendor.prefix ? [...mail.headers.keys()].find((key) => key.startsWith(vendor.name)) : vendor.name;
    if (name !== undefined && mail.headers.has(name)) return `${headerLabel(name)} header (${vendor.what})`;
  }
  return undefined;
}

const LABEL_PARTS: Readonly<Record<string, string>> = {
  x: 'X',
  gitlab: 'GitLab',
  notificationreason: 'NotificationReason',
  id: 'Id',
};

/** A header name as vendors write it: `x-gitlab-notificationreason` → `X-GitLab-NotificationReason`. */
function headerLabel(name: string): string {
  const known: Record<string, string> = {
    'x-jira-fingerprint': 'X-JIRA-FingerPrint',
    'x-github-reason': 'X-GitHub-Reason',
    'x-cron-env': 'X-Cron-Env',
  };
  return (
    known[name] ??
    name
      .split('-')
      .map((part) => LABEL_PARTS[part] ?? part.charAt(0).toUpperCase() + part.slice(1))
      .join('-')
  );
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

/**
 * A part's bytes as text. NUL becomes U+FFFD: what is read from it (a returned mail's Message-ID,
 * a failed recipient) is looked up and stored, and PostgreSQL text refuses U+0000.
 */
function textOf(part: InboundAttachment): string {
  const text = utf8.decode(part.content);
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\ufffd') : text;
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

// ---------------------------------------------------------------------------------------------
// What the sender wrote: out-of-office and thanks-only bodies (no header says they are automatic)

/** What is read of a body for these two detectors: their texts are short. */
const OWN_TEXT_MAX_CHARS = 2_000;

/** Lower case without accents, straight apostrophes, blanks collapsed: for matching only. */
function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u2019\u2018`]/g, "'")
    .replace(/[ \t\u00a0]+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * The lines the sender wrote above any quoted history (a `>` line, an `-----Original Message`
 * separator, a `Le … a écrit :` / `On … wrote:` line, a `De :` / `From:` header block) and above
 * a `-- ` signature, trimmed. Null when they are longer than OWN_TEXT_MAX_CHARS: a long text is
 * a message of its own, never one of these.
 */
function ownLines(mail: InboundMail): string[] | null {
  const lines: string[] = [];
  let length = 0;
  for (const raw of mail.text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = fold(raw);
    if (
      /^>/.test(line) ||
      /^[-_=*]{2,} ?(?:original message|message d'origine|message transfere|forwarded message)/.test(line) ||
      /^(?:le|on) .{4,200}(?:a ecrit|wrote) ?:$/.test(line) ||
      /^\*?(?:de|from|envoye|sent) ?\*? ?:/.test(line)
    )
      break;
    if (line === '-- ' || line === '--') break; // signature delimiter
    length += line.length + 1;
    if (length > OWN_TEXT_MAX_CHARS) return null;
    lines.push(raw.replace(/[ \t\u00a0]+/g, ' ').trim());
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  while (lines.length > 0 && lines[0] === '') lines.shift();
  return lines;
}

/** The own lines folded and joined (see ownLines), or null. */
function ownText(mail: InboundMail): string | null {
  return ownLines(mail)?.map(fold).join('\n') ?? null;
}

// Out of office. Without a header, only a short text that states, in the first person, an absence
// bounded in time ("je suis absente jusqu'au 12 mars", "I am out of the office until Monday") AND
// what happens meanwhile (contact someone else, read on return, limited access) counts, and only
// when it asks nothing of us: complainants write "je suis absent de mon poste depuis…",
// "je suis en arrêt jusqu'au…", "je serai absente du 3 au 10, pouvez-vous décaler…".
const ABSENCE_MAX_CHARS = 1_200;
/** Decisive in the first lines: what responders write about themselves. */
const AUTOMATIC_REPLY_WORDS = [
  'reponse automatique',
  'automatic (?:reply|response)',
  'auto-?reply',
  'out of office (?:auto-?)?reply',
];
const ABSENCE_STATEMENT = `message d'absence|(?:ceci est une |this is an )?(?:${AUTOMATIC_REPLY_WORDS.join('|')})`;
const ABSENCE_DECISIVE = new RegExp(String.raw`^(?:[^\n]*\n){0,2}[^\n]*\b(?:${ABSENCE_STATEMENT})\b`);
const ABSENCE_STATED = new RegExp(
  [
    // the person, then within a few words the absence
    "\\b(?:je suis|je serai|i am|i'm|i will be|i'll be)\\b(?: (?:actuellement|en ce moment|currently|now))?",
    ' (?:absente?s?|absent\\(e\\)|en conges?|en vacances|en deplacement(?: professionnel)?|en formation' +
      '|en seminaire|hors du bureau|en dehors du bureau|out of (?:the )?office' +
      '|away(?: from (?:the|my) (?:office|desk))?|on (?:annual |parental |maternity |paternity )?leave' +
      '|on (?:vacation|holiday))\\b',
    // then the bound in time
    "[^.!?\\n]{0,60}?\\b(?:jusqu'(?:au|a|en)\\b|du \\d{1,2}(?:er)?\\b[^.!?\\n]{0,25}?\\bau \\d" +
      '|a partir d[ue]\\b|de retour\\b|until\\b|till\\b|returning\\b|back (?:on|in)\\b' +
      '|from \\d{1,2}\\b[^.!?\\n]{0,25}?\\b(?:to|until) )',
  ].join(''),
);
/** What happens meanwhile: someone else to contact, a reply on return, limited access. */
const ABSENCE_MEANWHILE_WORDS = [
  'pour toute (?:urgence|demande|question)',
  "en cas d'urgence",
  'vous pouvez (?:contacter|joindre|vous adresser|ecrire)',
  'merci de (?:contacter|joindre|vous adresser|renvoyer|transmettre)',
  '(?:des|a) mon retour',
  'je (?:prendrai connaissance|traiterai|repondrai|lirai)',
  '(?:ne )?(?:pourrai|pourra) (?:pas )?(?:lire|repondre|consulter)',
  "(?:n'aurai|sans) (?:pas )?acces",
  'acces (?:limite|restreint)',
  '(?:sera|seront) (?:lus?|traites?|transmis)',
  'for (?:urgent|immediate) (?:matters|assistance|requests|enquiries|inquiries)',
  'in case of (?:emergency|urgency)',
  'please contact',
  '(?:when|upon|after|on) my return',
  'when i (?:return|am back|get back)',
  'limited access',
  'no access to',
  'will (?:respond|reply|get back to you|answer)',
  'will not be (?:read|answered|forwarded)',
];
const ABSENCE_MEANWHILE = new RegExp(String.raw`\b(?:${ABSENCE_MEANWHILE_WORDS.join('|')})\b`);
/** The sender asks something of us: a request, however short, is no out-of-office. */
const REQUEST_WORDS = [
  'pouvez-vous',
  'pourriez-vous',
  'pourrais-je',
  'puis-je',
  'merci de (?:me|nous|bien vouloir|reporter|decaler|annuler|modifier|prevoir|fixer|rappeler)',
  'je vous (?:prie|demande|remercie de bien vouloir)',
  'je (?:souhaite|souhaiterais|voudrais|demande)',
  'could you',
  'can you',
  'would you',
  'please (?:reschedule|call|cancel|let me know)',
];
const ASKS_US = new RegExp(String.raw`\?|\b(?:${REQUEST_WORDS.join('|')})\b`);

/** `Body: out-of-office text ("je suis absente … jusqu'au")` when the text says so (see above). */
function outOfOfficeEvidence(mail: InboundMail): string | undefined {
  const text = ownText(mail);
  if (text === null || text === '' || text.length > ABSENCE_MAX_CHARS) return undefined;
  const decisive = ABSENCE_DECISIVE.exec(text);
  if (decisive !== null) return 'Body: automatic-reply statement';
  const stated = ABSENCE_STATED.exec(text);
  if (stated === null || stated.index > 400 || !ABSENCE_MEANWHILE.test(text) || ASKS_US.test(text)) return undefined;
  return 'Body: out-of-office text (an absence until a date, and whom to contact meanwhile)';
}

// Thanks only. A mail whose own text is nothing but greetings, thanks for something we did and a
// signature, with no attachment and no subject of its own: "Merci beaucoup pour votre réponse !".
// Not: "merci de me rappeler" (a request), "merci d'avance" (thanks for what is asked elsewhere),
// "Merci pour votre réponse, mais le problème persiste", nor "Merci." under a subject that says
// what the complaint is.
const THANKS_MAX_CHARS = 500;
const GREETING_WORDS =
  'bonjour|bonsoir|salut|madame|monsieur|madame,? monsieur|mesdames,? messieurs|cher|chere|chers|hello|hi|dear';
const GREETING = new RegExp(String.raw`^(?:${GREETING_WORDS})\b[^.!?\n]{0,40}$`);
const SIGN_OFF_WORDS = [
  '(?:tres |bien |bien tres )?cordialement',
  'cdlt',
  'cdt',
  'bien a (?:vous|toi)',
  '(?:sinceres |meilleures |mes |nos |avec mes )?salutations(?: distinguees| cordiales| respectueuses)?',
  'respectueusement',
  'amicalement',
  'a bientot',
  'bonne (?:journee|soiree|fin de journee|semaine|continuation)',
  'belle journee',
  '(?:best|kind|warm|many)? ?regards',
  'best wishes',
  'cheers',
  'sincerely',
  'yours (?:truly|sincerely)',
];
const SIGN_OFF = new RegExp(`^(?:${SIGN_OFF_WORDS.join('|')})$`);
const THANKED_DETERMINER = "(?:votre|vos|ton|tes|la|le|l'|les|cette|ce|cet|your|the)";
const THANKED_QUALITY = '(?:(?:tres |si )?(?:rapide|prompte|gentille|aimable) )?';
const THANKED_THINGS = [
  'reponses?|retours?|messages?|mails?|courriels?|aide|rapidite|reactivite|intervention|suivi|diligence',
  'informations?|explications?|precisions?|comprehension|accueil|gentillesse|patience|efforts?|travail|ecoute',
  'disponibilite|professionnalisme|traitement',
  'reply|answer|response|help|feedback|email|support|assistance',
].join('|');
const THANKED_AFTER = '(?: (?:rapide|prompte|efficace|quick))?';
const THANKED_FOR = `${THANKED_DETERMINER} ?${THANKED_QUALITY}(?:${THANKED_THINGS})${THANKED_AFTER}`;
const THANKS_SENTENCE = new RegExp(
  [
    '^(?:un )?(?:(?:tres |mille )?grand |encore )?merci' +
      '(?: (?:beaucoup|bien|infiniment|mille fois|encore|a vous|a toi|pour tout))*' +
      `(?: (?:pour|de|du|des) ${THANKED_FOR})?(?: (?:beaucoup|encore|a vous))?$`,
    '^(?:je|nous) vous remerci(?:e|ons)(?: (?:beaucoup|infiniment|sincerement|vivement|bien))?' +
      `(?: (?:pour|de) ${THANKED_FOR})?$`,
    `^(?:thanks?(?: you)?|many thanks|thanks a lot)(?: (?:so|very) much)?(?: (?:for|to you for) ${THANKED_FOR})?$`,
  ].join('|'),
);
/** Short acknowledgements that may sit beside a thanks, never alone. */
const FILLER = /^(?:c'est note|bien (?:recu|note)|parfait|super|ok|d'accord|tres bien|entendu|noted|great|perfect)$/;

/** `Body: thanks only ("merci beaucoup pour votre réponse")` when the own text is just that (see above). */
function thanksOnlyEvidence(mail: InboundMail): string | undefined {
  if (mail.attachments.length > 0) return undefined;
  const subject = mail.subject.trim().toLowerCase();
  const subjectIsOwn =
    subject !== '' &&
    !/^(?:(?:re|tr|fw|fwd|aw|wg|antw|ref|réf|rép|rep)\s*(?:\[\d+\])?\s*:)/i.test(subject) &&
    !/^(?:merci|remerciements?|thanks?(?: you)?)\b/i.test(subject.normalize('NFD').replace(/\p{M}+/gu, ''));
  if (subjectIsOwn) return undefined;
  const lines = ownLines(mail);
  if (lines === null || lines.join('\n').length > THANKS_MAX_CHARS) return undefined;
  const sentences = lines
    .flatMap((line) => line.split(/[.!]+(?:\s|$)|[,;]\s/))
    .map((part) => part.replace(/[\s,;:!.…]+$/u, '').replace(/^[\s,;:]+/, ''))
    .filter((part) => part !== '');
  let thanks = 0;
  for (const sentence of sentences) {
    const folded = fold(sentence);
    if (THANKS_SENTENCE.test(folded)) thanks += 1;
    else if (FILLER.test(folded) || GREETING.test(folded) || SIGN_OFF.test(folded)) continue;
    // the signature after the thanks: a name or a title in capitalised words ("Jean Dupont", "Service RH")
    else if (thanks > 0 && NAME_LINE.test(sentence)) continue;
    else return undefined;
  }
  return thanks > 0 ? 'Body: thanks only, nothing asked (recorded, no ticket)' : undefined;
}

/** One to four capitalised words (initials, hyphenated names, a service): a signature line. */
const NAME_LINE = /^\p{Lu}[\p{L}'’-]*(?:[ -](?:\p{Lu}[\p{L}'’-]*|de|du|des|la|le|d'|l'))*$/u;
