// Sign-in to the web desk by e-mail (issue 14): a configured person asks for a link, a signed
// single-use link valid 15 minutes goes to their configured address through the outbox, and
// opening it starts a session kept in the database. Whether an address is known is never told.
import { randomBytes } from 'node:crypto';
import {
  consumeLink,
  countLinkRequests,
  endSession,
  findLinkByNonceHash,
  findSession,
  insertLinkRequests,
  insertSessions,
  purgeWebSignIns,
} from '../db/web-desk.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import { findPerson, type Person } from '../domain/people.js';
import {
  LINK_VALIDITY_MS,
  mayRequestLink,
  RATE_WINDOW_MS,
  readLink,
  requestKey,
  sessionOpen,
  signLink,
  storedHash,
  verifyLink,
} from '../domain/web-sign-in.js';
import type { Deps } from './deps.js';
import { enqueueMail } from './enqueue-mail.js';

/** How long ended links and sessions are kept (for the log's sake), then deleted. */
const PURGE_AFTER_MS = 24 * 3_600_000;

type SignInDeps = Pick<Deps, 'db' | 'clock' | 'config' | 'render' | 'random' | 'log'>;

/** `sent` and `unknown` must look the same to the person asking; only the log tells them apart. */
export type LinkRequestOutcome = 'sent' | 'unknown' | 'limited';

/**
 * Handles one link request for `address` from `client` (the client's IP address): counted
 * against both rate limits whatever the address; a link is queued only for a configured person.
 */
export async function requestSignInLink(
  deps: SignInDeps,
  input: {
    readonly address: string;
    readonly client: string;
    /** Where the link points: the desk's public origin (`https://desk.example`). */
    readonly origin: string;
  },
): Promise<LinkRequestOutcome> {
  const { config } = deps;
  const secret = config.security.replySecret;
  const now = deps.clock.now();
  const keys = {
    addressKey: requestKey('address', input.address, secret),
    clientKey: requestKey('client', input.client, secret),
  };
  const counts = await countLinkRequests(deps.db, keys, new Date(now.getTime() - RATE_WINDOW_MS));
  const limits = { perAddress: config.web.linkRequestsPerAddress, perClient: config.web.linkRequestsPerClient };
  if (!mayRequestLink(counts, limits)) {
    deps.log.info('web desk: sign-in link request over the rate limit');
    return 'limited';
  }
  const person = findPerson(config, input.address.trim());
  const expiresAt = new Date(now.getTime() + LINK_VALIDITY_MS);
  const nonce = randomBytes(32).toString('base64url');
  await deps.db.transaction(async (tx) => {
    // Links and sessions over a day past their end open nothing and count for no limit: forgotten.
    await purgeWebSignIns(tx, new Date(now.getTime() - PURGE_AFTER_MS));
    await insertLinkRequests(tx, [
      {
        nonceHash: person ? storedHash(nonce) : null,
        email: person?.email ?? null,
        ...keys,
        requestedAt: now,
        expiresAt,
      },
    ]);
    if (!person) return;
    const url = `${input.origin}/connexion/lien?jeton=${signLink(nonce, person.email, expiresAt, secret)}`;
    await enqueueMail(tx, deps, {
      kind: 'web-link',
      template: 'web-link',
      data: {
        organisation: config.organisation,
        recipientName: person.name ?? '',
        url,
        validUntil: formatFrenchDateTime(expiresAt, config.organisation.timezone),
      },
      to: person.email,
      ticket: null,
      automatic: false,
      autoSubmitted: 'auto-generated',
    });
  });
  deps.log.info({ known: person !== undefined }, 'web desk: sign-in link requested');
  return person ? 'sent' : 'unknown';
}

export type LinkCheck =
  | { readonly ok: true; readonly person: Person; readonly linkId: number }
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' | 'used' };

/** Whether `token` would open a session now, without using it (the confirmation page). */
export async function checkSignInLink(deps: Pick<Deps, 'db' | 'clock' | 'config'>, token: string): Promise<LinkCheck> {
  const claimed = readLink(token);
  if (!claimed) return { ok: false, reason: 'invalid' };
  const row = await findLinkByNonceHash(deps.db, storedHash(claimed.nonce));
  if (!row?.email) return { ok: false, reason: 'invalid' };
  const verdict = verifyLink(token, row.email, deps.config.security.replySecret, deps.clock.now());
  if (verdict !== 'valid') return { ok: false, reason: verdict };
  if (row.usedAt !== null) return { ok: false, reason: 'used' };
  const person = findPerson(deps.config, row.email);
  if (!person) return { ok: false, reason: 'invalid' };
  return { ok: true, person, linkId: row.id };
}

export type SignInResult =
  | { readonly ok: true; readonly person: Person; readonly sessionId: string; readonly expiresAt: Date }
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' | 'used' };

/** Uses `token` once: a session for its person, or why not (used already, expired, forged). */
export async function openSignInLink(
  deps: Pick<Deps, 'db' | 'clock' | 'config'>,
  token: string,
): Promise<SignInResult> {
  const check = await checkSignInLink(deps, token);
  if (!check.ok) return check;
  const now = deps.clock.now();
  const sessionId = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + deps.config.web.sessionHours * 3_600_000);
  const opened = await deps.db.transaction(async (tx) => {
    if (!(await consumeLink(tx, check.linkId, now))) return false;
    await insertSessions(tx, [{ idHash: storedHash(sessionId), email: check.person.email, createdAt: now, expiresAt }]);
    return true;
  });
  if (!opened) return { ok: false, reason: 'used' };
  return { ok: true, person: check.person, sessionId, expiresAt };
}

/** The person of an open session, or undefined (no such session, expired, signed out, no longer configured). */
export async function sessionPerson(
  deps: Pick<Deps, 'db' | 'clock' | 'config'>,
  sessionId: string | undefined,
): Promise<Person | undefined> {
  if (!sessionId || sessionId.length > 100) return undefined;
  const session = await findSession(deps.db, storedHash(sessionId));
  if (!session || !sessionOpen(session, deps.clock.now())) return undefined;
  return findPerson(deps.config, session.email);
}

export async function signOut(deps: Pick<Deps, 'db' | 'clock'>, sessionId: string | undefined): Promise<void> {
  if (sessionId) await endSession(deps.db, storedHash(sessionId), deps.clock.now());
}
