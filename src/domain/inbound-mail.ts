// What reclam knows about one received mail once it is parsed. Produced by the parser adapter,
// consumed by the pure classification and by the ingest service; no library types leak past it.

export interface MailAddress {
  /** Lower-cased address, e.g. `jean.dupont@exemple.fr`. */
  readonly address: string;
  /** Display name as written by the sender, possibly empty. */
  readonly name: string;
}

export interface InboundAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** Hex SHA-256 of the content: attachments are stored content-addressed. */
  readonly sha256: string;
  readonly content: Uint8Array;
}

export interface HeaderField {
  /** Lower-cased, e.g. `received`. */
  readonly name: string;
  readonly value: string;
}

export interface InboundMail {
  /** Message-ID without angle brackets; `sha256-<hex>@reclam.invalid` when the mail had none. */
  readonly messageId: string;
  readonly hasOwnMessageId: boolean;
  readonly inReplyTo: readonly string[];
  readonly references: readonly string[];
  readonly from: MailAddress | null;
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly replyTo: readonly MailAddress[];
  readonly subject: string;
  /** The Date header, or null when absent or unreadable. */
  readonly date: Date | null;
  /** Header values by lower-cased name, in order of appearance, decoded to text. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /**
   * Every header field in order, topmost first, as in `headers`. Trace fields need it: whether an
   * Authentication-Results is above or below a Received decides who wrote it (RFC 8601 §5).
   */
  readonly headerFields: readonly HeaderField[];
  /** Envelope sender from Return-Path: `''` for the null sender `<>`, null when the header is absent. */
  readonly returnPath: string | null;
  /** Top-level MIME type, lower-cased, e.g. `multipart/report`. */
  readonly contentType: string;
  /** Plain-text body (converted from HTML when the mail has only HTML). */
  readonly text: string;
  /** HTML body as sent, unsanitised; null when the mail has none. */
  readonly html: string | null;
  readonly attachments: readonly InboundAttachment[];
  /** Hex SHA-256 of the raw bytes. */
  readonly rawSha256: string;
}

/** First value of a header (lower-cased name), or undefined. */
export function headerValue(mail: Pick<InboundMail, 'headers'>, name: string): string | undefined {
  return mail.headers.get(name.toLowerCase())?.[0];
}
