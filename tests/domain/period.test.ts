// Periods of the digest and the cron schedule that sends them: literal instants, Paris time.
import { describe, expect, it } from 'vitest';
import {
  customPeriod,
  dueDigests,
  lastDayOf,
  lastFireAtOrBefore,
  monthPeriod,
  nextFireAtOrAfter,
  nextPeriod,
  parseCronSchedule,
  parsePeriod,
  periodLabel,
  periodLabelAfter,
  periodRange,
  previousPeriod,
  quarterPeriod,
  reviewKindOfSchedule,
  samePeriodLastYear,
  shortMonthLabel,
  trendMonths,
  yearPeriod,
} from '../../src/domain/period.js';

const PARIS = 'Europe/Paris';
const monthly = parseCronSchedule('0 8 1 * *')!;

describe('periods', () => {
  it('reads months, quarters, years and ranges, and refuses the rest', () => {
    expect(parsePeriod('2026-10')).toEqual(monthPeriod(2026, 10));
    expect(parsePeriod('2026-Q4')).toEqual(quarterPeriod(2026, 4));
    expect(parsePeriod('2026')).toEqual(yearPeriod(2026));
    expect(parsePeriod('2026-10-01..2026-10-15')).toMatchObject({ kind: 'custom' });
    for (const bad of ['2026-13', '2026-Q5', 'octobre', '2026-10-15..2026-10-01', ''])
      expect(parsePeriod(bad), bad).toBeNull();
  });

  it('spans local midnights, across the change to winter time', () => {
    const range = periodRange(monthPeriod(2026, 10), PARIS);
    expect(range.start.toISOString()).toBe('2026-09-30T22:00:00.000Z');
    // 25 October 2026: Paris goes back to UTC+1.
    expect(range.end.toISOString()).toBe('2026-10-31T23:00:00.000Z');
  });

  it('steps back across year ends, and names periods in French', () => {
    expect(previousPeriod(monthPeriod(2026, 1))).toEqual(monthPeriod(2025, 12));
    expect(previousPeriod(quarterPeriod(2026, 1))).toEqual(quarterPeriod(2025, 4));
    expect(samePeriodLastYear(monthPeriod(2026, 2))).toEqual(monthPeriod(2025, 2));
    expect(trendMonths(monthPeriod(2026, 3)).map(periodLabel)).toHaveLength(12);
    expect(trendMonths(monthPeriod(2026, 3))[0]).toEqual(monthPeriod(2025, 4));
    expect(periodLabel(monthPeriod(2026, 10))).toBe('octobre 2026');
  });
});

describe('the digest schedule', () => {
  it('fires at 08:00 Paris time on the first of the month, in summer and winter time', () => {
    expect(nextFireAtOrAfter(monthly, new Date('2026-10-31T23:00:00Z'), PARIS)?.toISOString()).toBe(
      '2026-11-01T07:00:00.000Z',
    );
    expect(nextFireAtOrAfter(monthly, new Date('2026-06-15T12:00:00Z'), PARIS)?.toISOString()).toBe(
      '2026-07-01T06:00:00.000Z',
    );
    expect(lastFireAtOrBefore(monthly, new Date('2026-11-15T12:00:00Z'), PARIS)?.toISOString()).toBe(
      '2026-11-01T07:00:00.000Z',
    );
  });

  it('refuses what is not a five-field cron expression', () => {
    for (const bad of ['0 8 1 *', '0 25 1 * *', 'tous les mois', '0 8 32 * *'])
      expect(parseCronSchedule(bad), bad).toBeNull();
  });

  it('makes only the latest period due, once its first firing has passed', () => {
    const due = (iso: string) =>
      dueDigests({ now: new Date(iso), timeZone: PARIS, schedule: monthly, reviews: ['month'] }).map((d) =>
        periodLabel(d.period),
      );
    expect(due('2026-11-01T06:59:00Z')).toEqual(['septembre 2026']);
    expect(due('2026-11-01T07:00:00Z')).toEqual(['octobre 2026']);
    // A daemon stopped for months catches up one digest, not a backlog.
    expect(due('2027-03-20T10:00:00Z')).toEqual(['février 2027']);
  });
});

describe('periods at the edges', () => {
  it('reads quarters as « trimestres » too, in any case, and ranges with a slash or spaces', () => {
    expect(parsePeriod('2026-T4')).toEqual(quarterPeriod(2026, 4));
    expect(parsePeriod(' 2026q1 ')).toEqual(quarterPeriod(2026, 1));
    expect(parsePeriod('2026-10-01 / 2026-10-15')).toEqual(customPeriod('2026-10-01', '2026-10-15'));
    expect(parsePeriod('2026-10-07..2026-10-07')).toMatchObject({
      key: '2026-10-07..2026-10-07',
      endDay: '2026-10-08',
    });
    // Calendar days that do not exist are refused, not rolled over.
    for (const bad of ['2026-02-29..2026-03-01', '2026-04-31..2026-05-02', '2026-00', '2026-Q0'])
      expect(parsePeriod(bad), bad).toBeNull();
    expect(() => customPeriod('2026-10-15', '2026-10-01')).toThrow(RangeError);
    expect(() => monthPeriod(2026, 13)).toThrow(RangeError);
  });

  it('ends a period the day after its last day, so that consecutive periods share a boundary', () => {
    expect(monthPeriod(2026, 12)).toEqual({
      kind: 'month',
      key: '2026-12',
      firstDay: '2026-12-01',
      endDay: '2027-01-01',
    });
    expect(quarterPeriod(2026, 1)).toMatchObject({ key: '2026-Q1', firstDay: '2026-01-01', endDay: '2026-04-01' });
    expect(lastDayOf(monthPeriod(2028, 2))).toBe('2028-02-29');
    expect(nextPeriod(monthPeriod(2026, 12))).toEqual(monthPeriod(2027, 1));
    expect(nextPeriod(quarterPeriod(2026, 4))).toEqual(quarterPeriod(2027, 1));
  });

  it('moves a custom range by its own length, across month ends', () => {
    const range = customPeriod('2026-10-25', '2026-11-03'); // ten days
    expect(previousPeriod(range)).toEqual(customPeriod('2026-10-15', '2026-10-24'));
    expect(nextPeriod(range)).toEqual(customPeriod('2026-11-04', '2026-11-13'));
  });

  it('takes 29 February back to 28 February a year earlier', () => {
    expect(samePeriodLastYear(customPeriod('2028-02-29', '2028-03-01'))).toEqual(
      customPeriod('2027-02-28', '2027-03-01'),
    );
    expect(samePeriodLastYear(quarterPeriod(2026, 3))).toEqual(quarterPeriod(2025, 3));
  });

  it('ends the trend with the month of the last day, whatever the period', () => {
    const months = trendMonths(customPeriod('2026-09-20', '2026-10-05'));
    expect(months.map((m) => m.key)).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    expect(trendMonths(yearPeriod(2026)).at(-1)).toEqual(monthPeriod(2026, 12));
  });

  it('names every kind of period in French, with the article a sentence needs', () => {
    expect(periodLabel(quarterPeriod(2026, 1))).toBe('1er trimestre 2026');
    expect(periodLabel(quarterPeriod(2026, 4))).toBe('4e trimestre 2026');
    expect(periodLabel(yearPeriod(2026))).toBe('année 2026');
    expect(periodLabel(customPeriod('2026-10-01', '2026-10-15'))).toBe('du 1er octobre 2026 au 15 octobre 2026');
    expect(periodLabel(customPeriod('2026-08-15', '2026-08-15'))).toBe('le 15 août 2026');
    expect(periodLabelAfter('pour', quarterPeriod(2026, 3))).toBe('pour le 3e trimestre 2026');
    expect(periodLabelAfter('à', quarterPeriod(2026, 3))).toBe('au 3e trimestre 2026');
    expect(periodLabelAfter('à', yearPeriod(2025))).toBe('à l’année 2025');
    expect(periodLabelAfter('pour', monthPeriod(2026, 10))).toBe('pour octobre 2026');
    expect(shortMonthLabel(monthPeriod(2026, 2))).toBe('févr. 26');
  });
});

describe('the digest schedule at the edges', () => {
  it('infers the review from the months a schedule fires in', () => {
    expect(reviewKindOfSchedule(monthly)).toBe('month');
    expect(reviewKindOfSchedule(parseCronSchedule('0 8 1 1,4,7,10 *')!)).toBe('quarter');
    expect(reviewKindOfSchedule(parseCronSchedule('0 8 2 1 *')!)).toBe('year');
    // Four months not three apart: not quarters.
    expect(reviewKindOfSchedule(parseCronSchedule('0 8 1 1,2,3,4 *')!)).toBe('month');
  });

  it('makes each review kind due on its own, the quarter once its quarter has ended', () => {
    const due = dueDigests({
      now: new Date('2027-01-01T07:00:00Z'),
      timeZone: PARIS,
      schedule: monthly,
      reviews: ['month', 'quarter', 'year', 'month'],
    });
    expect(due.map((d) => [d.kind, d.period.key, d.dueAt.toISOString()])).toEqual([
      ['month', '2026-12', '2027-01-01T07:00:00.000Z'],
      ['quarter', '2026-Q4', '2027-01-01T07:00:00.000Z'],
      ['year', '2026', '2027-01-01T07:00:00.000Z'],
    ]);
    // A minute before: December's and the fourth quarter's are not due, November's and the third's are.
    const before = dueDigests({
      now: new Date('2027-01-01T06:59:00Z'),
      timeZone: PARIS,
      schedule: monthly,
      reviews: ['month', 'quarter', 'year'],
    });
    expect(before.map((d) => [d.kind, d.period.key])).toEqual([
      ['month', '2026-11'],
      ['quarter', '2026-Q3'],
      ['year', '2025'],
    ]);
  });
});
