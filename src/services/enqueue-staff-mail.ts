// Mails to staff carry a personal signed reply address and the same token in their Message-ID,
// so that a reply can be authenticated as coming from that person about that ticket (SPEC §3).
import type { Person } from '../domain/people.js';
import type { Db } from '../db/database.js';
import type { OutboxAttachment } from '../db/schema.js';
import { expiryDay, personalAddress, signReplyToken, type TokenKind } from '../domain/reply-token.js';
import type { Deps } from './deps.js';
import { enqueueMail, type EnqueueResult, type MailRequest } from './enqueue-mail.js';

export interface StaffMailRequest {
  readonly kind: string;
  readonly template: string;
  readonly data: object;
  readonly to: Person;
  /** The ticket the mail is about; null for mails about no ticket (help, alerts). */
  readonly ticket: { readonly id: number; readonly reference: string } | null;
  readonly inReplyTo?: string | null;
  /** Sign the reply address for this intake (the staff mail's id) instead of the ticket. */
  readonly intakeOf?: number;
  /** Files the mail carries (the complainant's attachments, staff-attachments.ts). */
  readonly attachments?: readonly OutboxAttachment[];
  /** Sign the reply address for this recurrence analysis (its id) instead of a ticket. */
  readonly analysisOf?: number;
}

type StaffDeps = Pick<Deps, 'clock' | 'config' | 'render' | 'random'>;

/** An intake waits this long for its sender's confirmation. */
const INTAKE_TTL_DAYS = 7;

/**
 * The signed token of `person` for `ticketId` (0: the person's own address), valid tokenTtlDays;
 * with `intake` (true or 'intake'), for the staff mail `ticketId` waiting for confirmation, valid a
 * week; with 'analysis', for the recurrence analysis `ticketId`.
 */
export function staffToken(
  deps: Pick<Deps, 'clock' | 'config'>,
  person: Person,
  ticketId: number,
  intake: boolean | TokenKind = false,
): string {
  const { security } = deps.config;
  const kind: TokenKind = intake === true ? 'intake' : intake === false ? 'ticket' : intake;
  const ttl = kind === 'intake' ? Math.min(INTAKE_TTL_DAYS, security.tokenTtlDays) : security.tokenTtlDays;
  return signReplyToken(
    {
      ticketId,
      expiresOnDay: expiryDay(deps.clock.now(), ttl),
      ...(kind === 'intake' ? { intake: true } : kind === 'analysis' ? { analysis: true } : {}),
    },
    person.email,
    security.replySecret,
  );
}

/** `reclamation+<token>@…` for `person` (or the plain mailbox when plus-addressing is off). */
export function staffReplyAddress(
  deps: Pick<Deps, 'clock' | 'config'>,
  person: Person,
  ticketId: number,
  intake: boolean | TokenKind = false,
): string {
  const { mailbox } = deps.config;
  return mailbox.plusAddressing
    ? personalAddress(mailbox.address, staffToken(deps, person, ticketId, intake))
    : mailbox.address;
}

export async function enqueueStaffMail(tx: Db, deps: StaffDeps, request: StaffMailRequest): Promise<EnqueueResult> {
  return enqueueMail(tx, deps, staffMailRequest(deps, request));
}

/** The outbox request of a staff mail: signed personal Reply-To and the token in the Message-ID. */
export function staffMailRequest(deps: Pick<Deps, 'clock' | 'config'>, request: StaffMailRequest): MailRequest {
  const intake: TokenKind =
    request.intakeOf !== undefined ? 'intake' : request.analysisOf !== undefined ? 'analysis' : 'ticket';
  const ticketId = request.intakeOf ?? request.analysisOf ?? request.ticket?.id ?? 0;
  return {
    kind: request.kind,
    template: request.template,
    data: request.data,
    to: request.to.email,
    ticket: request.ticket,
    automatic: false,
    autoSubmitted: 'auto-generated',
    inReplyTo: request.inReplyTo ?? null,
    replyTo: staffReplyAddress(deps, request.to, ticketId, intake),
    messageIdToken: staffToken(deps, request.to, ticketId, intake),
    ...(request.attachments?.length ? { attachments: request.attachments } : {}),
  };
}
