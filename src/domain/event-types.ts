// The vocabulary of the audit trail (events.type). Indicators are computed from these names:
// change one only with a migration of the rows that carry it.

export const EVENT_TYPES = {
  /** A ticket was created. data: { channel, level, deadlineRule, deadlineAt, qualification } */
  received: 'ticket.received',
  /** A stranger used a ticket's subject tag; their mail became this new ticket. data: { linkedTo } */
  linked: 'ticket.linked',
  ackQueued: 'ack.queued',
  ackWithheld: 'ack.withheld',
  /** The complainant (or someone in copy) wrote again. */
  followUp: 'ticket.follow-up',
  /** A staff member's mail on the ticket (commands are recorded separately). */
  staffMessage: 'ticket.staff-message',
  /** data: { command, args } */
  commandApplied: 'command.applied',
  /** data: { command, reason } */
  commandRefused: 'command.refused',
  /** A command that failed authentication (no or bad token, forged sender). data: { claimedSender, reason } */
  commandForged: 'command.forged',
  /** A complaint sent by staff to the plain address: its sender is asked to confirm. data: { claimedSender, reason } */
  intakeProposed: 'intake.proposed',
  /** The sender confirmed; the ticket is opened from the original mail. data: { intake } */
  intakeConfirmed: 'intake.confirmed',
  /** The sender answered NON: nothing is opened. data: { intake } */
  intakeCancelled: 'intake.cancelled',
  /** data: { assignee, previous } */
  assigned: 'ticket.assigned',
  /** data: { field: category|level|requester|channel|typology, from, to } */
  requalified: 'ticket.requalified',
  /** data: { deadlineAt, deadlineRule } */
  deadlineChanged: 'ticket.deadline-changed',
  /** data: { via: 'mail' | 'lrar', tracking? } */
  answered: 'ticket.answered',
  /** Non receivable. data: { reason } */
  rejected: 'ticket.rejected',
  /** The complainant was asked whether the solution works. */
  verifying: 'ticket.verifying',
  /** data: { effective: boolean, source: 'complainant' | 'staff' } */
  effectiveness: 'ticket.effectiveness',
  closed: 'ticket.closed',
  reopened: 'ticket.reopened',
  /**
   * The complainant's identity and the ticket's texts were removed (RGPD); dates, level, category
   * and state stay. actor: who asked (`system` for retention). data: { reason: 'erasure' | 'retention' }
   */
  anonymised: 'ticket.anonymised',
  /**
   * One person's data were erased on request (`reclam gdpr erase`), naming nobody: data { by,
   * tickets: [references], messages, mailbox (raw mails deleted from IMAP), subjectKey (keyed
   * hash of the address, to answer « was X erased? » without keeping X) }
   */
  personalDataErased: 'personal-data.erased',
  /** data: { text } — internal note, corrective action, root cause, one of the 5 whys */
  note: 'ticket.note',
  action: 'ticket.action',
  cause: 'ticket.cause',
  why: 'ticket.why',
  /** An intermediate deadline. data: { dueAt, text } */
  milestone: 'ticket.milestone',
  /**
   * An interim update sent to the complainant (#informer, Qualiopi indicator 31: regular news);
   * the ticket's state is unchanged. data: { text }
   */
  informed: 'ticket.informed',
  /**
   * Overdue ticket escalated to the direction (services/follow-through.ts). data: { round: 1 | 2,
   * to: [addresses], dueAt: ISO, the direction's own deadline }
   */
  escalated: 'ticket.escalated',
  /**
   * A follow-through step mailed (take in hand, before/at the deadline, escalation, intermediate
   * deadline, effectiveness without answer). data: { kind, dueAt, about, to }
   */
  reminderSent: 'reminder.sent',
  mailAutoReply: 'mail.auto-reply',
  mailBounce: 'mail.bounce',
  mailOwn: 'mail.own',
  mailQuarantined: 'mail.quarantined',
  /** A mail under a Message-ID already recorded for another mail. data: { messageId, storedAs } */
  mailMessageIdReused: 'mail.message-id-reused',
  mailBudgetExceeded: 'mail.budget-exceeded',
  /** A mail not queued: its recipient is not exactly one valid address. data: { kind, length } */
  mailAddressRefused: 'mail.address-refused',
  mailboxResync: 'mailbox.resync',
  outboxDead: 'outbox.dead',
  /**
   * SMTP answered again after mails had been given up on transient failures (an outage longer
   * than the retry window); the pilot alerts that died with them were queued again, once.
   * data: { since (ISO, when the first of them was queued), deadMails, requeued: [outbox ids] }
   */
  outboxRecovered: 'outbox.recovered',
  /**
   * Recurrence analyses (events.analysis_id set). Opened: more than the threshold of one typology
   * in the window. data: { reference, typology, threshold, months, windowStart, windowEnd, tickets }
   */
  analysisOpened: 'analysis.opened',
  /** A ticket of the typology joined the open analysis (ticket_id and analysis_id set). data: { reference } */
  analysisTicketAttached: 'analysis.ticket-attached',
  /** One of the 5 whys (#pourquoi). data: { number: 1–5, text } */
  analysisWhy: 'analysis.why',
  /** A root cause (#cause). data: { text } */
  analysisCause: 'analysis.cause',
  /** A corrective action (#action), with its deadline if given. data: { text, dueAt: ISO | null } */
  analysisAction: 'analysis.action',
  /** #clore. data: { whys, causes, actions } (the counts at closure) */
  analysisClosed: 'analysis.closed',
  /** The pilot was reminded of the open analysis. data: { dueAt: ISO, to: string[], missing: string[] } */
  analysisReminded: 'analysis.reminded',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** One change of the audit trail, as written (db/events.ts stores it). */
export interface NewEvent {
  readonly ticketId?: number | null;
  readonly at: Date;
  /** An address, or `system`. */
  readonly actor: string;
  readonly type: EventType;
  readonly data?: Record<string, unknown>;
  /** The inbound message (messages.id) that caused it. */
  readonly messageId?: number | null;
  /** The recurrence analysis it is about (analyses.id). */
  readonly analysisId?: number | null;
}
