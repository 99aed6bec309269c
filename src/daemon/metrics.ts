// The daemon's figures in the Prometheus text format (prom-client). Everything is read from the
// database at scrape time, so the counts are those of the whole service (the outbox thread, the
// CLI's `ingest`, another daemon on the same PostgreSQL) and survive restarts: the totals are
// counted once at the first scrape, then from the last id seen. The latency histograms start
// with this process (tickets and acknowledgements after its start). Labels are short codes
// (state, kind, channel, round): never an address, a subject or a reference.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import {
  ackDelaysSince,
  eventsOfTypeSince,
  ingestDelaysSince,
  messagesSince,
  overdueCount,
  quarantinedSince,
  ticketsByState,
  ticketsSince,
  type CountsSince,
} from '../db/monitoring.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { TICKET_STATUSES } from '../domain/ticket.js';
import { MESSAGE_KINDS } from '../db/schema.js';
import { RECLAM_VERSION } from '../paths.js';
import type { Deps } from '../services/deps.js';
import { assessHealth, type DaemonHealth } from './health.js';

/** `reminder.sent` (the follow-through's reminders; data.kind says which). */
const REMINDER_SENT = EVENT_TYPES.reminderSent;

/** From a few hundred milliseconds (IDLE, one mail) to hours (a backlog after an outage). */
const LATENCY_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 4 * 3600];

export interface DaemonMetrics {
  /** The exposition text (`text/plain; version=0.0.4`). */
  scrape(): Promise<string>;
  readonly contentType: string;
}

export function createDaemonMetrics(deps: Pick<Deps, 'db' | 'clock'>, health: DaemonHealth): DaemonMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'reclam_info', help: 'reclam version (always 1)', labelNames: ['version'], registers }).set(
    { version: RECLAM_VERSION },
    1,
  );
  const ready = new Gauge({ name: 'reclam_ready', help: '1 when /healthz says ready, 0 when degraded', registers });
  const databaseUp = new Gauge({ name: 'reclam_database_up', help: '1 when the database answers', registers });
  const mailboxUp = new Gauge({
    name: 'reclam_mailbox_up',
    help: '1 when this daemon has the mailbox open (0: starting, standing by, failing)',
    registers,
  });
  const lastSweep = new Gauge({
    name: 'reclam_mailbox_last_sweep_timestamp_seconds',
    help: 'end of the last complete sweep of the inbox by this daemon (Unix time; 0: none yet)',
    registers,
  });
  const mailsSeen = new Counter({
    name: 'reclam_mails_seen_total',
    help: 'inbound mails recorded, by kind (complaint, follow-up, auto-reply, bounce, own, staff, quarantined)',
    labelNames: ['kind'],
    registers,
  });
  const ticketsCreated = new Counter({
    name: 'reclam_tickets_created_total',
    help: 'tickets created, by channel',
    labelNames: ['channel'],
    registers,
  });
  const remindersSent = new Counter({
    name: 'reclam_reminders_sent_total',
    help: 'reminders sent to staff (reminder.sent events), by kind',
    labelNames: ['kind'],
    registers,
  });
  const escalationsSent = new Counter({
    name: 'reclam_escalations_sent_total',
    help: 'overdue tickets escalated to the direction (ticket.escalated events), by round',
    labelNames: ['round'],
    registers,
  });
  const ingestLatency = new Histogram({
    name: 'reclam_ingest_latency_seconds',
    help:
      "from a complaint's arrival in the mailbox to its ticket's commit (tickets created since this daemon " +
      'started)',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const ackLatency = new Histogram({
    name: 'reclam_ack_latency_seconds',
    help: "from a complaint's arrival in the mailbox to SMTP accepting its acknowledgement (since this daemon started)",
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const outboxUnsent = new Gauge({
    name: 'reclam_outbox_unsent',
    help: 'outgoing mails queued and not sent yet',
    registers,
  });
  const outboxOldest = new Gauge({
    name: 'reclam_outbox_oldest_unsent_seconds',
    help: 'age of the oldest outgoing mail not sent yet (0: none waits)',
    registers,
  });
  const outboxDead = new Gauge({
    name: 'reclam_outbox_dead',
    help: 'outgoing mails given up (dead), ever',
    registers,
  });
  const outboxDeadRecent = new Gauge({
    name: 'reclam_outbox_dead_last_day',
    help: 'outgoing mails given up in the last 24 hours (makes /healthz degraded)',
    registers,
  });
  const ticketsGauge = new Gauge({
    name: 'reclam_tickets',
    help: 'tickets by state',
    labelNames: ['state'],
    registers,
  });
  const overdue = new Gauge({
    name: 'reclam_tickets_overdue',
    help: 'open tickets past their deadline',
    registers,
  });

  for (const kind of [...MESSAGE_KINDS, 'quarantined']) mailsSeen.inc({ kind }, 0);

  /** Running totals read from an id onwards. */
  const cursors = { messages: 0, quarantine: 0, tickets: 0, reminders: 0, escalations: 0 };
  // The histograms take the tickets created and acknowledgements sent since the daemon started.
  let histogramsFrom = { ticketId: 0, sentAt: health.startedAt };
  const add = (counter: Counter<string>, label: string, read: CountsSince) => {
    for (const [value, n] of read.counts) counter.inc({ [label]: value || 'unknown' }, n);
  };

  async function refresh(): Promise<void> {
    const { db } = deps;
    const now = deps.clock.now();
    const report = await assessHealth(deps, health);
    ready.set(report.status === 'ready' ? 1 : 0);
    databaseUp.set(report.database === 'up' ? 1 : 0);
    mailboxUp.set(report.mailbox.state === 'open' ? 1 : 0);
    lastSweep.set(report.mailbox.lastSweepAt ? report.mailbox.lastSweepAt.getTime() / 1000 : 0);
    if (report.outbox) {
      outboxUnsent.set(report.outbox.unsent);
      outboxOldest.set(
        report.outbox.oldestUnsentAt ? Math.max(0, (now.getTime() - report.outbox.oldestUnsentAt.getTime()) / 1000) : 0,
      );
      outboxDead.set(report.outbox.dead);
      outboxDeadRecent.set(report.outbox.deadLastDay);
    }
    if (report.database === 'down') return;

    const messages = await messagesSince(db, cursors.messages);
    add(mailsSeen, 'kind', messages);
    cursors.messages = messages.lastId;
    const quarantined = await quarantinedSince(db, cursors.quarantine);
    add(mailsSeen, 'kind', quarantined);
    cursors.quarantine = quarantined.lastId;
    const created = await ticketsSince(db, cursors.tickets);
    add(ticketsCreated, 'channel', created);
    cursors.tickets = created.lastId;
    const reminders = await eventsOfTypeSince(db, REMINDER_SENT, 'kind', cursors.reminders);
    add(remindersSent, 'kind', reminders);
    cursors.reminders = reminders.lastId;
    const escalations = await eventsOfTypeSince(db, EVENT_TYPES.escalated, 'round', cursors.escalations);
    add(escalationsSent, 'round', escalations);
    cursors.escalations = escalations.lastId;

    const ingest = await ingestDelaysSince(db, histogramsFrom.ticketId, health.startedAt);
    for (const s of ingest.seconds) ingestLatency.observe(s);
    const acks = await ackDelaysSince(db, histogramsFrom.sentAt);
    for (const s of acks.seconds) ackLatency.observe(s);
    histogramsFrom = { ticketId: ingest.lastId, sentAt: acks.lastSentAt };

    const states = await ticketsByState(db);
    for (const state of TICKET_STATUSES) ticketsGauge.set({ state }, states.get(state) ?? 0);
    overdue.set(await overdueCount(db, now));
  }

  // Scrapes one at a time: the running totals must not be counted twice.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    contentType: registry.contentType,
    scrape() {
      const run = queue.then(async () => {
        await refresh();
        return registry.metrics();
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
