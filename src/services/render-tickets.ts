// Ticket lists and histories as text for `reclam tickets` / `reclam show`, in French: states,
// channels, kinds of mail and events by their French names, the whole history with the texts
// staff wrote (notes, actions, causes, whys, reasons) and what the complainant was sent.
// Confidential (medical) tickets show only reference, dates, level and state unless the viewer is
// a doctor (SPEC §4).
import type { FollowUpKind } from '../domain/follow-through.js';
import { findTicketByReference, listTickets, ticketHistory, ticketMessages, ticketOutbox } from '../db/tickets.js';
import { attachmentWithContent, ticketAttachments } from '../db/web-desk.js';
import { describeDuration } from '../domain/deadline.js';
import { parseDuration } from '../domain/duration.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import {
  capitalized,
  categoryLabel,
  channelLabel,
  CONFIDENTIAL_PLACEHOLDER,
  eventLabel,
  FIELD_LABELS,
  INBOUND_KIND_LABELS,
  mailKindLabel,
  NO_SUBJECT,
  NOT_SET,
  OUTBOX_STATUS_LABELS,
  parseStatus,
  requesterLabel,
  statusChoices,
  statusLabel,
  UNASSIGNED,
} from '../domain/french-labels.js';
import { findPerson, maySeeContent } from '../domain/people.js';
import { formatSize, visibleErrorText, visibleEventData } from '../domain/ticket-view.js';
import type { Deps } from './deps.js';
import type { CommandOutput } from './ingest-files.js';
import type { CommandFile } from './send-digest.js';

export async function listTicketsText(
  deps: Pick<Deps, 'db' | 'config'>,
  args: { status?: string | undefined; limit: number; viewer?: string | undefined },
): Promise<CommandOutput> {
  const unknownViewer = refuseUnknownViewer(deps, args.viewer);
  if (unknownViewer) return unknownViewer;
  let status: string | undefined;
  if (args.status !== undefined) {
    const parsed = parseStatus(args.status);
    if (!parsed)
      return {
        output: printable(`état inconnu : « ${args.status} » ; états possibles : ${statusChoices()}\n`),
        exitCode: 2,
      };
    status = parsed;
  }
  const rows = await listTickets(deps.db, {
    status,
    limit: Number.isFinite(args.limit) ? args.limit : 50,
  });
  if (rows.length === 0)
    return {
      output: status ? `aucune réclamation à l’état « ${statusLabel(status, 'short')} »\n` : 'aucune réclamation\n',
      exitCode: 0,
    };
  const viewer = findPerson(deps.config, args.viewer);
  const tz = deps.config.organisation.timezone;
  const table = rows.map((t) => {
    const visible = maySeeContent(t, viewer);
    return [
      t.reference,
      statusLabel(t.status, 'short'),
      `N${t.level}`,
      formatShort(t.receivedAt, tz),
      formatShort(t.deadlineAt, tz),
      visible ? (t.complainantEmail ?? '') : '—',
      visible ? truncate(t.subject, 50) : CONFIDENTIAL_PLACEHOLDER,
    ];
  });
  const header = ['référence', 'état', 'niveau', 'reçue', 'échéance', 'réclamant', 'objet'];
  return { output: printable(formatTable([header, ...table])), exitCode: 0 };
}

export async function showTicket(
  deps: Pick<Deps, 'db' | 'config'>,
  args: { reference: string; viewer?: string | undefined; attachments?: boolean | undefined },
): Promise<CommandOutput & { readonly files?: readonly CommandFile[] }> {
  const unknownViewer = refuseUnknownViewer(deps, args.viewer);
  if (unknownViewer) return unknownViewer;
  const ticket = await findTicketByReference(deps.db, args.reference.trim());
  if (!ticket) return { output: printable(`aucune réclamation ${args.reference}\n`), exitCode: 1 };
  const { config } = deps;
  const tz = config.organisation.timezone;
  const visible = maySeeContent(ticket, findPerson(config, args.viewer));
  const rule = parseDuration(ticket.deadlineRule);
  const ruleNote = rule ? ` (délai : ${describeDuration(rule)})` : '';
  const lines = [
    `${ticket.reference} — ${statusLabel(ticket.status)}`,
    `  reçue le      ${formatFrenchDateTime(ticket.receivedAt, tz)} (${channelLabel(ticket.channel)})`,
    `  niveau        ${ticket.level}, échéance le ${formatFrenchDateTime(ticket.deadlineAt, tz)}${ruleNote}`,
  ];
  if (visible) {
    const confidentialNote = ticket.confidential ? ' (confidentielle : réservée aux médecins)' : '';
    const requester = ticket.requester ? requesterLabel(ticket.requester) : NOT_SET;
    const typologyNote = ticket.typology ? `, typologie ${ticket.typology}` : '';
    const complainantEmail = ticket.complainantEmail && `<${ticket.complainantEmail}>`;
    const complainant = [ticket.complainantName, complainantEmail].filter(Boolean).join(' ') || NOT_SET;
    lines.push(
      `  catégorie     ${categoryLabel(config, ticket.category)}${confidentialNote}`,
      `  demandeur     ${requester}${typologyNote}`,
      `  attribuée à   ${ticket.assigneeEmail ? personName(deps, ticket.assigneeEmail) : UNASSIGNED}`,
      `  réclamant     ${complainant}`,
    );
    if (ticket.complainantPhone) lines.push(`  téléphone     ${ticket.complainantPhone}`);
    if (ticket.complainantCompany) lines.push(`  entreprise    ${ticket.complainantCompany}`);
    lines.push(`  objet         ${ticket.subject || NO_SUBJECT}`);
    if (ticket.effective !== null) lines.push(`  efficacité    ${ticket.effective ? 'efficace' : 'inefficace'}`);
  } else {
    lines.push(
      `  catégorie     ${ticket.confidential ? 'confidentielle' : categoryLabel(config, ticket.category)}`,
      `  contenu       ${CONFIDENTIAL_PLACEHOLDER}`,
    );
  }
  lines.push('', 'Historique');
  for (const event of await ticketHistory(deps.db, ticket.id)) {
    const data = visibleEventData(event.data, visible);
    const actor = event.actor === 'system' ? 'reclam' : visible ? personName(deps, event.actor) : '';
    const detail = describeEvent(deps, event.type, data, visible);
    const said = [capitalized(eventLabel(event.type)), actor, detail.inline].filter(Boolean).join(' — ');
    lines.push(`  ${formatShort(event.at, tz)}  ${said}`);
    if (detail.text) lines.push(...indent(detail.text));
  }
  lines.push('', 'Messages reçus');
  for (const message of await ticketMessages(deps.db, ticket.id)) {
    const kind = INBOUND_KIND_LABELS[message.kind] ?? message.kind;
    const heading = visible
      ? `${message.fromAddress ?? ''} — ${truncate(message.subject || NO_SUBJECT, 60)}`
      : CONFIDENTIAL_PLACEHOLDER;
    lines.push(`  ${formatShort(message.receivedAt, tz)}  ${capitalized(kind)} — ${heading}`);
    if (visible && message.text.trim()) lines.push(...indent(message.text.trim()));
  }
  if (visible) {
    const files = await ticketAttachments(deps.db, ticket.id);
    if (files.length > 0) {
      lines.push('', 'Pièces jointes');
      for (const f of files)
        lines.push(`  ${f.filename} (${formatSize(f.size)}${f.stored ? '' : ', trop grande : non conservée'})`);
    }
  }
  lines.push('', 'Messages envoyés');
  for (const mail of await ticketOutbox(deps.db, ticket.id)) {
    const toComplainant = COMPLAINANT_MAILS.has(mail.kind);
    const kindText = capitalized(mailKindLabel(mail.kind));
    const statusText = OUTBOX_STATUS_LABELS[mail.status] ?? mail.status;
    const recipient = visible ? mail.toAddress : '—';
    const errorNote = mail.lastError ? ` (${visibleErrorText(mail.lastError, visible)})` : '';
    lines.push(`  ${formatShort(mail.createdAt, tz)}  ${kindText} — ${statusText} → ${recipient}${errorNote}`);
    // What the complainant was told (the response, a rejection, a new deadline…), word for word.
    if (visible && toComplainant && mail.kind !== 'ack') lines.push(...indent(mail.text.trim()));
  }
  if (!args.attachments) return { output: printable(`${lines.join('\n')}\n`), exitCode: 0 };
  // `--attachments DIR`: the stored files, for the CLI to write (it names them safely).
  if (!visible) {
    lines.push('', `Pièces jointes non extraites : réclamation réservée aux médecins (--as ADRESSE d’un médecin)`);
    return { output: printable(`${lines.join('\n')}\n`), exitCode: 1 };
  }
  const files: CommandFile[] = [];
  const missing: string[] = [];
  for (const f of await ticketAttachments(deps.db, ticket.id)) {
    const row = f.stored ? await attachmentWithContent(deps.db, f.id) : undefined;
    if (!row) missing.push(f.filename);
    else files.push({ role: 'attachment', name: f.filename, base64: Buffer.from(row.content).toString('base64') });
  }
  if (missing.length > 0) lines.push('', `Non conservées (au-delà de attachments.maxBytes) : ${missing.join(', ')}`);
  return { output: printable(`${lines.join('\n')}\n`), exitCode: 0, files };
}

/** Mails to the complainant (their text is shown); the others are staff notifications. */
const COMPLAINANT_MAILS = new Set(['ack', 'response', 'rejection', 'closure', 'level-change', 'informed']);

/** `--as` must name a person of the configuration: a typo would silently show the masked view. */
function refuseUnknownViewer(deps: Pick<Deps, 'config'>, viewer: string | undefined): CommandOutput | null {
  if (viewer === undefined || findPerson(deps.config, viewer)) return null;
  return {
    output: printable(`--as : ${viewer} ne figure pas parmi les personnes de la configuration (people)\n`),
    exitCode: 2,
  };
}

function personName(deps: Pick<Deps, 'config'>, email: string): string {
  const person = findPerson(deps.config, email);
  return person?.name ? `${person.name} <${email}>` : email;
}

/** What an event says beyond its label: a short inline part, and a text (a note, a reason) shown below it. */
function describeEvent(
  deps: Pick<Deps, 'config'>,
  type: string,
  data: Record<string, unknown>,
  visible: boolean,
): { inline: string; text: string } {
  const { config } = deps;
  const tz = config.organisation.timezone;
  const parts: string[] = [];
  const date = (value: unknown) => {
    const d = typeof value === 'string' ? new Date(value) : null;
    return d && !Number.isNaN(d.getTime()) ? formatFrenchDateTime(d, tz) : String(value);
  };
  if (typeof data.channel === 'string') parts.push(`par ${channelLabel(data.channel)}`);
  if (typeof data.level === 'number' && type !== EVENT_TYPES.requalified) parts.push(`niveau ${data.level}`);
  if (typeof data.deadlineAt === 'string') parts.push(`échéance le ${date(data.deadlineAt)}`);
  if (typeof data.deadlineRule === 'string') {
    const rule = parseDuration(data.deadlineRule);
    parts.push(`délai : ${rule ? describeDuration(rule) : data.deadlineRule}`);
  }
  if (typeof data.field === 'string') {
    const field = data.field;
    const value = (v: unknown): string => {
      if (v === null || v === undefined) return NOT_SET;
      if (field === 'category') return categoryLabel(config, String(v));
      if (field === 'channel') return channelLabel(String(v));
      if (field === 'requester') return requesterLabel(String(v));
      if (field === 'receivable') return v === false ? 'non recevable' : 'recevable';
      return String(v);
    };
    const change = 'to' in data ? ` : ${value(data.from)} → ${value(data.to)}` : '';
    parts.push(`${FIELD_LABELS[field] ?? field}${change}`);
  }
  if (typeof data.assignee === 'string') parts.push(`à ${personName(deps, data.assignee)}`);
  if (data.via === 'mail') parts.push('par courriel');
  if (data.via === 'lrar')
    parts.push(
      `par lettre recommandée${typeof data.tracking === 'string' && data.tracking ? ` n° ${data.tracking}` : ''}`,
    );
  if (typeof data.effective === 'boolean') {
    const source =
      data.source === 'complainant'
        ? ' (réponse du réclamant)'
        : data.source === 'silence'
          ? ' (sans réponse du réclamant)'
          : data.source === 'staff'
            ? ' (avis de l’équipe)'
            : '';
    parts.push(`${data.effective ? 'solution efficace' : 'solution inefficace'}${visible ? source : ''}`);
  }
  if (typeof data.linkedTo === 'string') parts.push(`à ${data.linkedTo}`);
  if (typeof data.dueAt === 'string' && typeof data.deadlineAt !== 'string') parts.push(`pour le ${date(data.dueAt)}`);
  if (typeof data.round === 'number') parts.push(`signalement n° ${data.round}`);
  if (type === 'reminder.sent' && typeof data.kind === 'string')
    parts.push(REMINDER_KIND_LABELS[data.kind as FollowUpKind] ?? data.kind);
  if (typeof data.command === 'string')
    parts.push(`#${data.command}${visible && typeof data.args === 'string' && data.args ? ` ${data.args}` : ''}`);
  if (Array.isArray(data.to) && visible) parts.push(`à ${data.to.map(String).join(', ')}`);
  if (typeof data.from === 'string' && type === EVENT_TYPES.reopened)
    parts.push(`depuis l’état « ${statusLabel(data.from)} »`);
  if (typeof data.error === 'string') parts.push(`erreur : ${data.error}`);
  const texts = ['text', 'reason'].map((k) => data[k]).filter((v): v is string => typeof v === 'string' && v !== '');
  return { inline: parts.join(', '), text: texts.join('\n') };
}

/** The follow-through's reminders (reminder.sent data.kind). */
const REMINDER_KIND_LABELS: Readonly<Record<FollowUpKind, string>> = {
  'take-in-hand': 'prise en charge attendue',
  'take-in-hand-pilot': 'toujours sans responsable (pilote)',
  'before-deadline': 'échéance proche',
  deadline: 'échéance dépassée',
  'escalation-1': 'signalée à la direction',
  'escalation-2': 'signalée à nouveau à la direction',
  'milestone-before': 'échéance intermédiaire proche',
  milestone: 'échéance intermédiaire atteinte',
  effectiveness: 'efficacité à vérifier par téléphone',
  'effectiveness-silence': 'clôturée sans réponse du réclamant',
};

// Subjects, names and texts come from complainants: an escape sequence in them would drive the
// administrator's terminal (clear the screen, hide lines, rewrite what is shown).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Terminal output without control characters (line breaks and tabs kept), each shown as `�`. */
export function printable(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '\ufffd');
}

function formatShort(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('fr-FR', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(date);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function indent(text: string): string[] {
  return text.split('\n').map((line) => `      │ ${line}`);
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
