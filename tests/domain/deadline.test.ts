import { describe, expect, it } from 'vitest';
import { computeDeadline, describeDuration, isOverdue } from '../../src/domain/deadline.js';
import type { Duration } from '../../src/domain/duration.js';
import {
  addDaysToLocalDate,
  dayOfWeek,
  endOfLocalDay,
  localDateOf,
  localWallTimeOf,
  zonedWallTimeToInstant,
} from '../../src/domain/zoned-time.js';

const PARIS = { timeZone: 'Europe/Paris', alsaceMoselle: false };
const PARIS_ALSACE_MOSELLE = { timeZone: 'Europe/Paris', alsaceMoselle: true };
const CAYENNE = { timeZone: 'America/Cayenne', alsaceMoselle: false }; // UTC−3 all year
const REUNION = { timeZone: 'Indian/Reunion', alsaceMoselle: false }; // UTC+4 all year

const days = (amount: number): Duration => ({ amount, unit: 'd' });
const businessDays = (amount: number): Duration => ({ amount, unit: 'bd' });
const hours = (amount: number): Duration => ({ amount, unit: 'h' });

/** The deadline as an ISO instant, for literal comparisons. */
function deadline(receivedAt: string, duration: Duration, options = PARIS): string {
  return computeDeadline(new Date(receivedAt), duration, options).toISOString();
}

describe('computeDeadline — calendar days (d)', () => {
  it('ends at 23:59:59.999 Paris time N days after the reception date, across a month end', () => {
    // Received Sunday 25 January 2026 10:00 CET.
    expect(deadline('2026-01-25T09:00:00.000Z', days(10))).toBe('2026-02-04T22:59:59.999Z');
  });

  it('crosses a year end: received 2026-12-28 + 10d → 2027-01-07 end of day', () => {
    expect(deadline('2026-12-28T09:00:00.000Z', days(10))).toBe('2027-01-07T22:59:59.999Z');
  });

  it('counts 29 February in a leap year', () => {
    expect(deadline('2028-02-25T09:00:00.000Z', days(5))).toBe('2028-03-01T22:59:59.999Z');
  });

  it('ignores weekends and holidays', () => {
    // Received on 14 July (a holiday), +10d → Friday 24 July, CEST.
    expect(deadline('2026-07-14T08:00:00.000Z', days(10))).toBe('2026-07-24T21:59:59.999Z');
  });

  it('ends spring-forward and fall-back days at their exact last millisecond', () => {
    // 29 March 2026 is 23 hours long in Paris and ends in CEST (UTC+2).
    expect(deadline('2026-03-28T09:00:00.000Z', days(1))).toBe('2026-03-29T21:59:59.999Z');
    expect(deadline('2026-03-25T09:00:00.000Z', days(4))).toBe('2026-03-29T21:59:59.999Z');
    // 25 October 2026 is 25 hours long in Paris and ends in CET (UTC+1).
    expect(deadline('2026-10-20T08:00:00.000Z', days(5))).toBe('2026-10-25T22:59:59.999Z');
    expect(deadline('2026-10-24T08:00:00.000Z', days(1))).toBe('2026-10-25T22:59:59.999Z');
  });

  it('counts from the local reception date, not the UTC one', () => {
    // 23:30 on 31 December in Cayenne is already 1 January in UTC.
    expect(deadline('2027-01-01T02:30:00.000Z', days(1), CAYENNE)).toBe('2027-01-02T02:59:59.999Z');
    // 00:30 on 28 December in Réunion is still 27 December in UTC.
    expect(deadline('2026-12-27T20:30:00.000Z', days(10), REUNION)).toBe('2027-01-07T19:59:59.999Z');
    // 00:30 on 1 January in Paris is still 31 December in UTC.
    expect(deadline('2026-12-31T23:30:00.000Z', days(1))).toBe('2027-01-02T22:59:59.999Z');
  });
});

describe('computeDeadline — business days (bd)', () => {
  it('received on a Friday with 5bd is due the next Friday at end of day', () => {
    expect(deadline('2026-11-20T09:00:00.000Z', businessDays(5))).toBe('2026-11-27T22:59:59.999Z');
  });

  it('skips a weekday holiday (11 November)', () => {
    // Friday 6 Nov → Mon 9, Tue 10, (Wed 11), Thu 12, Fri 13, Mon 16.
    expect(deadline('2026-11-06T09:00:00.000Z', businessDays(5))).toBe('2026-11-16T22:59:59.999Z');
  });

  it('crosses Christmas and New Year', () => {
    // Wednesday 23 Dec → Thu 24, (Fri 25), Mon 28, Tue 29, Wed 30, Thu 31.
    expect(deadline('2026-12-23T09:00:00.000Z', businessDays(5))).toBe('2026-12-31T22:59:59.999Z');
    // Thursday 24 Dec → Mon 28, Tue 29, Wed 30, Thu 31, (Fri 1 Jan), Mon 4, Tue 5, Wed 6.
    expect(deadline('2026-12-24T09:00:00.000Z', businessDays(7))).toBe('2027-01-06T22:59:59.999Z');
  });

  it('skips 26 December only in Alsace-Moselle', () => {
    // Wednesday 24 Dec 2025 → (Thu 25), Fri 26 — or, in Alsace-Moselle, (Fri 26), Mon 29.
    expect(deadline('2025-12-24T09:00:00.000Z', businessDays(1), PARIS)).toBe('2025-12-26T22:59:59.999Z');
    expect(deadline('2025-12-24T09:00:00.000Z', businessDays(1), PARIS_ALSACE_MOSELLE)).toBe(
      '2025-12-29T22:59:59.999Z',
    );
  });

  it('crosses Easter Monday, and Good Friday in Alsace-Moselle', () => {
    // Thursday 2 April 2026 → Fri 3, (Mon 6), Tue 7, Wed 8.
    expect(deadline('2026-04-02T08:00:00.000Z', businessDays(1), PARIS)).toBe('2026-04-03T21:59:59.999Z');
    expect(deadline('2026-04-02T08:00:00.000Z', businessDays(3), PARIS)).toBe('2026-04-08T21:59:59.999Z');
    // Alsace-Moselle: (Fri 3), (Mon 6), Tue 7, Wed 8, Thu 9.
    expect(deadline('2026-04-02T08:00:00.000Z', businessDays(1), PARIS_ALSACE_MOSELLE)).toBe(
      '2026-04-07T21:59:59.999Z',
    );
    expect(deadline('2026-04-02T08:00:00.000Z', businessDays(3), PARIS_ALSACE_MOSELLE)).toBe(
      '2026-04-09T21:59:59.999Z',
    );
  });

  it('crosses 1 May and 8 May 2026, both Fridays', () => {
    // Thursday 30 April → (Fri 1), Mon 4, Tue 5, Wed 6, Thu 7, (Fri 8), Mon 11.
    expect(deadline('2026-04-30T08:00:00.000Z', businessDays(5))).toBe('2026-05-11T21:59:59.999Z');
  });

  it('crosses Ascension and Whit Monday', () => {
    // Tuesday 12 May → Wed 13, (Thu 14), Fri 15, Mon 18 … Fri 22, (Mon 25), Tue 26, Wed 27, Thu 28.
    expect(deadline('2026-05-12T08:00:00.000Z', businessDays(10))).toBe('2026-05-28T21:59:59.999Z');
    expect(deadline('2026-05-12T08:00:00.000Z', businessDays(10), PARIS_ALSACE_MOSELLE)).toBe(
      '2026-05-28T21:59:59.999Z',
    );
  });

  it('received on a weekend: 1bd is Monday, or Tuesday when Monday is a holiday', () => {
    expect(deadline('2026-11-21T09:00:00.000Z', businessDays(1))).toBe('2026-11-23T22:59:59.999Z');
    // Saturday 4 April 2026, Easter Monday follows.
    expect(deadline('2026-04-04T08:00:00.000Z', businessDays(1))).toBe('2026-04-07T21:59:59.999Z');
    // Sunday 24 May 2026, Whit Monday follows.
    expect(deadline('2026-05-24T08:00:00.000Z', businessDays(1))).toBe('2026-05-26T21:59:59.999Z');
  });

  it('received on a holiday counts from the next business day', () => {
    // Ascension, Thursday 14 May → Fri 15.
    expect(deadline('2026-05-14T08:00:00.000Z', businessDays(1))).toBe('2026-05-15T21:59:59.999Z');
    // Whit Monday 25 May → Tue 26, Wed 27.
    expect(deadline('2026-05-25T08:00:00.000Z', businessDays(2))).toBe('2026-05-27T21:59:59.999Z');
  });

  it('uses the local reception date when received at 23:30 local time', () => {
    // Thursday 19 Nov 23:30 in Cayenne is Friday 20 Nov 02:30 UTC: due Friday in Cayenne, not Monday.
    expect(deadline('2026-11-20T02:30:00.000Z', businessDays(1), CAYENNE)).toBe('2026-11-21T02:59:59.999Z');
    // Thursday 19 Nov 23:30 in Paris: due Friday 20.
    expect(deadline('2026-11-19T22:30:00.000Z', businessDays(1))).toBe('2026-11-20T22:59:59.999Z');
    // Friday 20 Nov 00:30 in Paris is Thursday 19 Nov 23:30 UTC: due Monday 23, not Friday.
    expect(deadline('2026-11-19T23:30:00.000Z', businessDays(1))).toBe('2026-11-23T22:59:59.999Z');
  });

  it('ends the Monday after a DST change in the new offset', () => {
    expect(deadline('2026-03-27T09:00:00.000Z', businessDays(1))).toBe('2026-03-30T21:59:59.999Z');
    expect(deadline('2026-10-23T08:00:00.000Z', businessDays(1))).toBe('2026-10-26T22:59:59.999Z');
  });
});

describe('computeDeadline — hours (h)', () => {
  it('adds absolute hours', () => {
    expect(deadline('2026-11-20T09:15:30.250Z', hours(48))).toBe('2026-11-22T09:15:30.250Z');
    expect(deadline('2026-11-20T09:00:00.000Z', hours(1), CAYENNE)).toBe('2026-11-20T10:00:00.000Z');
  });

  it('across spring-forward: 48h after Saturday 28 March 10:00 is Monday 30 March 11:00 in Paris', () => {
    const due = computeDeadline(new Date('2026-03-28T09:00:00.000Z'), hours(48), PARIS);
    expect(due.toISOString()).toBe('2026-03-30T09:00:00.000Z');
    expect(localWallTimeOf(due, 'Europe/Paris')).toEqual({
      localDate: '2026-03-30',
      hour: 11,
      minute: 0,
      second: 0,
      millisecond: 0,
    });
  });

  it('across fall-back: 48h after Saturday 24 October 10:00 is Monday 26 October 09:00 in Paris', () => {
    const due = computeDeadline(new Date('2026-10-24T08:00:00.000Z'), hours(48), PARIS);
    expect(due.toISOString()).toBe('2026-10-26T08:00:00.000Z');
    expect(localWallTimeOf(due, 'Europe/Paris')).toMatchObject({ localDate: '2026-10-26', hour: 9, minute: 0 });
  });

  it('inside the repeated hour: 02:30 CEST + 1h is 02:30 CET', () => {
    const due = computeDeadline(new Date('2026-10-25T00:30:00.000Z'), hours(1), PARIS);
    expect(due.toISOString()).toBe('2026-10-25T01:30:00.000Z');
    expect(localWallTimeOf(due, 'Europe/Paris')).toMatchObject({ localDate: '2026-10-25', hour: 2, minute: 30 });
  });
});

describe('computeDeadline — invalid input', () => {
  it('rejects amounts that are not positive integers', () => {
    const receivedAt = new Date('2026-11-20T09:00:00.000Z');
    expect(() => computeDeadline(receivedAt, days(0), PARIS)).toThrow(RangeError);
    expect(() => computeDeadline(receivedAt, businessDays(-1), PARIS)).toThrow(RangeError);
    expect(() => computeDeadline(receivedAt, hours(1.5), PARIS)).toThrow(RangeError);
  });

  it('rejects an unknown time zone', () => {
    const options = { ...PARIS, timeZone: 'Mars/Olympus' };
    expect(() => computeDeadline(new Date('2026-11-20T09:00:00.000Z'), days(1), options)).toThrow(RangeError);
  });
});

describe('describeDuration', () => {
  it.each([
    [days(10), '10 jours calendaires'],
    [days(1), '1 jour calendaire'],
    [businessDays(5), '5 jours ouvrés'],
    [businessDays(1), '1 jour ouvré'],
    [hours(48), '48 heures'],
    [hours(1), '1 heure'],
    [days(2), '2 jours calendaires'],
  ])('%o → %s', (duration, expected) => {
    expect(describeDuration(duration)).toBe(expected);
  });
});

describe('isOverdue', () => {
  const due = new Date('2026-12-03T22:59:59.999Z');

  it('is false up to and including the deadline instant', () => {
    expect(isOverdue(due, new Date('2026-12-03T12:00:00.000Z'))).toBe(false);
    expect(isOverdue(due, new Date('2026-12-03T22:59:59.999Z'))).toBe(false);
  });

  it('is true from the next millisecond', () => {
    expect(isOverdue(due, new Date('2026-12-03T23:00:00.000Z'))).toBe(true);
  });
});

describe('zoned-time', () => {
  it('localDateOf gives the date in the zone, not in UTC', () => {
    expect(localDateOf(new Date('2026-12-31T23:30:00.000Z'), 'Europe/Paris')).toBe('2027-01-01');
    expect(localDateOf(new Date('2026-12-31T23:30:00.000Z'), 'UTC')).toBe('2026-12-31');
    expect(localDateOf(new Date('2027-01-01T02:30:00.000Z'), 'America/Cayenne')).toBe('2026-12-31');
    expect(localDateOf(new Date('2026-12-27T20:30:00.000Z'), 'Indian/Reunion')).toBe('2026-12-28');
  });

  it('zonedWallTimeToInstant converts ordinary wall times on both sides of the changes', () => {
    expect(zonedWallTimeToInstant('2026-01-15', 14, 5, 0, 0, 'Europe/Paris').toISOString()).toBe(
      '2026-01-15T13:05:00.000Z',
    );
    expect(zonedWallTimeToInstant('2026-07-15', 14, 5, 30, 250, 'Europe/Paris').toISOString()).toBe(
      '2026-07-15T12:05:30.250Z',
    );
    expect(zonedWallTimeToInstant('2026-03-29', 1, 59, 59, 999, 'Europe/Paris').toISOString()).toBe(
      '2026-03-29T00:59:59.999Z',
    );
    expect(zonedWallTimeToInstant('2026-03-29', 3, 0, 0, 0, 'Europe/Paris').toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(zonedWallTimeToInstant('2026-07-15', 23, 59, 59, 999, 'America/Cayenne').toISOString()).toBe(
      '2026-07-16T02:59:59.999Z',
    );
  });

  it('moves a wall time in the spring-forward gap to the first instant after it', () => {
    // 02:30 does not exist on 29 March 2026 in Paris: clocks go from 02:00 CET to 03:00 CEST.
    expect(zonedWallTimeToInstant('2026-03-29', 2, 30, 0, 0, 'Europe/Paris').toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    // Chile moved its clocks at midnight: 8 September 2019 began at 01:00 (UTC−3).
    expect(zonedWallTimeToInstant('2019-09-08', 0, 0, 0, 0, 'America/Santiago').toISOString()).toBe(
      '2019-09-08T04:00:00.000Z',
    );
  });

  it('takes the earlier instant of a wall time repeated by fall-back', () => {
    // 02:30 happens twice on 25 October 2026 in Paris: first in CEST (00:30 UTC), then in CET.
    expect(zonedWallTimeToInstant('2026-10-25', 2, 30, 0, 0, 'Europe/Paris').toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(zonedWallTimeToInstant('2026-10-25', 3, 0, 0, 0, 'Europe/Paris').toISOString()).toBe(
      '2026-10-25T02:00:00.000Z',
    );
  });

  it('endOfLocalDay is the last millisecond before the next local day, even with midnight changes', () => {
    expect(endOfLocalDay('2026-03-29', 'Europe/Paris').toISOString()).toBe('2026-03-29T21:59:59.999Z');
    expect(endOfLocalDay('2026-10-25', 'Europe/Paris').toISOString()).toBe('2026-10-25T22:59:59.999Z');
    // Chile, 6 April 2019: midnight became 23:00 again, so the day ended at the second 23:59:59.999 (UTC−4).
    expect(endOfLocalDay('2019-04-06', 'America/Santiago').toISOString()).toBe('2019-04-07T03:59:59.999Z');
    // Chile, 7 September 2019: the day ended at 23:59:59.999 UTC−4, the next one began at 01:00.
    expect(endOfLocalDay('2019-09-07', 'America/Santiago').toISOString()).toBe('2019-09-08T03:59:59.999Z');
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDaysToLocalDate('2026-12-28', 10)).toBe('2027-01-07');
    expect(addDaysToLocalDate('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDaysToLocalDate('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDaysToLocalDate('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDaysToLocalDate('2026-03-29', 1)).toBe('2026-03-30');
  });

  it('dayOfWeek counts from Sunday = 0', () => {
    expect(dayOfWeek('2026-11-22')).toBe(0);
    expect(dayOfWeek('2026-12-03')).toBe(4);
    expect(dayOfWeek('2026-11-21')).toBe(6);
    expect(dayOfWeek('1818-03-22')).toBe(0); // Easter Sunday
  });

  it('rejects malformed dates and wall times', () => {
    expect(() => addDaysToLocalDate('2026-13-01', 1)).toThrow(RangeError);
    expect(() => dayOfWeek('2026-2-3')).toThrow(RangeError);
    expect(() => zonedWallTimeToInstant('2026-11-20', 24, 0, 0, 0, 'Europe/Paris')).toThrow(RangeError);
    expect(() => zonedWallTimeToInstant('2026-11-20', 12, 60, 0, 0, 'Europe/Paris')).toThrow(RangeError);
  });
});
