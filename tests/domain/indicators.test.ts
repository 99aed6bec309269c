// Periods in a time zone, comparisons, French formatting, and when a digest is due: pure
// functions with literal instants (time zone pinned per call).
import { describe, expect, it } from 'vitest';
import {
  ageBucket,
  compare,
  formatComparison,
  formatCount,
  formatDays,
  formatRate,
  mean,
  median,
  rate,
  roundAsShown,
  takeInHandBusinessDays,
} from '../../src/domain/indicators.js';
import {
  customPeriod,
  dueDigests,
  lastFireAtOrBefore,
  monthPeriod,
  nextFireAtOrAfter,
  parseCronSchedule,
  parsePeriod,
  periodLabel,
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
const iso = (d: Date) => d.toISOString();

describe('periods', () => {
  it('reads months, quarters (Q or T), years and ranges; refuses the rest', () => {
    expect(parsePeriod('2026-10')).toEqual({
      kind: 'month',
      key: '2026-10',
      firstDay: '2026-10-01',
      endDay: '2026-11-01',
    });
    expect(parsePeriod('2026-12')!.endDay).toBe('2027-01-01');
    expect(parsePeriod('2026-Q4')).toEqual({
      kind: 'quarter',
      key: '2026-Q4',
      firstDay: '2026-10-01',
      endDay: '2027-01-01',
    });
    expect(parsePeriod('2026-t1')!.key).toBe('2026-Q1');
    expect(parsePeriod('2026')).toEqual({ kind: 'year', key: '2026', firstDay: '2026-01-01', endDay: '2027-01-01' });
    expect(parsePeriod('2026-10-01..2026-10-15')).toEqual({
      kind: 'custom',
      key: '2026-10-01..2026-10-15',
      firstDay: '2026-10-01',
      endDay: '2026-10-16',
    });
    for (const bad of ['2026-13', '2026-Q5', '26-10', '2026-02-30..2026-03-01', '2026-10-15..2026-10-01', 'octobre'])
      expect(parsePeriod(bad)).toBeNull();
  });

  it('covers local days in the organisation’s zone, across daylight-saving changes', () => {
    // October 2026 in Paris: CEST until the 25th, CET after.
    const october = periodRange(monthPeriod(2026, 10), PARIS);
    expect(iso(october.start)).toBe('2026-09-30T22:00:00.000Z');
    expect(iso(october.end)).toBe('2026-10-31T23:00:00.000Z');
    const reunion = periodRange(monthPeriod(2026, 10), 'Indian/Reunion');
    expect(iso(reunion.end)).toBe('2026-10-31T20:00:00.000Z');
    expect(iso(periodRange(quarterPeriod(2026, 1), PARIS).end)).toBe('2026-03-31T22:00:00.000Z');
  });

  it('knows the previous period and the same period last year', () => {
    expect(previousPeriod(monthPeriod(2026, 1)).key).toBe('2025-12');
    expect(previousPeriod(quarterPeriod(2026, 1)).key).toBe('2025-Q4');
    expect(previousPeriod(yearPeriod(2026)).key).toBe('2025');
    expect(previousPeriod(customPeriod('2026-10-01', '2026-10-15')).key).toBe('2026-09-16..2026-09-30');
    expect(samePeriodLastYear(monthPeriod(2026, 10)).key).toBe('2025-10');
    expect(samePeriodLastYear(quarterPeriod(2026, 4)).key).toBe('2025-Q4');
    expect(samePeriodLastYear(customPeriod('2028-02-01', '2028-02-29')).key).toBe('2027-02-01..2027-02-28');
  });

  it('lists the twelve months of the trend, ending with the period’s last month', () => {
    const months = trendMonths(monthPeriod(2026, 10));
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
    expect(trendMonths(yearPeriod(2026))[11]!.key).toBe('2026-12');
    expect(shortMonthLabel(months[0]!)).toBe('nov. 25');
  });

  it('names periods in French', () => {
    expect(periodLabel(monthPeriod(2026, 8))).toBe('août 2026');
    expect(periodLabel(quarterPeriod(2026, 1))).toBe('1er trimestre 2026');
    expect(periodLabel(quarterPeriod(2026, 4))).toBe('4e trimestre 2026');
    expect(periodLabel(yearPeriod(2026))).toBe('année 2026');
    expect(periodLabel(customPeriod('2026-10-01', '2026-10-15'))).toBe('du 1er octobre 2026 au 15 octobre 2026');
  });
});

describe('indicator maths', () => {
  it('computes means, medians (SQL percentile_cont) and rates', () => {
    expect(mean([])).toBeNull();
    expect(mean([1, 2, 6])).toBe(3);
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(rate(3, 4)).toBe(0.75);
    expect(rate(0, 0)).toBeNull();
  });

  it('compares counts relatively, rates in points, days in days', () => {
    expect(compare(12, 8, 'count')).toEqual({ difference: 4, relative: 0.5 });
    expect(compare(3, 0, 'count')).toEqual({ difference: 3, relative: null });
    expect(compare(0.8, 0.75, 'rate').relative).toBeNull();
    expect(compare(null, 3, 'days')).toEqual({ difference: null, relative: null });
    expect(formatComparison(compare(12, 8, 'count'), 'count')).toBe('+4 (+50\u202f%)');
    expect(formatComparison(compare(6, 8, 'count'), 'count')).toBe('−2 (−25\u202f%)');
    expect(formatComparison(compare(8, 8, 'count'), 'count')).toBe('±0 (±0\u202f%)');
    expect(formatComparison(compare(0.8, 0.75, 'rate'), 'rate')).toBe('+5,0\u202fpts');
    expect(formatComparison(compare(0.745, 0.75, 'rate'), 'rate')).toBe('−0,5\u202fpt');
    expect(formatComparison(compare(4.25, 6, 'days'), 'days')).toBe('−1,8\u202fj');
    expect(formatComparison(compare(null, 6, 'days'), 'days')).toBe('—');
  });

  it('compares figures as they are shown', () => {
    expect(roundAsShown(8.26, 'days')).toBe(8.3);
    expect(roundAsShown(0.87349, 'rate')).toBe(0.873);
    expect(formatComparison(compare(roundAsShown(8.26, 'days'), roundAsShown(7.33, 'days'), 'days'), 'days')).toBe(
      '+1,0\u202fj',
    );
  });

  it('formats figures the French way', () => {
    expect(formatCount(1234567)).toBe('1\u202f234\u202f567');
    expect(formatRate(0.8734)).toBe('87,3\u202f%');
    expect(formatRate(null)).toBe('—');
    expect(formatDays(6.25)).toBe('6,3\u202fj');
  });

  it('puts backlog ages in buckets of completed days', () => {
    expect([0, 7, 7.99, 8, 15.5, 16, 30.9, 31, 400].map(ageBucket)).toEqual([
      '0-7',
      '0-7',
      '0-7',
      '8-15',
      '8-15',
      '16-30',
      '16-30',
      '31+',
      '31+',
    ]);
  });
});

describe('digest schedule', () => {
  const monthly = parseCronSchedule('0 8 1 * *')!;

  it('parses five-field cron expressions and infers the review from the months', () => {
    expect(parseCronSchedule('0 8 1 * * *')).toBeNull();
    expect(parseCronSchedule('61 8 1 * *')).toBeNull();
    expect(parseCronSchedule('0 8 1 jan,apr,jul,oct *')!.months).toEqual(new Set([1, 4, 7, 10]));
    expect(reviewKindOfSchedule(monthly)).toBe('month');
    expect(reviewKindOfSchedule(parseCronSchedule('0 8 1 1,4,7,10 *')!)).toBe('quarter');
    expect(reviewKindOfSchedule(parseCronSchedule('0 8 1 1 *')!)).toBe('year');
    expect(reviewKindOfSchedule(parseCronSchedule('30 7 * * 1-5')!)).toBe('month');
  });

  it('finds fire times in the organisation’s zone, across daylight saving', () => {
    // 1 November 2026, 08:00 in Paris (CET) is 07:00 UTC; 1 October (CEST) is 06:00 UTC.
    expect(iso(nextFireAtOrAfter(monthly, new Date('2026-10-31T23:00:00Z'), PARIS)!)).toBe('2026-11-01T07:00:00.000Z');
    expect(iso(lastFireAtOrBefore(monthly, new Date('2026-10-15T12:00:00Z'), PARIS)!)).toBe('2026-10-01T06:00:00.000Z');
    expect(iso(lastFireAtOrBefore(monthly, new Date('2026-11-01T07:00:00Z'), PARIS)!)).toBe('2026-11-01T07:00:00.000Z');
    // Day-of-month and day-of-week both restricted: either matches (cron semantics).
    const either = parseCronSchedule('0 8 13 * 5')!;
    expect(iso(nextFireAtOrAfter(either, new Date('2026-11-01T00:00:00Z'), 'UTC')!)).toBe('2026-11-06T08:00:00.000Z');
  });

  it('says the month is due once the schedule fired after the month ended, not before', () => {
    const input = { timeZone: PARIS, schedule: monthly, reviews: ['month' as const] };
    expect(dueDigests({ ...input, now: new Date('2026-11-01T06:59:59Z') })).toEqual([
      // October's digest is not due yet: September's is (its fire, 1 October 08:00, has passed).
      { kind: 'month', period: monthPeriod(2026, 9), dueAt: new Date('2026-10-01T06:00:00Z') },
    ]);
    expect(dueDigests({ ...input, now: new Date('2026-11-01T07:00:00Z') })).toEqual([
      { kind: 'month', period: monthPeriod(2026, 10), dueAt: new Date('2026-11-01T07:00:00Z') },
    ]);
    // A daemon back on 20 November catches up October, and only October.
    expect(dueDigests({ ...input, now: new Date('2026-11-20T10:00:00Z') }).map((d) => d.period.key)).toEqual([
      '2026-10',
    ]);
  });

  it('makes the quarterly and annual reviews due on their own first days', () => {
    const input = {
      timeZone: PARIS,
      schedule: monthly,
      reviews: ['month' as const, 'quarter' as const, 'year' as const],
    };
    expect(dueDigests({ ...input, now: new Date('2027-01-01T07:00:00Z') }).map((d) => d.period.key)).toEqual([
      '2026-12',
      '2026-Q4',
      '2026',
    ]);
    expect(dueDigests({ ...input, now: new Date('2027-02-01T07:00:00Z') }).map((d) => d.period.key)).toEqual([
      '2027-01',
      '2026-Q4',
      '2026',
    ]);
    const annual = parseCronSchedule('0 8 1 1 *')!;
    expect(
      dueDigests({ timeZone: PARIS, schedule: annual, reviews: ['year'], now: new Date('2026-12-31T22:59:00Z') }).map(
        (d) => d.period.key,
      ),
    ).toEqual(['2025']);
    // A month under an annual schedule waits for January: only December is ever due.
    expect(
      dueDigests({ timeZone: PARIS, schedule: annual, reviews: ['month'], now: new Date('2026-11-02T00:00:00Z') }),
    ).toEqual([]);
  });
});

describe('takeInHandBusinessDays', () => {
  const paris = { timeZone: 'Europe/Paris', alsaceMoselle: false };
  it('counts local days of Paris, not of UTC', () => {
    // Friday 23:30 in Paris → Monday 00:30 in Paris (Sunday 23:30 UTC): one business day.
    expect(takeInHandBusinessDays(new Date('2026-11-06T22:30:00Z'), new Date('2026-11-08T23:30:00Z'), paris)).toBe(1);
    expect(takeInHandBusinessDays(new Date('2026-11-06T08:00:00Z'), new Date('2026-11-06T16:00:00Z'), paris)).toBe(0);
  });
});
