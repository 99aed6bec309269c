// The header block of a raw mail, for a mail too large to be processed: its headers are what is
// kept in the quarantine table and read for the pilot's alert (the whole mail stays where it was).

/** At most this much of a mail is kept as its head. */
export const MESSAGE_HEAD_MAX_BYTES = 64 * 1024;

/**
 * The bytes of `raw` up to and including the blank line that ends its header block (CRLF or LF),
 * or its first {@link MESSAGE_HEAD_MAX_BYTES} bytes when no blank line comes before. A view of
 * `raw`, not a copy.
 */
export function messageHead(raw: Uint8Array): Uint8Array {
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, MESSAGE_HEAD_MAX_BYTES));
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  const ends = [crlf === -1 ? -1 : crlf + 4, lf === -1 ? -1 : lf + 2].filter((end) => end > 0);
  const end = ends.length > 0 ? Math.min(...ends) : buffer.length;
  return new Uint8Array(raw.buffer, raw.byteOffset, end);
}
