// Turns the raw bytes of a received mail into an InboundMail, or says why it cannot be read so
// that it goes to quarantine instead of becoming a ticket. The only module that imports
// mailparser (in maintenance mode; postal-mime may replace it): nothing of it leaks past here.

import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { analyse as analyseCharset } from 'chardet';
import {
  MailParser,
  parseAddressHeader,
  type AttachmentStream,
  type EmailAddress,
  type ParsedMail,
  type StructuredHeader,
} from 'mailparser';
import type { InboundAttachment, InboundMail, MailAddress } from '../domain/inbound-mail.js';
import { messageHead } from '../domain/message-head.js';
import { tooLargeReason } from '../domain/quarantine-reason.js';

/** Decoded From and Subject of a rejected mail, when its headers could be read (for the pilot). */
export interface HeaderPreview {
  readonly from?: string;
  readonly subject?: string;
}

export type ParseResult = { ok: true; mail: InboundMail } | { ok: false; reason: string; preview?: HeaderPreview };

const PARSER_OPTIONS = {
  // Every message/rfc822 part stays an attachment: a forwarded complaint is kept byte for byte,
  // and a bounce keeps the returned original for classification.
  ignoreEmbedded: true,
  // message/delivery-status parts become attachments instead of being mixed into the text,
  // so that classification can read them as the evidence of a bounce.
  keepDeliveryStatus: true,
  // `html` stays as sent (no `cid:` links replaced by huge data: URLs).
  keepCidLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  // attachments are hashed here with SHA-256, not with mailparser's MD5
  checksumAlgo: false,
  // Longer HTML is not turned into text by the parser (its converter builds a whole DOM: 120 MB
  // for a 10 MB HTML mail); bodyText converts the first HTML_TO_TEXT_MAX_CHARS instead.
  maxHtmlLengthToParse: 1_000_000,
} as const;

/** How much of an HTML-only body is converted to its text (the whole HTML is kept). */
const HTML_TO_TEXT_MAX_CHARS = PARSER_OPTIONS.maxHtmlLengthToParse;

export interface MailParserOptions {
  /** `mailbox.maxMessageBytes`: a larger mail is refused before it is parsed (`too large: …`). */
  readonly maxMessageBytes?: number;
}

/** The parser the pipeline uses: {@link parseMail} with the configured size cap. */
export function createMailParser(options: MailParserOptions): (raw: Uint8Array) => Promise<ParseResult> {
  return (raw) => parseMail(raw, options);
}

/**
 * Parses one raw RFC 5322 message (as fetched over IMAP).
 *
 * Never throws. `ok: false` (reason in short English, for the quarantine table) when the bytes
 * are more than `maxMessageBytes` (checked first; the preview comes from the header block alone),
 * are empty, have no header section, name no usable sender in From, Sender or Reply-To, declare a
 * top-level `multipart/*` whose boundary is missing or never occurs, or make the parser fail.
 * Everything else, however odd, is accepted so that a complainant's mail still becomes a ticket.
 */
export async function parseMail(raw: Uint8Array, options: MailParserOptions = {}): Promise<ParseResult> {
  if (options.maxMessageBytes !== undefined && raw.byteLength > options.maxMessageBytes) {
    const head = await parseMail(messageHead(raw));
    const preview = head.ok ? previewOf(head.mail) : (head.preview ?? {});
    return { ok: false, reason: tooLargeReason(raw.byteLength, options.maxMessageBytes), preview };
  }
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.every((byte) => isAsciiWhitespace(byte))) return { ok: false, reason: 'empty input' };

  const prepared = prepareSource(bytes);
  if (!prepared.ok) return prepared;

  let parsed: ParsedMail;
  try {
    parsed = await runParser(prepared.source);
  } catch (error) {
    return { ok: false, reason: `parser error: ${error instanceof Error ? error.message : String(error)}` };
  }

  const fields = headerFields(parsed.headerLines);
  const decoded = decodedFields(fields);
  const headers = byName(decoded);
  const addresses = (name: string): MailAddress[] =>
    addressList(fields.filter((field) => field.key === name).map((field) => field.text));

  const contentType =
    (headers.get('content-type')?.[0] ?? 'text/plain').split(';')[0]!.trim().toLowerCase() || 'text/plain';
  const returnPath = returnPathOf(headers.get('return-path')?.[0]);
  const from =
    firstUsable(addresses('from')) ?? firstUsable(addresses('sender')) ?? firstUsable(addresses('reply-to')) ?? null;
  const preview: HeaderPreview = {
    ...(headers.get('from')?.[0] ? { from: headers.get('from')![0]!.slice(0, 200) } : {}),
    ...(headers.get('subject')?.[0] ? { subject: headers.get('subject')![0]!.slice(0, 200) } : {}),
  };
  if (from === null && !isUnsignedDeliveryReport(contentType, returnPath, headers.get('from')?.[0])) {
    return { ok: false, reason: 'no sender address', preview };
  }

  if (contentType.startsWith('multipart/')) {
    const boundary = boundaryOf(parsed);
    if (boundary === undefined) return { ok: false, reason: 'multipart without boundary', preview };
    if (!containsDelimiterLine(prepared.source.subarray(prepared.bodyOffset), boundary)) {
      return { ok: false, reason: 'multipart boundary never occurs in the body', preview };
    }
  }

  const rawSha256 = sha256Hex(bytes);
  const ownMessageId = firstMessageId(headers.get('message-id')?.[0] ?? '');
  const html = typeof parsed.html === 'string' ? parsed.html : null;

  const mail: InboundMail = {
    messageId: ownMessageId ?? `sha256-${rawSha256}@reclam.invalid`,
    hasOwnMessageId: ownMessageId !== undefined,
    inReplyTo: messageIdList(headers.get('in-reply-to') ?? []).slice(0, MAX_IN_REPLY_TO),
    references: withinReferenceLimit(messageIdList(headers.get('references') ?? [])),
    from,
    to: addresses('to').filter(isUsable),
    cc: addresses('cc').filter(isUsable),
    replyTo: addresses('reply-to').filter(isUsable),
    subject: headers.get('subject')?.[0] ?? '',
    date: parseDate(headers.get('date')?.[0]),
    headers,
    headerFields: decoded,
    returnPath,
    contentType,
    text: withoutNul(await bodyText(parsed.text, html)),
    html: html === null ? null : withoutNul(html),
    attachments: parsed.attachments.map(
      (attachment, index): InboundAttachment => ({
        filename: withoutNul(attachment.filename?.trim() || `piece-jointe-${index + 1}`),
        // a Content-Type the parser could not read comes as `false`
        contentType: withoutNul(
          (typeof attachment.contentType === 'string' && attachment.contentType.trim() !== ''
            ? attachment.contentType
            : 'application/octet-stream'
          ).toLowerCase(),
        ),
        size: attachment.content.length,
        sha256: sha256Hex(attachment.content),
        content: attachment.content,
      }),
    ),
    rawSha256,
  };
  return { ok: true, mail };
}

/** Bytes handed to the parser at a time. */
const PARSER_CHUNK_BYTES = 64 * 1024;

/**
 * The source as a stream of 64 KB views (no copy). Given one Buffer, the parser's splitter keeps
 * copies of the whole of it while it works: 174 MB above the input for a 30 MB mail, 60 MB so.
 */
function chunked(source: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < source.length; at += PARSER_CHUNK_BYTES) yield source.subarray(at, at + PARSER_CHUNK_BYTES);
    })(),
    { objectMode: false },
  );
}

type Parsed = Pick<ParsedMail, 'headers' | 'headerLines' | 'text' | 'html' | 'attachments'>;

/**
 * mailparser's `simpleParser`, with {@link CharsetDetectingParser} in place of its MailParser:
 * the same events collected the same way (text and HTML, attachments read whole), fed in pieces.
 */
function runParser(source: Buffer): Promise<Parsed> {
  return new Promise((resolve, reject) => {
    const parser = new CharsetDetectingParser(PARSER_OPTIONS);
    const mail: { -readonly [K in keyof Parsed]: Parsed[K] } = {
      headers: new Map(),
      headerLines: [],
      text: undefined,
      html: false,
      attachments: [],
    };
    let settled = false;
    const settle = (error: unknown, value?: Parsed): void => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(value!);
    };
    parser.on('error', (error: unknown) => settle(error));
    parser.on('headers', (headers) => {
      mail.headers = headers;
      mail.headerLines = parser.headerLines || [];
    });
    let reading = false;
    const read = (): void => {
      reading = true;
      const data = parser.read() as
        | { type: 'text'; text?: string; html?: string | false }
        | (AttachmentStream & { type: 'attachment' })
        | null;
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === 'text') {
        if ('text' in data) mail.text = data.text;
        if ('html' in data) mail.html = data.html ?? false;
        read();
        return;
      }
      const chunks: Buffer[] = [];
      data.content.on('data', (chunk: Buffer) => chunks.push(chunk));
      data.content.on('end', () => {
        mail.attachments.push({ ...data, content: Buffer.concat(chunks) } as unknown as Parsed['attachments'][number]);
        data.release?.();
        read();
      });
    };
    parser.on('readable', () => {
      if (!reading) read();
    });
    parser.on('end', () => settle(null, mail));
    const input = chunked(source);
    input.once('error', (error) => settle(error));
    input.pipe(parser);
  });
}

// ---------------------------------------------------------------------------------------------
// Text parts without a declared charset

/** Marks a text part whose charset is undeclared (or `us-ascii`, which 8-bit bytes belie). */
const UNDECLARED_CHARSET = 'x-reclam-undeclared';

/** What CharsetDetectingParser uses of mailparser's internals (mailparser is pinned, 3.14.2). */
interface MimeNode {
  charset?: string | false;
  contentType?: string | false;
  root?: boolean;
}
interface ParserInternals {
  createNode(node: MimeNode): unknown;
  getDecoder(): { decodeStream(charset: string): Transform };
}

/**
 * mailparser reads a text part without a charset as UTF-8 and turns every other 8-bit byte into
 * U+FFFD (a KOI8-R body came out as a row of �). This parser gives such parts a marker charset
 * and decodes them with {@link decodeUndeclared}: UTF-8 when the bytes are UTF-8, the charset of
 * an HTML <meta> tag, a non-Latin charset when chardet is sure of it, else windows-1252.
 */
class CharsetDetectingParser extends MailParser {
  createNode(node: MimeNode): unknown {
    const type = node.contentType || (node.root ? 'text/plain' : '');
    const charset = (node.charset || '').toLowerCase().replace(/[^a-z0-9]/g, '');
    if (
      (type === 'text/plain' || type === 'text/html') &&
      (charset === '' || charset === 'usascii' || charset === 'ascii')
    )
      node.charset = UNDECLARED_CHARSET;
    return (MailParser.prototype as unknown as ParserInternals).createNode.call(this, node);
  }

  getDecoder(): { decodeStream(charset: string): Transform } {
    const base = (MailParser.prototype as unknown as ParserInternals).getDecoder.call(this);
    return {
      decodeStream: (charset: string) =>
        charset === UNDECLARED_CHARSET ? new UndeclaredCharsetDecoder() : base.decodeStream(charset),
    };
  }
}

/** Collects a part's bytes and decodes them at the end (the charset is known only then). */
class UndeclaredCharsetDecoder extends Transform {
  private readonly chunks: Buffer[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    done();
  }

  override _flush(done: TransformCallback): void {
    const text = decodeUndeclared(Buffer.concat(this.chunks));
    this.chunks.length = 0;
    done(null, Buffer.from(text, 'utf8'));
  }
}

/** Read for the charset: enough for chardet's statistics, bounded for a large part. */
const DETECTION_SAMPLE_BYTES = 64 * 1024;
/** chardet's confidence (0–100) needed to leave windows-1252; French never scored above 18. */
const DETECTION_MIN_CONFIDENCE = 30;
/**
 * Charsets chardet may name that are worth leaving windows-1252 for: non-Latin scripts, which
 * windows-1252 turns into mojibake. Latin charsets (ISO-8859-1/2/9, windows-1250/1252/1257…)
 * are not: a short French text is sometimes scored as one of them.
 */
const DETECTED_NON_LATIN = new Set([
  'koi8-r',
  'windows-1251',
  'iso-8859-5',
  'iso-8859-6',
  'windows-1256',
  'iso-8859-7',
  'windows-1253',
  'iso-8859-8',
  'windows-1255',
  'shift_jis',
  'euc-jp',
  'iso-2022-jp',
  'euc-kr',
  'big5',
  'gb18030',
  'utf-16le',
  'utf-16be',
]);

/**
 * The text of a part that declares no charset. ASCII and UTF-8 (even with a few broken
 * sequences) stay as they are; then an HTML part's `<meta charset>`; then a non-Latin charset
 * chardet names with confidence; else windows-1252, the usual undeclared charset of French mail.
 */
export function decodeUndeclared(bytes: Buffer): string {
  if (bytes.every((byte) => byte < 0x80)) return bytes.toString('latin1');
  try {
    return utf8Strict.decode(bytes);
  } catch {
    // not UTF-8 throughout
  }
  const lossy = bytes.toString('utf8');
  if (isMostlyUtf8(lossy)) return lossy;
  const meta = /<meta\b[^>]*?charset\s*=\s*["']?([a-z0-9._:-]+)/i.exec(bytes.subarray(0, 4096).toString('latin1'))?.[1];
  if (meta !== undefined && !/^(?:utf-?8|us-?ascii)$/i.test(meta)) return decodeWithCharset(bytes, meta);
  const [best] = analyseCharset(bytes.subarray(0, DETECTION_SAMPLE_BYTES));
  if (
    best !== undefined &&
    best.confidence >= DETECTION_MIN_CONFIDENCE &&
    DETECTED_NON_LATIN.has(best.name.toLowerCase())
  )
    return decodeWithCharset(bytes, best.name);
  return decodeWindows1252(bytes);
}

/** From and Subject of a mail for the pilot's alert, as a rejected mail's preview gives them. */
function previewOf(mail: InboundMail): HeaderPreview {
  const from = mail.headers.get('from')?.[0];
  return {
    ...(from ? { from: from.slice(0, 200) } : {}),
    ...(mail.subject ? { subject: mail.subject.slice(0, 200) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Before the parser: line endings, preamble, broken folding

type PreparedSource = { ok: true; source: Buffer; bodyOffset: number } | { ok: false; reason: string };

const HEADER_FIELD = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
const SENDER_FIELD = /^(from|sender|reply-to)[ \t]*:/i;

/**
 * Normalises what real mailboxes deliver into something the parser reads the way a human would:
 * a UTF-8 BOM, CR-only line endings (old Mac), leading blank lines, an mbox `From ` line, one
 * junk line in front of the headers (`---- Original email message ----`), and header lines that
 * lost their folding whitespace (`boundary="…"` on a line of its own). Says `no header section`
 * when the bytes do not start with a header block.
 */
function prepareSource(bytes: Buffer): PreparedSource {
  let source = bytes;
  if (source[0] === 0xef && source[1] === 0xbb && source[2] === 0xbf) source = source.subarray(3);
  if (!source.includes(0x0a) && source.includes(0x0d)) {
    source = Buffer.from(source.toString('latin1').replace(/\r/g, '\r\n'), 'latin1');
  }

  // Lines up to the first blank line after the headers. latin1 keeps one character per byte, so
  // string offsets are byte offsets.
  const text = source.subarray(0, MAX_HEAD_BYTES).toString('latin1');
  const lines: HeadLine[] = [];
  let started = false;
  let bodyStart = text.length;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline + 1;
    const content = text.slice(start, end).replace(/\r*\n$/, '');
    if (content === '' && started) {
      bodyStart = start;
      break;
    }
    if (content.trim() !== '') started = true;
    lines.push({ start, content });
    start = end;
  }

  let first = 0;
  while (first < lines.length && lines[first]!.content.trim() === '') first++;
  if (first < lines.length && /^From [^\s:]+\s/.test(lines[first]!.content)) first++; // mbox separator
  const block = lines.slice(first);
  if (block.length === 0) return { ok: false, reason: 'no header section' };

  if (!HEADER_FIELD.test(block[0]!.content)) {
    // one junk line is tolerated, only in front of a real header block that names a sender
    const rest = block.slice(1);
    if (
      !(rest.length > 0 && HEADER_FIELD.test(rest[0]!.content) && rest.some((line) => SENDER_FIELD.test(line.content)))
    ) {
      return { ok: false, reason: 'no header section' };
    }
    block.shift();
  }

  const headStart = block[0]!.start;
  const isBroken = (line: HeadLine): boolean => !HEADER_FIELD.test(line.content) && !/^[ \t]/.test(line.content);
  if (!block.some(isBroken)) {
    return {
      ok: true,
      source: headStart === 0 ? source : source.subarray(headStart),
      bodyOffset: bodyStart - headStart,
    };
  }
  // a header line without a name cannot start a field: it continues the previous one
  const head = Buffer.from(
    block
      .map((line, index) => (isBroken(line) ? ' ' : '') + text.slice(line.start, block[index + 1]?.start ?? bodyStart))
      .join(''),
    'latin1',
  );
  return { ok: true, source: Buffer.concat([head, source.subarray(bodyStart)]), bodyOffset: head.length };
}

interface HeadLine {
  readonly start: number;
  readonly content: string;
}

/** mailparser's own limit for one header block (maxHeadSize). */
const MAX_HEAD_BYTES = 1024 * 1024;

function isAsciiWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * Same rule as the parser's splitter: `--boundary` at a line start, optional `--`, optional
 * blanks, end of line. Searched in the bytes (the body is not copied into a string).
 */
function containsDelimiterLine(body: Buffer, boundary: string): boolean {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  for (let at = body.indexOf(delimiter); at !== -1; at = body.indexOf(delimiter, at + 1)) {
    if (at > 0 && body[at - 1] !== 0x0a && body[at - 1] !== 0x0d) continue;
    let end = at + delimiter.length;
    if (body[end] === 0x2d && body[end + 1] === 0x2d) end += 2;
    while (body[end] === 0x20 || body[end] === 0x09) end++;
    if (end >= body.length || body[end] === 0x0a || body[end] === 0x0d) return true;
  }
  return false;
}

function boundaryOf(parsed: ParsedMail): string | undefined {
  const value = parsed.headers.get('content-type') as Partial<StructuredHeader> | undefined;
  const boundary = (value?.params as Record<string, string | undefined> | undefined)?.boundary?.trimEnd();
  // the splitter ignores a non-ASCII boundary, as if it were missing
  return boundary && /^[\x20-\x7e]+$/.test(boundary) ? boundary : undefined;
}

// ---------------------------------------------------------------------------------------------
// Headers

interface HeaderField {
  readonly key: string;
  /** Unfolded value, 8-bit bytes decoded, encoded words still encoded. */
  readonly text: string;
}

function headerFields(lines: ParsedMail['headerLines']): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const { key, line } of lines) {
    const colon = line.indexOf(':');
    if (key === '' || colon === -1) continue; // a junk line the parser kept as a nameless header
    // the parser hands header lines over as binary strings: one character per byte
    const unfolded = line.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, '');
    fields.push({ key, text: withoutNul(decodeRawBytes(Buffer.from(unfolded, 'latin1'))) });
  }
  return fields;
}

/** Header fields in order, with RFC 2047 words decoded. */
function decodedFields(fields: readonly HeaderField[]): InboundMail['headerFields'] {
  return fields.map(({ key, text }) => ({ name: key, value: withoutNul(repairC1(decodeEncodedWords(text))).trim() }));
}

/** Header values by lower-cased name, in order. */
function byName(fields: InboundMail['headerFields']): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const { name, value } of fields) {
    const values = headers.get(name);
    if (values === undefined) headers.set(name, [value]);
    else values.push(value);
  }
  return headers;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Raw 8-bit bytes: UTF-8 (RFC 6532) when they are UTF-8, even with a few broken sequences;
 * windows-1252 (the usual undeclared charset of French mail) otherwise.
 */
function decodeRawBytes(bytes: Uint8Array): string {
  if (bytes.every((byte) => byte < 0x80)) return Buffer.from(bytes).toString('latin1');
  try {
    return utf8Strict.decode(bytes);
  } catch {
    const lossy = Buffer.from(bytes).toString('utf8');
    return isMostlyUtf8(lossy) ? lossy : decodeWindows1252(bytes);
  }
}

/**
 * Whether a lossy UTF-8 decoding shows UTF-8 with a few broken sequences (at most one U+FFFD per
 * two valid non-ASCII characters) rather than another charset, whose bytes only now and then
 * happen to form a valid sequence (KOI8-R `шё` is the bytes of U+06E3).
 */
function isMostlyUtf8(lossy: string): boolean {
  let valid = 0;
  let broken = 0;
  for (let i = 0; i < lossy.length; i++) {
    const code = lossy.charCodeAt(i);
    if (code === 0xfffd) broken++;
    else if (code >= 0x80) valid++;
  }
  return valid > 0 && broken * 2 <= valid;
}

function decodeWithCharset(bytes: Uint8Array, charset: string): string {
  const label = charset.split('*')[0]!.trim().toLowerCase();
  let decoder: TextDecoder | undefined;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return decodeRawBytes(bytes); // unknown or refused charset (utf-7…)
  }
  // WHATWG reads latin1 and us-ascii as windows-1252 too, which Node's decoder mangles (below)
  return decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes);
}

// Node 20's TextDecoder('windows-1252') drops bytes 0x80-0x9F ('\x92' decodes to ''), so the
// C1 range, where windows-1252 puts ’ “ ” – — € œ…, is mapped here.
const WINDOWS_1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021' + // 0x80-0x87
  '\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' + // 0x88-0x8f
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014' + // 0x90-0x97
  '\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178'; // 0x98-0x9f

function decodeWindows1252(bytes: Uint8Array): string {
  return repairC1(Buffer.from(bytes).toString('latin1'));
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=/g;

/**
 * RFC 2047 encoded words. Blanks between adjacent words are dropped, and adjacent words of one
 * charset are decoded together, since encoders split multi-byte characters across words.
 */
function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  const parts: string[] = [];
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = (): void => {
    if (pending !== undefined) parts.push(decodeWithCharset(Buffer.concat(pending.bytes), pending.charset));
    pending = undefined;
  };
  let last = 0;
  for (const match of value.matchAll(ENCODED_WORD)) {
    const [word, charset = '', encoding = '', payload = ''] = match;
    const between = value.slice(last, match.index);
    if (pending === undefined || between.trim() !== '') {
      flush();
      parts.push(between);
    } else if (pending.charset.toLowerCase() !== charset.toLowerCase()) {
      flush();
    }
    const bytes =
      encoding.toLowerCase() === 'b'
        ? Buffer.from(payload, 'base64')
        : Buffer.from(
            payload
              .replace(/_/g, ' ')
              .replace(/=([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          );
    if (pending === undefined) pending = { charset, bytes: [bytes] };
    else pending.bytes.push(bytes);
    last = match.index + word.length;
  }
  flush();
  parts.push(value.slice(last));
  return parts.join('');
}

/** C1 controls never occur in real text: they are windows-1252 bytes read as ISO-8859-1. */
function repairC1(value: string): string {
  return /[\u0080-\u009f]/.test(value)
    ? value.replace(/[\u0080-\u009f]/g, (char) => WINDOWS_1252_C1[char.charCodeAt(0) - 0x80]!)
    : value;
}

function withoutNul(value: string): string {
  return value.includes('\u0000') ? value.replace(/\u0000/g, '\ufffd') : value;
}

/** The first `<id>` of a header (or the bare value when it has none), without brackets. */
function firstMessageId(value: string): string | undefined {
  return messageIdList([value])[0];
}

/**
 * A Message-ID longer than a header line may be (RFC 5322: 998) is no identifier: it is dropped
 * (a mail whose own id is dropped gets `sha256-…@reclam.invalid`). The database's unique index
 * on Message-IDs refused a 250 KB one with a size-limit error, which no retry could pass.
 */
const MAX_MESSAGE_ID_LENGTH = 998;
/** In-Reply-To names one mail; keep a few in case a client wrote several. */
const MAX_IN_REPLY_TO = 10;
/** References kept: the first (the thread's root) and the most recent ones, as RFC 5322 §3.6.4 trims them. */
const MAX_REFERENCES = 50;

function withinReferenceLimit(ids: string[]): string[] {
  return ids.length <= MAX_REFERENCES ? ids : [ids[0]!, ...ids.slice(ids.length - (MAX_REFERENCES - 1))];
}

function messageIdList(values: readonly string[]): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    const bracketed = [...value.matchAll(/<([^<>]*)>/g)].map((match) => match[1]!.replace(/\s+/g, ''));
    const found = bracketed.length > 0 ? bracketed : value.split(/[\s,]+/).filter((token) => token.includes('@'));
    for (const id of found) {
      if (id === '' || id.length > MAX_MESSAGE_ID_LENGTH || seen.has(id)) continue;
      seen.add(id);
      ids.push(id);
    }
  }
  return ids;
}

function returnPathOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  const inner = /<([^<>]*)>/.exec(value)?.[1] ?? value;
  return inner.trim().toLowerCase();
}

const ZONE = /(?:[+-]\d{2}:?\d{2}\s*(?:\(|$)|\dZ$|\b(?:UT|UTC|GMT|Z|[ECMP][SD]T)\b)/i;

/** The Date header as an instant; a date without a zone is read as UTC (not as local time). */
function parseDate(value: string | undefined): Date | null {
  if (value === undefined || value.trim() === '') return null;
  const date = new Date(ZONE.test(value) ? value : `${value} GMT`);
  return Number.isNaN(date.getTime()) ? null : date;
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** Every mailbox of the given header values (groups flattened), lower-cased, names decoded. */
function addressList(values: readonly string[]): MailAddress[] {
  if (values.length === 0) return [];
  const flat: MailAddress[] = [];
  const visit = (entry: EmailAddress): void => {
    if (entry.group) entry.group.forEach(visit);
    else if (entry.address)
      flat.push({ address: cleanAddress(entry.address), name: withoutNul(repairC1(entry.name ?? '')).trim() });
  };
  parseAddressHeader([...values]).value.forEach(visit);
  return flat;
}

function cleanAddress(address: string): string {
  return address
    .trim()
    .replace(/^<+|>+$/g, '')
    .toLowerCase();
}

/** `local@domain` with a plausible domain: enough to write back to, however odd the local part. */
function isUsable(entry: MailAddress): boolean {
  const at = entry.address.lastIndexOf('@');
  if (at <= 0) return false;
  const domain = entry.address.slice(at + 1);
  return /^[^\s@<>()[\],;:"\\]+$/.test(domain) || /^\[[^\]\s]+\]$/.test(domain);
}

function firstUsable(addresses: readonly MailAddress[]): MailAddress | undefined {
  return addresses.find(isUsable);
}

/**
 * A delivery report from an MTA that wrote no usable From (`From: MAILER-DAEMON`, `From: <>`):
 * kept, with `from: null`, so that classification drops it as a bounce instead of the pilot
 * being alerted about every such report.
 */
function isUnsignedDeliveryReport(contentType: string, returnPath: string | null, from: string | undefined): boolean {
  return (
    contentType === 'multipart/report' && (returnPath === '' || /\b(?:mailer[- ]daemon|postmaster)\b/i.test(from ?? ''))
  );
}

// ---------------------------------------------------------------------------------------------
// Body

/**
 * The text part; when it is blank and there is HTML, the parser's HTML-to-text conversion of it
 * (of its first {@link HTML_TO_TEXT_MAX_CHARS} characters).
 */
async function bodyText(text: string | undefined, html: string | null): Promise<string> {
  const plain = repairC1(text ?? '');
  if (plain.trim() !== '' || html === null || html.trim() === '') return plain;
  try {
    // a root text/html part is what mailparser converts to text; reuse its converter
    const converted = await runParser(
      Buffer.from(
        'Content-Type: text/html; charset=utf-8\r\n' +
          'Content-Transfer-Encoding: 8bit\r\n\r\n' +
          html.slice(0, HTML_TO_TEXT_MAX_CHARS),
        'utf8',
      ),
    );
    return converted.text ?? plain;
  } catch {
    return plain;
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
