// French public holidays (jours fériés), which business-day deadlines skip. Alsace-Moselle
// (Bas-Rhin, Haut-Rhin, Moselle) keeps two more under its local law: Good Friday and 26 December.

import { addDaysToLocalDate, dayOfWeek } from './zoned-time.js';

export interface HolidayOptions {
  /** Add Good Friday and 26 December (local law of Bas-Rhin, Haut-Rhin and Moselle). */
  readonly alsaceMoselle: boolean;
}

const FIXED_HOLIDAYS = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'] as const;

const cache = new Map<string, ReadonlySet<string>>();

function checkYear(year: number): void {
  // The Gregorian computus holds from 1583; local dates are written with four-digit years.
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new RangeError(`year must be an integer from 1583 to 9999, got ${year}`);
  }
}

/** Easter Sunday of `year` (Gregorian, 1583–9999) as `YYYY-MM-DD`, by the anonymous Meeus/Jones/Butcher algorithm. */
export function easterSunday(year: number): string {
  checkYear(year);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function holidaySet(year: number, options: HolidayOptions): ReadonlySet<string> {
  const key = `${year}:${options.alsaceMoselle}`;
  let holidays = cache.get(key);
  if (!holidays) {
    const easter = easterSunday(year);
    const dates = [
      ...FIXED_HOLIDAYS.map((monthDay) => `${year}-${monthDay}`),
      addDaysToLocalDate(easter, 1), // Easter Monday
      addDaysToLocalDate(easter, 39), // Ascension
      addDaysToLocalDate(easter, 50), // Whit Monday
    ];
    if (options.alsaceMoselle) dates.push(addDaysToLocalDate(easter, -2), `${year}-12-26`);
    holidays = new Set(dates.sort());
    cache.set(key, holidays);
  }
  return holidays;
}

/**
 * The public holidays of `year` (1583–9999) as sorted `YYYY-MM-DD` dates: the 11 national ones
 * (today's list, applied to any year), plus Good Friday and 26 December with `alsaceMoselle`.
 * Holidays falling on a weekend are listed too (French law does not move them to a weekday); a
 * date that is two holidays at once (Ascension on 1 May in 2008) is listed once.
 */
export function frenchPublicHolidays(year: number, options: HolidayOptions): string[] {
  return [...holidaySet(year, options)];
}

/** True when `localDate` (`YYYY-MM-DD`) is Monday to Friday and not a public holiday. */
export function isBusinessDay(localDate: string, options: HolidayOptions): boolean {
  const weekday = dayOfWeek(localDate);
  if (weekday === 0 || weekday === 6) return false;
  return !holidaySet(Number(localDate.slice(0, 4)), options).has(localDate);
}

/** The public holidays of every year from `firstYear` to `lastYear` (included), sorted. */
export function publicHolidaysOfYears(firstYear: number, lastYear: number, options: HolidayOptions): string[] {
  const dates: string[] = [];
  for (let year = firstYear; year <= lastYear; year++) dates.push(...holidaySet(year, options));
  return dates;
}

/**
 * Whole business days from `fromLocalDate` to `toLocalDate` (`YYYY-MM-DD`): the business days
 * after the first up to and including the second, the first moved to the next business day when
 * it is none (a Saturday reception handled on Monday is 0, on Tuesday 1). 0 when `to` ≤ `from`.
 */
export function businessDaysBetween(fromLocalDate: string, toLocalDate: string, options: HolidayOptions): number {
  let count = 0;
  for (let day = addDaysToLocalDate(fromLocalDate, 1); day <= toLocalDate; day = addDaysToLocalDate(day, 1))
    if (isBusinessDay(day, options)) count += 1;
  return Math.max(0, count - (isBusinessDay(fromLocalDate, options) ? 0 : 1));
}
