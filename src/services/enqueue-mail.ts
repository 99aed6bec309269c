// Puts one mail in the outbox inside the caller's transaction: rendered now (what is queued is
// what will be sent), a Message-ID fixed now, loop-protection headers, and the per-address budget
// of automatic mails.
import type { Db } from '../db/database.js';
import { recordEvent } from '../db/events.js';
import { insertOutboxRows, type QueuedOutboxRow } from '../db/batch-writes.js';
import { budgetAlertSentSince, countAutomaticSince, type NewOutboxRow } from '../db/outbox.js';
import type { OutboxAttachment } from '../db/schema.js';
import { parseDuration } from '../domain/duration.js';
import { exhaustedWindow, windowMs, type BudgetWindow } from '../domain/mail-budget.js';
import { formatDuration } from '../domain/duration.js';
import { findTicketById } from '../db/tickets.js';
import { maySeeContent, peopleWithRole } from '../domain/people.js';
import { subjectTag } from '../domain/ticket-reference.js';
import type { Renderer } from '../ports.js';
import type { Deps } from './deps.js';

export type TemplateName = Parameters<Renderer['render']>[0];

export interface MailRequest {
  /** Outbox kind, for history and indicators (ack, follow-up-forward, pilot-alert …). */
  readonly kind: string;
  readonly template: TemplateName;
  readonly data: object;
  readonly to: string;
  readonly ticket?: { readonly id: number; readonly reference: string } | null;
  /** An automatic mail to an outside address (complainant): counted in the per-address budget. */
  readonly automatic: boolean;
  /** Message-ID (without brackets) this mail answers: threads it in the recipient's client. */
  readonly inReplyTo?: string | null;
  /** RFC 3834: `auto-replied` when answering a mail, `auto-generated` otherwise. */
  readonly autoSubmitted: 'auto-replied' | 'auto-generated';
  /** Earlier Message-IDs of the thread (without brackets), after `inReplyTo`. */
  readonly references?: readonly string[];
  /** Where replies should go: a staff member's signed personal address. */
  readonly replyTo?: string | null;
  /** A reply token carried in the Message-ID, so replies thread even when the plus-address is dropped. */
  readonly messageIdToken?: string | null;
  /** Files sent with the mail (the digest's inline chart and spreadsheet). */
  readonly attachments?: readonly OutboxAttachment[];
}

export type EnqueueResult =
  | { readonly queued: true; readonly row: QueuedOutboxRow }
  | { readonly queued: false; readonly reason: 'budget' };

type EnqueueDeps = Pick<Deps, 'clock' | 'config' | 'render' | 'random'>;

/** The right-hand side of our Message-IDs: the mailbox's domain. */
export function ownMessageIdDomain(config: Deps['config']): string {
  return config.mailbox.address.split('@')[1]!;
}

/** A fresh Message-ID (without brackets) for a mail about `reference`. */
export function newMessageId(
  deps: Pick<Deps, 'config' | 'random'>,
  now: Date,
  reference: string | null,
  token?: string | null,
): string {
  const random = Array.from({ length: 3 }, () => Math.floor(deps.random() * 0x1_0000_0000).toString(36)).join('');
  const about = reference ? `.${reference.toLowerCase()}` : '';
  const signed = token ? `.${token}` : '';
  return `rcl.${now.getTime().toString(36)}.${random}${about}${signed}@${ownMessageIdDomain(deps.config)}`;
}

export async function enqueueMail(tx: Db, deps: EnqueueDeps, request: MailRequest): Promise<EnqueueResult> {
  const now = deps.clock.now();
  const to = request.to.toLowerCase();
  if (request.automatic) {
    const windows: BudgetWindow[] = deps.config.rateLimits.perAddress.map((w) => ({
      max: w.max,
      within: parseDuration(w.within)!,
    }));
    const usages = await Promise.all(
      windows.map(async (window) => ({
        window,
        used: await countAutomaticSince(tx, to, new Date(now.getTime() - windowMs(window))),
      })),
    );
    const exhausted = exhaustedWindow(usages);
    if (exhausted) {
      await refuseOverBudget(tx, deps, request, to, exhausted, now);
      return { queued: false, reason: 'budget' };
    }
  }

  const row = await insertOutboxRows(tx, [composeOutboxRow(deps, request, now)]);
  return { queued: true, row: row[0]! };
}

/**
 * The outbox row of a mail, rendered now (what is queued is what will be sent) with its Message-ID
 * and loop-protection headers. Pure: the batch ingest composes rows before inserting them together.
 */
export function composeOutboxRow(deps: EnqueueDeps, request: MailRequest, now: Date): NewOutboxRow {
  const rendered = deps.render.render(request.template, request.data);
  const reference = request.ticket?.reference ?? null;
  const subject =
    reference && !rendered.subject.includes(subjectTag(reference))
      ? `${subjectTag(reference)} ${rendered.subject}`
      : rendered.subject;
  const headers: Record<string, string> = {
    'Auto-Submitted': request.autoSubmitted,
    // Asks Exchange/Outlook not to answer with out-of-office or read receipts.
    'X-Auto-Response-Suppress': 'All',
    'X-Reclam-Kind': request.kind,
  };
  if (reference) headers['X-Reclam-Ticket'] = reference;
  if (request.inReplyTo) headers['In-Reply-To'] = `<${request.inReplyTo}>`;
  const thread = [...new Set([...(request.references ?? []), ...(request.inReplyTo ? [request.inReplyTo] : [])])];
  if (thread.length > 0) headers.References = thread.map((id) => `<${id}>`).join(' ');
  if (request.replyTo) headers['Reply-To'] = request.replyTo;
  return {
    messageId: newMessageId(deps, now, reference, request.messageIdToken),
    ticketId: request.ticket?.id ?? null,
    kind: request.kind,
    toAddress: request.to.toLowerCase(),
    automatic: request.automatic,
    subject,
    text: rendered.text,
    html: rendered.html,
    headers,
    nextAttemptAt: now,
    createdAt: now,
    attachments: request.attachments?.length ? [...request.attachments] : null,
  };
}

async function refuseOverBudget(
  tx: Db,
  deps: EnqueueDeps,
  request: MailRequest,
  to: string,
  window: BudgetWindow,
  now: Date,
) {
  const since = new Date(now.getTime() - windowMs(window));
  const alreadyTold = await budgetAlertSentSince(tx, to, since);
  await recordEvent(tx, {
    ticketId: request.ticket?.id ?? null,
    at: now,
    actor: 'system',
    type: 'mail.budget-exceeded',
    data: {
      address: to,
      kind: request.kind,
      window: `${window.max}/${formatDuration(window.within)}`,
      pilotAlerted: !alreadyTold,
    },
  });
  if (alreadyTold) return;
  // The address is the complainant's: named only to a pilot who may see the ticket's content.
  const ticket = request.ticket ? await findTicketById(tx, request.ticket.id) : undefined;
  for (const pilot of peopleWithRole(deps.config, 'pilot')) {
    const address =
      ticket && maySeeContent(ticket, pilot) ? to : ticket ? 'masquée (réclamation réservée aux médecins)' : 'masquée';
    await enqueueMail(tx, deps, {
      kind: 'pilot-alert',
      template: 'pilot-alert',
      to: pilot.email,
      ticket: request.ticket ?? null,
      automatic: false,
      autoSubmitted: 'auto-generated',
      data: {
        organisation: { name: deps.config.organisation.name },
        alert: 'budget-exceeded',
        reference: request.ticket?.reference,
        details: { address, window: describeWindow(window) },
      },
    });
  }
}

function describeWindow(window: BudgetWindow): string {
  const unit = { h: 'heure', d: 'jour', bd: 'jour ouvré' }[window.within.unit];
  const plural = window.within.amount > 1 ? (unit === 'jour ouvré' ? 'jours ouvrés' : `${unit}s`) : unit;
  return `${window.max} messages en ${window.within.amount} ${plural}`;
}
