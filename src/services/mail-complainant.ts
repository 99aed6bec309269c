// A templated mail to the complainant about their ticket, on the ticket's thread in their client.
import type { Db } from '../db/database.js';
import type { TicketRow } from '../db/tickets.js';
import { complainantThread } from './complainant-thread.js';
import type { Deps } from './deps.js';
import { enqueueMail } from './enqueue-mail.js';

/**
 * Queues `template` to the ticket's complainant (who must have an address). Answers written by a
 * person are not automatic mail: they are not counted in the per-address budget.
 */
export async function mailComplainant(
  tx: Db,
  deps: Pick<Deps, 'clock' | 'config' | 'render' | 'random'>,
  ticket: TicketRow,
  template: string,
  extra: Record<string, unknown>,
): Promise<void> {
  const thread = await complainantThread(tx, ticket.id);
  await enqueueMail(tx, deps, {
    kind: template,
    template,
    to: ticket.complainantEmail!,
    ticket,
    automatic: false,
    autoSubmitted: 'auto-generated',
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    data: {
      organisation: { name: deps.config.organisation.name },
      reference: ticket.reference,
      complainantName: ticket.complainantName,
      originalSubject: ticket.subject,
      ...extra,
    },
  });
}
