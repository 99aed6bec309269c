// The threading context of a list of received mails, in four queries whatever the list's length:
// the tickets their Message-IDs and subject tags point to, and what is already recorded.
import type { InboundContext } from '../domain/inbound-plan.js';
import type { Db } from './database.js';
import { recordedMessages } from './messages.js';
import { findTicketsByReferences, ticketsByMessageIds, type TicketRow } from './tickets.js';

export async function loadInboundContext(
  db: Db,
  keys: {
    readonly referencedIds: readonly string[];
    readonly ticketReferences: readonly string[];
    readonly messageIds: readonly string[];
  },
): Promise<InboundContext<TicketRow>> {
  const byMessageId = await ticketsByMessageIds(db, keys.referencedIds);
  const references = new Set(keys.ticketReferences);
  for (const found of byMessageId.values()) references.add(found.reference);
  const tickets = new Map((await findTicketsByReferences(db, [...references])).map((t) => [t.reference, t]));
  return { byMessageId, tickets, recorded: await recordedMessages(db, keys.messageIds) };
}
