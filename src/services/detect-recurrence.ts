// Recurrence detection (SPEC §2, seed 002): run, inside the caller's transaction, for tickets just
// opened or requalified. A ticket of a typology that has an open analysis joins it; otherwise,
// when the typology's tickets received in the window ending at it that belong to no analysis are
// more than `recurrence.threshold`, one analysis opens with them all — at the 11th ticket, not
// again at the 12th. The pilot is told by mail (services/analysis-mail.ts).
import type { Db } from '../db/database.js';
import {
  allocateAnalysisReference,
  attachTickets,
  detachFromOtherOpenAnalyses,
  insertAnalysis,
  openAnalysesOf,
  unlinkedTicketsInWindow,
  type AnalysisRow,
} from '../db/analyses.js';
import { recordEvents } from '../db/events.js';
import type { TicketRow } from '../db/tickets.js';
import { EVENT_TYPES, type NewEvent } from '../domain/event-types.js';
import { decideRecurrence, recurrenceWindowStart } from '../domain/recurrence.js';
import { localDateOf } from '../domain/zoned-time.js';
import { addReminderInterval } from '../domain/analysis-reminder.js';
import { queueAnalysisOpened } from './analysis-mail.js';
import type { Deps } from './deps.js';
import { reminderCalendar } from './remind-analyses.js';

export type RecurrenceDeps = Pick<Deps, 'clock' | 'config' | 'log' | 'render' | 'random'>;

export interface RecurrenceOutcome {
  /** Analyses opened now. */
  readonly opened: readonly AnalysisRow[];
  /** Ticket id → reference of the analysis it belongs to now (opened or joined). */
  readonly analysisOf: ReadonlyMap<number, string>;
}

export interface RecurrenceOptions {
  /** The tickets were requalified (#typologie, #categorie): they leave the open analyses of another typology. */
  readonly requalified?: boolean;
  /** Who caused the check (a person's address, or `system`) and from which message. */
  readonly actor?: string;
  readonly messageRowId?: number | null;
}

/** Opens or extends analyses for `checked` (see the module comment); returns what changed. */
export async function checkRecurrence(
  tx: Db,
  deps: RecurrenceDeps,
  checked: readonly TicketRow[],
  options: RecurrenceOptions = {},
): Promise<RecurrenceOutcome> {
  const analysisOf = new Map<number, string>();
  const opened: AnalysisRow[] = [];
  if (options.requalified) for (const t of checked) await detachFromOtherOpenAnalyses(tx, t.id, t.typology);
  const counted = checked.filter((t) => t.typology !== null && t.status !== 'rejected');
  if (counted.length === 0) return { opened, analysisOf };
  const byTypology = new Map<string, TicketRow[]>();
  for (const t of counted) byTypology.set(t.typology!, [...(byTypology.get(t.typology!) ?? []), t]);
  const open = await openAnalysesOf(tx, [...byTypology.keys()]);
  const now = deps.clock.now();
  const events: NewEvent[] = [];
  const { recurrence, organisation } = deps.config;
  const base = { at: now, actor: options.actor ?? 'system', messageId: options.messageRowId ?? null };

  for (const [typology, group] of byTypology) {
    let analysis = open.get(typology) ?? null;
    let ticketIds = group.map((t) => t.id);
    if (analysis === null) {
      // The window ends at the latest reception of the group: back-dated mails count where they belong.
      const end = new Date(Math.max(...group.map((t) => t.receivedAt.getTime())));
      const start = recurrenceWindowStart(end, recurrence.months, organisation.timezone);
      const unlinked = await unlinkedTicketsInWindow(tx, typology, start, end);
      if (decideRecurrence({ openAnalysisId: null, inWindow: unlinked.length, rule: recurrence }).kind !== 'open')
        continue;
      const year = Number(localDateOf(now, organisation.timezone).slice(0, 4));
      const { reference, sequence } = await allocateAnalysisReference(tx, year);
      analysis = await insertAnalysis(tx, {
        reference,
        year,
        sequence,
        typology,
        category: categoryOf(deps, typology) ?? group[0]!.category,
        threshold: recurrence.threshold,
        months: recurrence.months,
        windowStart: start,
        windowEnd: end,
        openedAt: now,
        nextReminderAt: addReminderInterval(now, deps.config.recurrence.remindEvery, reminderCalendar(deps)),
        updatedAt: now,
      });
      if (analysis === null) {
        // Opened meanwhile by another transaction: join it, as any later ticket would.
        analysis = (await openAnalysesOf(tx, [typology])).get(typology)!;
      } else {
        opened.push(analysis);
        ticketIds = unlinked;
        events.push({
          ...base,
          analysisId: analysis.id,
          type: EVENT_TYPES.analysisOpened,
          data: {
            reference,
            typology,
            threshold: recurrence.threshold,
            months: recurrence.months,
            windowStart: start.toISOString(),
            windowEnd: end.toISOString(),
            tickets: unlinked.length,
          },
        });
        deps.log.info({ analysis: reference, typology, tickets: unlinked.length }, 'recurrence analysis opened');
      }
    }
    const attached = await attachTickets(tx, analysis.id, ticketIds, now);
    for (const ticketId of attached)
      events.push({
        ...base,
        ticketId,
        analysisId: analysis.id,
        type: EVENT_TYPES.analysisTicketAttached,
        data: { reference: analysis.reference },
      });
    for (const t of group) analysisOf.set(t.id, analysis.reference);
  }
  await recordEvents(tx, events);
  for (const analysis of opened) await queueAnalysisOpened(tx, deps, analysis);
  return { opened, analysisOf };
}

/** The configured category that lists `typology`. */
function categoryOf(deps: Pick<Deps, 'config'>, typology: string): string | null {
  return deps.config.categories.find((c) => c.typologies.some((t) => t.key === typology))?.key ?? null;
}
