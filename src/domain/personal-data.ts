// Logs must not carry personal data above trace level (a complaints mailbox is full of it);
// server error texts often quote the recipient's address.

const ADDRESS = /[^\s<>()[\]",;:]+@[^\s<>()[\]",;:]+\.[a-z]{2,}/gi;
/** A run of characters an address can be made of: an address never crosses the end of one. */
const RUN = /[^\s<>()[\]",;:]+/g;
/** Longer than any address (RFC 5321: 254): such a run is masked whole when it holds an @. */
const MAX_RUN = 512;

/** Replaces every e-mail address in `text` by `<adresse>`. */
export function maskAddresses(text: string): string {
  // Run by run: ADDRESS alone scans a long run again from each of its positions and each @
  // (quadratic on a mail's hostile header); on a run of at most MAX_RUN characters it is cheap.
  return text.replace(RUN, (run) =>
    run.length > MAX_RUN ? (run.includes('@') ? '<adresse>' : run) : run.replace(ADDRESS, '<adresse>'),
  );
}

// RGPD: what stays of a ticket once its complainant's identity and texts are removed (an erasure
// on request, or retention): the codes the indicators and the audit need, never a free text.

/** What replaces a removed text, in the database and everything built from it. */
export const ANONYMISED = '[anonymisé]';
/** What replaces the erased person's address where it stays in other people's data. */
export const ADDRESS_REMOVED = 'adresse.supprimee@anonyme.invalid';
/** What replaces the erased person's full name in other people's data (ASCII: raw mails too). */
export const NAME_REMOVED = 'Nom supprime';

/**
 * Event data keys whose values are codes, dates, counts or staff addresses, kept on an anonymised
 * ticket: what the indicators, the digest and the audit read. Any other key (a note's `text`, a
 * `reason`, a command's `args`, the qualification's evidence…) is replaced by {@link ANONYMISED}.
 */
const EVENT_CODE_KEYS = new Set([
  'channel',
  'level',
  'deadlineRule',
  'deadlineAt',
  'dueAt',
  'field',
  'from',
  'to',
  'via',
  'effective',
  'source',
  'round',
  'kind',
  'command',
  'assignee',
  'previous',
  'since',
  'deadMails',
  'requeued',
  'attempts',
  'permanent',
  'outboxId',
  'authenticated',
  'intake',
  'attachments',
  'size',
  'headersOnly',
  'invisible',
  'notEntitled',
  'understood',
  'loggedBy',
  'linkedTo',
  // a ticket's qualification (tickets.qualification): the values decided, not the evidence
  'category',
  'requester',
  'typology',
  'receivable',
  'confidence',
  'lowConfidence',
  'acknowledgementLevel',
  'nonReceivableKind',
]);

/** A normalised address (trimmed, lower case), or null when `text` is not one plain address. */
export function personAddress(text: string): string | null {
  const address = text.trim().toLowerCase();
  return /^[^\s@<>()[\]",;:]+@[^\s@<>()[\]",;:]+\.[a-z0-9-]{2,}$/.test(address) ? address : null;
}

/** `text` with every occurrence of `address` (any case) replaced by {@link ADDRESS_REMOVED}. */
export function maskAddress(text: string, address: string): string {
  if (address === '') return text;
  const pattern = new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  return text.replace(pattern, ADDRESS_REMOVED);
}

/** Whether `text` contains `address`, in any case. */
export function mentionsAddress(text: string, address: string): boolean {
  return address !== '' && text.toLowerCase().includes(address.toLowerCase());
}

/**
 * The data of an event of an anonymised ticket: code keys kept (their strings cleared of
 * `address`), every other value replaced by {@link ANONYMISED}.
 */
export function anonymisedEventData(data: Record<string, unknown>, address: string): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    kept[key] = EVENT_CODE_KEYS.has(key) ? codeValue(value, address) : ANONYMISED;
  }
  return kept;
}

function codeValue(value: unknown, address: string): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return mentionsAddress(value, address) ? ADDRESS_REMOVED : value;
  if (Array.isArray(value) && value.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v)))
    return value.map((v) => codeValue(v, address));
  return ANONYMISED;
}

/** `value` (event data, any JSON) with `address` masked in every string, keys included. */
export function maskAddressInJson(value: unknown, address: string): unknown {
  if (typeof value === 'string') return maskAddress(value, address);
  if (Array.isArray(value)) return value.map((v) => maskAddressInJson(v, address));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [maskAddress(k, address), maskAddressInJson(v, address)]),
    );
  return value;
}

/**
 * A file name safe to write inside an archive: no folders, no control characters, no leading dot,
 * at most 100 characters; the hostile name of an attachment becomes a plain one.
 */
export function safeFileName(name: string, fallback: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 100);
  return cleaned === '' || /^_+$/.test(cleaned) ? fallback : cleaned;
}

/**
 * The Message-ID (without angle brackets) of a raw mail, read from its header block (folded lines
 * joined), or null. For quarantined mails, which were never parsed.
 */
export function rawMessageId(raw: Uint8Array): string | null {
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const unfolded = (end === -1 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const match = /^message-id:\s*<([^<>\s]+)>/im.exec(unfolded);
  return match ? match[1]! : null;
}
