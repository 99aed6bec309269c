// What the web desk's pages show (issue 14), as template data: the tickets a person may see with
// filters and French full-text search, one ticket in full or masked, its attachments. Every
// ticket goes through ticketView (domain/ticket-view.ts): medical content for doctors only.
import { findTicketById, findTicketByReference, ticketHistory, ticketMessages, type TicketRow } from '../db/tickets.js';
import { attachmentWithContent, searchTickets, ticketAttachments, ticketSentMails } from '../db/web-desk.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import {
  CONFIDENTIAL_PLACEHOLDER,
  capitalized,
  eventLabel,
  NO_SUBJECT,
  REQUESTER_LABELS,
  STATUS_LABELS,
  statusLabel,
  UNASSIGNED,
} from '../domain/french-labels.js';
import { hasRole, maySeeContent, type Person } from '../domain/people.js';
import { mayActOn } from '../domain/ticket-rights.js';
import { formatSize, ticketView, visibleEventData } from '../domain/ticket-view.js';
import { subjectTag } from '../domain/ticket-reference.js';
import { zonedWallTimeToInstant, addDaysToLocalDate } from '../domain/zoned-time.js';
import type { Deps } from './deps.js';
import { staffReplyAddress } from './enqueue-staff-mail.js';

type DeskDeps = Pick<Deps, 'db' | 'clock' | 'config'>;

export const PAGE_SIZE = 50;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_QUERY = 200;

/** The list's filters as read from the address bar; anything not understood is ignored. */
export interface ListFilters {
  readonly etat: string;
  readonly niveau: string;
  readonly categorie: string;
  readonly demandeur: string;
  readonly retard: boolean;
  readonly attribution: string;
  readonly du: string;
  readonly au: string;
  readonly q: string;
  readonly page: number;
}

export function readListFilters(params: URLSearchParams, config: Deps['config']): ListFilters {
  const one = (name: string) => (params.get(name) ?? '').trim();
  const pick = (name: string, allowed: readonly string[]) => (allowed.includes(one(name)) ? one(name) : '');
  const page = Number.parseInt(one('page'), 10);
  return {
    etat: pick('etat', Object.keys(STATUS_LABELS)),
    niveau: pick(
      'niveau',
      config.levels.map((l) => String(l.level)),
    ),
    categorie: pick(
      'categorie',
      config.categories.map((c) => c.key),
    ),
    demandeur: pick('demandeur', Object.keys(REQUESTER_LABELS)),
    retard: one('retard') === 'oui',
    attribution: pick('attribution', ['personne', ...config.people.map((p) => p.email)]),
    du: DATE.test(one('du')) ? one('du') : '',
    au: DATE.test(one('au')) ? one('au') : '',
    q: one('q').slice(0, MAX_QUERY),
    page: Number.isInteger(page) && page > 1 && page < 100_000 ? page : 1,
  };
}

/** The ticket list page for `viewer`. */
export async function ticketListPage(deps: DeskDeps, viewer: Person, filters: ListFilters) {
  const { config } = deps;
  const tz = config.organisation.timezone;
  const now = deps.clock.now();
  const rows = await searchTickets(deps.db, {
    contentOfConfidential: hasRole(viewer, 'doctor'),
    status: filters.etat || undefined,
    level: filters.niveau ? Number(filters.niveau) : undefined,
    category: filters.categorie || undefined,
    requester: filters.demandeur || undefined,
    overdue: filters.retard,
    assignee: filters.attribution === 'personne' ? 'none' : filters.attribution || undefined,
    from: filters.du ? zonedWallTimeToInstant(filters.du, 0, 0, 0, 0, tz) : undefined,
    to: filters.au ? zonedWallTimeToInstant(addDaysToLocalDate(filters.au, 1), 0, 0, 0, 0, tz) : undefined,
    text: filters.q || undefined,
    now,
    limit: PAGE_SIZE,
    offset: (filters.page - 1) * PAGE_SIZE,
  });
  const shown = rows.slice(0, PAGE_SIZE);
  const query = (page: number) => listQuery(filters, page);
  const selected = (value: string, current: string) => ({ value, selected: value === current });
  return {
    ...chrome(deps, viewer, 'tickets'),
    title: 'Réclamations',
    filters,
    filtered: listQuery(filters, 1) !== '',
    options: {
      states: Object.entries(STATUS_LABELS).map(([value, l]) => ({
        ...selected(value, filters.etat),
        label: capitalized(l.label),
      })),
      levels: config.levels.map((l) => ({ ...selected(String(l.level), filters.niveau), label: `Niveau ${l.level}` })),
      categories: config.categories.map((c) => ({ ...selected(c.key, filters.categorie), label: c.label })),
      requesters: Object.entries(REQUESTER_LABELS).map(([value, label]) => ({
        ...selected(value, filters.demandeur),
        label: capitalized(label),
      })),
      assignees: [
        { ...selected('personne', filters.attribution), label: 'Personne (non attribuée)' },
        ...config.people.map((p) => ({ ...selected(p.email, filters.attribution), label: p.name ?? p.email })),
      ],
    },
    tickets: shown.map((t) => listRow(deps, viewer, t, now)),
    empty: shown.length === 0,
    page: filters.page,
    previous: filters.page > 1 ? `/?${query(filters.page - 1)}` : '',
    next: rows.length > PAGE_SIZE ? `/?${query(filters.page + 1)}` : '',
  };
}

function listRow(deps: DeskDeps, viewer: Person, ticket: TicketRow, now: Date) {
  const view = ticketView(ticket, viewer, deps.config);
  return {
    reference: view.reference,
    visible: view.visible,
    subject: view.visible ? ticket.subject || NO_SUBJECT : CONFIDENTIAL_PLACEHOLDER,
    complainant: view.visible ? ticket.complainantName || ticket.complainantEmail || '' : '',
    receivedAt: shortDate(ticket.receivedAt, deps.config.organisation.timezone),
    deadline: shortDate(ticket.deadlineAt, deps.config.organisation.timezone),
    overdue: isOverdue(ticket, now),
    status: view.status,
    statusLabel: capitalized(statusLabel(ticket.status, 'short')),
    level: view.level,
    categoryLabel: view.categoryLabel,
    assignee: view.assignee || UNASSIGNED,
  };
}

/** `20/11/2026`: a list column has no room for the day's name. */
function shortDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('fr-FR', { timeZone, dateStyle: 'short' }).format(instant);
}

function isOverdue(ticket: Pick<TicketRow, 'status' | 'deadlineAt'>, now: Date): boolean {
  return ticket.status !== 'closed' && ticket.status !== 'rejected' && ticket.deadlineAt.getTime() < now.getTime();
}

function listQuery(filters: ListFilters, page: number): string {
  const params = new URLSearchParams();
  for (const key of ['q', 'etat', 'niveau', 'categorie', 'demandeur', 'attribution', 'du', 'au'] as const) {
    if (filters[key]) params.set(key, filters[key]);
  }
  if (filters.retard) params.set('retard', 'oui');
  if (page > 1) params.set('page', String(page));
  return params.toString();
}

/** The page of ticket `reference` for `viewer`; null when there is no such ticket. */
export async function ticketPage(deps: DeskDeps, viewer: Person, reference: string) {
  const { config } = deps;
  const tz = config.organisation.timezone;
  const ticket = await findTicketByReference(deps.db, reference);
  if (!ticket) return null;
  const now = deps.clock.now();
  const visible = maySeeContent(ticket, viewer);
  const files = visible ? await ticketAttachments(deps.db, ticket.id) : [];
  const view = ticketView(ticket, viewer, config, {
    summary: ticket.summary,
    attachments: files.filter((f) => f.stored),
  });
  const history = (await ticketHistory(deps.db, ticket.id)).map((event) => {
    const data = visibleEventData(event.data, visible);
    return {
      at: formatFrenchDateTime(event.at, tz),
      label: capitalized(eventLabel(event.type)),
      actor: event.actor === 'system' ? 'reclam' : visible ? actorName(deps, event.actor) : '',
      detail: visible ? eventDetail(deps, data) : '',
    };
  });
  const messages = visible
    ? (await ticketMessages(deps.db, ticket.id)).map((m) => ({
        at: formatFrenchDateTime(m.receivedAt, tz),
        from: m.fromName ? `${m.fromName} <${m.fromAddress ?? ''}>` : (m.fromAddress ?? ''),
        subject: m.subject || NO_SUBJECT,
        text: m.text.trim(),
        kind: MESSAGE_KIND_LABELS[m.kind] ?? m.kind,
        attachments: files
          .filter((f) => f.messageId === m.id)
          .map((f) => ({
            id: f.id,
            filename: f.filename,
            size: formatSize(f.size),
            stored: f.stored,
          })),
      }))
    : [];
  const sent = visible
    ? (await ticketSentMails(deps.db, ticket.id)).map((m) => ({
        at: formatFrenchDateTime(m.createdAt, tz),
        to: m.toAddress,
        subject: m.subject,
        text: m.text.trim(),
        toComplainant: m.automatic || m.toAddress === ticket.complainantEmail,
        statusLabel: SENT_STATUS_LABELS[m.status] ?? m.status,
      }))
    : [];
  const right = mayActOn(viewer, ticket, config);
  return {
    ...chrome(deps, viewer, 'tickets'),
    title: `Réclamation ${ticket.reference}`,
    ticket: {
      ...view,
      statusLabel: capitalized(view.statusLabel),
      assignee: view.assignee || UNASSIGNED,
      overdue: isOverdue(ticket, now),
      subject: view.visible ? ticket.subject || NO_SUBJECT : CONFIDENTIAL_PLACEHOLDER,
    },
    history,
    messages,
    responses: sent.filter((m) => m.toComplainant),
    notifications: sent.filter((m) => !m.toComplainant).length,
    actions: right.allowed ? actionLinks(deps, viewer, ticket) : [],
    mayAct: right.allowed,
    refusal: right.allowed ? '' : right.reason,
  };
}

const MESSAGE_KIND_LABELS: Readonly<Record<string, string>> = {
  complaint: 'Réclamation',
  'follow-up': 'Message du réclamant',
  'auto-reply': 'Réponse automatique',
  bounce: 'Non-distribution',
  own: 'Notre message',
  staff: 'Message de l’équipe',
};
const SENT_STATUS_LABELS: Readonly<Record<string, string>> = {
  pending: 'en attente d’envoi',
  sending: 'en cours d’envoi',
  sent: 'envoyé',
  dead: 'échec d’envoi',
};

/** Commands offered as « agir par e-mail » links: a mail to the person's signed address, command prefilled. */
const ACTIONS = [
  { command: '#prendre', label: 'Prendre en charge', body: '' },
  { command: '#repondre', label: 'Répondre au réclamant', body: '\n\nVotre réponse ici.' },
  { command: '#note', label: 'Ajouter une note interne', body: '' },
  { command: '#statut', label: 'Recevoir la fiche par e-mail', body: '' },
] as const;

function actionLinks(deps: DeskDeps, viewer: Person, ticket: TicketRow) {
  const address = staffReplyAddress(deps, viewer, ticket.id);
  const subject = `Re: ${subjectTag(ticket.reference)}`;
  return ACTIONS.filter((a) => a.command !== '#prendre' || ticket.assigneeEmail !== viewer.email).map((a) => {
    const body = `${a.command} ${a.body}`.trimEnd();
    return {
      label: a.label,
      command: a.command,
      href: `mailto:${address}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`,
    };
  });
}

function actorName(deps: DeskDeps, actor: string): string {
  const person = deps.config.people.find((p) => p.email === actor);
  return person?.name ?? actor;
}

function eventDetail(deps: DeskDeps, data: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof data.text === 'string') parts.push(data.text);
  if (typeof data.reason === 'string') parts.push(data.reason);
  if (typeof data.command === 'string') parts.push(`#${data.command}`);
  if (typeof data.field === 'string' && 'to' in data)
    parts.push(`${data.field} : ${String(data.from)} → ${String(data.to)}`);
  if (typeof data.assignee === 'string') parts.push(actorName(deps, data.assignee));
  return parts.join(' — ');
}

/** An attachment `viewer` may download, with its content; null otherwise (unknown, not stored, or masked). */
export async function attachmentDownload(deps: DeskDeps, viewer: Person, id: number) {
  const row = await attachmentWithContent(deps.db, id);
  if (!row || row.ticketId === null) return null;
  const ticket = await findTicketById(deps.db, row.ticketId);
  if (!ticket || !maySeeContent(ticket, viewer)) return null;
  return { filename: row.filename, contentType: row.contentType, content: row.content };
}

/** What every page shows around its content: who is signed in, the menu. */
export function chrome(deps: Pick<Deps, 'config'>, viewer: Person | undefined, current: string) {
  return {
    organisation: deps.config.organisation,
    viewer: viewer ? { name: viewer.name ?? viewer.email, email: viewer.email } : null,
    pilot: viewer ? hasRole(viewer, 'pilot') : false,
    current,
  };
}
