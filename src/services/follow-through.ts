// The follow-through sweep (SPEC §2): keeps the deadlines the acknowledgement promised. Each open
// ticket's schedule comes from domain/follow-through.ts; the database keeps its next due instant.
// A sweep claims the due tickets (SKIP LOCKED), records each step in follow_ups (unique per
// ticket, step and due instant) and queues the mails in the same transaction: one mail per person
// listing all that is due for them, sent only in working hours on business days. A daemon back
// from an outage sends the latest step of each chain, once, not the ones it missed.
import type { Config } from '../config/config-schema.js';
import type { Db } from '../db/database.js';
import { recordEvents } from '../db/events.js';
import {
  claimFollowThroughTickets,
  firstEscalations,
  handledFollowUps,
  milestonesOf,
  nextFollowThroughCheck,
  NOTHING_DUE,
  openTickets,
  recordFollowUps,
  setNextDueAt,
  type NewFollowUp,
} from '../db/follow-ups.js';
import { updateTicket, type TicketRow } from '../db/tickets.js';
import { isWorkingTime, nextWorkingTime } from '../domain/analysis-reminder.js';
import { EVENT_TYPES, type NewEvent } from '../domain/event-types.js';
import { formatFrenchDate, formatFrenchDateTime } from '../domain/french-date.js';
import {
  describeStep,
  dueSteps,
  earliestPending,
  followThroughSteps,
  handledKey,
  type Audience,
  type FollowThroughRules,
  type FollowUpStep,
} from '../domain/follow-through.js';
import { findPerson, handlersOf, maySeeContent, peopleWithRole, type Person } from '../domain/people.js';
import { changeTicket } from '../domain/ticket-life-cycle.js';
import type { Deps } from './deps.js';
import { enqueueStaffMail, staffReplyAddress } from './enqueue-staff-mail.js';
import { mailComplainant } from './mail-complainant.js';
import { reminderCalendar } from './remind-analyses.js';

type FollowDeps = Pick<Deps, 'db' | 'clock' | 'config' | 'log' | 'render' | 'random'>;

/**
 * Tickets listed in one reminder, the nearest deadlines first; the others are counted (a first
 * start on a database full of overdue tickets must not mail a thousand-line message).
 */
export const MAX_LINES_PER_MAIL = 100;

/** Tickets claimed per transaction. */
const BATCH = 500;

/** The procedure's follow-through rules, from the configuration. */
export function followThroughRules(config: Config): FollowThroughRules {
  return {
    calendar: reminderCalendar({ config }),
    levels: new Map(
      config.levels.map((l) => [l.level, { ackWithin: l.ackWithin, remindBefore: l.remindBefore ?? null }]),
    ),
    escalation: {
      enabled: config.escalation.enabled,
      after: config.escalation.after ?? null,
      directionWithin: config.escalation.directionWithin,
    },
    effectiveness: {
      enabled: config.effectiveness.enabled,
      remindAfter: config.effectiveness.remindAfter,
      silenceMeansYesAfter: config.effectiveness.silenceMeansYesAfter ?? null,
    },
  };
}

/** The configured people a step goes to (the direction falls back to the pilots when none is configured). */
export function recipientsOf(config: Config, ticket: TicketRow, audience: Audience): Person[] {
  const pilots = (): Person[] => peopleWithRole(config, 'pilot');
  const referents = (): Person[] => {
    const named = ticket.routedTo.map((email) => findPerson(config, email)).filter((p): p is Person => !!p);
    return named.length > 0 ? named : pilots();
  };
  const direction = (): Person[] => {
    const people = peopleWithRole(config, 'direction');
    return people.length > 0 ? people : pilots();
  };
  const chosen =
    audience === 'referents'
      ? referents()
      : audience === 'pilots'
        ? pilots()
        : audience === 'direction'
          ? direction()
          : audience === 'handlers'
            ? handlersOf(config, ticket)
            : [...handlersOf(config, ticket), ...pilots()];
  return [...new Map(chosen.map((p) => [p.email, p])).values()];
}

/** One step due for one ticket, with the people it goes to. */
export interface DueItem {
  readonly ticket: TicketRow;
  readonly step: FollowUpStep;
  readonly to: readonly Person[];
}

/** What a sweep did. */
export interface SweepResult {
  /** Steps handled now (sent, or the ticket closed on silence). */
  readonly handled: readonly DueItem[];
  /** Reminder mails queued: one per person. */
  readonly mails: number;
  /** When to look again (null: nothing owed). */
  readonly nextCheckAt: Date | null;
}

/**
 * One sweep at the clock's now: schedules computed again where a ticket changed, and — in working
 * time — every due step handled once, its mails queued in the same transaction.
 */
export async function sweepFollowThrough(deps: FollowDeps): Promise<SweepResult> {
  const now = deps.clock.now();
  const rules = followThroughRules(deps.config);
  const working = isWorkingTime(now, rules.calendar);
  const handled: DueItem[] = [];
  let mails = 0;
  for (;;) {
    const claimed = await deps.db.transaction(async (tx) => {
      const tickets = await claimFollowThroughTickets(tx, working ? now : null, BATCH);
      const items = await handleTickets(tx, deps, tickets, rules, working ? now : null);
      mails += await queueReminders(tx, deps, items);
      handled.push(...items);
      return tickets.length;
    });
    if (claimed < BATCH) break;
  }
  if (handled.length > 0) deps.log.info({ steps: handled.length, mails }, 'follow-through: reminders queued');
  const next = await nextFollowThroughCheck(deps.db, now);
  const nextCheckAt = next && next.getTime() <= now.getTime() && !working ? nextWorkingTime(now, rules.calendar) : next;
  return { handled, mails, nextCheckAt };
}

/** What the schedule of the tickets reads besides their rows: intermediate deadlines, handled steps, escalations. */
async function loadFollowThroughFacts(db: Db, tickets: readonly TicketRow[]) {
  const ids = tickets.map((t) => t.id);
  const milestones = await milestonesOf(db, ids);
  const handled = await handledFollowUps(db, ids);
  const escalations = await firstEscalations(db, ids);
  return {
    /** With `escalatedAt`: as if the first escalation were mailed then. */
    stepsOf: (ticket: TicketRow, rules: FollowThroughRules, at: Date, escalatedAt?: Date): FollowUpStep[] =>
      followThroughSteps(
        { ...ticket, escalatedAt: escalatedAt ?? escalations.get(ticket.id) ?? null },
        milestones.get(ticket.id) ?? [],
        rules,
        at,
      ),
    handled: (ticket: TicketRow): ReadonlySet<string> => handled.get(ticket.id) ?? new Set<string>(),
  };
}

/**
 * Computes the tickets' schedules; with `now` (working time), records the due steps and returns
 * those this sweep recorded (another daemon's are left to it).
 */
async function handleTickets(
  tx: Db,
  deps: FollowDeps,
  tickets: readonly TicketRow[],
  rules: FollowThroughRules,
  now: Date | null,
): Promise<DueItem[]> {
  if (tickets.length === 0) return [];
  const facts = await loadFollowThroughFacts(tx, tickets);
  const records: NewFollowUp[] = [];
  const items: DueItem[] = [];
  for (const ticket of tickets) {
    const steps = facts.stepsOf(ticket, rules, now ?? deps.clock.now());
    const done = facts.handled(ticket);
    if (now === null) {
      await setNextDueAt(tx, ticket.id, earliestPending(steps, done) ?? NOTHING_DUE);
      continue;
    }
    const { due, superseded, nextDueAt } = dueSteps(steps, done, now);
    for (const step of superseded)
      records.push({
        ticketId: ticket.id,
        key: step.key,
        dueAt: step.dueAt,
        outcome: 'superseded',
        recipients: [],
        handledAt: now,
      });
    for (const step of due) {
      const to = recipientsOf(deps.config, ticket, step.audience);
      const outcome = step.kind === 'effectiveness-silence' ? 'closed' : to.length > 0 ? 'sent' : 'no-recipient';
      records.push({
        ticketId: ticket.id,
        key: step.key,
        dueAt: step.dueAt,
        outcome,
        recipients: to.map((p) => p.email),
        handledAt: now,
      });
      items.push({ ticket, step, to });
    }
    // A first escalation mailed now schedules the second round, counted from now.
    const escalating = items.some((i) => i.ticket === ticket && i.step.kind === 'escalation-1' && i.to.length > 0);
    const handledNow = new Set([...done, ...[...due, ...superseded].map(handledKey)]);
    const next = escalating ? earliestPending(facts.stepsOf(ticket, rules, now, now), handledNow) : nextDueAt;
    await setNextDueAt(tx, ticket.id, next ?? NOTHING_DUE);
  }
  const recorded = await recordFollowUps(tx, records);
  const mine = items.filter((i) => recorded.has(`${i.ticket.id}:${handledKey(i.step)}`));
  if (now === null) return mine;
  for (const item of mine)
    if (item.step.kind === 'effectiveness-silence') await closeOnSilence(tx, deps, item.ticket, now);
  await recordEvents(
    tx,
    mine.flatMap((item) => stepEvents(item, now)),
  );
  return mine;
}

/** The audit events of a handled step: reminder.sent, and ticket.escalated for the direction. */
function stepEvents(item: DueItem, now: Date): NewEvent[] {
  const { ticket, step, to } = item;
  const data = { kind: step.kind, dueAt: step.dueAt.toISOString(), about: step.about.toISOString() };
  const base = { ticketId: ticket.id, at: now, actor: 'system' };
  const events: NewEvent[] = [];
  if (step.kind !== 'effectiveness-silence')
    events.push({ ...base, type: EVENT_TYPES.reminderSent, data: { ...data, to: to.map((p) => p.email) } });
  if (step.kind === 'escalation-1' || step.kind === 'escalation-2')
    events.push({
      ...base,
      type: EVENT_TYPES.escalated,
      data: {
        round: step.kind === 'escalation-1' ? 1 : 2,
        to: to.map((p) => p.email),
        dueAt: step.about.toISOString(),
      },
    });
  return events;
}

/** Silence means yes: the ticket closes as effective, the complainant gets the closure mail. */
async function closeOnSilence(tx: Db, deps: FollowDeps, ticket: TicketRow, now: Date): Promise<void> {
  const outcome = changeTicket(ticket, { kind: 'effectiveness', effective: true, source: 'silence' }, now);
  if (!outcome.ok) return;
  await updateTicket(tx, ticket.id, { ...outcome.patch, updatedAt: now });
  await recordEvents(
    tx,
    outcome.events.map((e) => ({ ticketId: ticket.id, at: now, actor: 'system', type: e.type, data: e.data })),
  );
  if (ticket.complainantEmail) await mailComplainant(tx, deps, ticket, 'closure', {});
}

/** A reminder's line: one ticket, all that is due on it; content-free for a medical ticket and a non-doctor. */
export interface ReminderLine {
  readonly reference: string;
  /** What is due on the ticket, one sentence per step. */
  readonly whats: readonly string[];
  readonly deadline: string;
  readonly subject: string;
  readonly masked: boolean;
  /** The commands suggested, e.g. `#prendre ou #repondre`. */
  readonly command: string;
  readonly replyAddress: string;
  readonly mailto: string;
}

/** The lines of `person`'s reminder, one per ticket, in the order of the tickets' deadlines. */
export function reminderLines(
  deps: Pick<Deps, 'clock' | 'config'>,
  person: Person,
  items: readonly DueItem[],
): ReminderLine[] {
  const timeZone = deps.config.organisation.timezone;
  const byTicket = new Map<number, DueItem[]>();
  for (const item of items) byTicket.set(item.ticket.id, [...(byTicket.get(item.ticket.id) ?? []), item]);
  return [...byTicket.values()]
    .sort(
      (a, b) =>
        a[0]!.ticket.deadlineAt.getTime() - b[0]!.ticket.deadlineAt.getTime() || a[0]!.ticket.id - b[0]!.ticket.id,
    )
    .map((theirs) => {
      const { ticket } = theirs[0]!;
      const visible = maySeeContent(ticket, person);
      const wordings = theirs.map(({ step }) => describeStep(step, timeZone, visible));
      const commands = [...new Set(wordings.map((w) => w.command))];
      const replyAddress = staffReplyAddress(deps, person, ticket.id);
      const subject = `[${ticket.reference}] suivi`;
      return {
        reference: ticket.reference,
        whats: wordings.map((w) => w.what),
        deadline: formatFrenchDate(ticket.deadlineAt, timeZone),
        subject: visible ? ticket.subject : '',
        masked: !visible,
        command: commands.join(' ou '),
        replyAddress,
        mailto:
          `mailto:${replyAddress}?subject=${encodeURIComponent(subject)}` +
          `&body=${encodeURIComponent(`${commands[0]}\n`)}`,
      };
    });
}

/** The items grouped by recipient: one mail each. */
export function byRecipient(items: readonly DueItem[]): Map<string, { person: Person; items: DueItem[] }> {
  const grouped = new Map<string, { person: Person; items: DueItem[] }>();
  for (const item of items) {
    if (item.step.kind === 'effectiveness-silence' && item.to.length === 0) continue;
    for (const person of item.to) {
      const entry = grouped.get(person.email) ?? { person, items: [] };
      entry.items.push(item);
      grouped.set(person.email, entry);
    }
  }
  // A referent who is also a pilot is told once that a ticket still has no one: the pilot's line.
  for (const entry of grouped.values()) {
    const pilotLines = new Set(entry.items.filter((i) => i.step.kind === 'take-in-hand-pilot').map((i) => i.ticket.id));
    entry.items = entry.items.filter((i) => i.step.kind !== 'take-in-hand' || !pilotLines.has(i.ticket.id));
  }
  return grouped;
}

/** Queues one reminder mail per person; returns how many. */
async function queueReminders(tx: Db, deps: FollowDeps, items: readonly DueItem[]): Promise<number> {
  const { config } = deps;
  let queued = 0;
  for (const { person, items: theirs } of byRecipient(items).values()) {
    const lines = reminderLines(deps, person, theirs);
    const shown = lines.slice(0, MAX_LINES_PER_MAIL);
    const escalation = theirs.some((i) => i.step.kind === 'escalation-1' || i.step.kind === 'escalation-2');
    await enqueueStaffMail(tx, deps, {
      kind: 'reminder',
      template: 'reminders',
      to: person,
      ticket: null,
      data: {
        organisation: { name: config.organisation.name },
        recipientName: person.name ?? '',
        total: lines.length,
        plural: lines.length > 1,
        escalation,
        lines: shown,
        more: lines.length - shown.length,
        at: formatFrenchDateTime(deps.clock.now(), config.organisation.timezone),
      },
    });
    queued += 1;
  }
  return queued;
}

/** What the sweep would send at `at` (`reclam due`): read only. */
export interface DuePreview {
  readonly at: Date;
  readonly working: boolean;
  /** The next working moment when `at` is not one (nothing leaves before it). */
  readonly nextWorkingAt: Date | null;
  /** One mail per person, with the steps it would list. */
  readonly mails: readonly { readonly person: Person; readonly items: readonly DueItem[] }[];
  /** The earliest step due after `at`; null when nothing more is owed. */
  readonly nextDueAt: Date | null;
}

/** The dry run of a sweep at `at`: what is due then and not yet handled, sending and changing nothing. */
export async function previewFollowThrough(deps: Pick<Deps, 'db' | 'config'>, at: Date): Promise<DuePreview> {
  const rules = followThroughRules(deps.config);
  const tickets = await openTickets(deps.db);
  const facts = await loadFollowThroughFacts(deps.db, tickets);
  const items: DueItem[] = [];
  let nextDueAt: Date | null = null;
  for (const ticket of tickets) {
    const selection = dueSteps(facts.stepsOf(ticket, rules, at), facts.handled(ticket), at);
    for (const step of selection.due)
      items.push({ ticket, step, to: recipientsOf(deps.config, ticket, step.audience) });
    if (selection.nextDueAt && (nextDueAt === null || selection.nextDueAt.getTime() < nextDueAt.getTime()))
      nextDueAt = selection.nextDueAt;
  }
  const working = isWorkingTime(at, rules.calendar);
  return {
    at,
    working,
    nextWorkingAt: working ? null : nextWorkingTime(at, rules.calendar),
    mails: [...byRecipient(items).values()].map(({ person, items: theirs }) => ({ person, items: theirs })),
    nextDueAt,
  };
}
