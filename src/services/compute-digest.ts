// Gathers the figures of one digest (a month, a quarter, a year or any range), of the period before
// it and of the same period last year, from one database snapshot. What the digest then says of
// them is decided by src/domain/digest-report.ts; the mail and the spreadsheet are written from that.
import type { Config } from '../config/config-schema.js';
import { INDICATOR_SESSIONS, type SnapshotQuery, withIndicatorSnapshot } from '../db/indicator-snapshot.js';
import {
  backlogAt,
  type BusinessCalendar,
  escalationsIn,
  overdueTicketsAt,
  pipelineFigures,
  sendingOutages,
  rangeFigures,
  ticketsReceivedIn,
  trendByLevel,
} from '../db/indicators.js';
import { analysesForDigest } from '../db/analyses.js';
import type { DigestFigures, PeriodSnapshot } from '../domain/digest-report.js';
import { publicHolidaysOfYears } from '../domain/french-holidays.js';
import { periodRange, previousPeriod, samePeriodLastYear, trendMonths, type Period } from '../domain/period.js';
import type { Deps } from './deps.js';

/**
 * Computes every figure of the digest of `period` as it stands at `asOf` (normally now). The
 * comparison periods are measured with the same lag after their own end, so a monthly digest sent
 * on the 1st compares October on 1 November with September as it stood on 1 October. Every figure
 * comes from one snapshot, its queries spread over `sessions` (default INDICATOR_SESSIONS) sessions
 * sharing it on PostgreSQL, one after the other on PGlite.
 */
export async function computeDigest(
  deps: Pick<Deps, 'db' | 'config'>,
  input: { readonly period: Period; readonly asOf: Date; readonly sessions?: number },
): Promise<DigestFigures> {
  return withIndicatorSnapshot(deps.db, input.sessions ?? INDICATOR_SESSIONS, (run) =>
    computeFigures(deps.config, run, input),
  );
}

async function computeFigures(
  config: Config,
  run: SnapshotQuery,
  input: { readonly period: Period; readonly asOf: Date },
): Promise<DigestFigures> {
  const timeZone = config.organisation.timezone;
  const currentRange = periodRange(input.period, timeZone);
  const lag = input.asOf.getTime() - currentRange.end.getTime();
  const before = previousPeriod(input.period);
  // For a year, « the same period last year » is the previous one: compare with the year before instead.
  const yearAgo = samePeriodLastYear(input.period);
  const periods = [input.period, before, yearAgo.key === before.key ? previousPeriod(yearAgo) : yearAgo].map(
    (period) => {
      const range = periodRange(period, timeZone);
      return { period, range, asOf: new Date(range.end.getTime() + lag) };
    },
  );
  // Business days of the take-in-hand delay: the holidays of every year from the oldest period's
  // start to the latest moment an assignment can count at.
  const alsaceMoselle = config.organisation.alsaceMoselle;
  const firstHolidayYear = Math.min(...periods.map((p) => Number(p.period.firstDay.slice(0, 4))));
  const lastHolidayYear = Math.max(...periods.map((p) => p.asOf.getUTCFullYear() + 1));
  const calendar: BusinessCalendar = {
    timeZone,
    holidays: publicHolidaysOfYears(firstHolidayYear, lastHolidayYear, { alsaceMoselle }),
  };
  const months = trendMonths(input.period);
  // The slowest queries first (bench/README.md), so that the last to start are short; each kind in
  // period order.
  const trend = run((db) =>
    trendByLevel(
      db,
      months.map((m) => periodRange(m, timeZone)),
    ),
  );
  const figures = periods.map((p) => run((db) => rangeFigures(db, p.range, p.asOf, calendar)));
  const tickets = run((db) => ticketsReceivedIn(db, currentRange));
  const backlogs = periods.map((p) => run((db) => backlogAt(db, p.range.end)));
  const overdue = run((db) => overdueTicketsAt(db, currentRange.end));
  const pipelines = periods.map((p) => run((db) => pipelineFigures(db, p.range)));
  const outages = run((db) => sendingOutages(db, currentRange));
  const escalations = run((db) => escalationsIn(db, currentRange));
  const analyses = run((db) => analysesForDigest(db, currentRange, input.asOf));
  // Every query ended before the snapshot's transactions do, even when one failed.
  await Promise.allSettled([
    trend,
    ...figures,
    tickets,
    ...backlogs,
    overdue,
    ...pipelines,
    outages,
    escalations,
    analyses,
  ]);
  const snapshots: PeriodSnapshot[] = [];
  for (const [i, p] of periods.entries()) {
    snapshots.push({ ...p, figures: await figures[i]!, backlog: await backlogs[i]!, pipeline: await pipelines[i]! });
  }
  const [current, previous, lastYear] = snapshots as [PeriodSnapshot, PeriodSnapshot, PeriodSnapshot];
  return {
    current,
    previous,
    lastYear,
    overdue: await overdue,
    trendMonths: months,
    trend: await trend,
    tickets: await tickets,
    outages: await outages,
    escalations: await escalations,
    analyses: await analyses,
  };
}
