// Dates as French mails write them ("jeudi 3 décembre 2026 à 14 h 05"), and the deadline
// sentence of acknowledgements. Names are spelled here rather than taken from Intl so that the
// text does not depend on the runtime's locale data.

import { describeDuration } from './deadline.js';
import type { Duration } from './duration.js';
import { dayOfWeek, localWallTimeOf } from './zoned-time.js';

const WEEKDAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'] as const;
export const FRENCH_MONTHS = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
] as const;

/** `2026-12-01` → `1er décembre 2026`. */
export function frenchDayOf(localDate: string): string {
  const year = Number(localDate.slice(0, 4));
  const month = Number(localDate.slice(5, 7));
  const day = Number(localDate.slice(8, 10));
  return `${day === 1 ? '1er' : day} ${FRENCH_MONTHS[month - 1]} ${year}`;
}

function formatLocalDate(localDate: string): string {
  return `${WEEKDAYS[dayOfWeek(localDate)]} ${frenchDayOf(localDate)}`;
}

/** `instant`'s date in `timeZone`, in French: `jeudi 3 décembre 2026`, `mardi 1er décembre 2026`. */
export function formatFrenchDate(instant: Date, timeZone: string): string {
  return formatLocalDate(localWallTimeOf(instant, timeZone).localDate);
}

/** `instant` in `timeZone`, in French, to the minute (seconds dropped): `jeudi 3 décembre 2026 à 14 h 05`. */
export function formatFrenchDateTime(instant: Date, timeZone: string): string {
  const wall = localWallTimeOf(instant, timeZone);
  return `${formatLocalDate(wall.localDate)} à ${wall.hour} h ${String(wall.minute).padStart(2, '0')}`;
}

export interface DeadlineLevel {
  readonly level: number;
  /** When given, written in parentheses after the level number. */
  readonly label?: string;
}

/**
 * The deadline as acknowledgements state it, with its rule:
 * `au plus tard le jeudi 3 décembre 2026 — niveau 1 : 10 jours calendaires`. Day-based rules (d,
 * bd) give the date only, since their deadlines are ends of local days; hour rules add the time:
 * `au plus tard le jeudi 3 décembre 2026 à 14 h 05 — niveau 1 : 48 heures`. With a label:
 * `— niveau 1 (Sans impact) : 30 jours calendaires`.
 */
export function deadlineSentence(
  deadline: Date,
  duration: Duration,
  level: DeadlineLevel,
  options: { readonly timeZone: string },
): string {
  const { timeZone } = options;
  const when = duration.unit === 'h' ? formatFrenchDateTime(deadline, timeZone) : formatFrenchDate(deadline, timeZone);
  const label = level.label ? ` (${level.label})` : '';
  return `au plus tard le ${when} — niveau ${level.level}${label} : ${describeDuration(duration)}`;
}
