// Recurrence (SPEC §2, §5; seed 002: « une réclamation identique survenant de manière répétée sur
// 6 mois (supérieure à 10) » → a 5-whys analysis): when more than `threshold` tickets of one
// typology were received within `months` months, an analysis is opened, once per typology and
// window. Pure: the counting query is in db/analyses.ts, the writing in services/detect-recurrence.ts.
import { formatTicketReference } from './ticket-reference.js';
import { localWallTimeOf, zonedWallTimeToInstant } from './zoned-time.js';

/** The prefix of analysis references, `ANA-2026-0003`: its own yearly sequence, apart from tickets'. */
export const ANALYSIS_PREFIX = 'ANA';

/** `2026`, 3 → `ANA-2026-0003`. */
export function formatAnalysisReference(year: number, sequence: number): string {
  return formatTicketReference(ANALYSIS_PREFIX, year, sequence);
}

const ANALYSIS_TAG = /\[(ANA-\d{4}-\d{4,})\]/gi;

/** The analysis references tagged in a subject (`RE: [ANA-2026-0003] …`), upper-cased, in order. */
export function analysisReferencesIn(subject: string): string[] {
  return [...subject.matchAll(ANALYSIS_TAG)].map((m) => m[1]!.toUpperCase());
}

export interface RecurrenceRule {
  /** An analysis opens when the tickets of the window are MORE than this. */
  readonly threshold: number;
  /** The window's length in calendar months. */
  readonly months: number;
}

/**
 * The window's start for a window ending at `end`: the same wall time `months` calendar months
 * earlier in `timeZone`, the day clamped to the month's last (31 August − 6 months → 28 or 29
 * February). The window is `(start, end]`: a ticket received exactly at the start is outside.
 */
export function recurrenceWindowStart(end: Date, months: number, timeZone: string): Date {
  if (!Number.isInteger(months) || months < 1) throw new RangeError(`months must be a positive integer, got ${months}`);
  const wall = localWallTimeOf(end, timeZone);
  const year = Number(wall.localDate.slice(0, 4));
  const month = Number(wall.localDate.slice(5, 7));
  const day = Number(wall.localDate.slice(8, 10));
  const index = year * 12 + (month - 1) - months;
  const startYear = Math.floor(index / 12);
  const startMonth = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(startYear, startMonth, 0)).getUTCDate();
  const localDate = `${String(startYear).padStart(4, '0')}-${pad(startMonth)}-${pad(Math.min(day, lastDay))}`;
  return zonedWallTimeToInstant(localDate, wall.hour, wall.minute, wall.second, wall.millisecond, timeZone);
}

/** What one ticket of a typology does to the analyses. */
export type RecurrenceDecision =
  /** An analysis of the typology is open: the ticket joins it (no second analysis). */
  | { readonly kind: 'attach'; readonly analysisId: number }
  /** More than `threshold` tickets in the window, none in an analysis yet: one opens with them all. */
  | { readonly kind: 'open' }
  | { readonly kind: 'none' };

/**
 * The decision for a ticket of a typology: `openAnalysisId` is the typology's open analysis, if
 * any; `inWindow` counts the tickets of the typology in the window ending at this ticket's
 * reception (itself included) that belong to no analysis yet, so a window whose analysis was
 * closed needs more than `threshold` new tickets to open another.
 */
export function decideRecurrence(input: {
  readonly openAnalysisId: number | null;
  readonly inWindow: number;
  readonly rule: RecurrenceRule;
}): RecurrenceDecision {
  if (input.openAnalysisId !== null) return { kind: 'attach', analysisId: input.openAnalysisId };
  return input.inWindow > input.rule.threshold ? { kind: 'open' } : { kind: 'none' };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
