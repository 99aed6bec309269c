// Reminders of open recurrence analyses (SPEC §2: « reminded like a ticket »): each open analysis
// is due every `recurrence.remindEvery` from its opening; at a working moment (business day,
// `escalation.workingHours`) the due ones are claimed, each reminder recorded once per due instant
// in analysis_reminders and its mails queued in the same transaction, and the next due instant
// set after now — a daemon back from a long stop sends one reminder per analysis, not a backlog.
import { claimDueAnalyses, nextAnalysisReminderAt, recordAnalysisReminder, updateAnalysis } from '../db/analyses.js';
import { recordEvent } from '../db/events.js';
import {
  isWorkingTime,
  nextReminderAfter,
  nextWorkingTime,
  type ReminderCalendar,
} from '../domain/analysis-reminder.js';
import { missingParts } from '../domain/analysis.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { peopleWithRole } from '../domain/people.js';
import { loadAnalysisState, queueAnalysisMail } from './analysis-mail.js';
import type { Deps } from './deps.js';

type ReminderDeps = Pick<Deps, 'db' | 'clock' | 'config' | 'log' | 'render' | 'random'>;

/** The organisation's calendar for reminders. */
export function reminderCalendar(deps: Pick<Deps, 'config'>): ReminderCalendar {
  const { organisation, escalation } = deps.config;
  return {
    timeZone: organisation.timezone,
    alsaceMoselle: organisation.alsaceMoselle,
    workingHours: escalation.workingHours,
  };
}

export interface RemindResult {
  /** Reminders recorded now (one per analysis; its mails to every pilot). */
  readonly reminded: readonly string[];
  /** When to look again: the next due reminder, or the next working moment if one is due outside working time. */
  readonly nextCheckAt: Date | null;
}

/** Sends the reminders due at now, if now is working time; says when to check again. */
export async function remindAnalyses(deps: ReminderDeps): Promise<RemindResult> {
  const now = deps.clock.now();
  const calendar = reminderCalendar(deps);
  const nextDue = await nextAnalysisReminderAt(deps.db);
  if (nextDue === null) return { reminded: [], nextCheckAt: null };
  if (nextDue.getTime() > now.getTime()) return { reminded: [], nextCheckAt: nextDue };
  if (!isWorkingTime(now, calendar)) return { reminded: [], nextCheckAt: nextWorkingTime(now, calendar) };
  const every = deps.config.recurrence.remindEvery;
  const pilots = peopleWithRole(deps.config, 'pilot');
  const reminded = await deps.db.transaction(async (tx) => {
    const done: string[] = [];
    for (const analysis of await claimDueAnalyses(tx, now)) {
      const due = analysis.nextReminderAt!;
      const next = nextReminderAfter(due, now, every, calendar);
      await updateAnalysis(tx, analysis.id, { nextReminderAt: next, updatedAt: now });
      const to = pilots.map((p) => p.email);
      if (!(await recordAnalysisReminder(tx, { analysisId: analysis.id, dueAt: due, sentAt: now, to }))) continue;
      const state = await loadAnalysisState(tx, analysis);
      for (const pilot of pilots)
        await queueAnalysisMail(tx, deps, state, pilot, {
          mode: 'reminder',
          role: 'pilot',
          showTickets: false,
          showHelp: true,
        });
      await recordEvent(tx, {
        analysisId: analysis.id,
        at: now,
        actor: 'system',
        type: EVENT_TYPES.analysisReminded,
        data: { dueAt: due.toISOString(), to, missing: missingParts(state.record) },
      });
      done.push(analysis.reference);
    }
    return done;
  });
  if (reminded.length > 0) deps.log.info({ analyses: reminded.length }, 'recurrence analyses reminded');
  return { reminded, nextCheckAt: await nextAnalysisReminderAt(deps.db) };
}
