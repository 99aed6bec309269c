// The one place that decides what a person may see of a ticket (SPEC §4). Every staff mail, the
// CLI output and the digest build their ticket data through `ticketView`: a confidential
// (medical) ticket seen by a non-doctor keeps only reference, dates, level and state.
import type { Settings } from './settings.js';
import type { Person } from './people.js';
import { deadlineSentence, formatFrenchDate, formatFrenchDateTime } from './french-date.js';
import { parseDuration } from './duration.js';
import { channelLabel, statusLabel, UNQUALIFIED } from './french-labels.js';
import { maySeeContent } from './people.js';
import { maskAddresses } from './personal-data.js';

/** What the domain needs of a ticket row. */
export interface TicketFacts {
  readonly reference: string;
  readonly status: string;
  readonly channel: string;
  readonly subject: string;
  readonly complainantEmail: string | null;
  readonly complainantName: string;
  readonly complainantPhone?: string | null;
  readonly complainantCompany?: string | null;
  readonly category: string | null;
  readonly level: number;
  readonly confidential: boolean;
  readonly receivedAt: Date;
  readonly deadlineRule: string;
  readonly deadlineAt: Date;
  readonly assigneeEmail: string | null;
}

export interface TicketView {
  readonly reference: string;
  /** False: a confidential ticket shown to a non-doctor — no identifying field below is set. */
  readonly visible: boolean;
  readonly confidential: boolean;
  readonly receivedAt: string;
  readonly channelLabel: string;
  readonly level: number;
  readonly levelLabel: string;
  readonly deadline: { readonly sentence: string; readonly short: string };
  readonly status: string;
  readonly statusLabel: string;
  readonly categoryLabel: string;
  readonly assignee: string;
  readonly complainant?: {
    readonly name: string;
    readonly email: string;
    readonly phone: string;
    readonly company: string;
  };
  readonly subject?: string;
  readonly summary?: string;
  readonly attachments?: readonly { readonly filename: string; readonly size: string }[];
}

export interface ViewExtras {
  /** The new text of the complaint (signature and quoted history removed). */
  readonly summary?: string;
  readonly attachments?: readonly { readonly filename: string; readonly size: number }[];
}

/** The ticket as `viewer` may see it (`undefined` viewer: someone with no role, e.g. an export). */
export function ticketView(
  ticket: TicketFacts,
  viewer: Person | undefined,
  config: Pick<Settings, 'people' | 'categories' | 'levels' | 'organisation'>,
  extras: ViewExtras = {},
): TicketView {
  const timeZone = config.organisation.timezone;
  const level = config.levels.find((l) => l.level === ticket.level);
  const rule = parseDuration(ticket.deadlineRule);
  const assignee = config.people.find((p) => p.email === ticket.assigneeEmail);
  const base = {
    reference: ticket.reference,
    visible: maySeeContent(ticket, viewer),
    confidential: ticket.confidential,
    receivedAt: formatFrenchDateTime(ticket.receivedAt, timeZone),
    channelLabel: channelLabel(ticket.channel),
    level: ticket.level,
    levelLabel: level?.label ?? '',
    deadline: {
      sentence: rule
        ? deadlineSentence(
            ticket.deadlineAt,
            rule,
            { level: ticket.level, ...(level ? { label: level.label } : {}) },
            { timeZone },
          )
        : formatFrenchDate(ticket.deadlineAt, timeZone),
      short: formatFrenchDate(ticket.deadlineAt, timeZone),
    },
    status: ticket.status,
    statusLabel: statusLabel(ticket.status),
    categoryLabel: config.categories.find((c) => c.key === ticket.category)?.label ?? UNQUALIFIED,
    assignee: assignee ? (assignee.name ?? assignee.email) : (ticket.assigneeEmail ?? ''),
  };
  if (!base.visible) return base;
  return {
    ...base,
    complainant: {
      name: ticket.complainantName,
      email: ticket.complainantEmail ?? '',
      phone: ticket.complainantPhone ?? '',
      company: ticket.complainantCompany ?? '',
    },
    subject: ticket.subject,
    summary: extras.summary ?? '',
    attachments: (extras.attachments ?? []).map((a) => ({ filename: a.filename, size: formatSize(a.size) })),
  };
}

// What an event may show to someone who may not see the ticket's content: dates, level and state
// changes, never text a person wrote (notes, reasons, responses), names or addresses.
const EVENT_KEYS_WITHOUT_CONTENT = new Set([
  'level',
  'deadlineRule',
  'deadlineAt',
  'dueAt',
  'via',
  'channel',
  'linkedTo',
  'kind',
  'attempts',
  'permanent',
  'effective',
  'command',
  'window',
  'pilotAlerted',
  'from',
  'to',
  'field',
]);
/** Requalified fields whose values are no content (a typology or requester type would tell it). */
const FIELDS_WITHOUT_CONTENT = new Set(['level', 'category', 'channel', 'receivable']);

/**
 * The part of an event's data that may be shown (CLI history, #statut): everything when the
 * viewer may see the ticket's content (`visible`, from `ticketView`/`maySeeContent`); otherwise
 * only dates, level and state keys, with any e-mail address in an error text masked.
 */
export function visibleEventData(data: Record<string, unknown>, visible: boolean): Record<string, unknown> {
  if (visible) return data;
  const shown: Record<string, unknown> = {};
  const field = typeof data.field === 'string' ? data.field : undefined;
  for (const [key, value] of Object.entries(data)) {
    if ((key === 'from' || key === 'to') && !(field && FIELDS_WITHOUT_CONTENT.has(field))) continue;
    if (key === 'error') shown.error = maskAddresses(String(value));
    else if (EVENT_KEYS_WITHOUT_CONTENT.has(key)) shown[key] = value;
  }
  return shown;
}

/** An SMTP error or other server text as `viewer` may see it: addresses masked unless `visible`. */
export function visibleErrorText(text: string, visible: boolean): string {
  return visible ? text : maskAddresses(text);
}

/** 1 234 567 → `1,2 Mo`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} Ko`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} Mo`;
}
