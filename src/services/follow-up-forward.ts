// Whoever handles a ticket must see what the complainant (or someone in copy) writes next.
import type { TicketRow } from '../db/tickets.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import type { InboundMail } from '../domain/inbound-mail.js';
import { handlersOf, maySeeContent } from '../domain/people.js';
import { formatSize } from '../domain/ticket-view.js';
import type { Deps } from './deps.js';
import type { StaffMailRequest } from './enqueue-staff-mail.js';
import { notificationAttachments } from './staff-attachments.js';

/** The `follow-up-forward` mails of a follow-up: to the assignee, else the routed referents, else the pilot. */
export function followUpForwardRequests(
  deps: Pick<Deps, 'config' | 'clock'>,
  ticket: TicketRow,
  mail: InboundMail,
  newText: string,
): StaffMailRequest[] {
  const { config } = deps;
  const now = deps.clock.now();
  const from = mail.from?.address ?? '';
  return handlersOf(config, ticket).map((person) => {
    const files = notificationAttachments(deps, ticket, person, mail.attachments);
    return {
      kind: 'follow-up-forward',
      template: 'follow-up-forward',
      to: person,
      ticket,
      attachments: files.attachments,
      data: {
        mailAttachments: files.data,
        organisation: { name: config.organisation.name },
        reference: ticket.reference,
        recipientName: person.name ?? '',
        confidential: !maySeeContent(ticket, person),
        complainant: { name: mail.from?.name ?? '', email: from },
        originalSubject: mail.subject,
        receivedAt: formatFrenchDateTime(now, config.organisation.timezone),
        text: newText || mail.text,
        attachments: mail.attachments.map((a) => ({ filename: a.filename, size: formatSize(a.size) })),
      },
    };
  });
}
