// A mail larger than `mailbox.maxMessageBytes` is never parsed (one 30 MB mail took 2.7 GB of
// memory): it is quarantined from its header block alone, in one transaction with the mailbox
// checkpoint, and the pilot is told where the whole mail is (the IMAP quarantine folder, or the
// imported file) and how large it is. Nothing is dropped: the quarantine row counts in the
// pipeline's health like any other.
import { previewsFor } from './unfiled-mail.js';
import { createHash } from 'node:crypto';
import { recordEvent } from '../db/events.js';
import { advanceCheckpoint } from '../db/mailbox-checkpoints.js';
import { insertQuarantine } from '../db/messages.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import { peopleWithRole } from '../domain/people.js';
import { maskAddresses } from '../domain/personal-data.js';
import { tooLargeReason } from '../domain/quarantine-reason.js';
import { formatSize } from '../domain/ticket-view.js';
import type { Deps } from './deps.js';
import { enqueueMail, pilotAlert } from './enqueue-mail.js';
import { describeSource, type MailSource } from '../domain/inbound-plan.js';
import type { IngestOutcome } from './ingest-mail.js';

type OversizeDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'parseMail' | 'random'>;

export interface OversizeMail {
  /** The header block of the mail (`messageHead`, or what IMAP gave for BODY.PEEK[HEADER]). */
  readonly head: Uint8Array;
  /** The size of the whole mail, in bytes. */
  readonly size: number;
  readonly source: MailSource;
}

/** Whether a mail of `size` bytes is above the configured cap. */
export function isOversize(config: OversizeDeps['config'], size: number): boolean {
  return size > config.mailbox.maxMessageBytes;
}

/**
 * Quarantines a mail too large to be processed, from its head: the head in the quarantine table
 * (deduplicated by its SHA-256, as a re-delivered mail must not alert twice), the checkpoint for
 * an IMAP mail, a `mail.quarantined` event, and an `oversize` alert to every pilot. The caller
 * moves an IMAP mail to the quarantine folder afterwards, as for any quarantined mail.
 */
export async function quarantineOversize(deps: OversizeDeps, mail: OversizeMail): Promise<IngestOutcome> {
  const { config } = deps;
  const now = deps.clock.now();
  const max = config.mailbox.maxMessageBytes;
  const reason = tooLargeReason(mail.size, max);
  const source = describeSource(mail.source);
  const rawSha256 = createHash('sha256').update(mail.head).digest('hex');
  // The head parses as a mail without body: enough for the sender and the subject.
  const parsed = await deps.parseMail(mail.head);
  const from = parsed.ok ? parsed.mail.headers.get('from')?.[0] : parsed.preview?.from;
  const subject = parsed.ok ? parsed.mail.subject : parsed.preview?.subject;
  await deps.db.transaction(async (tx) => {
    const [fresh] = await insertQuarantine(tx, [{ rawSha256, reason, raw: mail.head, source, receivedAt: now }]);
    if (mail.source.kind === 'imap')
      await advanceCheckpoint(tx, mail.source.mailbox, mail.source.uidValidity, mail.source.uid, now);
    if (!fresh) return;
    await recordEvent(tx, {
      at: now,
      actor: 'system',
      type: EVENT_TYPES.mailQuarantined,
      data: { reason, rawSha256, source, size: mail.size, headersOnly: true },
    });
    const pilots = peopleWithRole(config, 'pilot');
    const previews = await previewsFor(
      tx,
      deps,
      { from: from?.slice(0, 200), subject: subject?.slice(0, 200) },
      pilots,
    );
    for (const [i, pilot] of pilots.entries()) {
      await enqueueMail(
        tx,
        deps,
        pilotAlert(config, pilot, 'oversize', {
          ...previews[i],
          receivedAt: formatFrenchDateTime(now, config.organisation.timezone),
          size: formatSize(mail.size),
          limit: formatSize(max),
          folder: mail.source.kind === 'imap' ? config.mailbox.imap.quarantine : undefined,
          file: mail.source.kind === 'file' ? mail.source.name : undefined,
        }),
      );
    }
  });
  deps.log.warn({ reason: maskAddresses(reason), source }, 'mail too large: quarantined from its headers');
  return { outcome: 'quarantined', reason };
}
