// Deadlines of the complaint procedure: a level's duration (calendar days, business days or
// hours) applied to the reception time in the organisation's time zone.

import type { Duration } from './duration.js';
import { isBusinessDay } from './french-holidays.js';
import { addDaysToLocalDate, endOfLocalDay, localDateOf } from './zoned-time.js';

export interface DeadlineOptions {
  /** The organisation's IANA time zone, e.g. `Europe/Paris`, `America/Cayenne`. */
  readonly timeZone: string;
  /** Count Good Friday and 26 December as holidays (Alsace-Moselle). */
  readonly alsaceMoselle: boolean;
}

const MS_PER_HOUR = 3_600_000;

/**
 * The deadline for a complaint received at `receivedAt` under a rule of `duration`.
 *
 * - `h`: absolute hours, `receivedAt + amount × 3600 s` exactly; a daylight-saving change moves
 *   the wall-clock result (48 h after Saturday 10:00 across spring-forward is Monday 11:00).
 * - `d`: calendar days; the end of the local day (see below) `amount` days after the local
 *   reception date.
 * - `bd`: business days (Monday–Friday minus French public holidays, see `isBusinessDay`);
 *   counting starts with the first business day after the local reception date, and the deadline
 *   is the end of the `amount`-th one: received Friday with 5 bd → the next Friday; received
 *   Saturday with 1 bd → Monday, or Tuesday when Monday is a holiday.
 *
 * The local reception date is the date in `options.timeZone`, not in UTC. "End of the local day"
 * is its last millisecond, 23:59:59.999 local time: a deadline is met up to and including it.
 * `duration.amount` must be a positive integer.
 */
export function computeDeadline(receivedAt: Date, duration: Duration, options: DeadlineOptions): Date {
  if (!Number.isInteger(duration.amount) || duration.amount < 1) {
    throw new RangeError(`duration amount must be a positive integer, got ${duration.amount}`);
  }
  switch (duration.unit) {
    case 'h':
      return new Date(receivedAt.getTime() + duration.amount * MS_PER_HOUR);
    case 'd': {
      const receivedOn = localDateOf(receivedAt, options.timeZone);
      return endOfLocalDay(addDaysToLocalDate(receivedOn, duration.amount), options.timeZone);
    }
    case 'bd': {
      let day = localDateOf(receivedAt, options.timeZone);
      let counted = 0;
      while (counted < duration.amount) {
        day = addDaysToLocalDate(day, 1);
        if (isBusinessDay(day, options)) counted++;
      }
      return endOfLocalDay(day, options.timeZone);
    }
    default: {
      const unknown: never = duration.unit;
      throw new RangeError(`unknown duration unit: ${String(unknown)}`);
    }
  }
}

/** The duration in French, as the acknowledgement states it: `10 jours calendaires`, `1 jour ouvré`, `48 heures`. */
export function describeDuration(duration: Duration): string {
  const plural = duration.amount >= 2; // French: singular below two
  switch (duration.unit) {
    case 'd':
      return plural ? `${duration.amount} jours calendaires` : `${duration.amount} jour calendaire`;
    case 'bd':
      return plural ? `${duration.amount} jours ouvrés` : `${duration.amount} jour ouvré`;
    case 'h':
      return plural ? `${duration.amount} heures` : `${duration.amount} heure`;
    default: {
      const unknown: never = duration.unit;
      throw new RangeError(`unknown duration unit: ${String(unknown)}`);
    }
  }
}

/** True once `now` is strictly after `deadline` (the deadline instant itself is still on time). */
export function isOverdue(deadline: Date, now: Date): boolean {
  return now.getTime() > deadline.getTime();
}
