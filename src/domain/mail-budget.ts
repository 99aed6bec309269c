// The per-address budget of automatic mails (SPEC §3): a loop with another robot, or a person
// writing fifty times, must not turn reclam into a mail cannon.
import type { Duration } from './duration.js';
import { fixedDurationMs } from './duration.js';

export interface BudgetWindow {
  readonly max: number;
  readonly within: Duration;
}

export interface BudgetUsage {
  readonly window: BudgetWindow;
  /** Automatic mails already queued to the address within the window. */
  readonly used: number;
}

/** The first window whose budget is spent, or null when one more automatic mail may go. */
export function exhaustedWindow(usages: readonly BudgetUsage[]): BudgetWindow | null {
  return usages.find((u) => u.used >= u.window.max)?.window ?? null;
}

/** Window length in milliseconds (business days are counted as calendar days here). */
export function windowMs(window: BudgetWindow): number {
  return fixedDurationMs(window.within) ?? window.within.amount * 86_400_000;
}
