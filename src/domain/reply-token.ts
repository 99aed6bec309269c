// Signed personal reply addresses (SPEC §3): `reclamation+<token>@domain`. The token binds a
// ticket (0 = no ticket: a person's address for logging new complaints) — or, for an intake, the
// staff mail waiting for its sender's confirmation; for an analysis, the recurrence analysis — a
// person and an expiry day with an HMAC
// under a server secret. The person is not in the token: the verifier checks it against the From
// address, so a token leaked to someone else is useless to them.
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_LENGTH = 20; // hex characters: 80 bits
const TOKEN = /^([tia])([0-9a-z]+)x([0-9a-z]+)s([0-9a-f]{20})$/;
const TOKEN_IN_TEXT = /[tia][0-9a-z]+x[0-9a-z]+s[0-9a-f]{20}/g;
const DAY_MS = 86_400_000;

export interface TokenClaims {
  /** Ticket id, or 0 for a person's own address (creating tickets); for an intake, the staff mail's id. */
  readonly ticketId: number;
  /** Days since 1970-01-01 (UTC) after which the token is refused. */
  readonly expiresOnDay: number;
  /** A token that confirms an intake: a complaint a staff member sent to the plain address. */
  readonly intake?: boolean;
  /** A token for acting on a recurrence analysis: `ticketId` is then the analysis's id. */
  readonly analysis?: boolean;
}

/** What a token is for: a ticket (or the person's own address), an intake, an analysis. */
export type TokenKind = 'ticket' | 'intake' | 'analysis';

export function tokenKind(claims: TokenClaims): TokenKind {
  return claims.intake ? 'intake' : claims.analysis ? 'analysis' : 'ticket';
}

const KIND_LETTER: Readonly<Record<TokenKind, string>> = { ticket: 't', intake: 'i', analysis: 'a' };
const MAC_DOMAIN: Readonly<Record<TokenKind, string>> = { ticket: 'reply', intake: 'intake', analysis: 'analysis' };

export type TokenVerdict = 'valid' | 'expired' | 'invalid';

/** Lower-case only: some mail systems lower-case the local part. */
export function signReplyToken(claims: TokenClaims, person: string, secret: string): string {
  const kind = KIND_LETTER[tokenKind(claims)];
  return `${kind}${claims.ticketId.toString(36)}x${claims.expiresOnDay.toString(36)}s${mac(claims, person, secret)}`;
}

export function readReplyToken(token: string): TokenClaims | null {
  const match = TOKEN.exec(token.toLowerCase());
  if (!match) return null;
  const claims = { ticketId: parseInt(match[2]!, 36), expiresOnDay: parseInt(match[3]!, 36) };
  if (match[1] === 'i') return { ...claims, intake: true };
  return match[1] === 'a' ? { ...claims, analysis: true } : claims;
}

/** Checks that `token` was issued for `person` (lower-cased address) and has not expired at `now`. */
export function verifyReplyToken(token: string, person: string, secret: string, now: Date): TokenVerdict {
  const claims = readReplyToken(token);
  if (!claims) return 'invalid';
  const expected = Buffer.from(mac(claims, person, secret));
  const given = Buffer.from(TOKEN.exec(token.toLowerCase())![4]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
  return dayNumber(now) > claims.expiresOnDay ? 'expired' : 'valid';
}

/** The day number `ttlDays` after `now`, for new tokens. */
export function expiryDay(now: Date, ttlDays: number): number {
  return dayNumber(now) + ttlDays;
}

/** `reclamation@x.fr` + token → `reclamation+<token>@x.fr`. */
export function personalAddress(mailbox: string, token: string): string {
  const at = mailbox.lastIndexOf('@');
  return `${mailbox.slice(0, at)}+${token}${mailbox.slice(at)}`;
}

/** Every token-looking string in `values` (plus-addresses, Message-IDs), in order. */
export function tokensIn(values: readonly string[]): string[] {
  return values.flatMap((value) => value.toLowerCase().match(TOKEN_IN_TEXT) ?? []);
}

function mac(claims: TokenClaims, person: string, secret: string): string {
  return createHmac('sha256', secret)
    .update(`reclam-${MAC_DOMAIN[tokenKind(claims)]}:${claims.ticketId}:${person.toLowerCase()}:${claims.expiresOnDay}`)
    .digest('hex')
    .slice(0, MAC_LENGTH);
}

function dayNumber(instant: Date): number {
  return Math.floor(instant.getTime() / DAY_MS);
}
