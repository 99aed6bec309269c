// Literal figures of one monthly digest (October 2026, Europe/Paris), as compute-digest.ts would
// gather them, for the pure tests of the report and of the indicator table: every count differs
// from the others, so a figure shown in the wrong place shows.
import type { BacklogFigures, PipelineFigures, TicketFigures, TicketLine } from '../../src/db/indicators.js';
import type { DigestFigures, PeriodSnapshot } from '../../src/domain/digest-report.js';
import { EMPTY_FIGURES } from '../../src/domain/indicators.js';
import { monthPeriod, periodRange, type Period, trendMonths } from '../../src/domain/period.js';

export const PARIS = 'Europe/Paris';
export const OCTOBER_2026 = monthPeriod(2026, 10);
export const GENERATED_AT = new Date('2026-11-01T07:00:00Z');
/** Subject and complainant of the medical tickets below: non-doctors must not see them. */
export const MEDICAL_SUBJECT = 'Contre-indication au poste non prise en compte';
export const MEDICAL_COMPLAINANT = { name: 'Bernard Secret', email: 'bernard.secret@example.test' };

export function ticketFigures(base: number): TicketFigures {
  return {
    received: base + 100,
    nonReceivable: base + 7,
    receivable: base + 93,
    answered: base + 61,
    answeredReceivable: base + 59,
    onTime: base + 52,
    meanAnswerDays: 8.26 + base / 10,
    medianAnswerDays: 6.71 + base / 10,
    closed: base + 88,
    meanCloseDays: 20.94 + base / 10,
    medianCloseDays: 16.55 + base / 10,
    reopenings: base + 3,
    escalations: base + 2,
    effectiveYes: base + 31,
    effectiveNo: base + 6,
    effectivenessSilences: base + 4,
    takenInHand: base + 90,
    meanTakeInHandDays: 1.37 + base / 10,
    medianTakeInHandDays: 1 + base / 10,
  };
}

export function backlogFigures(base: number): BacklogFigures {
  return {
    open: base + 40,
    age0to7: base + 11,
    age8to15: base + 12,
    age16to30: base + 13,
    ageOver30: base + 4,
    overdue: base + 9,
  };
}

export function pipelineFigures(base: number): PipelineFigures {
  return {
    mailsSeen: base + 230,
    complaints: base + 201,
    followUps: base + 17,
    staffMails: base + 5,
    autoReplies: base + 6,
    bounces: base + 2,
    ownMails: base + 1,
    quarantined: base,
    ticketsCreated: base + 210,
    commandsApplied: base + 404,
    commandsRefused: base + 8,
    commandsForged: base + 14,
    outgoingSent: base + 333,
    outgoingFailed: base + 15,
    budgetExceeded: base + 16,
    anonymised: base + 17,
  };
}

function snapshot(period: Period, base: number): PeriodSnapshot {
  const range = periodRange(period, PARIS);
  return {
    period,
    range,
    asOf: new Date(range.end.getTime() + 7 * 3_600_000),
    figures: {
      overall: ticketFigures(base),
      by: {
        // Level 2 has no ticket: shown at zero all the same.
        level: [
          { value: '3', figures: ticketFigures(base + 1) },
          { value: '1', figures: ticketFigures(base + 2) },
        ],
        category: [
          { value: null, figures: ticketFigures(base + 3) },
          { value: 'supprimee', figures: ticketFigures(base + 4) },
          { value: 'medicale', figures: ticketFigures(base + 5) },
        ],
        requester: [{ value: 'salarie', figures: ticketFigures(base + 6) }],
        channel: [
          { value: null, figures: ticketFigures(base + 7) },
          { value: 'lrar', figures: ticketFigures(base + 8) },
          { value: 'email', figures: ticketFigures(base + 9) },
        ],
      },
      typology: {
        // A typology not configured (kept as stored), none set, and a medical one only doctors see.
        all: [
          { value: 'ancienne-typologie', figures: ticketFigures(base + 10) },
          { value: null, figures: ticketFigures(base + 11) },
          { value: 'aptitude-contestee', figures: ticketFigures(base + 12) },
        ],
        shared: [
          { value: 'ancienne-typologie', figures: ticketFigures(base + 10) },
          { value: null, figures: ticketFigures(base + 11) },
        ],
        confidential: ticketFigures(base + 12),
      },
    },
    backlog: {
      overall: backlogFigures(base),
      byLevel: [
        { level: 1, figures: backlogFigures(base + 1) },
        { level: 3, figures: backlogFigures(base + 2) },
      ],
    },
    pipeline: pipelineFigures(base),
  };
}

function ticketLine(n: number, overrides: Partial<TicketLine>): TicketLine {
  return {
    id: n,
    reference: `REC-2026-${String(n).padStart(4, '0')}`,
    receivedAt: new Date('2026-10-05T08:30:00Z'),
    channel: 'email',
    requester: 'adherent',
    category: 'generale',
    typology: 'Convocation',
    level: 2,
    receivable: true,
    confidential: false,
    registeredLetter: false,
    status: 'verifying',
    deadlineAt: new Date('2026-10-20T21:59:59.999Z'),
    answeredAt: new Date('2026-10-12T10:00:00Z'),
    closedAt: null,
    assigneeEmail: 'accueil@spst-test.fr',
    subject: 'Convocation reçue trop tard',
    complainantName: 'Claire Leroy',
    complainantEmail: 'claire.leroy@example.test',
    reopenings: 0,
    ...overrides,
  };
}

/** The digest of October 2026: `previous` is September, `lastYear` October 2025. */
export function octoberFigures(): DigestFigures {
  return {
    current: snapshot(OCTOBER_2026, 0),
    previous: snapshot(monthPeriod(2026, 9), 20),
    lastYear: snapshot(monthPeriod(2025, 10), 40),
    outages: [],
    escalations: [
      {
        ticketId: 1,
        reference: 'REC-2026-0723',
        level: 3,
        status: 'in_progress',
        confidential: false,
        deadlineAt: new Date('2026-09-05T21:59:59.999Z'),
        assigneeEmail: 'pilote@spst-test.fr',
        at: new Date('2026-10-06T07:00:00Z'),
        round: 1,
        to: ['direction@spst-test.fr'],
        dueAt: new Date('2026-10-13T21:59:59.999Z'),
      },
      {
        ticketId: 1,
        reference: 'REC-2026-0723',
        level: 3,
        status: 'in_progress',
        confidential: false,
        deadlineAt: new Date('2026-09-05T21:59:59.999Z'),
        assigneeEmail: 'pilote@spst-test.fr',
        at: new Date('2026-10-14T07:00:00Z'),
        round: 2,
        to: ['direction@spst-test.fr', 'inconnu@spst-test.fr'],
        dueAt: null,
      },
    ],
    overdue: [
      {
        id: 1,
        reference: 'REC-2026-0723',
        level: 3,
        category: 'generale',
        status: 'in_progress',
        confidential: false,
        receivedAt: new Date('2026-08-06T07:00:00Z'),
        deadlineAt: new Date('2026-09-05T21:59:59.999Z'),
        assigneeEmail: 'pilote@spst-test.fr',
        subject: '',
        complainantName: '',
        complainantEmail: 'sans.nom@example.test',
      },
      {
        id: 2,
        reference: 'REC-2026-1000',
        level: 2,
        category: 'medicale',
        status: 'received',
        confidential: true,
        receivedAt: new Date('2026-10-16T07:00:00Z'),
        deadlineAt: new Date('2026-10-31T22:59:59.999Z'),
        assigneeEmail: null,
        subject: MEDICAL_SUBJECT,
        complainantName: MEDICAL_COMPLAINANT.name,
        complainantEmail: MEDICAL_COMPLAINANT.email,
      },
    ],
    trendMonths: trendMonths(OCTOBER_2026),
    trend: [
      { index: 11, level: 1, received: 5, closed: 4 },
      { index: 11, level: 4, received: 2, closed: 0 },
      { index: 0, level: 3, received: 9, closed: 7 },
    ],
    tickets: [
      ticketLine(1, {}),
      ticketLine(2, {
        category: 'medicale',
        confidential: true,
        typology: 'Aptitude',
        subject: MEDICAL_SUBJECT,
        complainantName: MEDICAL_COMPLAINANT.name,
        complainantEmail: MEDICAL_COMPLAINANT.email,
        status: 'closed',
        channel: 'telephone',
        requester: null,
        closedAt: new Date('2026-10-25T09:00:00Z'),
      }),
    ],
  };
}

/** The same digest for a month in which nothing came in, after a month that had mail. */
export function silentMonthFigures(): DigestFigures {
  const figures = octoberFigures();
  const empty: PeriodSnapshot = {
    ...figures.current,
    figures: {
      overall: EMPTY_FIGURES,
      by: { level: [], category: [], requester: [], channel: [] },
      typology: { all: [], shared: [], confidential: EMPTY_FIGURES },
    },
    pipeline: { ...pipelineFigures(0), mailsSeen: 0, quarantined: 0, outgoingFailed: 0 },
  };
  return { ...figures, current: empty, overdue: [], tickets: [], escalations: [] };
}
