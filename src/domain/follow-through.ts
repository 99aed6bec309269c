// What the follow-through owes an open ticket (SPEC §2: reminders, escalations, effectiveness
// without answer, intermediate deadlines). Pure: from the ticket's facts, its intermediate
// deadlines and the procedure's rules, the whole schedule of steps with their due instants; then,
// given the steps already handled and `now`, which are due. services/follow-through.ts records
// each step once per (ticket, key, due instant) and mails it; a step superseded by a later one of
// its chain (a daemon back from an outage) is recorded without being sent.
import type { ReminderCalendar } from './analysis-reminder.js';
import { addReminderInterval } from './analysis-reminder.js';
import { computeDeadline } from './deadline.js';
import { formatFrenchDate } from './french-date.js';
import type { Duration } from './duration.js';
import { isBusinessDay } from './french-holidays.js';
import { isOpen } from './ticket-life-cycle.js';
import type { TicketStatus } from './ticket.js';
import { addDaysToLocalDate, localDateOf, zonedWallTimeToInstant } from './zoned-time.js';

export const FOLLOW_UP_KINDS = [
  /** Unassigned past the level's `ackWithin` → its referents. */
  'take-in-hand',
  /** Still unassigned one `ackWithin` later → the pilots. */
  'take-in-hand-pilot',
  /** The level's `remindBefore` ahead of the deadline → the handlers. */
  'before-deadline',
  /** At the deadline, not answered → the handlers and the pilots. */
  'deadline',
  /** Overdue by `escalation.after` → the direction, which must act within `directionWithin`. */
  'escalation-1',
  /** The direction's own delay, counted from the first escalation's mail, passed → the direction again. */
  'escalation-2',
  /** An intermediate deadline (#echeance), `remindBefore` ahead → the handlers. */
  'milestone-before',
  /** An intermediate deadline reached → the handlers. */
  'milestone',
  /** No OUI/NON `effectiveness.remindAfter` after the question → the handlers call the complainant. */
  'effectiveness',
  /** Still none after `effectiveness.silenceMeansYesAfter`: the ticket is closed as effective. */
  'effectiveness-silence',
] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

/** Who a step goes to: resolved against the configured people by the service. */
export type Audience = 'referents' | 'pilots' | 'handlers' | 'handlers-and-pilots' | 'direction';

export interface FollowUpStep {
  readonly kind: FollowUpKind;
  /** What follow_ups.kind records: the kind, with `:<event id>` for an intermediate deadline. */
  readonly key: string;
  readonly dueAt: Date;
  readonly audience: Audience;
  /** Steps of one chain go to the same people: when several are due, the latest goes alone. */
  readonly chain: string;
  /** The instant the step speaks of: the deadline, the intermediate deadline, the direction's limit. */
  readonly about: Date;
  /** An intermediate deadline's text (#echeance). */
  readonly text?: string;
}

/** What the follow-through reads of a ticket. */
export interface FollowThroughTicket {
  readonly status: TicketStatus;
  readonly level: number;
  readonly assigneeEmail: string | null;
  readonly receivedAt: Date;
  readonly deadlineAt: Date;
  readonly verificationAskedAt: Date | null;
  readonly effective: boolean | null;
  /** When the first escalation was mailed to the direction (follow_ups), null until then. */
  readonly escalatedAt: Date | null;
}

/** An intermediate deadline set by #echeance (its event). */
export interface Milestone {
  readonly id: number;
  readonly dueAt: Date;
  readonly text: string;
}

export interface LevelFollowThrough {
  readonly ackWithin: Duration;
  /** Lead time of the reminder before the deadline and intermediate deadlines; null: none. */
  readonly remindBefore: Duration | null;
}

export interface FollowThroughRules {
  readonly calendar: ReminderCalendar;
  readonly levels: ReadonlyMap<number, LevelFollowThrough>;
  readonly escalation: {
    readonly enabled: boolean;
    /** How long after the deadline the direction is alerted; null: at the deadline. */
    readonly after: Duration | null;
    readonly directionWithin: Duration;
  };
  readonly effectiveness: {
    readonly enabled: boolean;
    readonly remindAfter: Duration;
    readonly silenceMeansYesAfter: Duration | null;
  };
}

/**
 * Every step of the ticket's schedule as it stands at `now` (none once it is closed or rejected).
 * `now` only dates what the first escalation asks of the direction: its delay runs from the mail,
 * so one sent late (a daemon back from an outage, an old mail imported) gives the full delay.
 */
export function followThroughSteps(
  ticket: FollowThroughTicket,
  milestones: readonly Milestone[],
  rules: FollowThroughRules,
  now: Date,
): FollowUpStep[] {
  if (!isOpen(ticket.status)) return [];
  const { calendar } = rules;
  const level = rules.levels.get(ticket.level);
  const steps: FollowUpStep[] = [];
  const step = (kind: FollowUpKind, dueAt: Date, audience: Audience, chain: string, about: Date): void => {
    steps.push({ kind, key: kind, dueAt, audience, chain, about });
  };
  const awaitingAnswer = ticket.status === 'received' || ticket.status === 'in_progress';

  if (awaitingAnswer && ticket.assigneeEmail === null && level) {
    const first = computeDeadline(ticket.receivedAt, level.ackWithin, calendar);
    step('take-in-hand', first, 'referents', 'take-in-hand', first);
    const second = computeDeadline(first, level.ackWithin, calendar);
    step('take-in-hand-pilot', second, 'pilots', 'take-in-hand-pilot', first);
  }
  if (awaitingAnswer) {
    if (level?.remindBefore) {
      const before = leadBefore(ticket.deadlineAt, level.remindBefore, calendar);
      if (before.getTime() > ticket.receivedAt.getTime())
        step('before-deadline', before, 'handlers', 'deadline', ticket.deadlineAt);
    }
    step('deadline', ticket.deadlineAt, 'handlers-and-pilots', 'deadline', ticket.deadlineAt);
    if (rules.escalation.enabled) {
      const { after, directionWithin } = rules.escalation;
      const first = after ? addReminderInterval(ticket.deadlineAt, after, calendar) : ticket.deadlineAt;
      const sentAt = ticket.escalatedAt ?? (first.getTime() > now.getTime() ? first : now);
      const directionLimit = computeDeadline(sentAt, directionWithin, calendar);
      step('escalation-1', first, 'direction', 'escalation-1', directionLimit);
      // The second round only after the first was mailed: the direction is never told « again » first.
      if (ticket.escalatedAt) step('escalation-2', directionLimit, 'direction', 'escalation-2', directionLimit);
    }
  }
  for (const milestone of milestones) {
    const chain = `milestone:${milestone.id}`;
    const add = (kind: FollowUpKind, dueAt: Date): void => {
      steps.push({
        kind,
        key: `${kind}:${milestone.id}`,
        dueAt,
        audience: 'handlers',
        chain,
        about: milestone.dueAt,
        text: milestone.text,
      });
    };
    if (level?.remindBefore) add('milestone-before', leadBefore(milestone.dueAt, level.remindBefore, calendar));
    add('milestone', milestone.dueAt);
  }
  const { effectiveness } = rules;
  if (
    effectiveness.enabled &&
    ticket.status === 'verifying' &&
    ticket.effective === null &&
    ticket.verificationAskedAt !== null
  ) {
    const asked = ticket.verificationAskedAt;
    step(
      'effectiveness',
      addReminderInterval(asked, effectiveness.remindAfter, calendar),
      'handlers',
      'effectiveness',
      asked,
    );
    if (effectiveness.silenceMeansYesAfter) {
      const silence = addReminderInterval(asked, effectiveness.silenceMeansYesAfter, calendar);
      step('effectiveness-silence', silence, 'handlers', 'effectiveness', asked);
    }
  }
  return steps;
}

/** The key of a handled step: what follow_ups is unique on, besides the ticket. */
export function handledKey(step: Pick<FollowUpStep, 'key' | 'dueAt'>): string {
  return `${step.key}@${step.dueAt.toISOString()}`;
}

export interface DueSteps {
  /** To handle now: the latest due step of each chain. */
  readonly due: readonly FollowUpStep[];
  /** Due too, but a later step of their chain goes instead: recorded, not sent. */
  readonly superseded: readonly FollowUpStep[];
  /** The earliest step still to come after now; null when nothing more is owed. */
  readonly nextDueAt: Date | null;
}

/** Which of `steps` not yet `handled` (handledKey) are due at `now`. */
export function dueSteps(steps: readonly FollowUpStep[], handled: ReadonlySet<string>, now: Date): DueSteps {
  const pending = steps.filter((s) => !handled.has(handledKey(s)));
  const latestOfChain = new Map<string, FollowUpStep>();
  let nextDueAt: Date | null = null;
  for (const s of pending) {
    if (s.dueAt.getTime() > now.getTime()) {
      if (nextDueAt === null || s.dueAt.getTime() < nextDueAt.getTime()) nextDueAt = s.dueAt;
      continue;
    }
    const latest = latestOfChain.get(s.chain);
    if (!latest || s.dueAt.getTime() >= latest.dueAt.getTime()) latestOfChain.set(s.chain, s);
  }
  const due = [...latestOfChain.values()];
  const superseded = pending.filter((s) => s.dueAt.getTime() <= now.getTime() && !due.includes(s));
  return { due, superseded, nextDueAt };
}

/** The earliest instant any of `steps` not yet handled is due (past ones included); null: none. */
export function earliestPending(steps: readonly FollowUpStep[], handled: ReadonlySet<string>): Date | null {
  let earliest: Date | null = null;
  for (const s of steps)
    if (!handled.has(handledKey(s)) && (earliest === null || s.dueAt.getTime() < earliest.getTime()))
      earliest = s.dueAt;
  return earliest;
}

/**
 * The reminder instant `lead` ahead of `at`: hours exactly; calendar or business days counted
 * back from `at`'s local date, at the opening of the working day (a reminder « 2 jours avant »
 * an end-of-day deadline arrives in the morning two days before, not the evening before).
 */
export function leadBefore(at: Date, lead: Duration, calendar: ReminderCalendar): Date {
  if (lead.unit === 'h') return new Date(at.getTime() - lead.amount * 3_600_000);
  let day = localDateOf(at, calendar.timeZone);
  if (lead.unit === 'd') day = addDaysToLocalDate(day, -lead.amount);
  else
    for (let counted = 0; counted < lead.amount; ) {
      day = addDaysToLocalDate(day, -1);
      if (isBusinessDay(day, calendar)) counted += 1;
    }
  const opening = calendar.workingHours.start;
  return zonedWallTimeToInstant(day, opening, 0, 0, 0, calendar.timeZone);
}

/** What a reminder line says a step is, in French, and the command it suggests. */
export interface StepWording {
  readonly what: string;
  readonly command: string;
}

/**
 * The line of a reminder mail for `step` (dates in `timeZone`). An intermediate deadline's text
 * is staff's own words about the ticket: given only when the recipient may see its content.
 */
export function describeStep(step: FollowUpStep, timeZone: string, showText: boolean): StepWording {
  const on = (at: Date): string => formatFrenchDate(at, timeZone);
  const text = showText && step.text ? ` : ${step.text}` : '';
  switch (step.kind) {
    case 'take-in-hand':
      return {
        what:
          `à prendre en charge : personne ne s’en est chargé, le délai de prise en compte est passé depuis le ` +
          `${on(step.about)}`,
        command: '#prendre',
      };
    case 'take-in-hand-pilot':
      return {
        what: `toujours sans responsable (prise en compte attendue le ${on(step.about)}) : à attribuer`,
        command: '#assigner nom@domaine.fr',
      };
    case 'before-deadline':
      return { what: `échéance le ${on(step.about)} : la réponse reste à envoyer`, command: '#repondre' };
    case 'deadline':
      return { what: `échéance dépassée le ${on(step.about)} : la réponse n’a pas été envoyée`, command: '#repondre' };
    case 'escalation-1':
      return {
        what: `en retard sur son échéance : la direction prend les mesures nécessaires avant le ${on(step.about)}`,
        command: '#note mesures prises',
      };
    case 'escalation-2':
      return {
        what: `toujours en retard : le délai de la direction est passé le ${on(step.about)} (second signalement)`,
        command: '#note mesures prises',
      };
    case 'milestone-before':
      return { what: `échéance intermédiaire le ${on(step.about)}${text}`, command: '#note' };
    case 'milestone':
      return { what: `échéance intermédiaire atteinte le ${on(step.about)}${text}`, command: '#note' };
    case 'effectiveness':
      return {
        what:
          `pas de réponse du réclamant sur l’efficacité depuis le ${on(step.about)} : appelez-le et ` +
          `enregistrez sa réponse`,
        command: '#efficace',
      };
    case 'effectiveness-silence':
      return {
        what: `clôturée : sans réponse du réclamant depuis le ${on(step.about)}, la solution est réputée efficace`,
        command: '#rouvrir',
      };
  }
}
