// What each staff command does to a ticket (SPEC §2, §3). Every change is an event; every mail to
// the complainant goes through the outbox in the same transaction. A command that cannot apply
// says why in French, for the one reply the staff member gets.
import { foldForMatching } from '../domain/french-text.js';
import type { Person } from '../domain/people.js';
import { CHANNELS, REQUESTER_TYPES } from '../domain/ticket.js';
import type { Db } from '../db/database.js';
import { recordEvent } from '../db/events.js';
import { updateTicket, type TicketRow } from '../db/tickets.js';
import { computeDeadline } from '../domain/deadline.js';
import { formatDuration } from '../domain/duration.js';
import { EVENT_TYPES, type EventType } from '../domain/event-types.js';
import { changeTicket, isOpen, notOpenRefusal, type LifeCycleChange } from '../domain/ticket-life-cycle.js';
import { deadlineSentence, formatFrenchDate } from '../domain/french-date.js';
import { findPerson, hasRole, isConfidentialCategory, maySeeContent } from '../domain/people.js';
import type { ParsedCommand } from '../domain/staff-command.js';
import { parseFrenchDate } from '../domain/staff-command.js';
import { zonedWallTimeToInstant } from '../domain/zoned-time.js';
import type { Deps } from './deps.js';
import { enqueueStaffMail } from './enqueue-staff-mail.js';
import { mailComplainant } from './mail-complainant.js';
import { recordCorrection } from './record-correction.js';
import type { QualificationField } from '../domain/qualification.js';
import { ticketView } from '../domain/ticket-view.js';
import { COMMAND_HELP } from '../domain/staff-command.js';
import { REPLY_MARKER } from './open-ticket.js';
import { checkRecurrence } from './detect-recurrence.js';

export interface CommandResult {
  readonly line: string;
  readonly ok: boolean;
  readonly message: string;
}

export interface CommandContext {
  readonly tx: Db;
  readonly deps: Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'random'>;
  readonly person: Person;
  /** The staff mail's recorded message id (events point to it). */
  readonly messageRowId: number;
  /** The body after the command block (the response text of #repondre). */
  readonly body: string;
  /** The same mail holds #repondre: the body is the response, so #informer takes its own line only. */
  readonly bodyIsResponse?: boolean;
}

type Handler = (
  ticket: TicketRow,
  command: ParsedCommand,
  context: CommandContext,
) => Promise<{ ticket: TicketRow; message: string }>;

class Refusal extends Error {}
const refuse = (message: string): never => {
  throw new Refusal(message);
};

// Long pieces of the staff replies, kept whole so they read (and grep) as sent.
const LRAR_CHANNEL_NOTE = ' ; la réponse devra être faite par lettre recommandée (#lrar NUMÉRO)';
const ASKED_IF_SETTLED_NOTE = ' ; il lui est demandé si elle règle sa réclamation (OUI/NON)';
const EFFECTIVENESS_NOTE = ' ; vérifiez ensuite l’efficacité (#efficace ou #inefficace)';
const WRITE_AGAIN_HINT =
  'pour lui écrire de nouveau, rouvrez-la d’abord (#rouvrir) ; si vous l’avez joint autrement, notez-le (#note)';

/** Applies one command; returns the ticket as it now is and the line for the staff reply. */
export async function applyCommand(
  ticket: TicketRow,
  command: ParsedCommand,
  context: CommandContext,
): Promise<{ ticket: TicketRow; result: CommandResult }> {
  if (ticket.confidential && !hasRole(context.person, 'doctor')) {
    await refused(context, ticket, command, 'réclamation médicale : seuls les médecins peuvent agir sur elle');
    return {
      ticket,
      result: {
        line: command.line,
        ok: false,
        message: 'réclamation médicale : seuls les médecins peuvent agir sur elle',
      },
    };
  }
  const handler = HANDLERS[command.name];
  if (!handler) {
    const message = 'cette commande ne s’utilise qu’avec #nouvelle, pour enregistrer une réclamation';
    return { ticket, result: { line: command.line, ok: false, message } };
  }
  try {
    const outcome = await handler(ticket, command, context);
    await recordEvent(context.tx, {
      ticketId: ticket.id,
      at: context.deps.clock.now(),
      actor: context.person.email,
      type: EVENT_TYPES.commandApplied,
      data: { command: command.name, args: command.args },
      messageId: context.messageRowId,
    });
    return { ticket: outcome.ticket, result: { line: command.line, ok: true, message: outcome.message } };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    await refused(context, ticket, command, error.message);
    return { ticket, result: { line: command.line, ok: false, message: error.message } };
  }
}

async function refused(
  context: CommandContext,
  ticket: TicketRow,
  command: ParsedCommand,
  reason: string,
): Promise<void> {
  await recordEvent(context.tx, {
    ticketId: ticket.id,
    at: context.deps.clock.now(),
    actor: context.person.email,
    type: EVENT_TYPES.commandRefused,
    data: { command: command.name, args: command.args, reason },
    messageId: context.messageRowId,
  });
}

async function change(context: CommandContext, ticket: TicketRow, values: Partial<TicketRow>): Promise<TicketRow> {
  const updatedAt = context.deps.clock.now();
  await updateTicket(context.tx, ticket.id, { ...values, updatedAt });
  return { ...ticket, ...values, updatedAt };
}

async function event(
  context: CommandContext,
  ticket: TicketRow,
  type: EventType,
  data: Record<string, unknown>,
): Promise<void> {
  await recordEvent(context.tx, {
    ticketId: ticket.id,
    at: context.deps.clock.now(),
    actor: context.person.email,
    type,
    data,
    messageId: context.messageRowId,
  });
}

/** The change of the life cycle, or the refusal (thrown) that the staff member reads. */
function planChange(context: CommandContext, ticket: TicketRow, wanted: LifeCycleChange): LifeCycleApplied {
  const outcome = changeTicket(ticket, wanted, context.deps.clock.now());
  if (!outcome.ok) return refuse(outcome.refusal);
  return outcome;
}

type LifeCycleApplied = Extract<ReturnType<typeof changeTicket>, { ok: true }>;

/** Writes what a life-cycle change sets and records. */
async function applyChange(context: CommandContext, ticket: TicketRow, applied: LifeCycleApplied): Promise<TicketRow> {
  const updated = await change(context, ticket, applied.patch);
  for (const e of applied.events) await event(context, ticket, e.type, e.data);
  return updated;
}

function requireOpen(ticket: TicketRow): void {
  const closed = notOpenRefusal(ticket);
  if (closed) refuse(closed);
}

function sameWords(a: string, b: string): boolean {
  return foldForMatching(a).trim() === foldForMatching(b).trim();
}

const HANDLERS: Partial<Record<ParsedCommand['name'], Handler>> = {
  async prendre(ticket, _command, context) {
    const assigned = planChange(context, ticket, { kind: 'assign', assignee: context.person.email });
    const updated = await applyChange(context, ticket, assigned);
    return { ticket: updated, message: 'vous êtes maintenant responsable de la réclamation' };
  },

  async assigner(ticket, command, context) {
    requireOpen(ticket);
    const wanted = command.args.replace(/[<>]/g, '').trim();
    if (!wanted) refuse('indiquez à qui : #assigner prenom.nom@domaine.fr ou #assigner Nom');
    const target =
      findPerson(context.deps.config, wanted) ??
      context.deps.config.people.find((p) => p.name !== undefined && sameWords(p.name, wanted));
    if (!target) refuse(`« ${wanted} » ne figure pas parmi les personnes de la procédure`);
    if (!maySeeContent(ticket, target))
      refuse(`${target!.name ?? target!.email} n’est pas médecin : une réclamation médicale ne peut lui être confiée`);
    const updated = await applyChange(
      context,
      ticket,
      planChange(context, ticket, { kind: 'assign', assignee: target!.email }),
    );
    if (target!.email !== context.person.email) {
      await enqueueStaffMail(context.tx, context.deps, {
        kind: 'new-ticket',
        template: 'new-ticket',
        to: target!,
        ticket: updated,
        data: {
          organisation: { name: context.deps.config.organisation.name },
          recipientName: target!.name ?? '',
          view: ticketView(updated, target, context.deps.config, { summary: updated.summary }),
          reason: `confiée par ${context.person.name ?? context.person.email}`,
          lowConfidence: false,
          qualificationEvidence: [],
          commands: COMMAND_HELP.map((c) => ({ usage: c.usage, description: c.description })),
          replyMarker: REPLY_MARKER,
        },
      });
    }
    const informed = target!.email !== context.person.email ? ', qui en est informé(e)' : '';
    return { ticket: updated, message: `réclamation confiée à ${target!.name ?? target!.email}${informed}` };
  },

  async categorie(ticket, command, context) {
    const key = command.args.trim().toLowerCase();
    const category = context.deps.config.categories.find((c) => c.key === key || sameWords(c.label, command.args));
    if (!category)
      refuse(`catégorie inconnue ; possibles : ${context.deps.config.categories.map((c) => c.key).join(', ')}`);
    const confidential = isConfidentialCategory(context.deps.config, category!.key);
    const updated = await change(context, ticket, { category: category!.key, confidential });
    await event(context, ticket, EVENT_TYPES.requalified, {
      field: 'category',
      from: ticket.category,
      to: category!.key,
    });
    await learn(context, ticket, 'category', ticket.category, category!.key);
    const joined = await recurrenceNote(context, updated);
    const moved =
      confidential !== ticket.confidential
        ? confidential
          ? ' ; elle est désormais réservée aux médecins'
          : ' ; elle n’est plus confidentielle'
        : '';
    return { ticket: updated, message: `catégorie : ${category!.label}${moved}${joined}` };
  },

  async niveau(ticket, command, context) {
    const value = Number(command.args.trim().replace(/^n/i, ''));
    const level = context.deps.config.levels.find((l) => l.level === value);
    if (!level) refuse(`niveau inconnu ; possibles : ${context.deps.config.levels.map((l) => l.level).join(', ')}`);
    const { config } = context.deps;
    const rule = level!.resolveWithin;
    // Recomputed from the reception time, with the rule of the new level (SPEC §2).
    const deadlineAt = computeDeadline(ticket.receivedAt, rule, {
      timeZone: config.organisation.timezone,
      alsaceMoselle: config.organisation.alsaceMoselle,
    });
    const updated = await change(context, ticket, {
      level: level!.level,
      deadlineRule: formatDuration(rule),
      deadlineAt,
    });
    await event(context, ticket, EVENT_TYPES.requalified, { field: 'level', from: ticket.level, to: level!.level });
    await learn(context, ticket, 'level', ticket.level, level!.level);
    await event(context, ticket, EVENT_TYPES.deadlineChanged, {
      deadlineAt: deadlineAt.toISOString(),
      deadlineRule: formatDuration(rule),
    });
    const sentence = deadlineSentence(
      deadlineAt,
      rule,
      { level: level!.level, label: level!.label },
      { timeZone: config.organisation.timezone },
    );
    let told = '';
    if (config.notifications.levelChangeToComplainant && ticket.complainantEmail && isOpen(ticket.status)) {
      await mailComplainant(context.tx, context.deps, updated, 'level-change', { deadline: { sentence } });
      told = ' ; le réclamant est informé du nouveau délai';
    }
    return {
      ticket: updated,
      message: `niveau ${level!.level}, échéance ${formatFrenchDate(deadlineAt, config.organisation.timezone)}${told}`,
    };
  },

  async demandeur(ticket, command, context) {
    const value = foldForMatching(command.args.trim());
    if (!(REQUESTER_TYPES as readonly string[]).includes(value)) refuse('demandeur : adherent ou salarie');
    const updated = await change(context, ticket, { requester: value });
    await event(context, ticket, EVENT_TYPES.requalified, { field: 'requester', from: ticket.requester, to: value });
    await learn(context, ticket, 'requester', ticket.requester, value);
    return { ticket: updated, message: `demandeur : ${value === 'salarie' ? 'salarié suivi' : 'adhérent'}` };
  },

  async canal(ticket, command, context) {
    const value = normaliseChannel(command.args);
    if (!value) refuse(`canal inconnu ; possibles : ${CHANNELS.join(', ')}`);
    const registeredLetter = value === 'lrar' ? true : ticket.registeredLetter;
    const updated = await change(context, ticket, { channel: value!, registeredLetter });
    await event(context, ticket, EVENT_TYPES.requalified, { field: 'channel', from: ticket.channel, to: value });
    return {
      ticket: updated,
      message: `canal : ${value}${value === 'lrar' ? LRAR_CHANNEL_NOTE : ''}`,
    };
  },

  async typologie(ticket, command, context) {
    const key = command.args.trim().toLowerCase();
    const known = context.deps.config.categories.flatMap((c) => c.typologies.map((t) => t.key));
    if (!key || (known.length > 0 && !known.includes(key)))
      refuse(known.length ? `typologie inconnue ; possibles : ${known.join(', ')}` : 'indiquez une typologie');
    const updated = await change(context, ticket, { typology: key });
    await event(context, ticket, EVENT_TYPES.requalified, { field: 'typology', from: ticket.typology, to: key });
    await learn(context, ticket, 'typology', ticket.typology, key);
    return { ticket: updated, message: `typologie : ${key}${await recurrenceNote(context, updated)}` };
  },

  async irrecevable(ticket, command, context) {
    const reason = command.args.trim();
    const rejection = planChange(context, ticket, { kind: 'reject', reason });
    if (!reason) refuse('indiquez le motif : #irrecevable demande de rendez-vous, pas une réclamation');
    const updated = await applyChange(context, ticket, rejection);
    await learn(context, ticket, 'receivable', ticket.receivable, false);
    let told = '';
    if (ticket.complainantEmail) {
      await mailComplainant(context.tx, context.deps, updated, 'rejection', { reason });
      told = ' ; le réclamant en est informé';
    }
    return { ticket: updated, message: `déclarée non recevable (${reason})${told}` };
  },

  async repondre(ticket, _command, context) {
    const { config } = context.deps;
    const verification = config.effectiveness.enabled && config.effectiveness.askAfterAnswer;
    const body = context.body.trim();
    const answer = planChange(context, ticket, {
      kind: 'answer',
      via: 'mail',
      verification,
      answeredBy: context.person.email,
      length: body.length,
    });
    if (!ticket.complainantEmail)
      refuse('le réclamant n’a pas d’adresse électronique : répondez par téléphone ou courrier puis notez-le (#note)');
    if (!body) refuse('écrivez la réponse sous la ligne #repondre');
    await mailComplainant(context.tx, context.deps, ticket, 'response', { body, verification });
    const updated = await applyChange(context, ticket, answer);
    return {
      ticket: updated,
      message: `réponse envoyée au réclamant${verification ? ASKED_IF_SETTLED_NOTE : ''}`,
    };
  },

  async lrar(ticket, command, context) {
    const tracking = command.args.trim().replace(/\s+/g, '');
    const verification = context.deps.config.effectiveness.enabled;
    const answer = planChange(context, ticket, {
      kind: 'answer',
      via: 'lrar',
      verification,
      answeredBy: context.person.email,
      tracking,
    });
    if (!/^[A-Za-z0-9-]{6,}$/.test(tracking))
      refuse('indiquez le numéro de la lettre recommandée : #lrar 1A 234 567 8901 2');
    const updated = await applyChange(context, ticket, answer);
    return {
      ticket: updated,
      message: `réponse par lettre recommandée n° ${tracking} enregistrée${verification ? EFFECTIVENESS_NOTE : ''}`,
    };
  },

  note: (ticket, command, context) => noteLike(ticket, command, context, EVENT_TYPES.note, 'note interne ajoutée'),
  action: (ticket, command, context) =>
    noteLike(ticket, command, context, EVENT_TYPES.action, 'action corrective enregistrée'),
  cause: (ticket, command, context) => noteLike(ticket, command, context, EVENT_TYPES.cause, 'cause enregistrée'),
  pourquoi: (ticket, command, context) =>
    noteLike(ticket, command, context, EVENT_TYPES.why, '« pourquoi » enregistré'),

  async echeance(ticket, command, context) {
    const parsed = parseFrenchDate(command.args);
    if (!parsed) refuse('date attendue JJ/MM/AAAA : #echeance 15/12/2026 rappeler l’entreprise');
    const timeZone = context.deps.config.organisation.timezone;
    const dueAt = zonedWallTimeToInstant(parsed!.date, 23, 59, 59, 999, timeZone);
    if (dueAt.getTime() < context.deps.clock.now().getTime()) refuse('cette date est déjà passée');
    await event(context, ticket, EVENT_TYPES.milestone, { dueAt: dueAt.toISOString(), text: parsed!.rest });
    // The follow-through reminds it like the main deadline: its schedule is computed again.
    const updated = await change(context, ticket, {});
    const what = parsed!.rest ? ` : ${parsed!.rest}` : '';
    return {
      ticket: updated,
      message: `échéance intermédiaire le ${formatFrenchDate(dueAt, timeZone)}${what}`,
    };
  },

  async efficace(ticket, _command, context) {
    const checked = planChange(context, ticket, { kind: 'effectiveness', effective: true, source: 'staff' });
    const updated = await applyChange(context, ticket, checked);
    return { ticket: updated, message: 'efficacité confirmée ; vous pouvez clore (#clore)' };
  },

  async inefficace(ticket, _command, context) {
    const checked = planChange(context, ticket, { kind: 'effectiveness', effective: false, source: 'staff' });
    const updated = await applyChange(context, ticket, checked);
    return { ticket: updated, message: 'solution jugée inefficace : la réclamation repasse en cours de traitement' };
  },

  async clore(ticket, _command, context) {
    const { effectiveness } = context.deps.config;
    const closing = planChange(context, ticket, {
      kind: 'close',
      effectivenessRequired: effectiveness.enabled && effectiveness.requiredBeforeClose,
    });
    const updated = await applyChange(context, ticket, closing);
    let told = '';
    if (ticket.complainantEmail) {
      await mailComplainant(context.tx, context.deps, updated, 'closure', {});
      told = ' ; le réclamant en est informé';
    }
    return { ticket: updated, message: `réclamation clôturée${told}` };
  },

  async rouvrir(ticket, _command, context) {
    const updated = await applyChange(context, ticket, planChange(context, ticket, { kind: 'reopen' }));
    return { ticket: updated, message: 'réclamation rouverte (comptée comme réouverture dans les indicateurs)' };
  },

  async informer(ticket, command, context) {
    if (!isOpen(ticket.status)) {
      refuse(
        ticket.status === 'closed'
          ? `la réclamation est clôturée et le réclamant a reçu l’avis de clôture : ${WRITE_AGAIN_HINT}`
          : `la réclamation est non recevable et le réclamant en a reçu l’avis : ${WRITE_AGAIN_HINT}`,
      );
    }
    if (!ticket.complainantEmail)
      refuse(
        'le réclamant n’a pas d’adresse électronique : ' +
          'donnez-lui des nouvelles par téléphone ou courrier puis notez-le (#note)',
      );
    const text = (
      context.bodyIsResponse
        ? command.args.trim()
        : [command.args.trim(), context.body.trim()].filter(Boolean).join('\n')
    ).trim();
    if (!text)
      refuse(
        context.bodyIsResponse
          ? 'le texte sous les commandes est la réponse (#repondre) : ' +
              'écrivez le point d’étape sur la ligne même, #informer Nous avons relancé le médecin'
          : 'écrivez le message pour le réclamant après la commande : ' +
              '#informer Nous avons relancé le médecin ; vous aurez une réponse d’ici vendredi',
      );
    await mailComplainant(context.tx, context.deps, ticket, 'interim-update', { text });
    await event(context, ticket, EVENT_TYPES.informed, { text });
    return {
      ticket,
      message:
        'point d’étape envoyé au réclamant, dans la suite de sa conversation ; l’état de la réclamation ne change pas',
    };
  },

  async statut(ticket) {
    return { ticket, message: 'résumé et historique ci-dessous' };
  },

  async aide(ticket) {
    return { ticket, message: 'liste des commandes ci-dessous' };
  },
};

/** Checks the recurrence of a requalified ticket; says which analysis it now belongs to, if any. */
async function recurrenceNote(context: CommandContext, ticket: TicketRow): Promise<string> {
  const outcome = await checkRecurrence(context.tx, context.deps, [ticket], {
    requalified: true,
    actor: context.person.email,
    messageRowId: context.messageRowId,
  });
  const reference = outcome.analysisOf.get(ticket.id);
  if (!reference) return '';
  return outcome.opened.some((a) => a.reference === reference)
    ? ` ; récurrence : l’analyse ${reference} est ouverte pour cette typologie (le pilote en est informé)`
    : ` ; rattachée à l’analyse de récurrence ${reference}`;
}

/** A requalification by staff teaches the qualifier (bounded and explained, see domain/qualification.ts). */
async function learn(
  context: CommandContext,
  ticket: TicketRow,
  field: QualificationField,
  from: string | number | boolean | null,
  to: string | number | boolean,
): Promise<void> {
  await recordCorrection(context.tx, context.deps, {
    ticketId: ticket.id,
    field,
    from,
    to,
    actor: context.person.email,
    text: `${ticket.subject}\n${ticket.summary}`,
  });
}

async function noteLike(
  ticket: TicketRow,
  command: ParsedCommand,
  context: CommandContext,
  type: EventType,
  done: string,
) {
  const text = [command.args.trim(), context.body.trim()].filter(Boolean).join('\n');
  if (!text) refuse('écrivez le texte après la commande');
  await event(context, ticket, type, { text });
  return { ticket, message: done };
}

export function normaliseChannel(text: string): (typeof CHANNELS)[number] | null {
  const value = foldForMatching(text.trim());
  const aliases: Record<string, (typeof CHANNELS)[number]> = {
    mail: 'email',
    courriel: 'email',
    email: 'email',
    'e-mail': 'email',
    telephone: 'telephone',
    tel: 'telephone',
    phone: 'telephone',
    courrier: 'courrier',
    lettre: 'courrier',
    postal: 'courrier',
    lrar: 'lrar',
    recommande: 'lrar',
    'lettre recommandee': 'lrar',
    presentiel: 'presentiel',
    'en personne': 'presentiel',
    accueil: 'presentiel',
    rdv: 'presentiel',
    portail: 'portail',
    web: 'portail',
    site: 'portail',
    autre: 'autre',
  };
  return aliases[value] ?? null;
}
