// A recurrence analysis as people read and act on it: its whys, causes and actions read back from
// its `analysis.*` events, what is still missing, the commands that act on it by reply, and the
// view a person gets (its tickets masked as the ticket rule says: domain/ticket-view.ts).
import { EVENT_TYPES } from './event-types.js';
import { formatFrenchDate, formatFrenchDateTime } from './french-date.js';
import { CONFIDENTIAL_PLACEHOLDER, NO_SUBJECT, categoryLabel } from './french-labels.js';
import type { Person } from './people.js';
import { maySeeContent } from './people.js';
import type { Settings } from './settings.js';
import { parseFrenchDate } from './staff-command.js';
import { withoutTrailing } from './trailing-characters.js';

/** The 5 whys: a sixth is refused, the cause comes next. */
export const MAX_WHYS = 5;

export interface AnalysisEvent {
  readonly type: string;
  readonly at: Date;
  readonly actor: string;
  readonly data: Record<string, unknown>;
}

export interface AnalysisRecord {
  readonly whys: readonly { readonly number: number; readonly text: string; readonly by: string; readonly at: Date }[];
  readonly causes: readonly { readonly text: string; readonly by: string; readonly at: Date }[];
  readonly actions: readonly {
    readonly text: string;
    readonly dueAt: Date | null;
    readonly by: string;
    readonly at: Date;
  }[];
}

/** The whys, causes and actions recorded, in order, from an analysis's events. */
export function analysisRecord(events: readonly AnalysisEvent[]): AnalysisRecord {
  const whys: AnalysisRecord['whys'][number][] = [];
  const causes: AnalysisRecord['causes'][number][] = [];
  const actions: AnalysisRecord['actions'][number][] = [];
  for (const e of events) {
    const text = typeof e.data.text === 'string' ? e.data.text : '';
    if (e.type === EVENT_TYPES.analysisWhy) {
      const number = typeof e.data.number === 'number' ? e.data.number : whys.length + 1;
      whys.push({ number, text, by: e.actor, at: e.at });
    } else if (e.type === EVENT_TYPES.analysisCause) {
      causes.push({ text, by: e.actor, at: e.at });
    } else if (e.type === EVENT_TYPES.analysisAction) {
      const dueAt = typeof e.data.dueAt === 'string' ? new Date(e.data.dueAt) : null;
      actions.push({ text, dueAt, by: e.actor, at: e.at });
    }
  }
  return { whys, causes, actions };
}

/** What an open analysis still lacks, in French, for reminders and replies (empty: ready to close). */
export function missingParts(record: AnalysisRecord): string[] {
  const missing: string[] = [];
  if (record.whys.length === 0) missing.push('les « pourquoi » (aucun enregistré : #pourquoi)');
  else if (record.whys.length < MAX_WHYS)
    missing.push(
      `des « pourquoi » (${record.whys.length} sur ${MAX_WHYS} : #pourquoi, si la cause n’est pas atteinte)`,
    );
  if (record.causes.length === 0) missing.push('la cause racine (#cause)');
  if (record.actions.length === 0) missing.push('les actions correctives (#action texte JJ/MM/AAAA)');
  return missing;
}

/** Why `#clore` is refused (French), or null: a cause and at least one why are needed. */
export function closureRefusal(record: AnalysisRecord): string | null {
  const lacking = [
    ...(record.whys.length === 0 ? ['au moins un « pourquoi » (#pourquoi)'] : []),
    ...(record.causes.length === 0 ? ['la cause racine (#cause)'] : []),
  ];
  return lacking.length === 0 ? null : `l’analyse ne peut être close sans ${lacking.join(' ni ')}`;
}

/** The commands of an analysis reply; other `#` keywords are refused with this list. */
export const ANALYSIS_COMMANDS = ['pourquoi', 'cause', 'action', 'clore', 'statut', 'aide'] as const;
export type AnalysisCommand = (typeof ANALYSIS_COMMANDS)[number];

export const ANALYSIS_COMMAND_HELP: readonly { readonly usage: string; readonly description: string }[] = [
  { usage: '#pourquoi <texte>', description: `ajoute le « pourquoi » suivant (numérotés de 1 à ${MAX_WHYS})` },
  { usage: '#cause <texte>', description: 'enregistre la cause racine' },
  {
    usage: '#action <texte> [JJ/MM/AAAA]',
    description: 'enregistre une action corrective, avec son échéance si une date la suit',
  },
  { usage: '#clore', description: 'clôt l’analyse (au moins un « pourquoi » et la cause sont nécessaires)' },
  { usage: '#statut', description: 'renvoie l’état de l’analyse' },
  { usage: '#aide', description: 'renvoie la liste des commandes' },
];

/**
 * An action's text and its deadline date (`YYYY-MM-DD`), written after the text
 * (`former l’équipe 15/01/2027`) or before it (`15/01/2027 former l’équipe`); null without one.
 */
export function parseActionText(args: string): { readonly text: string; readonly dueDate: string | null } {
  const text = args.trim();
  const leading = parseFrenchDate(text);
  if (leading) return { text: leading.rest, dueDate: leading.date };
  const trailing =
    /(?:^|\s)(?:(?:pour\s+)?le\s+|avant\s+le\s+|[-–—:,]\s*)?(\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2}))$/i.exec(text);
  if (trailing) {
    const date = parseFrenchDate(trailing[1]!);
    if (date)
      return { text: withoutTrailing(text.slice(0, trailing.index).trim(), ',;:-–—').trim(), dueDate: date.date };
  }
  return { text, dueDate: null };
}

/** What the view needs of an analysis row. */
export interface AnalysisFacts {
  readonly reference: string;
  readonly typology: string;
  readonly category: string | null;
  readonly status: string;
  readonly threshold: number;
  readonly months: number;
  readonly windowStart: Date;
  readonly windowEnd: Date;
  readonly openedAt: Date;
  readonly closedAt: Date | null;
}

/** What the view needs of a ticket of the analysis. */
export interface AnalysisTicketFacts {
  readonly reference: string;
  readonly receivedAt: Date;
  readonly confidential: boolean;
  readonly subject: string;
  readonly summary: string;
  readonly status: string;
}

export interface AnalysisView {
  readonly reference: string;
  readonly typology: string;
  readonly typologyLabel: string;
  readonly categoryLabel: string;
  readonly open: boolean;
  readonly statusLabel: string;
  readonly openedAt: string;
  readonly closedAt: string;
  readonly threshold: number;
  readonly months: number;
  /** `du mercredi 6 mai 2026 au jeudi 5 novembre 2026`. */
  readonly window: string;
  readonly ticketCount: number;
  /** Each ticket: reference, reception date and one line — « Confidentiel (réservé aux médecins) » to a non-doctor. */
  readonly tickets: readonly {
    readonly reference: string;
    readonly receivedOn: string;
    readonly line: string;
    readonly visible: boolean;
  }[];
  readonly hiddenTickets: number;
  readonly whys: readonly { readonly number: number; readonly text: string }[];
  readonly causes: readonly { readonly text: string }[];
  readonly actions: readonly { readonly text: string; readonly due: string; readonly overdue: boolean }[];
  readonly missing: readonly string[];
}

/**
 * The analysis as `viewer` may see it: a medical ticket of it keeps only its reference and date
 * for a non-doctor. Whys, causes and actions are the staff's own analysis of the process: shown
 * to every recipient (docs/guide-referent.md asks not to write patients' details in them).
 */
export function analysisView(
  analysis: AnalysisFacts,
  analysisTickets: readonly AnalysisTicketFacts[],
  record: AnalysisRecord,
  viewer: Person | undefined,
  config: Pick<Settings, 'categories' | 'organisation'>,
  now: Date,
): AnalysisView {
  const timeZone = config.organisation.timezone;
  const category = config.categories.find((c) => c.key === analysis.category);
  const typology = config.categories.flatMap((c) => c.typologies).find((t) => t.key === analysis.typology);
  const open = analysis.status === 'open';
  const tickets = analysisTickets.map((t) => {
    const visible = maySeeContent(t, viewer);
    return {
      reference: t.reference,
      receivedOn: formatFrenchDate(t.receivedAt, timeZone),
      line: visible ? summaryLine(t) : CONFIDENTIAL_PLACEHOLDER,
      visible,
    };
  });
  return {
    reference: analysis.reference,
    typology: analysis.typology,
    typologyLabel: typology?.label ?? analysis.typology,
    categoryLabel: category?.label ?? categoryLabel(config, analysis.category),
    open,
    statusLabel: open ? 'ouverte' : 'close',
    openedAt: formatFrenchDateTime(analysis.openedAt, timeZone),
    closedAt: analysis.closedAt ? formatFrenchDateTime(analysis.closedAt, timeZone) : '',
    threshold: analysis.threshold,
    months: analysis.months,
    window:
      `du ${formatFrenchDate(analysis.windowStart, timeZone)} au ` +
      `${formatFrenchDate(analysis.windowEnd, timeZone)}`,
    ticketCount: tickets.length,
    tickets,
    hiddenTickets: tickets.filter((t) => !t.visible).length,
    whys: record.whys.map((w) => ({ number: w.number, text: w.text })),
    causes: record.causes.map((c) => ({ text: c.text })),
    actions: record.actions.map((a) => ({
      text: a.text,
      due: a.dueAt ? formatFrenchDate(a.dueAt, timeZone) : '',
      overdue: open && a.dueAt !== null && a.dueAt.getTime() < now.getTime(),
    })),
    missing: open ? missingParts(record) : [],
  };
}

/** One line for a ticket of the list: its subject, else the first line of its text, shortened. */
function summaryLine(ticket: AnalysisTicketFacts): string {
  const subject = ticket.subject.trim();
  const first = ticket.summary.split('\n').find((l) => l.trim() !== '') ?? '';
  const line = (subject || first.trim() || NO_SUBJECT).replace(/\s+/g, ' ');
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}
