// `reclam ingest` takes mbox files (a mail client's export, an MTA's spool) as well as .eml files:
// an mbox holds many mails, each of which must go through the pipeline on its own (three mails
// in one file are three complaints, never one). Pure: bytes in, bytes out.

/**
 * Whether `bytes` are an mbox file: they start with a `From ` envelope line (`From
 * jean@exemple.fr Mon Mar  2 10:00:00 2026`, Thunderbird's `From - …`) followed by a header line.
 * A single .eml saved with its envelope line is an mbox of one message.
 */
export function isMbox(bytes: Uint8Array): boolean {
  return envelopeLineEnd(bytes, 0) !== -1;
}

/**
 * The messages of an mbox file, in order (mboxo and mboxrd alike). A message starts after a
 * `From ` line that opens the file or follows a blank line, and is followed by a header line; the
 * `From ` line and the blank line that separates two messages are not part of the messages.
 * Quoted body lines are unquoted one level (`>From ` → `From `, mboxrd's `>>From ` → `>From `).
 * CRLF and LF files alike. Returns `[]` when `bytes` are not an mbox (see {@link isMbox}).
 */
export function splitMbox(bytes: Uint8Array): Uint8Array[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: Uint8Array[] = [];
  let bodyStart = envelopeLineEnd(buffer, 0);
  if (bodyStart === -1) return [];
  let searchFrom = bodyStart;
  for (;;) {
    const next = nextSeparator(buffer, searchFrom);
    if (next === undefined) {
      messages.push(unquoteFromLines(buffer.subarray(bodyStart)));
      return messages;
    }
    if (next.envelopeEnd === -1) {
      // a `From ` line after a blank line, not followed by headers: text of this message
      searchFrom = next.lineStart + 1;
      continue;
    }
    messages.push(unquoteFromLines(buffer.subarray(bodyStart, next.messageEnd)));
    bodyStart = next.envelopeEnd;
    searchFrom = bodyStart;
  }
}

const FROM_ = Buffer.from('From ');
const LF = 0x0a;
const CR = 0x0d;

/** The next `From ` line that follows a blank line, at or after `from`. */
function nextSeparator(
  buffer: Buffer,
  from: number,
): { lineStart: number; messageEnd: number; envelopeEnd: number } | undefined {
  for (let at = buffer.indexOf('\nFrom ', from); at !== -1; at = buffer.indexOf('\nFrom ', at + 1)) {
    const lineStart = at + 1;
    // the blank line before: "\n\nFrom " or "\n\r\nFrom "
    const blankStart = buffer[at - 1] === LF ? at : buffer[at - 1] === CR && buffer[at - 2] === LF ? at - 1 : -1;
    if (blankStart === -1) continue;
    return { lineStart, messageEnd: blankStart, envelopeEnd: envelopeLineEnd(buffer, lineStart) };
  }
  return undefined;
}

/**
 * Where the line after the envelope line at `start` begins, when that is a `From ` line followed by
 * a header line; else -1.
 */
function envelopeLineEnd(bytes: Uint8Array, start: number): number {
  for (let i = 0; i < FROM_.length; i++) if (bytes[start + i] !== FROM_[i]) return -1;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const newline = buffer.indexOf(LF, start);
  if (newline === -1) return -1;
  const next = newline + 1;
  return isHeaderLine(buffer, next) ? next : -1;
}

/** A header field name (printable ASCII but `:`) then optional blanks and a colon, at `start`. */
function isHeaderLine(buffer: Buffer, start: number): boolean {
  let at = start;
  while (at < buffer.length && buffer[at]! > 0x20 && buffer[at]! < 0x7f && buffer[at] !== 0x3a) at++;
  if (at === start) return false;
  while (buffer[at] === 0x20 || buffer[at] === 0x09) at++;
  return buffer[at] === 0x3a;
}

/** `>From `, `>>From `… at a line start lose one `>`; the bytes are copied only when there is one. */
function unquoteFromLines(message: Buffer): Uint8Array {
  const cuts: number[] = [];
  for (let at = message.indexOf('>', 0); at !== -1; at = message.indexOf('>', at + 1)) {
    if (at !== 0 && message[at - 1] !== LF) continue;
    let end = at;
    while (message[end] === 0x3e) end++;
    if (message.subarray(end, end + FROM_.length).equals(FROM_)) cuts.push(at);
    at = end - 1;
  }
  if (cuts.length === 0) return message;
  const parts: Buffer[] = [];
  let last = 0;
  for (const cut of cuts) {
    parts.push(message.subarray(last, cut));
    last = cut + 1;
  }
  parts.push(message.subarray(last));
  return Buffer.concat(parts);
}
