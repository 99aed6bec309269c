// What the follow-through owes a ticket, from literal instants in a pinned zone (Europe/Paris):
// take in hand, before and at the deadline, the two escalations, intermediate deadlines and the
// effectiveness steps; holidays, weekends, working hours and Alsace-Moselle's extra days; which
// steps are due after an outage (the latest of each chain).
import { describe, expect, it } from 'vitest';
import { parseDuration, type Duration } from '../../src/domain/duration.js';
import {
  describeStep,
  dueSteps,
  earliestPending,
  followThroughSteps,
  handledKey,
  leadBefore,
  type FollowThroughRules,
  type FollowThroughTicket,
} from '../../src/domain/follow-through.js';

const d = (text: string): Duration => parseDuration(text)!;
const calendar = { timeZone: 'Europe/Paris', alsaceMoselle: false, workingHours: { start: 8, end: 18 } };

function rules(overrides: Partial<FollowThroughRules> = {}): FollowThroughRules {
  return {
    calendar,
    levels: new Map([
      [1, { ackWithin: d('48h'), remindBefore: d('2bd') }],
      [2, { ackWithin: d('1bd'), remindBefore: null }],
    ]),
    escalation: { enabled: true, after: null, directionWithin: d('5d') },
    effectiveness: { enabled: true, remindAfter: d('7d'), silenceMeansYesAfter: null },
    ...overrides,
  };
}

/** Received Monday 2 November 2026, 09:00 Paris; level 1, 10 days: deadline Thursday 12 November, end of day. */
const ticket: FollowThroughTicket = {
  status: 'received',
  level: 1,
  assigneeEmail: null,
  receivedAt: new Date('2026-11-02T08:00:00Z'),
  deadlineAt: new Date('2026-11-12T22:59:59.999Z'),
  verificationAskedAt: null,
  effective: null,
  escalatedAt: null,
};

/** The first reminder's morning: nothing is late yet. */
const NOW = new Date('2026-11-02T08:00:00Z');
/** The first escalation mailed Friday 13 November, 09:00 Paris. */
const escalated = { ...ticket, escalatedAt: new Date('2026-11-13T08:00:00Z') };

const schedule = (steps: ReturnType<typeof followThroughSteps>) =>
  steps.map((s) => [s.key, s.dueAt.toISOString(), s.audience]);

describe('followThroughSteps', () => {
  it('schedules an unassigned ticket: take in hand, before and at the deadline, two escalations', () => {
    expect(schedule(followThroughSteps(escalated, [], rules(), NOW))).toEqual([
      ['take-in-hand', '2026-11-04T08:00:00.000Z', 'referents'],
      ['take-in-hand-pilot', '2026-11-06T08:00:00.000Z', 'pilots'],
      // Two business days before Thursday 12: Wednesday 11 November is a holiday → Monday 9, 08:00.
      ['before-deadline', '2026-11-09T07:00:00.000Z', 'handlers'],
      ['deadline', '2026-11-12T22:59:59.999Z', 'handlers-and-pilots'],
      ['escalation-1', '2026-11-12T22:59:59.999Z', 'direction'],
      // The direction has 5 days from the first escalation's mail: the end of Wednesday 18 November.
      ['escalation-2', '2026-11-18T22:59:59.999Z', 'direction'],
    ]);
    // Before the first escalation went, no second round is scheduled; its mail states the
    // direction's date from its own deadline, or from now when it goes late.
    const before = followThroughSteps(ticket, [], rules(), NOW);
    expect(before.map((s) => s.kind)).not.toContain('escalation-2');
    expect(before.find((s) => s.kind === 'escalation-1')!.about).toEqual(new Date('2026-11-17T22:59:59.999Z'));
    const late = followThroughSteps(ticket, [], rules(), new Date('2026-11-20T08:00:00Z'));
    expect(late.find((s) => s.kind === 'escalation-1')!.about).toEqual(new Date('2026-11-25T22:59:59.999Z'));
  });

  it('takes in hand by business days over a weekend, and escalates after escalation.after', () => {
    // Level 2, received Friday 6 November 17:00: 1 business day → the end of Monday 9.
    const friday = { ...ticket, level: 2, receivedAt: new Date('2026-11-06T16:00:00Z') };
    const steps = followThroughSteps(
      friday,
      [],
      rules({ escalation: { enabled: true, after: d('2bd'), directionWithin: d('5d') } }),
      NOW,
    );
    expect(schedule(steps)).toEqual([
      ['take-in-hand', '2026-11-09T22:59:59.999Z', 'referents'],
      // One more business day: Tuesday 10 (Wednesday 11 is the holiday after it).
      ['take-in-hand-pilot', '2026-11-10T22:59:59.999Z', 'pilots'],
      ['deadline', '2026-11-12T22:59:59.999Z', 'handlers-and-pilots'],
      // Two business days after Thursday 12: Friday 13, Monday 16.
      ['escalation-1', '2026-11-16T22:59:59.999Z', 'direction'],
    ]);
    expect(steps.find((s) => s.kind === 'escalation-1')!.about.toISOString()).toBe('2026-11-21T22:59:59.999Z');
  });

  it('owes nothing for take in hand once assigned, nor for the deadline once answered', () => {
    const assigned = followThroughSteps(
      { ...ticket, status: 'in_progress', assigneeEmail: 'a@x.fr' },
      [],
      rules(),
      NOW,
    );
    expect(assigned.map((s) => s.kind)).toEqual(['before-deadline', 'deadline', 'escalation-1']);
    const answered = followThroughSteps({ ...ticket, status: 'answered', assigneeEmail: 'a@x.fr' }, [], rules(), NOW);
    expect(answered).toEqual([]);
    expect(followThroughSteps({ ...ticket, status: 'closed' }, [], rules(), NOW)).toEqual([]);
    expect(followThroughSteps({ ...ticket, status: 'rejected' }, [], rules(), NOW)).toEqual([]);
  });

  it('leaves escalation out when it is disabled', () => {
    const off = rules({ escalation: { enabled: false, after: null, directionWithin: d('5d') } });
    expect(followThroughSteps(ticket, [], off, NOW).map((s) => s.kind)).not.toContain('escalation-1');
  });

  it('reminds an intermediate deadline ahead and when it is reached, keyed by its event', () => {
    const milestone = { id: 42, dueAt: new Date('2026-11-20T22:59:59.999Z'), text: 'rappeler l’entreprise' };
    const steps = followThroughSteps({ ...ticket, status: 'answered' }, [milestone], rules(), NOW);
    expect(schedule(steps)).toEqual([
      ['milestone-before:42', '2026-11-18T07:00:00.000Z', 'handlers'],
      ['milestone:42', '2026-11-20T22:59:59.999Z', 'handlers'],
    ]);
    expect(steps[1]!.text).toBe('rappeler l’entreprise');
  });

  it('asks for the effectiveness call, and closes on silence when configured', () => {
    const verifying = {
      ...ticket,
      status: 'verifying' as const,
      assigneeEmail: 'a@x.fr',
      verificationAskedAt: new Date('2026-11-10T14:30:00Z'),
    };
    expect(schedule(followThroughSteps(verifying, [], rules(), NOW))).toEqual([
      ['effectiveness', '2026-11-17T14:30:00.000Z', 'handlers'],
    ]);
    const silence = rules({ effectiveness: { enabled: true, remindAfter: d('7d'), silenceMeansYesAfter: d('15d') } });
    expect(schedule(followThroughSteps(verifying, [], silence, NOW))).toEqual([
      ['effectiveness', '2026-11-17T14:30:00.000Z', 'handlers'],
      ['effectiveness-silence', '2026-11-25T14:30:00.000Z', 'handlers'],
    ]);
    expect(followThroughSteps({ ...verifying, effective: true }, [], silence, NOW)).toEqual([]);
    const disabled = rules({ effectiveness: { enabled: false, remindAfter: d('7d'), silenceMeansYesAfter: null } });
    expect(followThroughSteps(verifying, [], disabled, NOW)).toEqual([]);
  });
});

describe('leadBefore', () => {
  it('counts hours exactly and days back to the opening of the working day', () => {
    const deadline = new Date('2026-11-12T22:59:59.999Z');
    expect(leadBefore(deadline, d('24h'), calendar).toISOString()).toBe('2026-11-11T22:59:59.999Z');
    expect(leadBefore(deadline, d('3d'), calendar).toISOString()).toBe('2026-11-09T07:00:00.000Z');
    expect(leadBefore(deadline, d('1bd'), { ...calendar, workingHours: { start: 9, end: 17 } }).toISOString()).toBe(
      '2026-11-10T08:00:00.000Z',
    );
  });

  it('skips Good Friday in Alsace-Moselle only', () => {
    // Deadline Tuesday 7 April 2026; Monday 6 is Easter Monday, Friday 3 Good Friday.
    const deadline = new Date('2026-04-07T21:59:59.999Z');
    expect(leadBefore(deadline, d('1bd'), calendar).toISOString()).toBe('2026-04-03T06:00:00.000Z');
    expect(leadBefore(deadline, d('1bd'), { ...calendar, alsaceMoselle: true }).toISOString()).toBe(
      '2026-04-02T06:00:00.000Z',
    );
  });

  it('crosses the autumn daylight-saving change at the local opening hour', () => {
    // Deadline Tuesday 27 October 2026 (UTC+1); 3 days before: Saturday 24 (UTC+2), 08:00 local.
    expect(leadBefore(new Date('2026-10-27T22:59:59.999Z'), d('3d'), calendar).toISOString()).toBe(
      '2026-10-24T06:00:00.000Z',
    );
  });
});

describe('dueSteps', () => {
  const steps = followThroughSteps(ticket, [], rules(), NOW);

  it('gives nothing before the first step, and says when it is', () => {
    expect(dueSteps(steps, new Set(), new Date('2026-11-04T07:59:59Z'))).toEqual({
      due: [],
      superseded: [],
      nextDueAt: new Date('2026-11-04T08:00:00Z'),
    });
  });

  it('after an outage, sends the latest step of each chain and records the earlier ones as superseded', () => {
    const now = new Date('2026-11-13T08:00:00Z');
    const { due, superseded, nextDueAt } = dueSteps(followThroughSteps(ticket, [], rules(), now), new Set(), now);
    expect(due.map((s) => s.kind)).toEqual(['take-in-hand', 'take-in-hand-pilot', 'deadline', 'escalation-1']);
    expect(superseded.map((s) => s.kind)).toEqual(['before-deadline']);
    // The second round waits for the first to be mailed.
    expect(nextDueAt).toBeNull();
  });

  it('never gives a handled step again, and gives the second round once the first went', () => {
    const sentBy = (at: string) =>
      new Set(
        followThroughSteps(escalated, [], rules(), NOW)
          .filter((s) => s.dueAt.getTime() <= Date.parse(at))
          .map(handledKey),
      );
    const handled = sentBy('2026-11-13T08:00:00Z');
    const later = followThroughSteps(escalated, [], rules(), new Date('2026-11-13T09:00:00Z'));
    expect(dueSteps(later, handled, new Date('2026-11-13T09:00:00Z')).due).toEqual([]);
    expect(earliestPending(later, handled)).toEqual(new Date('2026-11-18T22:59:59.999Z'));
    expect(dueSteps(later, handled, new Date('2026-11-19T08:00:00Z')).due.map((s) => s.kind)).toEqual(['escalation-2']);
    expect(earliestPending(later, new Set(later.map(handledKey)))).toBeNull();
  });
});

describe('describeStep', () => {
  it('says in French what is due, and hides an intermediate deadline’s text when asked', () => {
    const [first] = followThroughSteps(ticket, [], rules(), NOW);
    expect(describeStep(first!, 'Europe/Paris', true)).toEqual({
      what: 'à prendre en charge : personne ne s’en est chargé, le délai de prise en compte est passé depuis le mercredi 4 novembre 2026',
      command: '#prendre',
    });
    const milestone = { id: 1, dueAt: new Date('2026-11-20T22:59:59.999Z'), text: 'certificat du Dr X' };
    const [, reached] = followThroughSteps({ ...ticket, status: 'answered' }, [milestone], rules(), NOW);
    expect(describeStep(reached!, 'Europe/Paris', true).what).toBe(
      'échéance intermédiaire atteinte le vendredi 20 novembre 2026 : certificat du Dr X',
    );
    expect(describeStep(reached!, 'Europe/Paris', false).what).toBe(
      'échéance intermédiaire atteinte le vendredi 20 novembre 2026',
    );
  });
});
