// The words of a ticket that the procedure, the database and the mails share: its states, the
// channels a complaint arrives by and who may lodge one (SPEC §2). The configuration and the
// schema take them from here.

export const TICKET_STATUSES = ['received', 'in_progress', 'answered', 'verifying', 'closed', 'rejected'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const CHANNELS = ['email', 'telephone', 'courrier', 'lrar', 'presentiel', 'portail', 'autre'] as const;
export type Channel = (typeof CHANNELS)[number];

export const REQUESTER_TYPES = ['adherent', 'salarie'] as const;
export type RequesterType = (typeof REQUESTER_TYPES)[number];
