// The time-zone arithmetic deadlines and French dates need: local dates (`YYYY-MM-DD`) and wall
// times in the organisation's zone, read from the runtime's tz database through Intl, so that
// daylight-saving changes (and zones whose clocks change at midnight) come out right.

/** 0 = Sunday … 6 = Saturday, as `Date.prototype.getUTCDay`. */
export type DayOfWeek = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** What a clock in some time zone shows at a given instant. */
export interface LocalWallTime {
  /** `YYYY-MM-DD`. */
  readonly localDate: string;
  /** 0–23. */
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Milliseconds since the epoch of a UTC clock showing these fields (years 0–99 are not shifted to 19xx). */
function utcFieldsToMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/**
 * The wall clock of `timeZone` at `instantMs`, encoded as the milliseconds of a UTC clock showing
 * the same fields; `wallClockMs(t) - t` is the zone's UTC offset at `t`.
 */
function wallClockMs(instantMs: number, timeZone: string): number {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const millisecond = ((instantMs % 1000) + 1000) % 1000;
  return utcFieldsToMs(fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second, millisecond);
}

/** Milliseconds of 00:00 UTC on `localDate`; throws a RangeError unless it is a real `YYYY-MM-DD` date. */
function localDateToMs(localDate: string): number {
  const match = LOCAL_DATE.exec(localDate);
  if (match) {
    const ms = utcFieldsToMs(Number(match[1]), Number(match[2]), Number(match[3]));
    if (msToLocalDate(ms) === localDate) return ms;
  }
  throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(localDate)}`);
}

function msToLocalDate(ms: number): string {
  const date = new Date(ms);
  const year = String(date.getUTCFullYear()).padStart(4, '0');
  const month = String(date.getUTCMonth() + 1).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** What a clock in `timeZone` (an IANA name, e.g. `Europe/Paris`) shows at `instant`. */
export function localWallTimeOf(instant: Date, timeZone: string): LocalWallTime {
  const wall = new Date(wallClockMs(instant.getTime(), timeZone));
  return {
    localDate: msToLocalDate(wall.getTime()),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    millisecond: wall.getUTCMilliseconds(),
  };
}

/** The calendar date (`YYYY-MM-DD`) in `timeZone` at `instant` — not the UTC date. */
export function localDateOf(instant: Date, timeZone: string): string {
  return msToLocalDate(wallClockMs(instant.getTime(), timeZone));
}

/**
 * The instant at which clocks in `timeZone` show `localDate` `hour:minute:second.ms` (hour 0–23).
 * A wall time skipped by a spring-forward change gives the first instant after the gap (the
 * change itself: 02:30 on a Paris spring-forward day gives 03:00 CEST); a wall time repeated by a
 * fall-back change gives the earlier of its two instants.
 */
export function zonedWallTimeToInstant(
  localDate: string,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  timeZone: string,
): Date {
  checkInteger('hour', hour, 0, 23);
  checkInteger('minute', minute, 0, 59);
  checkInteger('second', second, 0, 59);
  checkInteger('ms', ms, 0, 999);
  const target = localDateToMs(localDate) + ((hour * 60 + minute) * 60 + second) * 1000 + ms;

  // UTC offsets lie within ±14 h, so the instant sought is within a day of `target`; sampling the
  // offsets every 12 h over ±24 h sees both sides of any change near it (changes are months apart).
  const offsets = new Set<number>();
  for (let step = -2; step <= 2; step++) {
    const sample = target + step * 12 * MS_PER_HOUR;
    offsets.add(wallClockMs(sample, timeZone) - sample);
  }
  const candidates = [...offsets].map((offset) => target - offset).sort((a, b) => a - b);
  const exact = candidates.find((candidate) => wallClockMs(candidate, timeZone) === target);
  if (exact !== undefined) return new Date(exact);

  // In a gap: clocks jump over `target` between the earliest and latest candidates. Find the
  // first instant whose wall clock is at or after `target`, which is the moment of the change.
  let before = candidates[0]!;
  let after = candidates[candidates.length - 1]!;
  if (!(wallClockMs(before, timeZone) < target && wallClockMs(after, timeZone) >= target)) {
    throw new RangeError(`cannot place ${localDate} ${hour}:${minute}:${second}.${ms} in ${timeZone}`);
  }
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (wallClockMs(middle, timeZone) < target) before = middle;
    else after = middle;
  }
  return new Date(after);
}

/**
 * The last millisecond of `localDate` in `timeZone`: one millisecond before the next local day
 * begins. That is 23:59:59.999 local time, and the later one if a fall-back change repeats it.
 */
export function endOfLocalDay(localDate: string, timeZone: string): Date {
  const nextDayStart = zonedWallTimeToInstant(addDaysToLocalDate(localDate, 1), 0, 0, 0, 0, timeZone);
  return new Date(nextDayStart.getTime() - 1);
}

/** `localDate` moved by `days` calendar days (negative goes back); pure calendar arithmetic, no zone. */
export function addDaysToLocalDate(localDate: string, days: number): string {
  if (!Number.isInteger(days)) throw new RangeError(`days must be an integer, got ${days}`);
  return msToLocalDate(localDateToMs(localDate) + days * MS_PER_DAY);
}

/** Day of the week of `localDate`: 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(localDate: string): DayOfWeek {
  return new Date(localDateToMs(localDate)).getUTCDay() as DayOfWeek;
}
