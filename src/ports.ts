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
  | { readonly ok: false; readonly reason: string; readonly preview?: { readonly from?: string; readonly subject?: string } };

/** Raw RFC 5322 bytes to an InboundMail (mailparser adapter). */
export type MailParser = (raw: Uint8Array) => Promise<ParseResult>;

/** One mail fetched from the inbox, not yet processed. */
export interface FetchedMail {
  readonly uid: number;
  readonly raw: Uint8Array;
  readonly internalDate?: Date | undefined;
}

/** An open IMAP session on the complaint inbox (imapflow adapter). */
export interface MailboxSession {
  readonly inbox: string;
  readonly uidValidity: number;
  /** UIDs above `afterUid` currently in the inbox, ascending. */
  listUids(afterUid: number): Promise<number[]>;
  /** Raw sources of these UIDs, without setting \Seen. */
  fetch(uids: readonly number[]): Promise<FetchedMail[]>;
  move(uids: readonly number[], folder: string): Promise<void>;
  /** Resolves on new mail (IDLE), after `timeoutMs`, on abort, or when the connection drops. */
  waitForNews(timeoutMs: number, signal: AbortSignal): Promise<'news' | 'timeout' | 'aborted' | 'closed'>;
  readonly usable: boolean;
  close(): Promise<void>;
}
