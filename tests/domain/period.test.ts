// Periods of the digest and the cron schedule that sends them: literal instants, Paris time.
import { describe, expect, it } from 'vitest';
import {
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
  samePeriodLastYear,
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
