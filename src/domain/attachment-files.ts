// Attachments a complainant sent, passed on to staff: which ones a notification carries (up to a
// total size), and the names they are given — in a mail or in a folder — since every filename of
// incoming mail is the sender's choice: `../../.bashrc`, `facture.pdf\u202Egnp.exe`, `CON`,
// 300 characters, nothing at all.

export interface AttachmentFile {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** Absent when the content was not kept (above `attachments.maxBytes`). */
  readonly content?: Uint8Array | undefined;
}

export interface CarriedAttachments<T extends AttachmentFile> {
  /** The files a mail carries, in order, within the budget. */
  readonly carried: readonly T[];
  /** Every file with whether it is carried, for the list the mail shows. */
  readonly listed: readonly { readonly file: T; readonly attached: boolean }[];
}

/**
 * The files a notification carries: in the order received, each one that still fits in `maxBytes`
 * (their total), and has its content. `maxBytes` 0 carries none.
 */
export function attachmentsToCarry<T extends AttachmentFile>(
  files: readonly T[],
  maxBytes: number,
): CarriedAttachments<T> {
  let left = maxBytes;
  const listed = files.map((file) => {
    const attached = file.content !== undefined && file.size <= left;
    if (attached) left -= file.size;
    return { file, attached };
  });
  return { carried: listed.filter((l) => l.attached).map((l) => l.file), listed };
}

const MAX_NAME_LENGTH = 120;
// Control characters, bidirectional overrides and isolates (a name that displays as « .pdf » but
// ends in « .exe »), zero-width characters.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// Separators and characters no file system or mail client takes in a name.
const FORBIDDEN = /[/\\:*?"<>|]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/**
 * A harmless file name for `name`: no directory part, no control or bidirectional characters, no
 * leading dot (hidden files, `..`), none of `/\:*?"<>|`, no Windows device name, at most 120
 * characters with the extension kept; `fallback` when nothing is left.
 */
export function safeFilename(name: string, fallback: string): string {
  let clean = name
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(FORBIDDEN, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s_]+/, '')
    .replace(/[.\s]+$/, '');
  if (WINDOWS_RESERVED.test(clean)) clean = `_${clean}`;
  if ([...clean].length > MAX_NAME_LENGTH) {
    const dot = clean.lastIndexOf('.');
    const extension = dot > 0 && clean.length - dot <= 10 ? clean.slice(dot) : '';
    clean =
      [...clean.slice(0, clean.length - extension.length)].slice(0, MAX_NAME_LENGTH - extension.length).join('') +
      extension;
  }
  return clean === '' || /^_+$/.test(clean) ? fallback : clean;
}

/**
 * Names for files written into one folder: each `safeFilename`, and made unique within the list
 * (`photo.jpg`, `photo-2.jpg`), compared as a case-insensitive file system would.
 */
export function uniqueFilenames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name, i) => {
    const safe = safeFilename(name, `piece-jointe-${i + 1}`);
    const dot = safe.lastIndexOf('.');
    const [stem, extension] = dot > 0 ? [safe.slice(0, dot), safe.slice(dot)] : [safe, ''];
    let candidate = safe;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem}-${n}${extension}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}
