// The few capabilities services need from the outside world, as small interfaces. Adapters
// implement them; tests pass real adapters or, for time, a fake clock.

/** The only source of "now" for services: tests move it by hand. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** One mail ready for SMTP, built from an outbox row. */
export interface OutgoingMail {
  /** Message-ID without angle brackets. */
  readonly messageId: string;
  readonly from: { readonly name: string; readonly address: string };
  readonly to: string;
  readonly replyTo?: string | undefined;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Files sent with the mail; one with `cid` is an image the HTML shows inline (`<img src="cid:…">`). */
  readonly attachments?: readonly MailAttachment[] | undefined;
}

export interface MailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly contentBase64: string;
  readonly cid?: string | undefined;
}

export interface SendFailure {
  readonly responseCode?: number | undefined;
  readonly code?: string | undefined;
  readonly message: string;
}

export type SendResult = { readonly ok: true; readonly response: string } | ({ readonly ok: false } & SendFailure);

/** nodemailer's transport contract reduced to what the outbox needs. */
export interface MailSender {
  send(mail: OutgoingMail): Promise<SendResult>;
  verify(): Promise<void>;
  close(): void;
}

/** A rendered template: subject, plain text and HTML alternatives. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Turns a named template and its data into a mail (Handlebars adapter). */
export interface Renderer {
  /** `name`: base name of a template in templates/fr (ack, follow-up-forward, pilot-alert, …). */
  render(name: string, data: object): RenderedMail;
}

export type ParseResult =
  | { readonly ok: true; readonly mail: import('./domain/inbound-mail.js').InboundMail }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly preview?: { readonly from?: string; readonly subject?: string };
    };

/** Raw RFC 5322 bytes to an InboundMail (mailparser adapter). */
export type MailParser = (raw: Uint8Array) => Promise<ParseResult>;

/** One mail fetched from the inbox, not yet processed. */
export interface FetchedMail {
  readonly uid: number;
  /** The whole mail; only its header block when `headersOnly`. */
  readonly raw: Uint8Array;
  readonly internalDate?: Date | undefined;
  /** Its size on the server (RFC822.SIZE), in bytes, when known. */
  readonly size?: number | undefined;
  /** Larger than the session's `maxMessageBytes`: only the header block was fetched. */
  readonly headersOnly?: boolean | undefined;
}

/** An open IMAP session on the complaint inbox (imapflow adapter). */
export interface MailboxSession {
  readonly inbox: string;
  readonly uidValidity: number;
  /** UIDs above `afterUid` currently in the inbox, ascending. */
  listUids(afterUid: number): Promise<number[]>;
  /** Raw sources of these UIDs, without setting \Seen (headers only for mails above the size cap). */
  fetch(uids: readonly number[]): Promise<FetchedMail[]>;
  move(uids: readonly number[], folder: string): Promise<void>;
  /** Resolves on new mail (IDLE), after `timeoutMs`, on abort, or when the connection drops. */
  waitForNews(timeoutMs: number, signal: AbortSignal): Promise<'news' | 'timeout' | 'aborted' | 'closed'>;
  readonly usable: boolean;
  close(): Promise<void>;
}

/** The digest's 12-month chart: per month, tickets received and closed, by level. */
export interface TrendChart {
  readonly title: string;
  /** Month labels, oldest first (« nov. 25 »). */
  readonly months: readonly string[];
  /** The levels, most serious first, with the label shown in the legend (« Niveau 1 »). */
  readonly levels: readonly { readonly level: number; readonly label: string }[];
  /** `received[m][l]`: tickets received in month m at level `levels[l]`. */
  readonly received: readonly (readonly number[])[];
  /** `closed[m][l]`: tickets closed in month m at level `levels[l]`. */
  readonly closed: readonly (readonly number[])[];
}

/** Draws charts as PNG images without a browser (resvg adapter). */
export interface ChartRenderer {
  /** A PNG twice the nominal size (`widthPx` × `heightPx` CSS pixels), sharp on high-density screens. */
  renderTrend(chart: TrendChart): { readonly png: Uint8Array; readonly widthPx: number; readonly heightPx: number };
}

/** One cell: text, number, local date-time (see `Workbook`), boolean, empty, or a number with its own format. */
export type CellValue =
  | string
  | number
  | Date
  | boolean
  | null
  | { readonly value: number | null; readonly format: ColumnFormat };

export type ColumnFormat = 'text' | 'integer' | 'decimal' | 'percent' | 'date' | 'datetime';

export interface Sheet {
  /** At most 31 characters, no `: \ / ? * [ ]`. */
  readonly name: string;
  readonly columns: readonly { readonly header: string; readonly width?: number; readonly format?: ColumnFormat }[];
  readonly rows: readonly (readonly CellValue[])[];
}

/**
 * A spreadsheet to write. Dates are wall-clock values: a cell shows the Date's UTC fields, so
 * callers pass local times already shifted (what the reader should see).
 */
export interface Workbook {
  readonly sheets: readonly Sheet[];
  readonly creator: string;
}

/** Writes workbooks as xlsx (exceljs adapter). */
export interface WorkbookWriter {
  /** The digest's spreadsheet, drawn from its report. */
  writeDigest(report: import('./domain/digest-report.js').DigestReport): Promise<Uint8Array>;
  writeXlsx(workbook: Workbook): Promise<Uint8Array>;
}

/** One file of an archive: its path inside it (`/` between folders) and its bytes or UTF-8 text. */
export interface ArchiveFile {
  readonly path: string;
  readonly content: Uint8Array | string;
}

/** Writes zip archives (fflate adapter). */
export interface ArchiveWriter {
  /** The archive of `files`, each dated `modified`. */
  zip(files: readonly ArchiveFile[], modified: Date): Uint8Array;
}

/** Removes raw mails from the mailbox's folders (imapflow adapter): RGPD erasure and retention. */
export interface MailRemover {
  /**
   * Deletes (and expunges) from each folder it watches the mails whose Message-ID, without angle
   * brackets, is one of `messageIds`, and with `mentioning` every mail whose headers or text
   * contain it (an address); returns how many were deleted in each folder.
   */
  deleteMails(criteria: {
    readonly messageIds: readonly string[];
    readonly mentioning?: string | undefined;
  }): Promise<readonly { folder: string; deleted: number }[]>;
}
