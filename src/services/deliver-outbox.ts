// Drains the outbox: claims due rows, sends them with their fixed Message-ID, and records the
// result. Transient SMTP failures are retried with backoff; permanent ones (or too many attempts)
// mark the row dead and tell the pilot.
import type { Db } from '../db/database.js';
import { recordEvent } from '../db/events.js';
import { claimDueOutbox, markOutboxDead, markOutboxRetry, markOutboxSent, type OutboxRow } from '../db/outbox.js';
import { backoffDelayMs } from '../domain/backoff.js';
import { findTicketById } from '../db/tickets.js';
import { maySeeContent, peopleWithRole } from '../domain/people.js';
import { maskAddresses } from '../domain/personal-data.js';
import { classifySmtpFailure } from '../domain/smtp-failure.js';
import type { SendResult } from '../ports.js';
import type { Deps } from './deps.js';
import { enqueueMail } from './enqueue-mail.js';

export interface DeliveryReport {
  readonly sent: number;
  readonly retried: number;
  readonly dead: number;
}

type DeliverDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'sender' | 'random'>;

/** How long a claimed row stays ours before another deliverer may take it back. */
export const OUTBOX_LEASE_MS = 120_000;

/** Sends every row due now, `batchSize` at a time, until none is left. */
export async function deliverOutbox(deps: DeliverDeps, batchSize = 20): Promise<DeliveryReport> {
  const report = { sent: 0, retried: 0, dead: 0 };
  for (;;) {
    const rows = await claimDueOutbox(deps.db, deps.clock.now(), OUTBOX_LEASE_MS, batchSize);
    if (rows.length === 0) return report;
    const results = await Promise.all(rows.map(async (row) => ({ row, result: await send(deps, row) })));
    for (const { row, result } of results) {
      const outcome = await recordResult(deps, row, result);
      report[outcome]++;
    }
  }
}

async function send(deps: DeliverDeps, row: OutboxRow): Promise<SendResult> {
  const { config } = deps;
  const { 'Reply-To': replyTo, ...headers } = row.headers;
  try {
    return await deps.sender.send({
      messageId: row.messageId,
      from: { name: config.mailbox.smtp.fromName ?? config.organisation.name, address: config.mailbox.address },
      to: row.toAddress,
      replyTo,
      subject: row.subject,
      text: row.text,
      html: row.html,
      headers,
      attachments: row.attachments ?? undefined,
    });
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

async function recordResult(deps: DeliverDeps, row: OutboxRow, result: SendResult): Promise<keyof DeliveryReport> {
  const now = deps.clock.now();
  const log = deps.log.child({ outboxId: row.id, kind: row.kind });
  if (result.ok) {
    await markOutboxSent(deps.db, row.id, now);
    log.info({ attempts: row.attempts }, 'mail sent');
    return 'sent';
  }
  const error = [result.responseCode, result.message].filter(Boolean).join(' ');
  const kind = classifySmtpFailure(result);
  const { maxAttempts, baseDelaySeconds, maxDelaySeconds } = deps.config.outbox;
  if (kind === 'transient' && row.attempts < maxAttempts) {
    const delay = backoffDelayMs(row.attempts, { baseMs: baseDelaySeconds * 1000, maxMs: maxDelaySeconds * 1000 }, deps.random());
    await markOutboxRetry(deps.db, row.id, new Date(now.getTime() + delay), error);
    log.warn({ attempts: row.attempts, retryInMs: delay, error: maskAddresses(error) }, 'mail refused for now: will retry');
    return 'retried';
  }
  await deps.db.transaction(async (tx) => {
    await markOutboxDead(tx, row.id, error);
    await recordEvent(tx, {
      ticketId: row.ticketId,
      at: now,
      actor: 'system',
      type: 'outbox.dead',
      data: { outboxId: row.id, kind: row.kind, attempts: row.attempts, error, permanent: kind === 'permanent' },
    });
    // An alert about a failed alert would only fail the same way; the log and the event keep it.
    if (row.kind !== 'pilot-alert') await alertPilots(tx, deps, row, error);
  });
  log.error({ attempts: row.attempts, error: maskAddresses(error) }, 'mail could not be delivered: marked dead, pilot alerted');
  log.trace({ to: row.toAddress, error }, 'undeliverable mail details');
  return 'dead';
}

async function alertPilots(tx: Db, deps: DeliverDeps, row: OutboxRow, error: string): Promise<void> {
  const reference = row.headers['X-Reclam-Ticket'];
  const ticket = row.ticketId ? await findTicketById(tx, row.ticketId) : undefined;
  for (const pilot of peopleWithRole(deps.config, 'pilot')) {
    // A medical ticket's recipient (the complainant) and subject are not the pilot's to see.
    const visible = !ticket || maySeeContent(ticket, pilot);
    await enqueueMail(tx, deps, {
      kind: 'pilot-alert',
      template: 'pilot-alert',
      to: pilot.email,
      ticket: row.ticketId && reference ? { id: row.ticketId, reference } : null,
      automatic: false,
      autoSubmitted: 'auto-generated',
      data: {
        organisation: { name: deps.config.organisation.name },
        alert: 'outbox-dead',
        reference,
        details: visible ? { to: row.toAddress, subject: row.subject, attempts: row.attempts, error } : { attempts: row.attempts, error },
      },
    });
  }
}
