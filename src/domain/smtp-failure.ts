// Whether a failed SMTP attempt is worth retrying. Decided from the reply code first, then from
// the kind of network error; anything unknown is retried (losing a complaint's answer is worse
// than a late one, and attempts are capped).

export type FailureKind = 'transient' | 'permanent';

export interface SmtpFailure {
  /** SMTP reply code when the server answered (e.g. 451, 550). */
  readonly responseCode?: number | undefined;
  /** Node or nodemailer error code (ECONNREFUSED, ETIMEDOUT, EENVELOPE, EMESSAGE …). */
  readonly code?: string | undefined;
  readonly message?: string | undefined;
}

const PERMANENT_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

/**
 * Classifies an SMTP failure: 5xx replies and malformed messages are permanent, the rest transient.
 * A refused login (EAUTH, even with its 535) is our set-up, not the mail's fault: transient, so the
 * mails wait for the password to be fixed instead of dying at once.
 */
export function classifySmtpFailure(failure: SmtpFailure): FailureKind {
  if (failure.code === 'EAUTH') return 'transient';
  const code = failure.responseCode;
  if (code !== undefined && code >= 500 && code < 600) return 'permanent';
  if (code !== undefined && code >= 400 && code < 500) return 'transient';
  // An envelope error without a reply code is a local refusal (e.g. no recipient left).
  if (failure.code !== undefined && PERMANENT_CODES.has(failure.code) && code === undefined) return 'permanent';
  return 'transient';
}
