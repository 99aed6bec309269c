// Puts mails in the outbox inside the caller's transaction: rendered now (what is queued is what
// will be sent), a Message-ID fixed now, loop-protection headers, one valid recipient, and the
// per-address budget of automatic mails. Takes a list: the ingest queues a whole batch's mails
// with one budget query and one insert.
import { setImmediate } from 'node:timers/promises';
import type { Db } from '../db/database.js';
import { recordEvents } from '../db/events.js';
import {
  budgetAlertsSentSince,
  countAutomaticSince,
  insertOutboxRows,
  type NewOutboxRow,
  type QueuedOutboxRow,
} from '../db/outbox.js';
import type { OutboxAttachment } from '../db/schema.js';
import { findTicketById, type TicketRow } from '../db/tickets.js';
import { formatDuration } from '../domain/duration.js';
import { EVENT_TYPES, type NewEvent } from '../domain/event-types.js';
import { mailKindLabel } from '../domain/french-labels.js';
import { windowMs, type BudgetWindow } from '../domain/mail-budget.js';
import { singleAddress } from '../domain/mail-address.js';
import { maySeeContent, type Person, peopleWithRole } from '../domain/people.js';
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
  /** `budget`: the address's automatic-mail budget is spent; `address`: not exactly one valid address. */
  | { readonly queued: false; readonly reason: 'budget' | 'address' };

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
  const [result] = await queueMails(tx, deps, [request]);
  return result!;
}

/**
 * Queues `requests` in order; returns what became of each. A mail whose recipient is not exactly
 * one valid address is not queued (an event, and the pilot told); an automatic mail past its
 * address's budget is not queued either (an event, and the pilot told once per window). The
 * budget counts the mails of the list before it, as if they had been queued one by one.
 */
export async function queueMails(
  tx: Db,
  deps: EnqueueDeps,
  requests: readonly MailRequest[],
): Promise<EnqueueResult[]> {
  if (requests.length === 0) return [];
  const now = deps.clock.now();
  const addresses = requests.map((r) => singleAddress(r.to));
  const overBudget = await spentBudgets(tx, deps, requests, addresses, now);

  const accepted: number[] = [];
  const rows: NewOutboxRow[] = [];
  for (const [i, request] of requests.entries()) {
    const to = addresses[i] ?? null;
    if (to === null || overBudget.has(i)) continue;
    accepted.push(i);
    rows.push(composeOutboxRow(deps, { ...request, to }, now));
    // Rendering takes a few ms: lets SMTP replies and IMAP notifications through meanwhile.
    if (rows.length % 8 === 0) await setImmediate();
  }
  const queued = await insertOutboxRows(tx, rows);
  const results: EnqueueResult[] = requests.map((_, i) => ({
    queued: false,
    reason: addresses[i] === null ? 'address' : 'budget',
  }));
  for (const [k, i] of accepted.entries()) results[i] = { queued: true, row: queued[k]! };

  const unusable = requests.filter((_, i) => addresses[i] === null);
  if (unusable.length > 0) await refuseUnusableAddresses(tx, deps, unusable, now);
  if (overBudget.size > 0) await refuseOverBudget(tx, deps, requests, addresses, overBudget, now);
  return results;
}

/** The automatic mails of `requests` that would go past a budget window: index → that window. */
async function spentBudgets(
  tx: Db,
  deps: EnqueueDeps,
  requests: readonly MailRequest[],
  addresses: readonly (string | null)[],
  now: Date,
): Promise<Map<number, BudgetWindow>> {
  const spent = new Map<number, BudgetWindow>();
  const automatic = [...requests.keys()].filter((i) => requests[i]!.automatic && addresses[i] !== null);
  if (automatic.length === 0) return spent;
  const windows = budgetWindows(deps);
  const since = windows.map((w) => new Date(now.getTime() - windowMs(w)));
  const used = await countAutomaticSince(
    tx,
    automatic.map((i) => addresses[i]!),
    since,
  );
  for (const i of automatic) {
    const to = addresses[i]!;
    const counts = used.get(to) ?? windows.map(() => 0);
    const exhausted = windows.find((w, k) => counts[k]! >= w.max);
    if (exhausted) {
      spent.set(i, exhausted);
      continue;
    }
    used.set(
      to,
      counts.map((c) => c + 1),
    );
  }
  return spent;
}

function budgetWindows(deps: EnqueueDeps): BudgetWindow[] {
  return deps.config.rateLimits.perAddress.map((w) => ({ max: w.max, within: w.within }));
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

async function refuseUnusableAddresses(
  tx: Db,
  deps: EnqueueDeps,
  refused: readonly MailRequest[],
  now: Date,
): Promise<void> {
  // The refused text is hostile input: it is neither logged nor quoted, only its length.
  await recordEvents(
    tx,
    refused.map((request) => ({
      ticketId: request.ticket?.id ?? null,
      at: now,
      actor: 'system',
      type: EVENT_TYPES.mailAddressRefused,
      data: { kind: request.kind, length: request.to.length },
    })),
  );
  const alerts = refused.flatMap((request) =>
    peopleWithRole(deps.config, 'pilot').map((pilot) =>
      pilotAlert(deps.config, pilot, 'unusable-address', { kind: mailKindLabel(request.kind) }, request.ticket),
    ),
  );
  await queueMails(tx, deps, alerts);
}

async function refuseOverBudget(
  tx: Db,
  deps: EnqueueDeps,
  requests: readonly MailRequest[],
  addresses: readonly (string | null)[],
  spent: ReadonlyMap<number, BudgetWindow>,
  now: Date,
): Promise<void> {
  const told = new Set<string>();
  for (const window of new Set(spent.values())) {
    const to = [...spent].filter(([, w]) => w === window).map(([i]) => addresses[i]!);
    for (const address of await budgetAlertsSentSince(tx, to, new Date(now.getTime() - windowMs(window))))
      told.add(`${address} ${formatDuration(window.within)}`);
  }
  // The address is the complainant's: named only to a pilot who may see the ticket's content.
  const tickets = new Map<number, TicketRow | undefined>();
  for (const i of spent.keys()) {
    const id = requests[i]!.ticket?.id;
    if (id !== undefined && !tickets.has(id)) tickets.set(id, await findTicketById(tx, id));
  }
  const events: NewEvent[] = [];
  const alerts: MailRequest[] = [];
  for (const [i, window] of spent) {
    const request = requests[i]!;
    const to = addresses[i]!;
    const key = `${to} ${formatDuration(window.within)}`;
    const alerting = !told.has(key);
    told.add(key);
    events.push({
      ticketId: request.ticket?.id ?? null,
      at: now,
      actor: 'system',
      type: EVENT_TYPES.mailBudgetExceeded,
      data: {
        address: to,
        kind: request.kind,
        window: `${window.max}/${formatDuration(window.within)}`,
        pilotAlerted: alerting,
      },
    });
    if (!alerting) continue;
    const ticket = request.ticket ? tickets.get(request.ticket.id) : undefined;
    for (const pilot of peopleWithRole(deps.config, 'pilot')) {
      const shown =
        ticket && maySeeContent(ticket, pilot)
          ? to
          : ticket
            ? 'masquée (réclamation réservée aux médecins)'
            : 'masquée';
      alerts.push(
        pilotAlert(
          deps.config,
          pilot,
          'budget-exceeded',
          { address: shown, window: describeWindow(window) },
          request.ticket,
        ),
      );
    }
  }
  await recordEvents(tx, events);
  await queueMails(tx, deps, alerts);
}

/** What a pilot alert is about: templates/fr/pilot-alert.* say each in its own words. */
export type PilotAlertKind = 'unusable-address' | 'budget-exceeded' | 'quarantine' | 'oversize' | 'outbox-dead';

/**
 * An alert to one pilot (`details` is already masked for that pilot). Alerts are not subject to
 * the mail budget: they go to staff, never outside.
 */
export function pilotAlert(
  config: Pick<Deps['config'], 'organisation'>,
  pilot: Pick<Person, 'email'>,
  alert: PilotAlertKind,
  details: Record<string, unknown>,
  ticket: { readonly id: number; readonly reference: string } | null = null,
): MailRequest {
  return {
    kind: 'pilot-alert',
    template: 'pilot-alert',
    to: pilot.email,
    ticket,
    automatic: false,
    autoSubmitted: 'auto-generated',
    data: { organisation: { name: config.organisation.name }, alert, reference: ticket?.reference, details },
  };
}

function describeWindow(window: BudgetWindow): string {
  const unit = { h: 'heure', d: 'jour', bd: 'jour ouvré' }[window.within.unit];
  const plural = window.within.amount > 1 ? (unit === 'jour ouvré' ? 'jours ouvrés' : `${unit}s`) : unit;
  return `${window.max} messages en ${window.within.amount} ${plural}`;
}
