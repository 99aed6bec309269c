// Replies to a recurrence analysis mail (SPEC §2): `#pourquoi` (numbered whys, five at most),
// `#cause`, `#action <texte> [JJ/MM/AAAA]`, `#clore`, `#statut`, `#aide`. The caller
// (handle-staff-mail.ts) authenticated the sender as for ticket commands: a reply address signed
// for this person and this analysis (or a DMARC pass when configured). Each change is an
// `analysis.*` event; the person gets one reply in French with what was recorded and the state.
import type { Db } from '../db/database.js';
import { updateAnalysis, type AnalysisRow } from '../db/analyses.js';
import { recordEvent } from '../db/events.js';
import {
  ANALYSIS_COMMANDS,
  closureRefusal,
  MAX_WHYS,
  parseActionText,
  type AnalysisCommand,
} from '../domain/analysis.js';
import { EVENT_TYPES, type EventType } from '../domain/event-types.js';
import { formatFrenchDate } from '../domain/french-date.js';
import type { InboundMail } from '../domain/inbound-mail.js';
import type { Person } from '../domain/people.js';
import type { CommandBlock, ParsedCommand } from '../domain/staff-command.js';
import { zonedWallTimeToInstant } from '../domain/zoned-time.js';
import { analysisRecipients, loadAnalysisState, mayActOnAnalysis, queueAnalysisMail } from './analysis-mail.js';
import type { Deps } from './deps.js';

type AnalysisDeps = Pick<Deps, 'clock' | 'config' | 'log' | 'render' | 'random'>;

export interface AnalysisMailInput {
  readonly mail: InboundMail;
  readonly person: Person;
  readonly messageRowId: number;
  /** Command lines a reader of the mail does not see (hidden HTML): never applied, always said. */
  readonly invisible: readonly string[];
}

export interface AnalysisOutcome {
  readonly reference: string;
  readonly applied: number;
  readonly refused: number;
}

interface Result {
  readonly line: string;
  readonly ok: boolean;
  readonly message: string;
}

class Refusal extends Error {}
const refuse = (message: string): never => {
  throw new Refusal(message);
};

const NOT_FOR_ANALYSES =
  'commande de réclamation : elle ne s’applique pas à une analyse (commandes de l’analyse : #pourquoi, #cause, ' +
  '#action, #clore, #statut, #aide)';

/** Applies the command block of a reply to `analysis` and answers it. */
export async function actOnAnalysis(
  tx: Db,
  deps: AnalysisDeps,
  input: AnalysisMailInput,
  given: AnalysisRow,
  block: CommandBlock,
): Promise<AnalysisOutcome> {
  let analysis = given;
  const results: Result[] = [];
  const allowed = mayActOnAnalysis(input.person);
  const asked = new Set(block.commands.map((c) => c.name));
  const texts = block.commands.filter((c) => !isReadOnly(c.name));
  for (const command of block.commands) {
    const name = (ANALYSIS_COMMANDS as readonly string[]).includes(command.name)
      ? (command.name as AnalysisCommand)
      : null;
    try {
      if (!allowed) refuse('seuls le pilote, les référents et les médecins peuvent agir sur une analyse');
      if (name === null) refuse(NOT_FOR_ANALYSES);
      // The text below the block belongs to the last command that takes one, when its line has none.
      const body = command === texts.at(-1) ? block.body : '';
      const outcome = await apply(tx, deps, input, analysis, name!, command, body);
      analysis = outcome.analysis;
      results.push({ line: command.line, ok: true, message: outcome.message });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      await record(tx, deps, input, analysis, EVENT_TYPES.commandRefused, {
        command: command.name,
        args: command.args,
        reason: error.message,
      });
      results.push({ line: command.line, ok: false, message: error.message });
    }
  }
  for (const line of input.invisible) {
    await record(tx, deps, input, analysis, EVENT_TYPES.commandRefused, { line, reason: 'invisible', invisible: true });
    results.push({
      line,
      ok: false,
      message:
        'ligne invisible pour le lecteur de votre message (texte masqué dans sa mise en forme HTML) : elle n’a pas ' +
        'été appliquée ; écrivez la commande en texte visible',
    });
  }
  const unknown = block.unknown.map((u) => {
    const suggested = u.suggestion && (ANALYSIS_COMMANDS as readonly string[]).includes(u.suggestion);
    const hint = suggested ? ` Vouliez-vous dire #${u.suggestion} ?` : ' Voyez la liste des commandes ci-dessous.';
    return { line: u.line, message: `commande inconnue.${hint}` };
  });
  if (block.commands.length === 0 && block.unknown.length === 0 && input.invisible.length === 0) {
    await record(tx, deps, input, analysis, EVENT_TYPES.staffMessage, { authenticated: true });
    results.push({
      line: '(message sans commande)',
      ok: false,
      message: 'aucune commande trouvée en tête de votre message : rien n’a été enregistré',
    });
  }
  const applied = results.filter((r) => r.ok).length;
  const refused = results.length - applied;
  const state = await loadAnalysisState(tx, analysis);
  const role = analysisRecipients(deps, analysis).find((r) => r.person.email === input.person.email)?.role;
  await queueAnalysisMail(tx, deps, state, input.person, {
    mode: 'result',
    role: role ?? 'referent',
    results,
    unknown,
    showTickets: asked.has('statut'),
    showHelp: asked.has('aide') || refused > 0 || unknown.length > 0,
    headline: headline(applied, refused + unknown.length, asked),
    inReplyTo: input.mail.hasOwnMessageId ? input.mail.messageId : null,
  });
  deps.log.info({ analysis: analysis.reference, applied, refused }, 'analysis commands handled');
  return { reference: analysis.reference, applied, refused: refused + unknown.length };
}

function isReadOnly(name: ParsedCommand['name']): boolean {
  return name === 'statut' || name === 'aide' || name === 'clore';
}

async function apply(
  tx: Db,
  deps: AnalysisDeps,
  input: AnalysisMailInput,
  analysis: AnalysisRow,
  name: AnalysisCommand,
  command: ParsedCommand,
  body: string,
): Promise<{ analysis: AnalysisRow; message: string }> {
  const open = analysis.status === 'open';
  const closedRefusal = `l’analyse ${analysis.reference} est close : plus rien n’y est enregistré`;
  const text = command.args.trim() || body.trim();
  const timeZone = deps.config.organisation.timezone;
  switch (name) {
    case 'statut':
      return { analysis, message: 'état de l’analyse et ses réclamations ci-dessous' };
    case 'aide':
      return { analysis, message: 'liste des commandes ci-dessous' };
    case 'pourquoi': {
      if (!open) refuse(closedRefusal);
      if (!text) refuse('écrivez le « pourquoi » après la commande : #pourquoi les factures partent deux fois');
      const { record: current } = await loadAnalysisState(tx, analysis);
      const number = current.whys.length + 1;
      if (number > MAX_WHYS)
        refuse(`les ${MAX_WHYS} « pourquoi » sont déjà enregistrés : enregistrez la cause racine (#cause)`);
      await record(tx, deps, input, analysis, EVENT_TYPES.analysisWhy, { number, text });
      return { analysis, message: `« pourquoi » n° ${number} enregistré` };
    }
    case 'cause':
      if (!open) refuse(closedRefusal);
      if (!text) refuse('écrivez la cause après la commande : #cause aucun contrôle avant l’envoi des factures');
      await record(tx, deps, input, analysis, EVENT_TYPES.analysisCause, { text });
      return { analysis, message: 'cause racine enregistrée' };
    case 'action': {
      if (!open) refuse(closedRefusal);
      const action = parseActionText(text);
      if (!action.text)
        refuse(
          'écrivez l’action après la commande, et si besoin son échéance : #action contrôle des factures 15/01/2027',
        );
      const dueAt = action.dueDate ? zonedWallTimeToInstant(action.dueDate, 23, 59, 59, 999, timeZone) : null;
      if (dueAt && dueAt.getTime() < deps.clock.now().getTime())
        refuse(`l’échéance du ${formatFrenchDate(dueAt, timeZone)} est déjà passée`);
      await record(tx, deps, input, analysis, EVENT_TYPES.analysisAction, {
        text: action.text,
        dueAt: dueAt?.toISOString() ?? null,
      });
      const due = dueAt ? `, échéance le ${formatFrenchDate(dueAt, timeZone)}` : ' (sans échéance)';
      return { analysis, message: `action corrective enregistrée${due}` };
    }
    case 'clore': {
      if (!open) refuse(`l’analyse ${analysis.reference} est déjà close`);
      const { record: current } = await loadAnalysisState(tx, analysis);
      const refusal = closureRefusal(current);
      if (refusal) refuse(refusal);
      const now = deps.clock.now();
      const closed = { status: 'closed' as const, closedAt: now, closedBy: input.person.email, nextReminderAt: null };
      await updateAnalysis(tx, analysis.id, { ...closed, updatedAt: now });
      await record(tx, deps, input, analysis, EVENT_TYPES.analysisClosed, {
        whys: current.whys.length,
        causes: current.causes.length,
        actions: current.actions.length,
      });
      deps.log.info({ analysis: analysis.reference }, 'recurrence analysis closed');
      return {
        analysis: { ...analysis, ...closed, updatedAt: now },
        message: `analyse close${current.actions.length === 0 ? ' (sans action corrective enregistrée)' : ''}`,
      };
    }
  }
}

async function record(
  tx: Db,
  deps: Pick<Deps, 'clock'>,
  input: AnalysisMailInput,
  analysis: AnalysisRow,
  type: EventType,
  data: Record<string, unknown>,
): Promise<void> {
  await recordEvent(tx, {
    analysisId: analysis.id,
    at: deps.clock.now(),
    actor: input.person.email,
    type,
    data,
    messageId: input.messageRowId,
  });
}

function headline(applied: number, refused: number, asked: ReadonlySet<string>): string {
  if (applied + refused === 0) return 'aucune commande trouvée';
  if (refused === 0) {
    if (asked.size === 1 && asked.has('statut')) return 'état de l’analyse';
    if (asked.size === 1 && asked.has('aide')) return 'aide — commandes disponibles';
    if (asked.has('clore')) return 'analyse close';
    return applied === 1 ? 'commande appliquée' : 'commandes appliquées';
  }
  const parts = [
    ...(applied > 0 ? [`${applied} ${applied === 1 ? 'appliquée' : 'appliquées'}`] : []),
    `${refused} ${refused === 1 ? 'refusée' : 'refusées'}`,
  ];
  return `commandes : ${parts.join(', ')}`;
}
