// When the pilot is reminded of an open recurrence analysis: every `recurrence.remindEvery` after
// its opening, sent only on business days within `escalation.workingHours`, in the organisation's
// zone. A reminder is keyed by its due instant (analysis_reminders is unique on it), so restarts
// and several daemons send each once; after an outage, only the latest missed one is sent.
import type { Duration } from './duration.js';
import { isBusinessDay } from './french-holidays.js';
import { addDaysToLocalDate, localWallTimeOf, zonedWallTimeToInstant } from './zoned-time.js';

export interface ReminderCalendar {
  readonly timeZone: string;
  readonly alsaceMoselle: boolean;
  readonly workingHours: WorkingHours;
}

/** `8-18`: from 08:00 (included) to 18:00 (excluded), local time. */
export interface WorkingHours {
  readonly start: number;
  readonly end: number;
}

/** `8-18` → { start: 8, end: 18 }; null when it is not `H-H` with 0 ≤ start < end ≤ 24. */
export function parseWorkingHours(text: string): WorkingHours | null {
  const match = /^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$/.exec(text);
  if (!match) return null;
  const start = Number(match[1]);
  const end = Number(match[2]);
  return start < end && end <= 24 ? { start, end } : null;
}

/** `8-18`, as the configuration writes working hours. */
export function formatWorkingHours(hours: WorkingHours): string {
  return `${hours.start}-${hours.end}`;
}

/** Whether `now` is on a business day (French holidays) within the working hours. */
export function isWorkingTime(now: Date, calendar: ReminderCalendar): boolean {
  const { start, end } = calendar.workingHours;
  const wall = localWallTimeOf(now, calendar.timeZone);
  return isBusinessDay(wall.localDate, calendar) && wall.hour >= start && wall.hour < end;
}

/** The first instant at or after `at` that is working time: `at` itself, or a business day's opening hour. */
export function nextWorkingTime(at: Date, calendar: ReminderCalendar): Date {
  if (isWorkingTime(at, calendar)) return at;
  const { start } = calendar.workingHours;
  const wall = localWallTimeOf(at, calendar.timeZone);
  let day = wall.hour < start ? wall.localDate : addDaysToLocalDate(wall.localDate, 1);
  while (!isBusinessDay(day, calendar)) day = addDaysToLocalDate(day, 1);
  return zonedWallTimeToInstant(day, start, 0, 0, 0, calendar.timeZone);
}

/**
 * The due instant one `every` after `from`: hours exactly; calendar days at the same local wall
 * time; business days at the same wall time on the `amount`-th business day after.
 */
export function addReminderInterval(from: Date, every: Duration, calendar: ReminderCalendar): Date {
  if (every.unit === 'h') return new Date(from.getTime() + every.amount * 3_600_000);
  const wall = localWallTimeOf(from, calendar.timeZone);
  let day = wall.localDate;
  if (every.unit === 'd') day = addDaysToLocalDate(day, every.amount);
  else
    for (let counted = 0; counted < every.amount; ) {
      day = addDaysToLocalDate(day, 1);
      if (isBusinessDay(day, calendar)) counted += 1;
    }
  return zonedWallTimeToInstant(day, wall.hour, wall.minute, wall.second, wall.millisecond, calendar.timeZone);
}

/**
 * The reminder due after the one due at `due` was handled at `now`: the first due instant of the
 * series strictly after `now`, so that missed ones are not sent one after another.
 */
export function nextReminderAfter(due: Date, now: Date, every: Duration, calendar: ReminderCalendar): Date {
  if (every.unit === 'h') {
    const step = every.amount * 3_600_000;
    return new Date(due.getTime() + (Math.floor((now.getTime() - due.getTime()) / step) + 1) * step);
  }
  let next = addReminderInterval(due, every, calendar);
  while (next.getTime() <= now.getTime()) next = addReminderInterval(next, every, calendar);
  return next;
}
