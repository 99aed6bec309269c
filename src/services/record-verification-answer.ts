// The complainant answers the effectiveness question (« Répondez OUI ou NON », SPEC §2): OUI
// closes (or not, per configuration), NON sends the ticket back to work; whoever handles it is told.
import type { Db } from '../db/database.js';
import { recordEvent } from '../db/events.js';
import { updateTicket, type TicketRow } from '../db/tickets.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { handlersOf } from '../domain/people.js';
import { ticketView } from '../domain/ticket-view.js';
import type { Deps } from './deps.js';
import { enqueueStaffMail } from './enqueue-staff-mail.js';
import { mailComplainant } from './mail-complainant.js';

export async function recordVerificationAnswer(
  tx: Db,
  deps: Pick<Deps, 'clock' | 'config' | 'render' | 'random' | 'log'>,
  ticket: TicketRow,
  effective: boolean,
  text: string,
  messageRowId: number,
): Promise<void> {
  const { config } = deps;
  const now = deps.clock.now();
  const close = effective && config.effectiveness.closeOnYes;
  const status = close ? ('closed' as const) : effective ? ticket.status : ('in_progress' as const);
  await updateTicket(tx, ticket.id, { effective, status, ...(close ? { closedAt: now } : {}), updatedAt: now });
  const actor = ticket.complainantEmail ?? 'complainant';
  await recordEvent(tx, {
    ticketId: ticket.id,
    at: now,
    actor,
    type: EVENT_TYPES.effectiveness,
    data: { effective, source: 'complainant' },
    messageId: messageRowId,
  });
  if (close) {
    await recordEvent(tx, {
      ticketId: ticket.id,
      at: now,
      actor: 'system',
      type: EVENT_TYPES.closed,
      data: { after: 'complainant said yes' },
      messageId: messageRowId,
    });
    if (ticket.complainantEmail) await mailComplainant(tx, deps, ticket, 'closure', {});
  }
  const after = { ...ticket, effective, status };
  for (const person of handlersOf(config, ticket)) {
    const view = ticketView(after, person, config, { summary: ticket.summary });
    await enqueueStaffMail(tx, deps, {
      kind: 'verification-result',
      template: 'verification-result',
      to: person,
      ticket,
      data: {
        organisation: { name: config.organisation.name },
        recipientName: person.name ?? '',
        view,
        effective,
        closed: close,
        text: view.visible ? text : '',
      },
    });
  }
  deps.log.info({ ticket: ticket.reference, effective, closed: close }, 'effectiveness answered by the complainant');
}
