// The web desk's sign-in rules (issue 14), pure: signed single-use links, session and form
// tokens, the same-origin check of the one POST, the rate limits. Nonces and "now" are given.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** A sign-in link is valid this long after it was asked for. */
export const LINK_VALIDITY_MS = 15 * 60_000;
/** The rate limits count the requests of this sliding window. */
export const RATE_WINDOW_MS = 15 * 60_000;
export const SESSION_COOKIE = 'reclam_session';
export const FORM_COOKIE = 'reclam_form';

const MAC_LENGTH = 32;
const LINK = /^([A-Za-z0-9_-]{32,64})\.([0-9a-z]{1,12})\.([0-9a-f]{32})$/;

export type LinkVerdict = 'valid' | 'expired' | 'invalid';

/** `<nonce>.<expiry in seconds, base 36>.<HMAC of nonce, person and expiry>`. */
export function signLink(nonce: string, email: string, expiresAt: Date, secret: string): string {
  const expiry = Math.floor(expiresAt.getTime() / 1000).toString(36);
  return `${nonce}.${expiry}.${linkMac(nonce, email, expiry, secret)}`;
}

/** The nonce and expiry a link claims, unchecked; null when it is not shaped like one. */
export function readLink(token: string): { readonly nonce: string; readonly expiresAt: Date } | null {
  const match = LINK.exec(token);
  if (!match) return null;
  return { nonce: match[1]!, expiresAt: new Date(parseInt(match[2]!, 36) * 1000) };
}

/** Whether `token` was signed for `email` and is still valid at `now` (its single use is the database's). */
export function verifyLink(token: string, email: string, secret: string, now: Date): LinkVerdict {
  const match = LINK.exec(token);
  if (!match) return 'invalid';
  if (!sameText(linkMac(match[1]!, email, match[2]!, secret), match[3]!)) return 'invalid';
  return now.getTime() >= parseInt(match[2]!, 36) * 1000 ? 'expired' : 'valid';
}

/** What the database keeps of a nonce or session id: its SHA-256, so a copy of the table opens nothing. */
export function storedHash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A keyed hash of an address or client, for counting requests without keeping who asked. */
export function requestKey(kind: 'address' | 'client', value: string, secret: string): string {
  return createHmac('sha256', secret).update(`reclam-web-${kind}:${value.trim().toLowerCase()}`).digest('hex');
}

/** The form field matching the form cookie `seed` (double submit, signed so a planted cookie does not do). */
export function formToken(seed: string, secret: string): string {
  return createHmac('sha256', secret).update(`reclam-web-form:${seed}`).digest('hex').slice(0, MAC_LENGTH);
}

export function verifyFormToken(seed: string | undefined, token: string | undefined, secret: string): boolean {
  if (!seed || !token) return false;
  return sameText(formToken(seed, secret), token);
}

/**
 * Whether a POST comes from our own pages: its Origin (every current browser sends one on POST),
 * else its Referer, must be `expectedOrigin` (`https://desk.example`); neither is refused.
 */
export function isSameOrigin(
  headers: { readonly origin?: string | undefined; readonly referer?: string | undefined },
  expectedOrigin: string,
): boolean {
  const claimed = headers.origin ?? headers.referer;
  if (!claimed || claimed === 'null') return false;
  try {
    return new URL(claimed).origin === new URL(expectedOrigin).origin;
  } catch {
    return false;
  }
}

export interface RequestCounts {
  /** Link requests for this address in the last RATE_WINDOW_MS, this one excluded. */
  readonly address: number;
  /** Link requests from this client in the last RATE_WINDOW_MS, this one excluded. */
  readonly client: number;
}

/** Whether one more link request may be served; counted alike for known and unknown addresses. */
export function mayRequestLink(counts: RequestCounts, limits: { perAddress: number; perClient: number }): boolean {
  return counts.address < limits.perAddress && counts.client < limits.perClient;
}

/** Whether a stored session is open at `now`. */
export function sessionOpen(session: { readonly expiresAt: Date; readonly endedAt: Date | null }, now: Date): boolean {
  return session.endedAt === null && now.getTime() < session.expiresAt.getTime();
}

export interface CookieOptions {
  /** Behind TLS (an https public address): the browser sends the cookie over TLS only. */
  readonly secure: boolean;
  /** Lifetime in seconds; 0 removes the cookie. */
  readonly maxAgeSeconds: number;
}

/** A Set-Cookie value: HttpOnly, SameSite=Strict, whole site, Secure behind TLS. */
export function cookieHeader(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${options.maxAgeSeconds}`];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** The cookies of a Cookie header; a repeated name keeps its first value. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

function linkMac(nonce: string, email: string, expiry: string, secret: string): string {
  return createHmac('sha256', secret)
    .update(`reclam-web-link:${nonce}:${email.toLowerCase()}:${expiry}`)
    .digest('hex')
    .slice(0, MAC_LENGTH);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
