// The mails of a recurrence analysis (template `analysis`): its opening to the pilots and to the
// referents of the typology's category, the reply to commands, the reminders. Each carries the
// recipient's reply address signed for the analysis, so `#pourquoi`, `#cause`… work by reply.
import type { Db } from '../db/database.js';
import { analysisEvents, analysisTicketRows, type AnalysisRow } from '../db/analyses.js';
import {
  ANALYSIS_COMMAND_HELP,
  analysisRecord,
  analysisView,
  type AnalysisRecord,
  type AnalysisView,
} from '../domain/analysis.js';
import { peopleWithRole, findPerson, hasRole, type Person } from '../domain/people.js';
import type { Deps } from './deps.js';
import { enqueueStaffMail } from './enqueue-staff-mail.js';
import { REPLY_MARKER } from './open-ticket.js';

type MailDeps = Pick<Deps, 'clock' | 'config' | 'render' | 'random'>;

export type AnalysisRole = 'pilot' | 'referent';

/** Who is told of an analysis: the pilots (who owe it), then the referents of its category. */
export function analysisRecipients(
  deps: Pick<Deps, 'config'>,
  analysis: Pick<AnalysisRow, 'category'>,
): { readonly person: Person; readonly role: AnalysisRole }[] {
  const pilots = peopleWithRole(deps.config, 'pilot');
  const category = deps.config.categories.find((c) => c.key === analysis.category);
  const referents = (category?.referents ?? [])
    .map((email) => findPerson(deps.config, email))
    .filter((p): p is Person => p !== undefined && !hasRole(p, 'pilot'));
  return [
    ...pilots.map((person) => ({ person, role: 'pilot' as const })),
    ...referents.map((person) => ({ person, role: 'referent' as const })),
  ];
}

/** Whether `person` may act on analyses by reply: the pilots, the referents, the doctors. */
export function mayActOnAnalysis(person: Person): boolean {
  return hasRole(person, 'pilot') || hasRole(person, 'referent') || hasRole(person, 'doctor');
}

/** An analysis's tickets and record, read once for all its recipients. */
export interface AnalysisState {
  readonly analysis: AnalysisRow;
  readonly tickets: Awaited<ReturnType<typeof analysisTicketRows>>;
  readonly record: AnalysisRecord;
}

export async function loadAnalysisState(db: Db, analysis: AnalysisRow): Promise<AnalysisState> {
  const [tickets, events] = await Promise.all([analysisTicketRows(db, analysis.id), analysisEvents(db, [analysis.id])]);
  return { analysis, tickets, record: analysisRecord(events.get(analysis.id) ?? []) };
}

export function viewFor(deps: Pick<Deps, 'clock' | 'config'>, state: AnalysisState, viewer: Person): AnalysisView {
  return analysisView(state.analysis, state.tickets, state.record, viewer, deps.config, deps.clock.now());
}

export interface AnalysisMailOptions {
  readonly mode: 'opened' | 'result' | 'reminder';
  readonly role: AnalysisRole;
  readonly results?: readonly { readonly line: string; readonly ok: boolean; readonly message: string }[];
  readonly unknown?: readonly { readonly line: string; readonly message: string }[];
  readonly showTickets: boolean;
  readonly showHelp: boolean;
  /** The subject's end for a command reply. */
  readonly headline?: string;
  readonly inReplyTo?: string | null;
}

/** Queues one analysis mail to `person`, with a reply address signed for the analysis. */
export async function queueAnalysisMail(
  tx: Db,
  deps: MailDeps,
  state: AnalysisState,
  person: Person,
  options: AnalysisMailOptions,
): Promise<void> {
  const view = viewFor(deps, state, person);
  await enqueueStaffMail(tx, deps, {
    kind: `analysis-${options.mode}`,
    template: 'analysis',
    to: person,
    ticket: null,
    analysisOf: state.analysis.id,
    inReplyTo: options.inReplyTo ?? null,
    data: {
      organisation: { name: deps.config.organisation.name },
      recipientName: person.name ?? '',
      replyMarker: REPLY_MARKER,
      mode: options.mode,
      role: options.role,
      view,
      results: options.results ?? [],
      unknown: options.unknown ?? [],
      overdueActions: view.actions.filter((a) => a.overdue),
      showTickets: options.showTickets,
      showHelp: options.showHelp,
      headline: options.headline ?? '',
      commands: view.open
        ? ANALYSIS_COMMAND_HELP
        : ANALYSIS_COMMAND_HELP.filter((c) => c.usage === '#statut' || c.usage === '#aide'),
    },
  });
}

/** The opening mail, to each recipient: the analysis, its window, its tickets and the commands. */
export async function queueAnalysisOpened(tx: Db, deps: MailDeps, analysis: AnalysisRow): Promise<number> {
  const state = await loadAnalysisState(tx, analysis);
  const recipients = analysisRecipients(deps, analysis);
  for (const { person, role } of recipients)
    await queueAnalysisMail(tx, deps, state, person, { mode: 'opened', role, showTickets: true, showHelp: true });
  return recipients.length;
}
