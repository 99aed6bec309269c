// The complainant answers the effectiveness question (« Répondez OUI ou NON », SPEC §2): OUI
// closes (or not, per configuration), NON sends the ticket back to work; whoever handles it is told.
import type { Db } from '../db/database.js';
import { recordEvents } from '../db/events.js';
import { updateTicket, type TicketRow } from '../db/tickets.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { handlersOf } from '../domain/people.js';
import { changeTicket } from '../domain/ticket-life-cycle.js';
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
  const outcome = changeTicket(
    ticket,
    { kind: 'effectiveness', effective, source: 'complainant', closeOnYes: config.effectiveness.closeOnYes },
    now,
  );
  if (!outcome.ok) throw new Error(outcome.refusal); // a complainant's answer is never refused
  await updateTicket(tx, ticket.id, { ...outcome.patch, updatedAt: now });
  await recordEvents(
    tx,
    outcome.events.map((e) => ({
      ticketId: ticket.id,
      at: now,
      // The answer is the complainant's; what follows from it, the system's.
      actor: e.type === EVENT_TYPES.effectiveness ? (ticket.complainantEmail ?? 'complainant') : 'system',
      type: e.type,
      data: e.data,
      messageId: messageRowId,
    })),
  );
  const after = { ...ticket, ...outcome.patch };
  const close = after.status === 'closed';
  if (close && ticket.complainantEmail) await mailComplainant(tx, deps, ticket, 'closure', {});
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
