import { describe, expect, it } from 'vitest';
import {
  expiryDay,
  personalAddress,
  readReplyToken,
  signReplyToken,
  tokensIn,
  verifyReplyToken,
} from '../../src/domain/reply-token.js';

const SECRET = 'a-long-server-secret-for-tests-0123456789';
const NOW = new Date('2026-11-23T10:00:00Z');

describe('reply tokens', () => {
  const token = signReplyToken({ ticketId: 42, expiresOnDay: expiryDay(NOW, 180) }, 'dr.martin@spst.fr', SECRET);

  it('round-trips the ticket and expiry, lower-case only', () => {
    expect(token).toMatch(/^[0-9a-z]+$/);
    expect(readReplyToken(token)).toEqual({ ticketId: 42, expiresOnDay: expiryDay(NOW, 180) });
    expect(readReplyToken(token.toUpperCase())).toEqual({ ticketId: 42, expiresOnDay: expiryDay(NOW, 180) });
  });

  it('verifies only for the person it was issued to, before expiry', () => {
    expect(verifyReplyToken(token, 'dr.martin@spst.fr', SECRET, NOW)).toBe('valid');
    expect(verifyReplyToken(token, 'DR.MARTIN@spst.fr', SECRET, NOW)).toBe('valid');
    expect(verifyReplyToken(token, 'pilote@spst.fr', SECRET, NOW)).toBe('invalid');
    expect(verifyReplyToken(token, 'dr.martin@spst.fr', 'another-secret-of-enough-length', NOW)).toBe('invalid');
    expect(verifyReplyToken(token, 'dr.martin@spst.fr', SECRET, new Date('2027-06-01T00:00:00Z'))).toBe('expired');
  });

  it('rejects a token whose ticket was changed', () => {
    const forged = token.replace(/^t[0-9a-z]+x/, `t${(43).toString(36)}x`);
    expect(verifyReplyToken(forged, 'dr.martin@spst.fr', SECRET, NOW)).toBe('invalid');
    expect(verifyReplyToken('nonsense', 'dr.martin@spst.fr', SECRET, NOW)).toBe('invalid');
  });

  it('builds plus-addresses and finds tokens in addresses and Message-IDs', () => {
    expect(personalAddress('reclamation@spst.fr', token)).toBe(`reclamation+${token}@spst.fr`);
    expect(tokensIn([`reclamation+${token}@spst.fr`, `rcl.abc.${token}@spst.fr`, 'jean@example.test'])).toEqual([
      token,
      token,
    ]);
  });
});

describe('analysis tokens', () => {
  const analysis = signReplyToken(
    { ticketId: 3, expiresOnDay: expiryDay(NOW, 180), analysis: true },
    'pilote@spst.fr',
    SECRET,
  );

  it('are told from ticket tokens and verify for their person only', () => {
    expect(analysis).toMatch(/^a/);
    expect(readReplyToken(analysis)).toEqual({ ticketId: 3, expiresOnDay: expiryDay(NOW, 180), analysis: true });
    expect(verifyReplyToken(analysis, 'pilote@spst.fr', SECRET, NOW)).toBe('valid');
    expect(verifyReplyToken(analysis, 'dr.martin@spst.fr', SECRET, NOW)).toBe('invalid');
    expect(tokensIn([`reclamation+${analysis}@spst.fr`])).toEqual([analysis]);
  });

  it('cannot be turned into a ticket token of the same number (or back)', () => {
    const asTicket = analysis.replace(/^a/, 't');
    expect(verifyReplyToken(asTicket, 'pilote@spst.fr', SECRET, NOW)).toBe('invalid');
    const ticket = signReplyToken({ ticketId: 3, expiresOnDay: expiryDay(NOW, 180) }, 'pilote@spst.fr', SECRET);
    expect(verifyReplyToken(ticket.replace(/^t/, 'a'), 'pilote@spst.fr', SECRET, NOW)).toBe('invalid');
  });
});
