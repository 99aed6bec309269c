// Reporting periods (month, quarter, year, custom range) as local calendar days of the
// organisation's time zone, and the pure decision of which digest period is due at a given
// instant under a five-field cron schedule. The cron library only triggers; this decides.
import { FRENCH_MONTHS, frenchDayOf } from './french-date.js';
import { addDaysToLocalDate, dayOfWeek, localDateOf, localWallTimeOf, zonedWallTimeToInstant } from './zoned-time.js';

export type PeriodKind = 'month' | 'quarter' | 'year' | 'custom';

/**
 * A span of whole local days. `firstDay` is included, `endDay` (the day after the last one) is
 * not: consecutive periods share a boundary and never overlap.
 */
export interface Period {
  readonly kind: PeriodKind;
  /** Stable key, used in job_runs and file names: `2026-10`, `2026-Q4`, `2026`, `2026-10-01..2026-10-15`. */
  readonly key: string;
  /** `YYYY-MM-DD`, first local day of the period. */
  readonly firstDay: string;
  /** `YYYY-MM-DD`, the local day after the last one. */
  readonly endDay: string;
}

/** The instants a period covers in a time zone: `start` included, `end` excluded. */
export interface TimeRange {
  readonly start: Date;
  readonly end: Date;
}

const MONTHS_SHORT_FR = [
  'janv.',
  'févr.',
  'mars',
  'avr.',
  'mai',
  'juin',
  'juil.',
  'août',
  'sept.',
  'oct.',
  'nov.',
  'déc.',
] as const;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function isLocalDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  try {
    return addDaysToLocalDate(text, 0) === text;
  } catch {
    return false;
  }
}

export function monthPeriod(year: number, month: number): Period {
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new RangeError(`month must be 1–12, got ${month}`);
  const next = month === 12 ? `${pad(year + 1, 4)}-01-01` : `${pad(year, 4)}-${pad(month + 1)}-01`;
  return {
    kind: 'month',
    key: `${pad(year, 4)}-${pad(month)}`,
    firstDay: `${pad(year, 4)}-${pad(month)}-01`,
    endDay: next,
  };
}

/** Quarter 1 = January–March. */
export function quarterPeriod(year: number, quarter: number): Period {
  if (!Number.isInteger(quarter) || quarter < 1 || quarter > 4)
    throw new RangeError(`quarter must be 1–4, got ${quarter}`);
  const first = monthPeriod(year, quarter * 3 - 2);
  const last = monthPeriod(year, quarter * 3);
  return { kind: 'quarter', key: `${pad(year, 4)}-Q${quarter}`, firstDay: first.firstDay, endDay: last.endDay };
}

export function yearPeriod(year: number): Period {
  return { kind: 'year', key: pad(year, 4), firstDay: `${pad(year, 4)}-01-01`, endDay: `${pad(year + 1, 4)}-01-01` };
}

/** From `firstDay` to `lastDay`, both included (`YYYY-MM-DD`). */
export function customPeriod(firstDay: string, lastDay: string): Period {
  if (!isLocalDate(firstDay) || !isLocalDate(lastDay))
    throw new RangeError(`not YYYY-MM-DD dates: ${firstDay}, ${lastDay}`);
  if (lastDay < firstDay) throw new RangeError(`${lastDay} is before ${firstDay}`);
  return { kind: 'custom', key: `${firstDay}..${lastDay}`, firstDay, endDay: addDaysToLocalDate(lastDay, 1) };
}

/**
 * Reads a period as people type it: `2026-10` (month), `2026-Q4` or `2026-T4` (quarter; T for
 * « trimestre »), `2026` (year), `2026-10-01..2026-10-15` (both days included). Null otherwise.
 */
export function parsePeriod(text: string): Period | null {
  const value = text.trim().toUpperCase();
  let match = /^(\d{4})-(\d{2})$/.exec(value);
  if (match) {
    const month = Number(match[2]);
    return month >= 1 && month <= 12 ? monthPeriod(Number(match[1]), month) : null;
  }
  match = /^(\d{4})-?[QT]([1-4])$/.exec(value);
  if (match) return quarterPeriod(Number(match[1]), Number(match[2]));
  match = /^(\d{4})$/.exec(value);
  if (match) return yearPeriod(Number(match[1]));
  match = /^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|\/)\s*(\d{4}-\d{2}-\d{2})$/.exec(value);
  if (match && isLocalDate(match[1]!) && isLocalDate(match[2]!) && match[2]! >= match[1]!)
    return customPeriod(match[1]!, match[2]!);
  return null;
}

/** The last local day of the period (`YYYY-MM-DD`). */
export function lastDayOf(period: Period): string {
  return addDaysToLocalDate(period.endDay, -1);
}

/** Local midnight of `firstDay` to local midnight of `endDay` in `timeZone`. */
export function periodRange(period: Period, timeZone: string): TimeRange {
  return {
    start: zonedWallTimeToInstant(period.firstDay, 0, 0, 0, 0, timeZone),
    end: zonedWallTimeToInstant(period.endDay, 0, 0, 0, 0, timeZone),
  };
}

function yearMonth(localDate: string): { year: number; month: number } {
  return { year: Number(localDate.slice(0, 4)), month: Number(localDate.slice(5, 7)) };
}

/** The month, quarter or year that contains `localDate`. */
export function periodContaining(kind: Exclude<PeriodKind, 'custom'>, localDate: string): Period {
  const { year, month } = yearMonth(localDate);
  if (kind === 'month') return monthPeriod(year, month);
  if (kind === 'quarter') return quarterPeriod(year, Math.ceil(month / 3));
  return yearPeriod(year);
}

function dayCount(period: Period): number {
  let days = 0;
  for (let day = period.firstDay; day < period.endDay; day = addDaysToLocalDate(day, 1)) days++;
  return days;
}

/** The period just before: previous month, quarter or year; for a custom range, as many days ending the day before. */
export function previousPeriod(period: Period): Period {
  if (period.kind === 'custom') {
    const last = addDaysToLocalDate(period.firstDay, -1);
    return customPeriod(addDaysToLocalDate(last, 1 - dayCount(period)), last);
  }
  return periodContaining(period.kind, addDaysToLocalDate(period.firstDay, -1));
}

/** The period just after (used to walk months). */
export function nextPeriod(period: Period): Period {
  if (period.kind === 'custom') {
    const first = period.endDay;
    return customPeriod(first, addDaysToLocalDate(first, dayCount(period) - 1));
  }
  return periodContaining(period.kind, period.endDay);
}

/** `localDate` one year earlier; 29 February becomes 28 February. */
function yearEarlier(localDate: string): string {
  const year = Number(localDate.slice(0, 4)) - 1;
  const candidate = `${pad(year, 4)}${localDate.slice(4)}`;
  return isLocalDate(candidate) ? candidate : `${pad(year, 4)}-02-28`;
}

/** The same period one year earlier (October 2026 → October 2025; a custom range shifted by a year). */
export function samePeriodLastYear(period: Period): Period {
  if (period.kind === 'custom') return customPeriod(yearEarlier(period.firstDay), yearEarlier(lastDayOf(period)));
  return periodContaining(period.kind, yearEarlier(period.firstDay));
}

/** The twelve months ending with the month of the period's last day, oldest first. */
export function trendMonths(period: Period): Period[] {
  let month = periodContaining('month', lastDayOf(period));
  const months = [month];
  for (let i = 1; i < 12; i++) {
    month = previousPeriod(month);
    months.unshift(month);
  }
  return months;
}

/**
 * French name of the period: « octobre 2026 », « 4e trimestre 2026 », « année 2026 »,
 * « du 1er au 15 octobre 2026 ».
 */
export function periodLabel(period: Period): string {
  const { year, month } = yearMonth(period.firstDay);
  switch (period.kind) {
    case 'month':
      return `${FRENCH_MONTHS[month - 1]} ${year}`;
    case 'quarter': {
      const quarter = Math.ceil(month / 3);
      return `${quarter === 1 ? '1er' : `${quarter}e`} trimestre ${year}`;
    }
    case 'year':
      return `année ${year}`;
    case 'custom': {
      const last = lastDayOf(period);
      return period.firstDay === last
        ? `le ${frenchDayOf(last)}`
        : `du ${frenchDayOf(period.firstDay)} au ${frenchDayOf(last)}`;
    }
  }
}

/**
 * The period's name after « pour » or « à », with the article French needs: « pour octobre 2026 »,
 * « pour le 4e trimestre 2026 », « à l’année 2025 », « au 3e trimestre 2026 », « à la période du … ».
 */
export function periodLabelAfter(preposition: 'pour' | 'à', period: Period): string {
  const label = periodLabel(period);
  switch (period.kind) {
    case 'month':
      return `${preposition} ${label}`;
    case 'quarter':
      return preposition === 'pour' ? `pour le ${label}` : `au ${label}`;
    case 'year':
      return `${preposition} l’${label}`;
    case 'custom':
      return `${preposition} la période ${label}`;
  }
}

/** Short month label for chart axes: « oct. 26 ». */
export function shortMonthLabel(period: Period): string {
  const { year, month } = yearMonth(period.firstDay);
  return `${MONTHS_SHORT_FR[month - 1]} ${String(year).slice(2)}`;
}

// ---------------------------------------------------------------------------------------------
// Five-field cron schedules, evaluated in the organisation's time zone.

/** A parsed `minute hour day-of-month month day-of-week` expression. */
export interface CronSchedule {
  /** The expression as written (node-cron is given it). */
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday (7 is read as Sunday). */
  readonly daysOfWeek: ReadonlySet<number>;
  /** Whether day-of-month / day-of-week were restricted (not `*`): cron matches either when both are. */
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseField(
  field: string,
  min: number,
  max: number,
  names: readonly string[] = [],
  nameBase = 0,
): Set<number> | null {
  const values = new Set<number>();
  const value = (text: string): number | null => {
    const named = names.indexOf(text.toLowerCase());
    if (named >= 0) return named + nameBase;
    if (!/^\d+$/.test(text)) return null;
    return Number(text);
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    if (range === undefined || range === '') return null;
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : NaN;
    if (!Number.isInteger(step) || step < 1) return null;
    let from: number | null;
    let to: number | null;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      from = value(a ?? '');
      to = value(b ?? '');
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    if (from === null || to === null || from < min || to > max || from > to) return null;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/**
 * Parses a five-field cron expression (numbers, `*`, lists, ranges, steps, English month/day names);
 * null when invalid.
 */
export function parseCronSchedule(expression: string): CronSchedule | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const [minuteField, hourField, domField, monthField, dowField] = fields as [string, string, string, string, string];
  const minutes = parseField(minuteField, 0, 59);
  const hours = parseField(hourField, 0, 23);
  const daysOfMonth = parseField(domField, 1, 31);
  const months = parseField(monthField, 1, 12, MONTH_NAMES, 1);
  const dows = parseField(dowField, 0, 7, DAY_NAMES, 0);
  if (!minutes || !hours || !daysOfMonth || !months || !dows) return null;
  const daysOfWeek = new Set([...dows].map((d) => d % 7));
  return {
    expression,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    domRestricted: !domField.startsWith('*'),
    dowRestricted: !dowField.startsWith('*'),
  };
}

function dayMatches(schedule: CronSchedule, localDate: string): boolean {
  const { month } = yearMonth(localDate);
  if (!schedule.months.has(month)) return false;
  const dom = schedule.daysOfMonth.has(Number(localDate.slice(8, 10)));
  const dow = schedule.daysOfWeek.has(dayOfWeek(localDate));
  if (schedule.domRestricted && schedule.dowRestricted) return dom || dow;
  return dom && dow;
}

/**
 * Fire instants of `schedule` on `localDate` in `timeZone`, ascending (a wall time skipped by DST fires at the change).
 */
function firesOn(schedule: CronSchedule, localDate: string, timeZone: string): Date[] {
  if (!dayMatches(schedule, localDate)) return [];
  const fires: Date[] = [];
  for (const hour of [...schedule.hours].sort((a, b) => a - b)) {
    for (const minute of [...schedule.minutes].sort((a, b) => a - b)) {
      fires.push(zonedWallTimeToInstant(localDate, hour, minute, 0, 0, timeZone));
    }
  }
  return fires;
}

/** Far enough for « 29 February » schedules. */
const SEARCH_DAYS = 5 * 366;

/** The first instant at or after `from` at which `schedule` fires in `timeZone`; null if none within five years. */
export function nextFireAtOrAfter(schedule: CronSchedule, from: Date, timeZone: string): Date | null {
  let day = localDateOf(from, timeZone);
  for (let i = 0; i <= SEARCH_DAYS; i++, day = addDaysToLocalDate(day, 1)) {
    const fire = firesOn(schedule, day, timeZone).find((f) => f.getTime() >= from.getTime());
    if (fire) return fire;
  }
  return null;
}

/** The last instant at or before `at` at which `schedule` fired in `timeZone`; null if none within five years. */
export function lastFireAtOrBefore(schedule: CronSchedule, at: Date, timeZone: string): Date | null {
  let day = localDateOf(at, timeZone);
  for (let i = 0; i <= SEARCH_DAYS; i++, day = addDaysToLocalDate(day, -1)) {
    const fire = firesOn(schedule, day, timeZone)
      .reverse()
      .find((f) => f.getTime() <= at.getTime());
    if (fire) return fire;
  }
  return null;
}

/** The kinds of digest a configuration can ask for: the monthly digest, the quarterly and annual reviews. */
export type ReviewKind = Exclude<PeriodKind, 'custom'>;

/**
 * The review a schedule implies when the configuration does not say: a schedule that fires in
 * every month is monthly, in four months three apart (`0 8 1 1,4,7,10 *`) quarterly, in a single
 * month (`0 8 1 1 *`) annual.
 */
export function reviewKindOfSchedule(schedule: CronSchedule): ReviewKind {
  const months = [...schedule.months].sort((a, b) => a - b);
  if (months.length === 1) return 'year';
  if (months.length === 4 && months.every((m, i) => i === 0 || m - months[i - 1]! === 3)) return 'quarter';
  return 'month';
}

/** The job name of a review in job_runs: `digest:month`, `digest:quarter`, `digest:year`. */
export function digestJobName(kind: ReviewKind): string {
  return `digest:${kind}`;
}

export interface DueDigest {
  readonly kind: ReviewKind;
  readonly period: Period;
  /** The scheduled instant it became due (the first fire at or after the period's end). */
  readonly dueAt: Date;
}

/**
 * For each review kind, the latest period whose digest is due at `now`: a period is due once the
 * schedule has fired at least once since it ended (October's on 1 November at 08:00 by default;
 * before that, on 1 November at 07:00, September's is the latest due). Only that one period per
 * kind is ever returned, so a daemon stopped for months catches up one digest per kind, not a
 * backlog (older ones: `reclam digest --period … --send`). Whether it was already sent is for
 * job_runs to say.
 */
export function dueDigests(input: {
  readonly now: Date;
  readonly timeZone: string;
  readonly schedule: CronSchedule;
  readonly reviews: readonly ReviewKind[];
}): DueDigest[] {
  const today = localDateOf(input.now, input.timeZone);
  const due: DueDigest[] = [];
  for (const kind of new Set(input.reviews)) {
    const latest = previousPeriod(periodContaining(kind, today));
    // The latest complete period, or the one before while the latest's first firing is to come.
    for (const period of [latest, previousPeriod(latest)]) {
      const dueAt = nextFireAtOrAfter(input.schedule, periodRange(period, input.timeZone).end, input.timeZone);
      if (dueAt && dueAt.getTime() <= input.now.getTime()) {
        due.push({ kind, period, dueAt });
        break;
      }
    }
  }
  return due;
}

/** Local wall time of `instant` as `YYYY-MM-DD HH:MM` (for file names, logs and spreadsheets). */
export function localStamp(instant: Date, timeZone: string): string {
  const wall = localWallTimeOf(instant, timeZone);
  return `${wall.localDate} ${pad(wall.hour)}:${pad(wall.minute)}`;
}
