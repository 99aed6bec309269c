import { describe, expect, it } from 'vitest';
import {
  cookieHeader,
  formToken,
  isSameOrigin,
  LINK_VALIDITY_MS,
  mayRequestLink,
  parseCookies,
  readLink,
  sessionOpen,
  signLink,
  verifyFormToken,
  verifyLink,
} from '../../src/domain/web-sign-in.js';

const SECRET = '0123456789abcdef0123456789abcdef';
const NONCE = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCd';
const NOW = new Date('2026-11-23T08:00:00Z');
const EXPIRY = new Date(NOW.getTime() + LINK_VALIDITY_MS);

describe('sign-in links', () => {
  const link = signLink(NONCE, 'accueil@spst-test.fr', EXPIRY, SECRET);

  it('is valid for its person until 15 minutes after it was asked for', () => {
    expect(readLink(link)).toEqual({ nonce: NONCE, expiresAt: EXPIRY });
    expect(verifyLink(link, 'accueil@spst-test.fr', SECRET, NOW)).toBe('valid');
    expect(verifyLink(link, 'ACCUEIL@spst-test.fr', SECRET, new Date(EXPIRY.getTime() - 1000))).toBe('valid');
    expect(verifyLink(link, 'accueil@spst-test.fr', SECRET, EXPIRY)).toBe('expired');
  });

  it('is refused for another person, with another secret, or altered', () => {
    expect(verifyLink(link, 'dr.martin@spst-test.fr', SECRET, NOW)).toBe('invalid');
    expect(verifyLink(link, 'accueil@spst-test.fr', `${SECRET}x`, NOW)).toBe('invalid');
    const [nonce, expiry, mac] = link.split('.');
    const later = (parseInt(expiry!, 36) + 3600).toString(36);
    expect(verifyLink(`${nonce}.${later}.${mac}`, 'accueil@spst-test.fr', SECRET, NOW)).toBe('invalid');
    const flipped = mac!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(verifyLink(`${nonce}.${expiry}.${flipped}`, 'accueil@spst-test.fr', SECRET, NOW)).toBe('invalid');
    expect(verifyLink('not-a-link', 'accueil@spst-test.fr', SECRET, NOW)).toBe('invalid');
    expect(readLink(`${link}x`)).toBeNull();
  });
});

describe('the form token and the origin check of the one POST', () => {
  it('matches only the cookie it was made for', () => {
    const token = formToken('seed-1', SECRET);
    expect(verifyFormToken('seed-1', token, SECRET)).toBe(true);
    expect(verifyFormToken('seed-2', token, SECRET)).toBe(false);
    expect(verifyFormToken(undefined, token, SECRET)).toBe(false);
    expect(verifyFormToken('seed-1', '', SECRET)).toBe(false);
    // A cookie planted by someone who does not know the secret cannot be paired with a token of their own.
    expect(verifyFormToken('seed-1', 'seed-1', SECRET)).toBe(false);
  });

  it('accepts the desk’s own origin only, from Origin or else Referer', () => {
    const desk = 'https://reclamations.spst-test.fr';
    expect(isSameOrigin({ origin: desk }, desk)).toBe(true);
    expect(isSameOrigin({ referer: `${desk}/connexion` }, desk)).toBe(true);
    expect(isSameOrigin({ origin: 'https://evil.example' }, desk)).toBe(false);
    expect(isSameOrigin({ origin: 'http://reclamations.spst-test.fr' }, desk)).toBe(false);
    expect(isSameOrigin({ origin: 'null' }, desk)).toBe(false);
    expect(isSameOrigin({}, desk)).toBe(false);
    expect(isSameOrigin({ origin: 'https://evil.example', referer: `${desk}/` }, desk)).toBe(false);
  });
});

describe('rate limits, sessions and cookies', () => {
  it('serves a request while both counts are under their limits', () => {
    const limits = { perAddress: 3, perClient: 10 };
    expect(mayRequestLink({ address: 2, client: 9 }, limits)).toBe(true);
    expect(mayRequestLink({ address: 3, client: 0 }, limits)).toBe(false);
    expect(mayRequestLink({ address: 0, client: 10 }, limits)).toBe(false);
  });

  it('keeps a session open until it expires or is ended', () => {
    const expiresAt = new Date(NOW.getTime() + 3_600_000);
    expect(sessionOpen({ expiresAt, endedAt: null }, NOW)).toBe(true);
    expect(sessionOpen({ expiresAt, endedAt: null }, expiresAt)).toBe(false);
    expect(sessionOpen({ expiresAt, endedAt: NOW }, NOW)).toBe(false);
  });

  it('writes HttpOnly, SameSite=Strict cookies, Secure behind TLS, and reads them back', () => {
    expect(cookieHeader('s', 'v', { secure: false, maxAgeSeconds: 60 })).toBe(
      's=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60',
    );
    expect(cookieHeader('s', 'v', { secure: true, maxAgeSeconds: 0 })).toBe(
      's=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure',
    );
    expect([...parseCookies('a=1; b=x=y; a=2; junk')]).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
    ]);
  });
});
