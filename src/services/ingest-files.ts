// `reclam ingest FILE.eml…`: raw mails from files through the very same pipeline as the inbox.
import type { Deps } from './deps.js';
import type { StaffOutcome } from './handle-staff-mail.js';
import { deliverOutbox } from './deliver-outbox.js';
import { ingestMail, type IngestOutcome } from './ingest-mail.js';

/** Text for the terminal and the process exit code. */
export interface CommandOutput {
  readonly output: string;
  readonly exitCode: number;
}

export async function ingestFiles(
  deps: Deps,
  files: readonly { name: string; raw: Uint8Array }[],
  options: { deliver: boolean },
): Promise<CommandOutput> {
  const lines: string[] = [];
  let failed = 0;
  for (const file of files) {
    const outcome = await ingestMail(deps, file.raw, { kind: 'file', name: file.name });
    if (outcome.outcome === 'quarantined') failed++;
    lines.push(`${file.name}: ${describeOutcome(outcome)}`);
  }
  if (options.deliver) {
    const report = await deliverOutbox(deps);
    lines.push(`outbox: ${report.sent} sent, ${report.retried} to retry, ${report.dead} failed`);
  } else {
    lines.push('outbox: queued mails are sent by the running daemon');
  }
  return { output: `${lines.join('\n')}\n`, exitCode: failed > 0 ? 1 : 0 };
}

export function describeOutcome(outcome: IngestOutcome): string {
  switch (outcome.outcome) {
    case 'ticket':
      return `new ticket ${outcome.reference}${outcome.acknowledged ? ', acknowledgement queued' : ', no acknowledgement (budget or disabled)'}`;
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
      return `staff commands on ${detail.reference ?? 'no ticket'}: ${detail.applied} applied, ${detail.refused} refused`;
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
