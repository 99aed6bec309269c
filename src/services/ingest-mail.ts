// Received mails through the pipeline: parse each once, load the threading context of the list,
// plan what each mail does (domain/inbound-plan.ts), and write the plans in ONE transaction — the
// messages, tickets, audit events, outgoing mails and the mailbox checkpoint, one statement per
// table. A mail whose outcome depends on the ones before it (a staff command, an answer to the
// effectiveness question, a reply to a mail of the same list…) is written on its own once they
// are committed. One mail is a list of one. The caller moves mails out of the inbox only afterwards.
import { previewsFor } from './unfiled-mail.js';
import { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { Db } from '../db/database.js';
import { isDataError } from '../db/database.js';
import { loadInboundContext } from '../db/inbound-context.js';
import { advanceCheckpoint } from '../db/mailbox-checkpoints.js';
import { insertAttachments, insertMessages, insertQuarantine, type NewMessage } from '../db/messages.js';
import type { TicketRow } from '../db/tickets.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import {
  describeSource,
  inboundContextKeys,
  planInbound,
  type InboundAction,
  type InboundPlan,
  type MailSource,
  type ParsedInbound,
  type StoredMail,
} from '../domain/inbound-plan.js';
import { peopleWithRole } from '../domain/people.js';
import { maskAddresses } from '../domain/personal-data.js';
import { describeQuarantineReason } from '../domain/quarantine-reason.js';
import { planTicket } from '../domain/ticket-plan.js';
import type { Deps } from './deps.js';
import { ownMessageIdDomain, pilotAlert } from './enqueue-mail.js';
import { staffMailRequest } from './enqueue-staff-mail.js';
import { followUpForwardRequests } from './follow-up-forward.js';
import { handleStaffMail, type StaffOutcome } from './handle-staff-mail.js';
import { Effects, insertOpenings, logOpened, type Acknowledgement, type Opening } from './open-ticket.js';
import { recordVerificationAnswer } from './record-verification-answer.js';

export type { MailSource };

export interface RawInbound {
  readonly raw: Uint8Array;
  readonly source: MailSource;
}

export type IngestOutcome =
  | {
      readonly outcome: 'ticket';
      readonly reference: string;
      readonly messageId: string;
      readonly acknowledged: boolean;
      readonly acknowledgement: Acknowledgement;
    }
  | { readonly outcome: 'follow-up'; readonly reference: string; readonly messageId: string }
  | {
      readonly outcome: 'suppressed';
      readonly kind: 'auto-reply' | 'bounce' | 'own';
      readonly reason: string;
      readonly messageId: string;
    }
  | { readonly outcome: 'staff'; readonly detail: StaffOutcome; readonly messageId: string }
  | { readonly outcome: 'duplicate'; readonly messageId: string }
  | { readonly outcome: 'quarantined'; readonly reason: string };

type IngestDeps = Pick<
  Deps,
  'db' | 'clock' | 'log' | 'config' | 'render' | 'parseMail' | 'random' | 'qualificationModel'
>;

/** A mail parsed once, with its raw bytes for storage. */
type Parsed = ParsedInbound & { readonly raw: Uint8Array };

/** Ingests one raw mail: a list of one (see `ingestMails`). */
export async function ingestMail(deps: IngestDeps, raw: Uint8Array, source: MailSource): Promise<IngestOutcome> {
  const [outcome] = await ingestMails(deps, [{ raw, source }]);
  return outcome!;
}

/**
 * Ingests mails in order; returns the outcome of each. Mails that cannot be parsed, or whose
 * content the database refuses, are quarantined (kept raw, pilot told); infrastructure failures
 * (database unreachable…) are thrown so the caller retries later with the mails still in the inbox.
 */
export async function ingestMails(deps: IngestDeps, items: readonly RawInbound[]): Promise<IngestOutcome[]> {
  const parsed: Parsed[] = [];
  for (const { raw, source } of items) {
    const result = await deps.parseMail(raw);
    parsed.push(
      result.ok
        ? { ok: true, mail: result.mail, source, raw }
        : { ok: false, reason: result.reason, preview: result.preview ?? {}, source, raw },
    );
  }
  return ingestParsed(deps, parsed);
}

async function ingestParsed(deps: IngestDeps, parsed: readonly Parsed[]): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = [];
  let rest = parsed;
  // Why the next mail must go on its own: it was found while planning the mails before it.
  let nextAlone: string | null = null;
  while (rest.length > 0) {
    const plans = await plan(deps, rest);
    const alone = nextAlone ?? plans[0]!.alone;
    let size: number;
    if (alone !== null) {
      deps.log.debug({ source: describeSource(rest[0]!.source), why: alone }, 'mail ingested on its own');
      size = 1;
      nextAlone = null;
    } else {
      const last = plans[plans.length - 1]!;
      size = last.alone === null ? plans.length : plans.length - 1;
      nextAlone = last.alone;
    }
    outcomes.push(...(await writeGroup(deps, rest.slice(0, size), plans.slice(0, size))));
    rest = rest.slice(size);
  }
  return outcomes;
}

async function plan(deps: IngestDeps, mails: readonly Parsed[]): Promise<InboundPlan<TicketRow>[]> {
  const { config } = deps;
  const ok = mails.flatMap((p) => (p.ok ? [p.mail] : []));
  const context = await loadInboundContext(deps.db, inboundContextKeys(ok, config.organisation.ticketPrefix));
  return planInbound(mails, context, { config, now: deps.clock.now(), ownMessageIdDomain: ownMessageIdDomain(config) });
}

/** Thrown inside a group's transaction to redo its mails one by one (rolled back first). */
class RedoOneByOne extends Error {}

/** A planned mail whose qualification is done: the pure work is over before the transaction. */
interface Ready {
  readonly parsed: Parsed;
  readonly action: InboundAction<TicketRow>;
  readonly opening: Opening | null;
}

async function writeGroup(
  deps: IngestDeps,
  group: readonly Parsed[],
  plans: readonly InboundPlan<TicketRow>[],
): Promise<IngestOutcome[]> {
  const first = plans[0]!.action;
  if (first.kind === 'quarantine') {
    const { raw, source } = group[0]!;
    return [await quarantineMail(deps, raw, source, first.reason, first.preview)];
  }
  const now = deps.clock.now();
  const ready = await qualifyComplaints(deps, group, plans, now);
  try {
    return await deps.db.transaction((tx) => writeReady(tx, deps, ready, now));
  } catch (error) {
    const redo = error instanceof RedoOneByOne;
    if (!redo && !isDataError(error)) throw error;
    if (group.length > 1) {
      deps.log.info(
        { mails: group.length, why: redo ? error.message : 'database refused the content' },
        'batch redone mail by mail',
      );
      const outcomes: IngestOutcome[] = [];
      for (const parsed of group) outcomes.push(...(await ingestParsed(deps, [parsed])));
      return outcomes;
    }
    const { raw, source } = group[0]!;
    if (redo) return [await recordedMeanwhile(deps, group[0]!, now)];
    const mail = group[0]!.ok ? group[0]!.mail : null;
    return [
      await quarantineMail(deps, raw, source, `database refused the content: ${errorMessage(error)}`, {
        ...(mail?.from ? { from: mail.from.address } : {}),
        ...(mail ? { subject: mail.subject } : {}),
      }),
    ];
  }
}

/** Qualification, deadline and routing of the group's complaints (pure, a few ms each). */
async function qualifyComplaints(
  deps: IngestDeps,
  group: readonly Parsed[],
  plans: readonly InboundPlan<TicketRow>[],
  now: Date,
): Promise<Ready[]> {
  const complaints = plans.some((p) => p.action.kind === 'complaint');
  // The learned model, brought up to date with the tickets settled since the last batch.
  const model = complaints && deps.qualificationModel ? await deps.qualificationModel.current(deps.db) : null;
  const ready: Ready[] = [];
  for (const [i, { action }] of plans.entries()) {
    const opening =
      action.kind === 'complaint'
        ? { input: action.input, plan: planTicket(deps.config, action.input, model, now) }
        : null;
    ready.push({ parsed: group[i]!, action, opening });
    // Lets SMTP replies and IMAP notifications through between two mails' work.
    if (opening) await setImmediate();
  }
  return ready;
}

async function writeReady(tx: Db, deps: IngestDeps, ready: readonly Ready[], now: Date): Promise<IngestOutcome[]> {
  const { config } = deps;
  const stored = ready.filter((r) => storedOf(r.action) !== null);
  const messageIds = await insertMessages(
    tx,
    stored.map((r) => messageRow(r.parsed as Extract<Parsed, { ok: true }>, storedOf(r.action)!, ticketOf(r.action))),
  );
  if (messageIds.some((id) => id === null)) throw new RedoOneByOne('a mail was recorded meanwhile');
  const rowId = new Map(stored.map((r, i) => [r, messageIds[i]!]));
  await insertAttachments(
    tx,
    stored.flatMap((r) =>
      (r.parsed as Extract<Parsed, { ok: true }>).mail.attachments.map((a) => ({
        messageRowId: rowId.get(r)!,
        sha256: a.sha256,
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
        content: a.content,
      })),
    ),
    config.attachments.maxBytes,
  );
  await advanceCheckpoints(
    tx,
    ready.map((r) => r.parsed.source),
    now,
  );

  const openings = stored.filter((r) => r.opening !== null);
  const opened = await insertOpenings(
    tx,
    deps,
    openings.map((r) => ({ ...r.opening!, input: { ...r.opening!.input, messageRowId: rowId.get(r)! } })),
  );
  const ticketOfOpening = new Map(openings.map((r, i) => [r, opened[i]!]));

  const effects = new Effects();
  const outcomes: IngestOutcome[] = [];
  const staffOutcomes = new Map<Ready, IngestOutcome>();
  for (const r of stored) {
    const id = rowId.get(r)!;
    const { mail } = r.parsed as Extract<Parsed, { ok: true }>;
    const storedMail = storedOf(r.action)!;
    if (storedMail.reusedMessageId !== null) {
      effects.events.push({
        ticketId: null,
        at: now,
        actor: 'system',
        type: EVENT_TYPES.mailMessageIdReused,
        data: { messageId: storedMail.reusedMessageId, storedAs: storedMail.messageId },
        messageId: id,
      });
    }
    const { action } = r;
    switch (action.kind) {
      case 'complaint': {
        const ticket = ticketOfOpening.get(r)!;
        effects.addOpening(deps, ticket, { ...r.opening!, input: { ...r.opening!.input, messageRowId: id } });
        break;
      }
      case 'follow-up':
        effects.events.push({
          ticketId: action.ticket.id,
          at: now,
          actor: mail.from?.address ?? '',
          type: EVENT_TYPES.followUp,
          data: { via: action.via, attachments: mail.attachments.length },
          messageId: id,
        });
        for (const request of followUpForwardRequests(deps, action.ticket, mail, action.newText))
          effects.mail(staffMailRequest(deps, request));
        break;
      case 'verification-answer':
        effects.events.push({
          ticketId: action.ticket.id,
          at: now,
          actor: mail.from?.address ?? '',
          type: EVENT_TYPES.followUp,
          data: { via: followUpVia(action.stored), attachments: mail.attachments.length },
          messageId: id,
        });
        await recordVerificationAnswer(tx, deps, action.ticket, action.effective, action.text, id);
        break;
      case 'suppressed': {
        const { classification } = action;
        effects.events.push({
          ticketId: action.ticket?.id ?? null,
          at: now,
          actor: 'system',
          type: SUPPRESSED_EVENT[classification.kind],
          data: {
            reason: classification.reason,
            ...(classification.kind === 'bounce'
              ? { originalMessageId: classification.originalMessageId, failedRecipient: classification.failedRecipient }
              : {}),
          },
          messageId: id,
        });
        break;
      }
      case 'staff': {
        const detail = await handleStaffMail(tx, deps, {
          mail,
          person: action.person,
          messageRowId: id,
          ticket: action.ticket,
          receivedAt: action.stored.receivedAt,
        });
        staffOutcomes.set(r, { outcome: 'staff', detail, messageId: mail.messageId });
        break;
      }
    }
  }
  const acknowledged = await effects.write(tx, deps);

  for (const r of ready) {
    const { action } = r;
    // The row's Message-ID: a reused one is stored under its variant.
    const messageId = storedOf(action)?.messageId ?? (r.parsed.ok ? r.parsed.mail.messageId : '');
    switch (action.kind) {
      case 'duplicate':
        deps.log.info(
          { source: describeSource(r.parsed.source) },
          'mail already recorded (same Message-ID): not processed again',
        );
        outcomes.push({ outcome: 'duplicate', messageId });
        break;
      case 'complaint': {
        const ticket = ticketOfOpening.get(r)!;
        logOpened(deps, ticket, r.opening!);
        outcomes.push({
          outcome: 'ticket',
          reference: ticket.reference,
          messageId,
          acknowledged: acknowledged.get(ticket.id) === 'queued',
          acknowledgement: acknowledged.get(ticket.id) ?? 'disabled',
        });
        break;
      }
      case 'follow-up':
        deps.log.info({ ticket: action.ticket.reference, via: action.via }, 'follow-up added to ticket');
        outcomes.push({ outcome: 'follow-up', reference: action.ticket.reference, messageId });
        break;
      case 'verification-answer':
        outcomes.push({ outcome: 'follow-up', reference: action.ticket.reference, messageId });
        break;
      case 'suppressed':
        deps.log.info(
          { kind: action.classification.kind, reason: action.classification.reason, ticket: action.ticket?.reference },
          'mail suppressed: no ticket, no answer',
        );
        outcomes.push({
          outcome: 'suppressed',
          kind: action.classification.kind,
          reason: action.classification.reason,
          messageId,
        });
        break;
      case 'staff':
        outcomes.push(staffOutcomes.get(r)!);
        break;
      case 'quarantine':
        throw new Error('a quarantined mail is written on its own');
    }
  }
  return outcomes;
}

const SUPPRESSED_EVENT = {
  own: EVENT_TYPES.mailOwn,
  bounce: EVENT_TYPES.mailBounce,
  'auto-reply': EVENT_TYPES.mailAutoReply,
} as const;

function storedOf(action: InboundAction<TicketRow>): StoredMail | null {
  return 'stored' in action ? action.stored : null;
}

/** The ticket a stored mail belongs to from the start (a complaint's is attached once opened). */
function ticketOf(action: InboundAction<TicketRow>): number | null {
  switch (action.kind) {
    case 'follow-up':
    case 'verification-answer':
      return action.ticket.id;
    case 'suppressed':
      return action.ticket?.id ?? null;
    default:
      return null;
  }
}

function followUpVia(stored: StoredMail): 'message-id' | 'subject-tag' {
  return stored.classification.kind === 'follow-up' ? stored.classification.via : 'message-id';
}

/** The `messages` row of an inbound mail: the raw bytes, what was decoded and how it was classified. */
function messageRow(parsed: Extract<Parsed, { ok: true }>, stored: StoredMail, ticketId: number | null): NewMessage {
  const { mail, raw, source } = parsed;
  return {
    messageId: stored.messageId,
    ticketId,
    kind: stored.kind,
    fromAddress: mail.from?.address ?? null,
    fromName: mail.from?.name ?? '',
    subject: mail.subject,
    sentAt: mail.date,
    receivedAt: stored.receivedAt,
    text: mail.text,
    html: mail.html,
    raw,
    rawSha256: mail.rawSha256,
    source: describeSource(source),
    classification: { ...stored.classification },
  };
}

/** The checkpoint of each IMAP mailbox moves to the highest UID of the list. */
async function advanceCheckpoints(tx: Db, sources: readonly MailSource[], now: Date): Promise<void> {
  const last = new Map<string, { uidValidity: number; uid: number }>();
  for (const source of sources) {
    if (source.kind !== 'imap') continue;
    const seen = last.get(source.mailbox);
    if (!seen || seen.uidValidity !== source.uidValidity || seen.uid < source.uid)
      last.set(source.mailbox, { uidValidity: source.uidValidity, uid: source.uid });
  }
  for (const [mailbox, at] of last) await advanceCheckpoint(tx, mailbox, at.uidValidity, at.uid, now);
}

/** The mail was recorded by someone else between our look-up and our insert: it is a duplicate. */
async function recordedMeanwhile(deps: IngestDeps, parsed: Parsed, now: Date): Promise<IngestOutcome> {
  await deps.db.transaction((tx) => advanceCheckpoints(tx, [parsed.source], now));
  deps.log.info(
    { source: describeSource(parsed.source) },
    'mail already recorded (same Message-ID): not processed again',
  );
  return { outcome: 'duplicate', messageId: parsed.ok ? parsed.mail.messageId : '' };
}

/**
 * Keeps a mail that cannot be processed: raw bytes and reason in the quarantine table, an event,
 * a mail to the pilot, and the checkpoint moved past it so it never blocks the mailbox.
 */
export async function quarantineMail(
  deps: IngestDeps,
  raw: Uint8Array,
  source: MailSource,
  reason: string,
  headerPreview: { readonly from?: string; readonly subject?: string },
): Promise<IngestOutcome> {
  const now = deps.clock.now();
  const rawSha256 = createHash('sha256').update(raw).digest('hex');
  await deps.db.transaction(async (tx) => {
    const [fresh] = await insertQuarantine(tx, [
      { rawSha256, reason, raw, source: describeSource(source), receivedAt: now },
    ]);
    await advanceCheckpoints(tx, [source], now);
    if (!fresh) return;
    const effects = new Effects();
    effects.events.push({
      at: now,
      actor: 'system',
      type: EVENT_TYPES.mailQuarantined,
      data: { reason, rawSha256, source: describeSource(source) },
    });
    const pilots = peopleWithRole(deps.config, 'pilot');
    const previews = await previewsFor(tx, deps, headerPreview, pilots);
    pilots.forEach((pilot, i) => {
      effects.mail(
        pilotAlert(deps.config, pilot, 'quarantine', {
          reason: describeQuarantineReason(reason),
          ...previews[i],
          receivedAt: formatFrenchDateTime(now, deps.config.organisation.timezone),
          folder: source.kind === 'imap' ? deps.config.mailbox.imap.quarantine : undefined,
        }),
      );
    });
    await effects.write(tx, deps);
  });
  deps.log.warn({ reason: maskAddresses(reason), source: describeSource(source) }, 'mail quarantined');
  return { outcome: 'quarantined', reason };
}

export function errorMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const source = cause instanceof Error ? cause : error;
  return source instanceof Error ? source.message : String(source);
}
