// `reclam ingest FILE…`: raw mails from files through the very same pipeline as the inbox. An
// mbox file is split into its messages, each ingested on its own (as the inbox would see them).
import type { Acknowledgement } from './open-ticket.js';
import { isMbox, splitMbox } from '../domain/mbox.js';
import { messageHead } from '../domain/message-head.js';
import type { Deps } from './deps.js';
import type { StaffOutcome } from './handle-staff-mail.js';
import { deliverOutbox } from './deliver-outbox.js';
import { ingestMail, type IngestOutcome, type MailSource } from './ingest-mail.js';
import { isOversize, quarantineOversize } from './quarantine-oversize.js';

/** Text for the terminal and the process exit code. */
export interface CommandOutput {
  readonly output: string;
  readonly exitCode: number;
}

/** A file to ingest: its bytes, or a reader called when its turn comes (one file in memory at a time). */
export type IngestFile =
  | { readonly name: string; readonly raw: Uint8Array }
  | { readonly name: string; readonly read: () => Promise<Uint8Array> };

/**
 * Ingests files one after the other, in order. A file that starts with an mbox `From ` line is
 * split into its messages (see `splitMbox`), named `FILE#1`, `FILE#2`… in the output and in each
 * message's `source`; anything else is one raw mail. A mail above `mailbox.maxMessageBytes` is
 * quarantined from its header block without being parsed (the file keeps the whole mail). Exit
 * code 1 when a mail was quarantined.
 */
export async function ingestFiles(
  deps: Deps,
  files: readonly IngestFile[],
  options: { deliver: boolean },
): Promise<CommandOutput> {
  const lines: string[] = [];
  let failed = 0;
  for (const file of files) {
    const bytes = 'raw' in file ? file.raw : await file.read();
    const mails = mailsOf(file.name, bytes);
    if (mails.length > 1) lines.push(`${file.name}: mbox file, ${mails.length} messages`);
    for (const mail of mails) {
      const source: MailSource = { kind: 'file', name: mail.name };
      // Above mailbox.maxMessageBytes a mail is not parsed: its headers are quarantined, the file stays.
      const outcome = isOversize(deps.config, mail.raw.byteLength)
        ? await quarantineOversize(deps, { head: messageHead(mail.raw), size: mail.raw.byteLength, source })
        : await ingestMail(deps, mail.raw, source);
      if (outcome.outcome === 'quarantined') failed++;
      lines.push(`${mail.name}: ${describeOutcome(outcome)}`);
    }
  }
  if (options.deliver) {
    const report = await deliverOutbox(deps);
    lines.push(`outbox: ${report.sent} sent, ${report.retried} to retry, ${report.dead} failed`);
  } else {
    lines.push('outbox: queued mails are sent by the running daemon');
  }
  return { output: `${lines.join('\n')}\n`, exitCode: failed > 0 ? 1 : 0 };
}

/** The mails of a file: the messages of an mbox (`name#1`… when there are several), else the file itself. */
function mailsOf(name: string, bytes: Uint8Array): { name: string; raw: Uint8Array }[] {
  const messages = isMbox(bytes) ? splitMbox(bytes) : [];
  if (messages.length === 0) return [{ name, raw: bytes }];
  if (messages.length === 1) return [{ name, raw: messages[0]! }];
  return messages.map((raw, index) => ({ name: `${name}#${index + 1}`, raw }));
}

/** What `reclam ingest` says of a new ticket's acknowledgement. */
const ACKNOWLEDGEMENT_OUTCOMES: Readonly<Record<Acknowledgement, string>> = {
  queued: 'acknowledgement queued',
  disabled: 'no acknowledgement (acknowledgement.enabled is false)',
  'no-address': 'no acknowledgement (the complainant gave no address)',
  address: 'no acknowledgement (the sender address is not one usable address; the pilot is told)',
  budget: 'no acknowledgement (this sender’s automatic-mail budget is spent; see rateLimits)',
  'deadline-passed':
    'no acknowledgement: its deadline had already passed when it was imported (it would promise a date gone by); ' +
    'the ticket is overdue and the follow-through reminds its handlers',
};

export function describeOutcome(outcome: IngestOutcome): string {
  switch (outcome.outcome) {
    case 'ticket':
      return `new ticket ${outcome.reference}, ${ACKNOWLEDGEMENT_OUTCOMES[outcome.acknowledgement]}`;
    case 'follow-up':
      return `added to ${outcome.reference}`;
    case 'suppressed':
      return `${outcome.kind}, recorded without ticket or answer (${outcome.reason})`;
    case 'staff':
      return describeStaff(outcome.detail);
    case 'duplicate':
      return 'already recorded (same Message-ID), nothing done';
    case 'quarantined':
      return `quarantined: ${outcome.reason}`;
  }
}

function describeStaff(detail: StaffOutcome): string {
  switch (detail.outcome) {
    case 'commands':
      return (
        `staff commands on ${detail.reference ?? 'no ticket'}: ${detail.applied} applied, ${detail.refused} ` +
        `refused`
      );
    case 'ticket':
      return `new ticket ${detail.reference} logged by staff${detail.acknowledged ? ', acknowledgement queued' : ''}`;
    case 'refused':
      return `staff commands refused, nothing executed (${detail.reason})`;
    case 'note':
      return `staff message kept as a note on ${detail.reference ?? 'no ticket'}`;
    case 'intake-proposed':
      return 'complaint sent to the plain address by staff: its sender was asked to confirm it';
    case 'intake-cancelled':
      return 'complaint sent by staff: its sender cancelled it, nothing recorded';
  }
}
