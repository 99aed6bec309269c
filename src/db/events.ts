// The audit trail: one row per change, who did it and from which message.
import type { NewEvent } from '../domain/event-types.js';
import type { Db } from './database.js';
import { FIGURE_EVENT_TYPES, invalidateStoredFigures } from './month-figures.js';
import { events } from './schema.js';

export async function recordEvent(tx: Db, event: NewEvent): Promise<void> {
  await recordEvents(tx, [event]);
}

/** Several events in one statement. */
export async function recordEvents(tx: Db, rows: readonly NewEvent[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.insert(events).values(
    rows.map((event) => ({
      ticketId: event.ticketId ?? null,
      at: event.at,
      actor: event.actor,
      type: event.type,
      data: event.data ?? {},
      messageId: event.messageId ?? null,
      analysisId: event.analysisId ?? null,
    })),
  );
  // A life-cycle event changes the stored digest figures of the instants after it.
  const lifecycle = rows.filter((e) => e.ticketId != null && FIGURE_EVENT_TYPES.has(e.type));
  if (lifecycle.length > 0)
    await invalidateStoredFigures(tx, new Date(Math.min(...lifecycle.map((e) => e.at.getTime()))));
}
