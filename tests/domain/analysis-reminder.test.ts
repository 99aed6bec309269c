// When open analyses are reminded: business days within working hours, Paris time, French and
// Alsace-Moselle holidays; the due series and the catch-up after an outage. Literal instants.
import { describe, expect, it } from 'vitest';
import {
  addReminderInterval,
  isWorkingTime,
  nextReminderAfter,
  nextWorkingTime,
  parseWorkingHours,
} from '../../src/domain/analysis-reminder.js';

const calendar = { timeZone: 'Europe/Paris', alsaceMoselle: false, workingHours: { start: 8, end: 18 } };
const at = (iso: string) => new Date(iso);

describe('working hours', () => {
  it('reads START-END and refuses what is not a day span', () => {
    expect(parseWorkingHours('8-18')).toEqual({ start: 8, end: 18 });
    expect(parseWorkingHours(' 9 - 17 ')).toEqual({ start: 9, end: 17 });
    expect(parseWorkingHours('18-8')).toBeNull();
    expect(parseWorkingHours('8-25')).toBeNull();
    expect(parseWorkingHours('huit-18')).toBeNull();
  });

  it('is a business day from 08:00 to 17:59 Paris time', () => {
    // Monday 23 November 2026 (CET, UTC+1).
    expect(isWorkingTime(at('2026-11-23T06:59:59Z'), calendar)).toBe(false);
    expect(isWorkingTime(at('2026-11-23T07:00:00Z'), calendar)).toBe(true);
    expect(isWorkingTime(at('2026-11-23T16:59:59Z'), calendar)).toBe(true);
    expect(isWorkingTime(at('2026-11-23T17:00:00Z'), calendar)).toBe(false);
    // Saturday, and Wednesday 11 November (Armistice).
    expect(isWorkingTime(at('2026-11-28T10:00:00Z'), calendar)).toBe(false);
    expect(isWorkingTime(at('2026-11-11T10:00:00Z'), calendar)).toBe(false);
  });

  it('keeps Good Friday and 26 December for Alsace-Moselle only', () => {
    const goodFriday = at('2027-03-26T10:00:00Z');
    expect(isWorkingTime(goodFriday, calendar)).toBe(true);
    expect(isWorkingTime(goodFriday, { ...calendar, alsaceMoselle: true })).toBe(false);
    expect(isWorkingTime(at('2025-12-26T10:00:00Z'), { ...calendar, alsaceMoselle: true })).toBe(false);
  });

  it('finds the next working moment', () => {
    const now = at('2026-11-23T10:00:00Z');
    expect(nextWorkingTime(now, calendar)).toEqual(now);
    // Monday 06:30 → Monday 08:00; Friday 27 November 19:00 → Monday 30 November 08:00.
    expect(nextWorkingTime(at('2026-11-23T05:30:00Z'), calendar).toISOString()).toBe('2026-11-23T07:00:00.000Z');
    expect(nextWorkingTime(at('2026-11-27T18:00:00Z'), calendar).toISOString()).toBe('2026-11-30T07:00:00.000Z');
    // Thursday 24 December 2026 after hours → Christmas Friday is off → Monday 28 December.
    expect(nextWorkingTime(at('2026-12-24T18:00:00Z'), calendar).toISOString()).toBe('2026-12-28T07:00:00.000Z');
    // Summer time: 08:00 CEST is 06:00Z.
    expect(nextWorkingTime(at('2026-06-06T12:00:00Z'), calendar).toISOString()).toBe('2026-06-08T06:00:00.000Z');
  });
});

describe('the reminder series', () => {
  it('adds calendar days at the same Paris wall time across the clock change', () => {
    // Friday 23 October 2026 10:00 CEST + 7d = Friday 30 October 10:00 CET.
    expect(addReminderInterval(at('2026-10-23T08:00:00Z'), { amount: 7, unit: 'd' }, calendar).toISOString()).toBe(
      '2026-10-30T09:00:00.000Z',
    );
  });

  it('adds business days over weekends and holidays, and hours exactly', () => {
    // Tuesday 10 November 2026 + 2bd: the 11th is a holiday → Thursday 12, Friday 13.
    expect(addReminderInterval(at('2026-11-10T09:00:00Z'), { amount: 2, unit: 'bd' }, calendar).toISOString()).toBe(
      '2026-11-13T09:00:00.000Z',
    );
    expect(addReminderInterval(at('2026-11-10T09:00:00Z'), { amount: 48, unit: 'h' }, calendar).toISOString()).toBe(
      '2026-11-12T09:00:00.000Z',
    );
  });

  it('after an outage, goes to the first due instant after now (one reminder, not a backlog)', () => {
    const due = at('2026-11-02T09:00:00Z');
    const week = { amount: 7, unit: 'd' } as const;
    expect(nextReminderAfter(due, at('2026-11-02T09:00:00Z'), week, calendar).toISOString()).toBe(
      '2026-11-09T09:00:00.000Z',
    );
    expect(nextReminderAfter(due, at('2026-11-25T12:00:00Z'), week, calendar).toISOString()).toBe(
      '2026-11-30T09:00:00.000Z',
    );
    expect(nextReminderAfter(due, at('2026-11-03T10:30:00Z'), { amount: 1, unit: 'h' }, calendar).toISOString()).toBe(
      '2026-11-03T11:00:00.000Z',
    );
  });
});
