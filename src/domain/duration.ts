// Durations as the procedures write them: calendar days, business days or hours.

export type DurationUnit = 'd' | 'bd' | 'h';

/** A deadline rule's duration: `amount` calendar days (d), business days (bd) or hours (h). */
export interface Duration {
  readonly amount: number;
  readonly unit: DurationUnit;
}

const PATTERN = /^\s*(\d{1,4})\s*(bd|d|h)\s*$/;

/** Parses `10d`, `5bd` or `48h`; returns null for anything else (including zero). */
export function parseDuration(text: string): Duration | null {
  const match = PATTERN.exec(text);
  if (!match) return null;
  const amount = Number(match[1]);
  if (amount <= 0) return null;
  return { amount, unit: match[2] as DurationUnit };
}

/** The canonical text of a duration (`10d`, `5bd`, `48h`), as stored on tickets. */
export function formatDuration(duration: Duration): string {
  return `${duration.amount}${duration.unit}`;
}

/**
 * A duration's rough length in hours, to rank deadlines of different units: a business day counts
 * 1.4 calendar days (7 calendar days hold 5 business days).
 */
export function approximateHours(duration: Duration): number {
  if (duration.unit === 'h') return duration.amount;
  return duration.amount * (duration.unit === 'd' ? 24 : 24 * 1.4);
}

/** Duration in milliseconds for the units that have a fixed length (h, d); business days have none. */
export function fixedDurationMs(duration: Duration): number | null {
  if (duration.unit === 'h') return duration.amount * 3_600_000;
  if (duration.unit === 'd') return duration.amount * 86_400_000;
  return null;
}
