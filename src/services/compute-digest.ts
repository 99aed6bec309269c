// Gathers the figures of one digest (a month, a quarter, a year or any range), of the period before
// it and of the same period last year, from one database snapshot. What the digest then says of
// them is decided by src/domain/digest-report.ts; the mail and the spreadsheet are written from that.
import { createHash } from 'node:crypto';
import type { Config } from '../config/config-schema.js';
import {
  applyIndicatorSettings,
  INDICATOR_SESSIONS,
  type SnapshotQuery,
  withIndicatorSnapshot,
} from '../db/indicator-snapshot.js';
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
  type TrendPoint,
  type BacklogFigures,
  type RangeFigures,
} from '../db/indicators.js';
import { analysesForDigest } from '../db/analyses.js';
import type { Db } from '../db/database.js';
import { fillStoredFigures, readStoredFigures, type StoredKey, storedKey } from '../db/month-figures.js';
import type { DigestFigures, PeriodSnapshot } from '../domain/digest-report.js';
import { publicHolidaysOfYears } from '../domain/french-holidays.js';
import {
  periodRange,
  previousPeriod,
  samePeriodLastYear,
  trendMonths,
  type Period,
  type TimeRange,
} from '../domain/period.js';
import type { Deps } from './deps.js';

/**
 * Computes every figure of the digest of `period` as it stands at `asOf` (normally now). The
 * comparison periods are measured with the same lag after their own end, so a monthly digest sent
 * on the 1st compares October on 1 November with September as it stood on 1 October. Every figure
 * comes from one snapshot, its queries spread over `sessions` (default INDICATOR_SESSIONS) sessions
 * sharing it on PostgreSQL, one after the other on PGlite.
 *
 * The figures that can no longer change — the trend's months before the period, the backlogs at
 * the end of the previous and last year's periods — are computed once and stored
 * (src/db/month-figures.ts): the first digest that needs them computes and stores them before
 * taking its snapshot, the next ones read them in it. `storedFigures: false` computes everything
 * (the tests compare the two). Stored or not is decided against `deps.clock` (the wall clock
 * without one).
 */
export async function computeDigest(
  deps: Pick<Deps, 'db' | 'config'> & Partial<Pick<Deps, 'clock'>>,
  input: {
    readonly period: Period;
    readonly asOf: Date;
    readonly sessions?: number;
    readonly storedFigures?: boolean;
  },
): Promise<DigestFigures> {
  const plan = digestPlan(deps.config, input);
  const now = deps.clock?.now() ?? new Date();
  const keys = input.storedFigures === false ? [] : storableKeys(plan, now);
  if (keys.length > 0)
    await fillStoredFigures(deps.db, {
      fingerprint: plan.fingerprint,
      keys,
      now,
      compute: (tx, missing) => computeStorable(tx, plan, missing),
    });
  return withIndicatorSnapshot(deps.db, input.sessions ?? INDICATOR_SESSIONS, (run) => computeFigures(plan, run, keys));
}

/**
 * Stored figures are kept only for instants at least this far in the past, and only for what
 * ends before the digest's period starts: its own month stays live.
 */
export const STORED_FIGURES_MARGIN_MS = 60 * 60 * 1000;

/**
 * Bump when a query of a stored figure (rangeFigures, backlogAt, trendByLevel) or the shape of
 * what is stored changes: the rows of the older version are then ignored and dropped.
 */
const STORED_FIGURES_VERSION = 1;

interface PeriodPlan {
  readonly period: Period;
  readonly range: TimeRange;
  readonly asOf: Date;
}

interface DigestPlan {
  readonly period: Period;
  readonly asOf: Date;
  readonly currentRange: TimeRange;
  /** The period, the one before and last year's, each with its range and the moment it is measured at. */
  readonly periods: readonly [PeriodPlan, PeriodPlan, PeriodPlan];
  readonly months: readonly Period[];
  readonly monthRanges: readonly TimeRange[];
  readonly calendar: BusinessCalendar;
  /** Of the configuration the stored figures depend on (time zone, holidays) and STORED_FIGURES_VERSION. */
  readonly fingerprint: string;
}

function digestPlan(config: Config, input: { readonly period: Period; readonly asOf: Date }): DigestPlan {
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
  ) as [PeriodPlan, PeriodPlan, PeriodPlan];
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
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ version: STORED_FIGURES_VERSION, timeZone, alsaceMoselle }))
    .digest('hex')
    .slice(0, 16);
  return {
    period: input.period,
    asOf: input.asOf,
    currentRange,
    periods,
    months,
    monthRanges: months.map((m) => periodRange(m, timeZone)),
    calendar,
    fingerprint,
  };
}

const trendKey = (month: Period, range: TimeRange): StoredKey => ({
  kind: 'trend',
  periodKey: month.key,
  asOf: range.end,
});
// A comparison period's backlog is at its end whatever the lag; its other figures are measured at
// its end plus the lag, which differs with every re-send and page view: they are not stored.
const backlogKey = (p: PeriodPlan): StoredKey => ({ kind: 'backlog', periodKey: p.period.key, asOf: p.range.end });

/**
 * What of this digest can be stored: the trend's months that end before the period starts, and
 * the backlogs at the end of the previous and last year's periods; all of it at least
 * STORED_FIGURES_MARGIN_MS before `now`.
 */
function storableKeys(plan: DigestPlan, now: Date): StoredKey[] {
  const closedBy = now.getTime() - STORED_FIGURES_MARGIN_MS;
  const keys: StoredKey[] = [];
  for (const [i, month] of plan.months.entries()) {
    const range = plan.monthRanges[i]!;
    if (range.end.getTime() <= plan.currentRange.start.getTime() && range.end.getTime() <= closedBy)
      keys.push(trendKey(month, range));
  }
  for (const p of plan.periods.slice(1)) {
    if (p.range.end.getTime() <= plan.currentRange.start.getTime() && p.range.end.getTime() <= closedBy)
      keys.push(backlogKey(p));
  }
  return keys;
}

/** A stored trend month: its non-zero points by level. */
type StoredTrend = { level: number; received: number; closed: number }[];
/** A stored backlog at a period's end. */
type StoredBacklog = { overall: BacklogFigures; byLevel: { level: number; figures: BacklogFigures }[] };

/** Computes the figures of `missing` (keys of this plan), for fillStoredFigures. */
async function computeStorable(db: Db, plan: DigestPlan, missing: readonly StoredKey[]): Promise<Map<string, unknown>> {
  await applyIndicatorSettings(db);
  const wanted = new Set(missing.map(storedKey));
  const figures = new Map<string, unknown>();
  const monthIndexes = plan.months.flatMap((m, i) =>
    wanted.has(storedKey(trendKey(m, plan.monthRanges[i]!))) ? [i] : [],
  );
  for (const run of consecutiveRuns(monthIndexes)) {
    const points = await trendByLevel(
      db,
      run.map((i) => plan.monthRanges[i]!),
    );
    for (const [offset, i] of run.entries()) {
      const month: StoredTrend = points
        .filter((p) => p.index === offset)
        .map((p) => ({ level: p.level, received: p.received, closed: p.closed }));
      figures.set(storedKey(trendKey(plan.months[i]!, plan.monthRanges[i]!)), month);
    }
  }
  for (const p of plan.periods.slice(1)) {
    const key = storedKey(backlogKey(p));
    if (!wanted.has(key) || figures.has(key)) continue;
    const stored: StoredBacklog = await backlogAt(db, p.range.end);
    figures.set(key, stored);
  }
  return figures;
}

/**
 * The trend points of month `index` from that month's rangeFigures: received and closed by level
 * (trendByLevel's definitions: a closure is a `ticket.closed` event in the month, once per ticket,
 * or `closed_at` for a ticket with no such event), the levels with neither left out.
 */
function trendOfMonth(index: number, figures: RangeFigures): TrendPoint[] {
  return figures.by.level
    .map((g) => ({ index, level: Number(g.value), received: g.figures.received, closed: g.figures.closed }))
    .filter((p) => p.received > 0 || p.closed > 0)
    .sort((a, b) => a.level - b.level);
}

/** Sorted indexes grouped into runs of consecutive ones. */
function consecutiveRuns(indexes: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (const i of indexes) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === i - 1) last.push(i);
    else runs.push([i]);
  }
  return runs;
}

async function computeFigures(
  plan: DigestPlan,
  run: SnapshotQuery,
  keys: readonly StoredKey[],
): Promise<DigestFigures> {
  const { periods, months, currentRange, calendar } = plan;
  // What is stored, read in the snapshot: a write that changed it since deleted it in the same
  // transaction, so what this snapshot sees stored agrees with what it sees of the tickets.
  const stored = keys.length > 0 ? await run((db) => readStoredFigures(db, plan.fingerprint, keys)) : new Map();
  const storedTrend = months.map(
    (m, i) => stored.get(storedKey(trendKey(m, plan.monthRanges[i]!))) as StoredTrend | undefined,
  );
  const storedBacklogs = periods.map((p, i) =>
    i === 0 ? undefined : (stored.get(storedKey(backlogKey(p))) as StoredBacklog | undefined),
  );
  // The slowest queries first (bench/README.md), so that the last to start are short; each kind in
  // period order.
  // A monthly digest's own month is the trend's last: its receptions and closures by level are
  // those of the period's rangeFigures (the same definitions), so only the other months missing
  // are queried.
  const last = months.length - 1;
  const ownMonth = months[last]!.key === plan.period.key;
  const trendRuns = consecutiveRuns(months.flatMap((_, i) => (storedTrend[i] || (ownMonth && i === last) ? [] : [i])));
  const liveTrend = trendRuns.map((indexes) =>
    run((db) =>
      trendByLevel(
        db,
        indexes.map((i) => plan.monthRanges[i]!),
      ),
    ),
  );
  const figures = periods.map((p) => run((db) => rangeFigures(db, p.range, p.asOf, calendar)));
  const tickets = run((db) => ticketsReceivedIn(db, currentRange));
  const backlogs = periods.map((p, i) =>
    storedBacklogs[i] ? Promise.resolve(storedBacklogs[i]) : run((db) => backlogAt(db, p.range.end)),
  );
  const overdue = run((db) => overdueTicketsAt(db, currentRange.end));
  const pipelines = periods.map((p) => run((db) => pipelineFigures(db, p.range)));
  const outages = run((db) => sendingOutages(db, currentRange));
  const escalations = run((db) => escalationsIn(db, currentRange));
  const analyses = run((db) => analysesForDigest(db, currentRange, plan.asOf));
  // Every query ended before the snapshot's transactions do, even when one failed.
  await Promise.allSettled([
    ...liveTrend,
    ...figures,
    tickets,
    ...backlogs,
    overdue,
    ...pipelines,
    outages,
    escalations,
    analyses,
  ]);
  const trend: TrendPoint[] = [];
  const live = new Map<number, TrendPoint[]>();
  for (const [r, indexes] of trendRuns.entries()) {
    const points = await liveTrend[r]!;
    for (const [offset, i] of indexes.entries())
      live.set(
        i,
        points.filter((p) => p.index === offset).map((p) => ({ ...p, index: i })),
      );
  }
  if (ownMonth) live.set(last, trendOfMonth(last, await figures[0]!));
  for (const i of months.keys()) {
    const month = storedTrend[i];
    if (month) trend.push(...month.map((p) => ({ index: i, level: p.level, received: p.received, closed: p.closed })));
    else trend.push(...(live.get(i) ?? []));
  }
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
    trend,
    tickets: await tickets,
    outages: await outages,
    escalations: await escalations,
    analyses: await analyses,
  };
}
