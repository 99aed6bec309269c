// The complainant's attachments in staff notifications: carried (up to
// `attachments.notifyMaxBytes` in all) to the people who may see the ticket, and listed with
// whether each is attached; those left out are named with the command that extracts them.
// Never for non-doctors on a medical ticket.
import type { OutboxAttachment } from '../db/schema.js';
import { attachmentsToCarry, safeFilename, type AttachmentFile } from '../domain/attachment-files.js';
import { maySeeContent, type Person } from '../domain/people.js';
import { formatSize } from '../domain/ticket-view.js';
import type { Deps } from './deps.js';

export interface NotificationAttachments {
  /** The files the mail carries. */
  readonly attachments: readonly OutboxAttachment[];
  /** For the templates (`mailAttachments`): every file, whether it is attached, how to get the others. */
  readonly data: {
    readonly items: readonly { readonly filename: string; readonly size: string; readonly attached: boolean }[];
    readonly notCarried: number;
    readonly limit: string;
    readonly extractCommand: string;
  };
}

/** A MIME type as `type/subtype`; anything else a sender wrote becomes application/octet-stream. */
function safeContentType(type: string | undefined): string {
  const t = (type ?? '').trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(t) ? t : 'application/octet-stream';
}

export function notificationAttachments(
  deps: Pick<Deps, 'config'>,
  ticket: { readonly reference: string; readonly confidential: boolean },
  person: Person,
  files: readonly AttachmentFile[],
): NotificationAttachments {
  const visible = maySeeContent(ticket, person);
  // Not even the names for someone who may not see the ticket: a file name can say what it is about.
  const { carried, listed } = attachmentsToCarry(
    visible ? files : [],
    visible ? deps.config.attachments.notifyMaxBytes : 0,
  );
  const names = new Map(files.map((f, i) => [f, safeFilename(f.filename, `piece-jointe-${i + 1}`)]));
  return {
    attachments: carried.map((f) => ({
      filename: names.get(f)!,
      contentType: safeContentType(f.contentType),
      contentBase64: Buffer.from(f.content!.buffer, f.content!.byteOffset, f.content!.byteLength).toString('base64'),
    })),
    data: {
      items: listed.map((l) => ({ filename: names.get(l.file)!, size: formatSize(l.file.size), attached: l.attached })),
      notCarried: listed.filter((l) => !l.attached).length,
      limit: formatSize(deps.config.attachments.notifyMaxBytes),
      extractCommand: `reclam show ${ticket.reference} --attachments DOSSIER`,
    },
  };
}
