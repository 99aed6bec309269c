// Indicator SQL on both engines, on a hand-built history whose answers are worked out below
// (deadlines across month ends, reopened tickets, non-receivable and medical ones, tickets
// received one second either side of midnight at the end of a month in Paris), then on a
// generated history checked against the same definitions recomputed in JavaScript.
import { publicHolidaysOfYears } from '../../src/domain/french-holidays.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import {
  backlogAt,
  escalationsIn,
  overdueTicketsAt,
  pipelineFigures,
  rangeFigures,
  ticketsReceivedIn,
  trendByLevel,
} from '../../src/db/indicators.js';
import { events, messages, outbox, quarantine, tickets } from '../../src/db/schema.js';
import { EVENT_TYPES } from '../../src/domain/event-types.js';
import { mean, median } from '../../src/domain/indicators.js';
import { monthPeriod, periodRange, trendMonths } from '../../src/domain/period.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { generateTicketHistory, insertTicketHistory } from '../support/ticket-history.js';

const PARIS = 'Europe/Paris';
const CALENDAR = { timeZone: 'Europe/Paris', holidays: publicHolidaysOfYears(2025, 2027, { alsaceMoselle: false }) };
const OCTOBER = periodRange(monthPeriod(2026, 10), PARIS); // 2026-09-30T22:00Z → 2026-10-31T23:00Z
const SEPTEMBER = periodRange(monthPeriod(2026, 9), PARIS); // 2026-08-31T22:00Z → 2026-09-30T22:00Z
const LATER = new Date('2026-11-15T00:00:00Z');
const DIGEST_DAY = new Date('2026-11-01T07:00:00Z');
const d = (text: string) => new Date(text);

interface Spec {
  readonly ref: string;
  readonly received: string;
  readonly level: number;
  readonly category?: string;
  readonly requester?: string;
  readonly channel?: string;
  readonly receivable?: boolean;
  readonly confidential?: boolean;
  readonly status: (typeof tickets.$inferInsert)['status'];
  readonly deadline: string;
  readonly answered?: string;
  readonly closed?: string;
  /** Life-cycle events: [type, at]. */
  readonly events?: readonly (readonly [string, string])[];
}

/** The hand-built history; the figures expected from it are worked out in the tests. */
const HISTORY: readonly Spec[] = [
  // A: October, answered in 2 days (on time), closed in 4.
  {
    ref: 'A',
    received: '2026-10-01T08:00:00Z',
    level: 1,
    category: 'generale',
    requester: 'adherent',
    channel: 'email',
    status: 'closed',
    deadline: '2026-10-11T21:59:59.999Z',
    answered: '2026-10-03T08:00:00Z',
    closed: '2026-10-05T08:00:00Z',
    events: [['ticket.closed', '2026-10-05T08:00:00Z']],
  },
  // B: 25 October, answered on 2 November (8 days, before its 9 November deadline), still open.
  {
    ref: 'B',
    received: '2026-10-25T10:00:00Z',
    level: 2,
    category: 'generale',
    requester: 'salarie',
    channel: 'telephone',
    status: 'answered',
    deadline: '2026-11-09T22:59:59.999Z',
    answered: '2026-11-02T10:00:00Z',
  },
  // C: medical; answered late (12 days), closed in 14.
  {
    ref: 'C',
    received: '2026-10-10T10:00:00Z',
    level: 3,
    category: 'medicale',
    requester: 'salarie',
    channel: 'email',
    confidential: true,
    status: 'closed',
    deadline: '2026-10-20T21:59:59.999Z',
    answered: '2026-10-22T10:00:00Z',
    closed: '2026-10-24T10:00:00Z',
    events: [['ticket.closed', '2026-10-24T10:00:00Z']],
  },
  // D: non receivable, rejected the next day.
  {
    ref: 'D',
    received: '2026-10-15T10:00:00Z',
    level: 3,
    category: 'autre',
    requester: 'adherent',
    channel: 'courrier',
    receivable: false,
    status: 'rejected',
    deadline: '2026-11-14T22:59:59.999Z',
    events: [['ticket.rejected', '2026-10-16T10:00:00Z']],
  },
  // E: 31 October 23:59:59 in Paris: October. Open.
  {
    ref: 'E',
    received: '2026-10-31T22:59:59Z',
    level: 2,
    category: 'generale',
    requester: 'adherent',
    channel: 'portail',
    status: 'received',
    deadline: '2026-11-15T22:59:59.999Z',
  },
  // F: 1 November 00:00:00 in Paris: November, in no October figure.
  {
    ref: 'F',
    received: '2026-10-31T23:00:00Z',
    level: 1,
    category: 'generale',
    requester: 'adherent',
    channel: 'email',
    status: 'received',
    deadline: '2026-11-11T22:59:59.999Z',
  },
  // G: 30 September 23:59:59 in Paris: September. Never answered: overdue at the end of October, 31 days old.
  {
    ref: 'G',
    received: '2026-09-30T21:59:59Z',
    level: 1,
    category: 'generale',
    requester: 'adherent',
    channel: 'email',
    status: 'in_progress',
    deadline: '2026-10-10T21:59:59.999Z',
  },
  // H: 1 October 00:00:00 in Paris: October. Deadline at the very end of 31 October: overdue by 1 ms at the period's end.
  {
    ref: 'H',
    received: '2026-09-30T22:00:00Z',
    level: 3,
    category: 'generale',
    requester: 'adherent',
    channel: 'email',
    status: 'in_progress',
    deadline: '2026-10-31T22:59:59.999Z',
  },
  // I: September, closed in September, reopened in October and closed again in October (32 days after reception).
  {
    ref: 'I',
    received: '2026-09-10T08:00:00Z',
    level: 2,
    category: 'generale',
    requester: 'adherent',
    channel: 'email',
    status: 'closed',
    deadline: '2026-09-25T21:59:59.999Z',
    answered: '2026-09-15T08:00:00Z',
    closed: '2026-10-12T08:00:00Z',
    events: [
      ['ticket.closed', '2026-09-20T08:00:00Z'],
      ['ticket.reopened', '2026-10-05T08:00:00Z'],
      ['ticket.closed', '2026-10-12T08:00:00Z'],
    ],
  },
  // J: October, closed in October, reopened in November (closed_at cleared, as #rouvrir does).
  {
    ref: 'J',
    received: '2026-10-02T08:00:00Z',
    level: 3,
    category: 'generale',
    requester: 'adherent',
    channel: 'email',
    status: 'in_progress',
    deadline: '2026-11-01T22:59:59.999Z',
    answered: '2026-10-04T08:00:00Z',
    events: [
      ['ticket.closed', '2026-10-06T08:00:00Z'],
      ['ticket.reopened', '2026-11-03T08:00:00Z'],
    ],
  },
  // K: closed without any event (an import): the closed_at column counts.
  {
    ref: 'K',
    received: '2026-09-25T08:00:00Z',
    level: 1,
    category: 'generale',
    requester: 'adherent',
    channel: 'email',
    status: 'closed',
    deadline: '2026-10-05T21:59:59.999Z',
    answered: '2026-09-26T08:00:00Z',
    closed: '2026-10-03T08:00:00Z',
  },
  // L: September, rejected, without events.
  {
    ref: 'L',
    received: '2026-09-15T08:00:00Z',
    level: 3,
    category: 'autre',
    requester: 'adherent',
    channel: 'email',
    receivable: false,
    status: 'rejected',
    deadline: '2026-10-15T21:59:59.999Z',
  },
  // M: October, answered and closed in November after its 30 October deadline: open and overdue at October's end.
  {
    ref: 'M',
    received: '2026-10-20T08:00:00Z',
    level: 1,
    category: 'generale',
    requester: 'adherent',
    channel: 'email',
    status: 'closed',
    deadline: '2026-10-30T22:59:59.999Z',
    answered: '2026-11-04T08:00:00Z',
    closed: '2026-11-06T08:00:00Z',
    events: [['ticket.closed', '2026-11-06T08:00:00Z']],
  },
];

async function insertHistory(db: Db): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  let sequence = 0;
  for (const spec of HISTORY) {
    const [row] = await db
      .insert(tickets)
      .values({
        reference: `T-2026-${String(++sequence).padStart(4, '0')}-${spec.ref}`,
        year: 2026,
        sequence,
        status: spec.status,
        channel: spec.channel ?? 'email',
        subject: spec.confidential ? 'Contestation de l’avis d’inaptitude' : `Réclamation ${spec.ref}`,
        complainantEmail: `${spec.ref.toLowerCase()}@example.test`,
        complainantName: `Réclamant ${spec.ref}`,
        category: spec.category ?? null,
        level: spec.level,
        requester: spec.requester ?? null,
        receivable: spec.receivable ?? true,
        confidential: spec.confidential ?? false,
        receivedAt: d(spec.received),
        deadlineRule: '10d',
        deadlineAt: d(spec.deadline),
        answeredAt: spec.answered ? d(spec.answered) : null,
        closedAt: spec.closed ? d(spec.closed) : null,
        createdAt: d(spec.received),
        updatedAt: d(spec.received),
      })
      .returning({ id: tickets.id });
    ids.set(spec.ref, row!.id);
    for (const [type, at] of spec.events ?? [])
      await db.insert(events).values({ ticketId: row!.id, at: d(at), actor: 'test', type });
  }
  // The mail pipeline in October (and one of each just outside it).
  const message = (n: number, kind: (typeof messages.$inferInsert)['kind'], at: string) => ({
    messageId: `m${n}@example.test`,
    kind,
    receivedAt: d(at),
    raw: new Uint8Array([1]),
    rawSha256: `m${n}`,
    source: 'test',
    classification: {},
  });
  await db.insert(messages).values([
    message(1, 'complaint', '2026-10-01T08:00:00Z'),
    message(2, 'complaint', '2026-10-20T08:00:00Z'),
    message(3, 'follow-up', '2026-10-21T08:00:00Z'),
    message(4, 'auto-reply', '2026-10-21T09:00:00Z'),
    message(5, 'bounce', '2026-10-22T09:00:00Z'),
    message(6, 'staff', '2026-10-23T09:00:00Z'),
    message(7, 'complaint', '2026-10-31T23:00:00Z'), // November in Paris
  ]);
  await db.insert(quarantine).values([
    {
      rawSha256: 'q1',
      reason: 'no header',
      raw: new Uint8Array([1]),
      source: 'test',
      receivedAt: d('2026-10-12T08:00:00Z'),
    },
    {
      rawSha256: 'q2',
      reason: 'no header',
      raw: new Uint8Array([1]),
      source: 'test',
      receivedAt: d('2026-09-12T08:00:00Z'),
    },
  ]);
  const event = (type: string, at: string) => ({ ticketId: null, at: d(at), actor: 'system', type });
  await db
    .insert(events)
    .values([
      event(EVENT_TYPES.received, '2026-10-01T08:00:00Z'),
      event(EVENT_TYPES.received, '2026-10-20T08:00:00Z'),
      event(EVENT_TYPES.received, '2026-10-31T22:59:59Z'),
      event(EVENT_TYPES.received, '2026-10-31T23:00:00Z'),
      event(EVENT_TYPES.commandApplied, '2026-10-03T08:00:00Z'),
      event(EVENT_TYPES.commandApplied, '2026-10-05T08:00:00Z'),
      event(EVENT_TYPES.commandRefused, '2026-10-06T08:00:00Z'),
      event(EVENT_TYPES.commandForged, '2026-10-07T08:00:00Z'),
      event(EVENT_TYPES.outboxDead, '2026-10-08T08:00:00Z'),
      event(EVENT_TYPES.mailBudgetExceeded, '2026-10-09T08:00:00Z'),
    ]);
  const sent = (n: number, at: string | null, status: 'sent' | 'dead') => ({
    messageId: `o${n}@example.test`,
    kind: 'ack',
    toAddress: 'x@example.test',
    automatic: true,
    subject: 's',
    text: 't',
    html: 'h',
    status,
    nextAttemptAt: d('2026-10-01T00:00:00Z'),
    createdAt: d('2026-10-01T00:00:00Z'),
    sentAt: at ? d(at) : null,
  });
  await db
    .insert(outbox)
    .values([
      sent(1, '2026-10-01T08:01:00Z', 'sent'),
      sent(2, '2026-10-20T08:01:00Z', 'sent'),
      sent(3, '2026-11-01T08:01:00Z', 'sent'),
      sent(4, null, 'dead'),
    ]);
  return ids;
}

describe.each(ENGINES)('indicator SQL on %s', (engine) => {
  let t: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    db = t.database.db;
    await insertHistory(db);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts October by reception in Paris, answers as of 15 November, closures and reopenings within October', async () => {
    const { overall } = await rangeFigures(db, OCTOBER, LATER, CALENDAR);
    // Received in October: A B C D E H J M (E at 23:59:59 on the 31st, H at 00:00:00 on the 1st; not F, not G).
    expect(overall.received).toBe(8);
    expect(overall.nonReceivable).toBe(1); // D
    expect(overall.receivable).toBe(7);
    // Answered by 15 November: A (2 d), B (8 d, across the month end), C (12 d, late), J (2 d), M (15 d, late).
    expect(overall.answered).toBe(5);
    expect(overall.answeredReceivable).toBe(5);
    expect(overall.onTime).toBe(3); // A, B, J
    expect(overall.meanAnswerDays).toBeCloseTo(39 / 5, 9);
    expect(overall.medianAnswerDays).toBeCloseTo(8, 9);
    // Closed in October: A (4 d), C (14 d), I (again, 32 d after reception), J (4 d, reopened later), K (8 d, no event).
    expect(overall.closed).toBe(5);
    expect(overall.meanCloseDays).toBeCloseTo(62 / 5, 9);
    expect(overall.medianCloseDays).toBeCloseTo(8, 9);
    expect(overall.reopenings).toBe(1); // I on 5 October; J's is in November
  });

  it('measures answers as they stood at the given moment', async () => {
    const { overall } = await rangeFigures(db, OCTOBER, DIGEST_DAY, CALENDAR);
    // On 1 November at 08:00 in Paris, B (2 Nov) and M (4 Nov) were not answered yet.
    expect(overall.answered).toBe(3);
    expect(overall.onTime).toBe(2);
    expect(overall.meanAnswerDays).toBeCloseTo(16 / 3, 9);
    expect(overall.medianAnswerDays).toBeCloseTo(2, 9);
  });

  it('splits the same figures by level, category, requester type and channel; medical tickets count', async () => {
    const { by } = await rangeFigures(db, OCTOBER, LATER, CALENDAR);
    const of = (dimension: keyof typeof by, value: string | null) =>
      by[dimension].find((g) => g.value === value)?.figures;
    expect(of('level', '1')).toMatchObject({ received: 2, closed: 2, answered: 2, onTime: 1 }); // A, M; closed A, K
    expect(of('level', '2')).toMatchObject({ received: 2, closed: 1, reopenings: 1 }); // B, E; I
    expect(of('level', '3')).toMatchObject({ received: 4, nonReceivable: 1, closed: 2 }); // C D H J; C, J
    expect(of('category', 'medicale')).toMatchObject({ received: 1, answered: 1, onTime: 0, closed: 1 });
    expect(of('category', 'medicale')!.meanAnswerDays).toBeCloseTo(12, 9);
    expect(of('category', 'generale')).toMatchObject({ received: 6 });
    expect(of('category', 'autre')).toMatchObject({ received: 1, nonReceivable: 1, receivable: 0 });
    expect(of('requester', 'salarie')).toMatchObject({ received: 2 });
    expect(of('requester', 'adherent')).toMatchObject({ received: 6 });
    expect(of('channel', 'email')).toMatchObject({ received: 5 });
    expect(of('channel', 'portail')).toMatchObject({ received: 1 });
    const sum = (dimension: keyof typeof by) => by[dimension].reduce((s, g) => s + g.figures.received, 0);
    expect([sum('level'), sum('category'), sum('requester'), sum('channel')]).toEqual([8, 8, 8, 8]);
  });

  it('counts September on its own, with its closure of the ticket reopened in October', async () => {
    const { overall } = await rangeFigures(db, SEPTEMBER, LATER, CALENDAR);
    expect(overall.received).toBe(4); // G (23:59:59 on the 30th), I, K, L
    expect(overall.nonReceivable).toBe(1);
    expect(overall.closed).toBe(1); // I on 20 September
    expect(overall.meanCloseDays).toBeCloseTo(10, 9);
    expect(overall.reopenings).toBe(0);
  });

  it('reconstructs the backlog at the end of October, with ages and overdue tickets', async () => {
    const backlog = await backlogAt(db, OCTOBER.end);
    // Open at 1 November 00:00 in Paris: B (6 d), E (0 d), G (31 d, overdue), H (31 d, overdue by 1 ms), M (11 d, overdue).
    // Not: J (closed then, reopened after), I and K (closed), D and L (rejected), F (not received yet).
    expect(backlog.overall).toEqual({ open: 5, age0to7: 2, age8to15: 1, age16to30: 0, ageOver30: 2, overdue: 3 });
    expect(backlog.byLevel).toEqual([
      { level: 1, figures: { open: 2, age0to7: 0, age8to15: 1, age16to30: 0, ageOver30: 1, overdue: 2 } },
      { level: 2, figures: { open: 2, age0to7: 2, age8to15: 0, age16to30: 0, ageOver30: 0, overdue: 0 } },
      { level: 3, figures: { open: 1, age0to7: 0, age8to15: 0, age16to30: 0, ageOver30: 1, overdue: 1 } },
    ]);
    const overdue = await overdueTicketsAt(db, OCTOBER.end);
    expect(overdue.map((t) => t.reference.slice(-1))).toEqual(['G', 'M', 'H']);
  });

  it('reconstructs the backlog at the end of September from the audit trail', async () => {
    // G (0 d) and K (closed on 3 October, without event) were open; I was closed (its reopening came later).
    expect((await backlogAt(db, SEPTEMBER.end)).overall).toEqual({
      open: 2,
      age0to7: 2,
      age8to15: 0,
      age16to30: 0,
      ageOver30: 0,
      overdue: 0,
    });
  });

  it('reconstructs the backlog in mid-October: closed, rejected and reopened since, closed before without event', async () => {
    // Open on 16 October 00:00 UTC: C (closed on the 24th), D (received on the 15th, rejected on the 16th at 10:00), G and H.
    // Not: I (closed again on the 12th), J (closed on the 6th, reopened in November: open now), K (closed on the 3rd without event), L.
    const at = d('2026-10-16T00:00:00Z');
    const backlog = await backlogAt(db, at);
    expect(backlog.overall).toEqual({ open: 4, age0to7: 2, age8to15: 2, age16to30: 0, ageOver30: 0, overdue: 1 });
    expect(backlog.byLevel).toEqual([
      { level: 1, figures: { open: 1, age0to7: 0, age8to15: 1, age16to30: 0, ageOver30: 0, overdue: 1 } },
      { level: 3, figures: { open: 3, age0to7: 2, age8to15: 1, age16to30: 0, ageOver30: 0, overdue: 0 } },
    ]);
    expect((await overdueTicketsAt(db, at)).map((t) => t.reference.slice(-1))).toEqual(['G']);
  });

  it('reports the mail pipeline of October', async () => {
    expect(await pipelineFigures(db, OCTOBER)).toEqual({
      mailsSeen: 7, // six messages and one quarantined, not the one of 1 November
      complaints: 2,
      followUps: 1,
      staffMails: 1,
      autoReplies: 1,
      bounces: 1,
      ownMails: 0,
      quarantined: 1,
      ticketsCreated: 3,
      commandsApplied: 2,
      commandsRefused: 1,
      commandsForged: 1,
      outgoingSent: 2,
      outgoingFailed: 1,
      budgetExceeded: 1,
      anonymised: 0,
    });
  });

  it('gives the 12-month trend by level, closures in each month they happened', async () => {
    const months = trendMonths(monthPeriod(2026, 10)).map((m) => periodRange(m, PARIS));
    const points = await trendByLevel(db, months);
    const at = (index: number, level: number) =>
      points.find((p) => p.index === index && p.level === level) ?? { received: 0, closed: 0 };
    expect([1, 2, 3].map((level) => at(11, level))).toMatchObject([
      { received: 2, closed: 2 },
      { received: 2, closed: 1 },
      { received: 4, closed: 2 },
    ]);
    expect([1, 2, 3].map((level) => at(10, level))).toMatchObject([
      { received: 2, closed: 0 },
      { received: 1, closed: 1 },
      { received: 1, closed: 0 },
    ]);
    expect(points.every((p) => p.index >= 10)).toBe(true);
  });

  it('lists the tickets received in the period with their reopenings', async () => {
    const lines = await ticketsReceivedIn(db, OCTOBER);
    expect(lines.map((l) => l.reference.slice(-1))).toEqual(['H', 'A', 'J', 'C', 'D', 'M', 'B', 'E']);
    expect(lines.find((l) => l.reference.endsWith('J'))!.reopenings).toBe(1);
    expect(lines.find((l) => l.reference.endsWith('C'))!.confidential).toBe(true);
    expect(lines[0]!.receivedAt).toEqual(d('2026-09-30T22:00:00Z'));
  });
});

/** What the procedures review besides answers: take in hand, escalations, effectiveness, typologies. */
describe.each(ENGINES)('follow-through indicators on %s', (engine) => {
  const NOVEMBER = periodRange(monthPeriod(2026, 11), PARIS); // 2026-10-31T23:00Z → 2026-11-30T23:00Z
  const AS_OF = d('2026-12-01T07:00:00Z');
  let t: TestDatabase;
  let db: Db;

  interface Follow {
    readonly ref: string;
    readonly received: string;
    readonly typology: string | null;
    readonly confidential?: boolean;
    /** [type, at, data] */
    readonly events: readonly (readonly [string, string, Record<string, unknown>?])[];
  }
  const TICKETS: readonly Follow[] = [
    // P: Friday 6 November at 23:30 in Paris, taken on Monday 9 at 00:30 in Paris (Sunday in UTC): 1 business day.
    {
      ref: 'P',
      received: '2026-11-06T22:30:00Z',
      typology: 'accueil',
      events: [
        [EVENT_TYPES.assigned, '2026-11-08T23:30:00Z', { assignee: 'a@x.test' }],
        [EVENT_TYPES.effectiveness, '2026-11-12T10:00:00Z', { effective: false, source: 'complainant' }],
        [EVENT_TYPES.effectiveness, '2026-11-18T10:00:00Z', { effective: true, source: 'complainant' }],
        [
          EVENT_TYPES.escalated,
          '2026-11-20T08:00:00Z',
          { round: 1, to: ['direction@x.test'], dueAt: '2026-11-25T22:59:59.999Z' },
        ],
        [
          EVENT_TYPES.escalated,
          '2026-11-27T08:00:00Z',
          { round: 2, to: ['direction@x.test', 'dg@x.test'], dueAt: '2026-12-02T22:59:59.999Z' },
        ],
      ],
    },
    // Q: Saturday 7 November, taken on Monday 9, reassigned on Wednesday: 0 (the first assignment counts).
    {
      ref: 'Q',
      received: '2026-11-07T10:00:00Z',
      typology: 'accueil',
      events: [
        [EVENT_TYPES.assigned, '2026-11-09T09:00:00Z', { assignee: 'a@x.test' }],
        [EVENT_TYPES.assigned, '2026-11-11T09:00:00Z', { assignee: 'b@x.test' }],
        [EVENT_TYPES.effectiveness, '2026-11-25T10:00:00Z', { effective: true, source: 'silence' }],
      ],
    },
    // R: Tuesday 10, taken on Thursday 12 (Wednesday 11 is Armistice Day): 1.
    {
      ref: 'R',
      received: '2026-11-10T10:00:00Z',
      typology: 'facture',
      events: [
        [EVENT_TYPES.assigned, '2026-11-12T09:00:00Z', { assignee: 'a@x.test' }],
        [EVENT_TYPES.effectiveness, '2026-11-19T10:00:00Z', { effective: true, source: 'staff' }],
      ],
    },
    // S: medical, taken the same day: 0.
    {
      ref: 'S',
      received: '2026-11-16T09:00:00Z',
      typology: 'aptitude',
      confidential: true,
      events: [[EVENT_TYPES.assigned, '2026-11-16T14:00:00Z', { assignee: 'dr@x.test' }]],
    },
    // T: never taken in hand; U: taken after the moment the figures describe.
    { ref: 'T', received: '2026-11-20T10:00:00Z', typology: null, events: [] },
    {
      ref: 'U',
      received: '2026-11-23T10:00:00Z',
      typology: 'accueil',
      events: [[EVENT_TYPES.assigned, '2026-12-03T09:00:00Z', { assignee: 'a@x.test' }]],
    },
    // V: received in October (and taken then), escalated and checked in November; escalated in October too.
    {
      ref: 'V',
      received: '2026-10-01T08:00:00Z',
      typology: 'accueil',
      events: [
        [EVENT_TYPES.assigned, '2026-10-20T09:00:00Z', { assignee: 'a@x.test' }],
        [
          EVENT_TYPES.escalated,
          '2026-10-30T08:00:00Z',
          { round: 1, to: ['direction@x.test'], dueAt: '2026-11-04T22:59:59.999Z' },
        ],
        [
          EVENT_TYPES.escalated,
          '2026-11-05T08:00:00Z',
          { round: 2, to: ['direction@x.test'], dueAt: '2026-11-10T22:59:59.999Z' },
        ],
        [EVENT_TYPES.effectiveness, '2026-11-10T10:00:00Z', { effective: false, source: 'staff' }],
        [EVENT_TYPES.effectiveness, '2026-10-28T10:00:00Z', { effective: true, source: 'complainant' }],
      ],
    },
  ];

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    db = t.database.db;
    let sequence = 0;
    for (const spec of TICKETS) {
      const [row] = await db
        .insert(tickets)
        .values({
          reference: `F-2026-${String(++sequence).padStart(4, '0')}-${spec.ref}`,
          year: 2026,
          sequence,
          status: 'in_progress',
          channel: 'email',
          subject: `Réclamation ${spec.ref}`,
          complainantEmail: `${spec.ref.toLowerCase()}@example.test`,
          complainantName: `Réclamant ${spec.ref}`,
          category: spec.confidential ? 'medicale' : 'generale',
          typology: spec.typology,
          level: 2,
          receivable: true,
          confidential: spec.confidential ?? false,
          receivedAt: d(spec.received),
          deadlineRule: '15d',
          deadlineAt: new Date(d(spec.received).getTime() + 15 * 86_400_000),
          createdAt: d(spec.received),
          updatedAt: d(spec.received),
        })
        .returning({ id: tickets.id });
      for (const [type, at, data] of spec.events)
        await db.insert(events).values({ ticketId: row!.id, at: d(at), actor: 'test', type, data: data ?? {} });
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('measures the take-in-hand delay in business days of Paris, first assignment by the given moment', async () => {
    const { overall } = await rangeFigures(db, NOVEMBER, AS_OF, CALENDAR);
    expect(overall.received).toBe(6); // P Q R S T U
    expect(overall.takenInHand).toBe(4); // P 1, Q 0, R 1, S 0 — not T (never), not U (after), not V (October)
    expect(overall.meanTakeInHandDays).toBeCloseTo(0.5, 9);
    expect(overall.medianTakeInHandDays).toBeCloseTo(0.5, 9);
    // Without the holiday, R counts 2 (Wednesday then Thursday).
    const noHolidays = await rangeFigures(db, NOVEMBER, AS_OF, { timeZone: PARIS, holidays: [] });
    expect(noHolidays.overall.meanTakeInHandDays).toBeCloseTo(3 / 4, 9);
    // Measured on 20 November, U and the others are the same; T still untaken.
    expect((await rangeFigures(db, NOVEMBER, d('2026-11-10T00:00:00Z'), CALENDAR)).overall.takenInHand).toBe(2);
  });

  it('counts escalations and effectiveness checks within the period, silences apart', async () => {
    const { overall, by } = await rangeFigures(db, NOVEMBER, AS_OF, CALENDAR);
    expect(overall.escalations).toBe(3); // P twice, V's second (its first was in October)
    expect(overall).toMatchObject({ effectiveYes: 2, effectiveNo: 2, effectivenessSilences: 1 });
    expect(by.level.find((g) => g.value === '2')!.figures).toMatchObject({ escalations: 3, received: 6 });
    const october = await rangeFigures(db, periodRange(monthPeriod(2026, 10), PARIS), AS_OF, CALENDAR);
    expect(october.overall).toMatchObject({ escalations: 1, effectiveYes: 1, effectiveNo: 0, received: 1 });
  });

  it('splits by typology, and keeps medical typologies in a version of their own', async () => {
    const { typology } = await rangeFigures(db, NOVEMBER, AS_OF, CALENDAR);
    const received = (groups: readonly { value: string | null; figures: { received: number } }[]) =>
      Object.fromEntries(groups.map((g) => [String(g.value), g.figures.received]));
    expect(received(typology.all)).toEqual({ accueil: 3, facture: 1, aptitude: 1, null: 1 });
    expect(received(typology.shared)).toEqual({ accueil: 3, facture: 1, null: 1 });
    expect(typology.confidential).toMatchObject({ received: 1, takenInHand: 1 });
    // V, received in October, counts in « accueil » by its November escalation only.
    expect(typology.all.find((g) => g.value === 'accueil')!.figures).toMatchObject({ received: 3, escalations: 3 });
  });

  it('lists the escalations of the period: when, which round, to whom, by when', async () => {
    const lines = await escalationsIn(db, NOVEMBER);
    expect(
      lines.map((l) => [l.reference.slice(-1), l.round, l.to, l.at.toISOString(), l.dueAt?.toISOString()]),
    ).toEqual([
      ['V', 2, ['direction@x.test'], '2026-11-05T08:00:00.000Z', '2026-11-10T22:59:59.999Z'],
      ['P', 1, ['direction@x.test'], '2026-11-20T08:00:00.000Z', '2026-11-25T22:59:59.999Z'],
      ['P', 2, ['direction@x.test', 'dg@x.test'], '2026-11-27T08:00:00.000Z', '2026-12-02T22:59:59.999Z'],
    ]);
    expect(lines[0]).toMatchObject({ level: 2, status: 'in_progress', confidential: false, assigneeEmail: null });
  });
});

describe.each(ENGINES)('indicator SQL on a generated history, %s', (engine) => {
  let t: TestDatabase;
  const now = new Date('2026-11-01T07:00:00Z');
  const history = generateTicketHistory({ seed: 11, count: 600, from: new Date('2026-03-01T00:00:00Z'), to: now, now });

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await insertTicketHistory(t.database.db, history);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('agrees with the definitions recomputed from the generated rows', async () => {
    const range = OCTOBER;
    const inRange = (at: Date | null | undefined) => !!at && at >= range.start && at < range.end;
    const received = history.tickets.filter((x) => inRange(x.receivedAt));
    const answered = received.filter((x) => x.answeredAt && x.answeredAt <= now);
    const days = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 86_400_000;
    const closures = new Map<number, Date>();
    for (const e of history.events)
      if (e.type === EVENT_TYPES.closed && inRange(e.at)) closures.set(e.ticketId!, e.at as Date);
    const byId = new Map(history.tickets.map((x) => [x.id!, x]));
    const closeDays = [...closures].map(([id, at]) => days(byId.get(id)!.receivedAt, at));

    const { overall } = await rangeFigures(t.database.db, range, now, CALENDAR);
    expect(overall.received).toBe(received.length);
    expect(overall.nonReceivable).toBe(received.filter((x) => x.receivable === false).length);
    expect(overall.answered).toBe(answered.length);
    expect(overall.onTime).toBe(answered.filter((x) => x.answeredAt! <= x.deadlineAt).length);
    expect(overall.meanAnswerDays).toBeCloseTo(mean(answered.map((x) => days(x.receivedAt, x.answeredAt!)))!, 6);
    expect(overall.medianAnswerDays).toBeCloseTo(median(answered.map((x) => days(x.receivedAt, x.answeredAt!)))!, 6);
    expect(overall.closed).toBe(closures.size);
    expect(overall.medianCloseDays).toBeCloseTo(median(closeDays)!, 6);
    expect(overall.reopenings).toBe(
      history.events.filter((e) => e.type === EVENT_TYPES.reopened && inRange(e.at)).length,
    );
    expect(received.length).toBeGreaterThan(30);
    expect(closures.size).toBeGreaterThan(30);

    // The bulk insert kept the rows intact (bytea through JSON included).
    const [message] = await t.database.db.select().from(messages).limit(1);
    expect([...message!.raw]).toEqual([0x0a]);
    expect(await t.database.db.$count(tickets)).toBe(history.tickets.length);
    expect(await t.database.db.$count(events)).toBe(history.events.length);

    // At earlier instants, the backlog is what the audit trail says: received before, and the last
    // life-cycle event before the instant (if any) a reopening.
    const lifecycle = new Set<string>([EVENT_TYPES.closed, EVENT_TYPES.rejected, EVENT_TYPES.reopened]);
    for (const instant of [
      '2026-04-15T00:00:00Z',
      '2026-06-30T22:00:00Z',
      '2026-08-31T22:00:00Z',
      '2026-10-01T12:00:00Z',
    ]) {
      const at = d(instant);
      const openThen = history.tickets.filter((x) => {
        if (!(x.receivedAt < at)) return false;
        const before = history.events.filter(
          (e) => e.ticketId === x.id && lifecycle.has(e.type) && (e.at as Date) < at,
        );
        const last = before.reduce<(typeof before)[number] | undefined>(
          (a, e) => (!a || (e.at as Date) >= (a.at as Date) ? e : a),
          undefined,
        );
        return !last || last.type === EVENT_TYPES.reopened;
      });
      const then = await backlogAt(t.database.db, at);
      expect(then.overall.open, instant).toBe(openThen.length);
      expect(then.overall.overdue, instant).toBe(openThen.filter((x) => x.deadlineAt < at).length);
      expect(then.byLevel.reduce((sum, l) => sum + l.figures.open, 0)).toBe(openThen.length);
    }

    // The trend's closures: each month's tickets with a `ticket.closed` event in it.
    const months = trendMonths(monthPeriod(2026, 10)).map((m) => periodRange(m, PARIS));
    const trend = await trendByLevel(t.database.db, months);
    months.forEach((month, index) => {
      const closedIn = new Set(
        history.events
          .filter((e) => e.type === EVENT_TYPES.closed && (e.at as Date) >= month.start && (e.at as Date) < month.end)
          .map((e) => e.ticketId),
      );
      const receivedIn = history.tickets.filter((x) => x.receivedAt >= month.start && x.receivedAt < month.end);
      const points = trend.filter((p) => p.index === index);
      expect(
        points.reduce((sum, p) => sum + p.closed, 0),
        `closed, month ${index}`,
      ).toBe(closedIn.size);
      expect(
        points.reduce((sum, p) => sum + p.received, 0),
        `received, month ${index}`,
      ).toBe(receivedIn.length);
    });

    // At the end of the history the backlog is the tickets whose current state is open.
    const open = history.tickets.filter((x) => x.status !== 'closed' && x.status !== 'rejected' && x.receivedAt < now);
    const backlog = await backlogAt(t.database.db, now);
    expect(backlog.overall.open).toBe(open.length);
    expect(backlog.overall.overdue).toBe(open.filter((x) => x.deadlineAt < now).length);
  });
});
