// Ticket lists and histories as text for `reclam tickets` / `reclam show`. Confidential (medical)
// tickets show only reference, dates, level and state unless the viewer is a doctor (SPEC §4).
import { findTicketByReference, listTickets, ticketHistory, ticketMessages, ticketOutbox } from '../db/tickets.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import { CONFIDENTIAL_PLACEHOLDER, statusLabel, UNQUALIFIED } from '../domain/french-labels.js';
import { findPerson, maySeeContent } from '../domain/people.js';
import { visibleErrorText, visibleEventData } from '../domain/ticket-view.js';
import type { Deps } from './deps.js';
import type { CommandOutput } from './ingest-files.js';

export async function listTicketsText(
  deps: Pick<Deps, 'db' | 'config'>,
  args: { status?: string | undefined; limit: number; viewer?: string | undefined },
): Promise<CommandOutput> {
  const rows = await listTickets(deps.db, {
    status: args.status,
    limit: Number.isFinite(args.limit) ? args.limit : 50,
  });
  if (rows.length === 0) return { output: 'no tickets\n', exitCode: 0 };
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
  args: { reference: string; viewer?: string | undefined },
): Promise<CommandOutput> {
  const ticket = await findTicketByReference(deps.db, args.reference);
  if (!ticket) return { output: `no ticket ${args.reference}\n`, exitCode: 1 };
  const tz = deps.config.organisation.timezone;
  const visible = maySeeContent(ticket, findPerson(deps.config, args.viewer));
  const lines = [
    `${ticket.reference} — ${statusLabel(ticket.status, 'short')}`,
    `  reçue le      ${formatFrenchDateTime(ticket.receivedAt, tz)} (${ticket.channel})`,
    `  niveau        ${ticket.level}, échéance ${formatFrenchDateTime(ticket.deadlineAt, tz)} (règle ${ticket.deadlineRule})`,
    `  catégorie     ${ticket.category ?? UNQUALIFIED}${ticket.confidential ? ' (confidentielle)' : ''}`,
    `  assignée à    ${ticket.assigneeEmail ?? 'personne'}`,
  ];
  if (visible) {
    lines.push(
      `  réclamant     ${[ticket.complainantName, ticket.complainantEmail && `<${ticket.complainantEmail}>`].filter(Boolean).join(' ')}`,
    );
    lines.push(`  objet         ${ticket.subject}`);
  } else {
    lines.push(`  contenu       ${CONFIDENTIAL_PLACEHOLDER}`);
  }
  lines.push('', 'Historique');
  for (const event of await ticketHistory(deps.db, ticket.id)) {
    lines.push(
      `  ${formatShort(event.at, tz)}  ${event.type.padEnd(22)} ${visible ? event.actor : event.actor === 'system' ? 'system' : '—'}${describeEvent(visibleEventData(event.data, visible))}`,
    );
  }
  lines.push('', 'Messages reçus');
  for (const message of await ticketMessages(deps.db, ticket.id)) {
    lines.push(
      `  ${formatShort(message.receivedAt, tz)}  ${message.kind.padEnd(10)} ${visible ? `${message.fromAddress ?? ''} — ${truncate(message.subject, 60)}` : CONFIDENTIAL_PLACEHOLDER}`,
    );
    if (visible) lines.push(...indent(truncate(message.text.trim(), 600)));
  }
  lines.push('', 'Messages envoyés');
  for (const mail of await ticketOutbox(deps.db, ticket.id)) {
    lines.push(
      `  ${formatShort(mail.createdAt, tz)}  ${mail.kind.padEnd(18)} ${mail.status.padEnd(7)} → ${visible ? mail.toAddress : '—'}${mail.lastError ? ` (${visibleErrorText(mail.lastError, visible)})` : ''}`,
    );
  }
  return { output: printable(`${lines.join('\n')}\n`), exitCode: 0 };
}

// Subjects, names and texts come from complainants: an escape sequence in them would drive the
// administrator's terminal (clear the screen, hide lines, rewrite what is shown).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Terminal output without control characters (line breaks and tabs kept), each shown as `�`. */
export function printable(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '\ufffd');
}

function describeEvent(data: Record<string, unknown>): string {
  const keys = ['level', 'deadlineRule', 'reason', 'via', 'linkedTo', 'error'].filter((k) => data[k] !== undefined);
  return keys.length ? `  ${keys.map((k) => `${k}=${String(data[k])}`).join(' ')}` : '';
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
