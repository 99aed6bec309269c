import { describe, expect, it } from 'vitest';
import { authservIdOf, dmarcPass, isInternalHop } from '../../src/domain/authentication-results.js';
import type { HeaderField } from '../../src/domain/inbound-mail.js';

const ar = (value: string): HeaderField => ({ name: 'authentication-results', value });
const received = (value: string): HeaderField => ({ name: 'received', value });
const other = (name: string, value: string): HeaderField => ({ name, value });

const OURS = ar(
  'mx.spst.fr; spf=pass smtp.mailfrom=spst.fr; dkim=pass header.d=spst.fr; dmarc=pass (p=quarantine) header.from=spst.fr',
);
/** Our MX receiving the mail from the sender's server (a public address). */
const BORDER = received(
  'from mail.spst-siege.fr (mail.spst-siege.fr [198.51.100.7]) by mx.spst.fr (Postfix) with ESMTPS id 4Xy; Mon, 23 Nov 2026 09:00:01 +0100',
);
/** The mail store's delivery from our MX over LMTP (loopback). */
const LMTP = received(
  'from mx.spst.fr (localhost [127.0.0.1]) by imap.spst.fr (Dovecot) with LMTP id abc; Mon, 23 Nov 2026 09:00:02 +0100',
);
const SENDERS_OWN = received('from [192.168.1.20] by mail.spst-siege.fr with ESMTPSA; Mon, 23 Nov 2026 09:00:00 +0100');

describe('dmarcPass', () => {
  it('believes our server’s header added on top of the mail, above the border hop', () => {
    expect(dmarcPass([OURS, BORDER, SENDERS_OWN], 'spst.fr', 'mx.spst.fr')).toMatchObject({ pass: true });
    // The mail store's own hop (loopback) above it does not hide it.
    expect(
      dmarcPass([other('return-path', '<dr.martin@spst.fr>'), LMTP, OURS, BORDER], 'spst.fr', 'mx.spst.fr'),
    ).toMatchObject({ pass: true });
    expect(dmarcPass([OURS, BORDER], 'spst.fr', 'MX.SPST.FR')).toMatchObject({ pass: true });
  });

  it('trusts nothing without a configured authserv-id', () => {
    expect(dmarcPass([OURS, BORDER], 'spst.fr', undefined)).toMatchObject({ pass: false });
  });

  it('refuses a header the sender wrote: below the Received field of the hop from outside', () => {
    // The probe: our server added no Authentication-Results, the sender wrote one with our id.
    expect(dmarcPass([LMTP, BORDER, OURS, SENDERS_OWN], 'spst.fr', 'mx.spst.fr')).toEqual({
      pass: false,
      reason: 'no Authentication-Results from mx.spst.fr (the Received field of the hop from outside above it)',
    });
    // Ours says fail; the forged pass below the border does not count.
    const fail = ar('mx.spst.fr; dmarc=fail (p=reject) header.from=spst.fr');
    expect(dmarcPass([fail, BORDER, OURS], 'spst.fr', 'mx.spst.fr')).toMatchObject({
      pass: false,
      reason: 'dmarc=fail',
    });
  });

  it('refuses ours below someone else’s, and ours with nothing else when a Received without address is above', () => {
    expect(
      dmarcPass([ar('evil.example; dmarc=pass header.from=spst.fr'), OURS], 'spst.fr', 'mx.spst.fr'),
    ).toMatchObject({ pass: false });
    expect(
      dmarcPass([received('by mx.spst.fr (Postfix, from userid 0) id 1'), OURS], 'spst.fr', 'mx.spst.fr'),
    ).toMatchObject({ pass: false });
  });

  it('is not fooled by a HELO naming a private address, nor by comments', () => {
    const helo = received('from [127.0.0.1] (unknown [203.0.113.9]) by mx.spst.fr (Postfix) with ESMTP id 9');
    expect(dmarcPass([helo, OURS], 'spst.fr', 'mx.spst.fr')).toMatchObject({ pass: false });
    const commented = ar('mx.spst.fr; dmarc=fail (header.from=spst.fr) header.from=evil.example');
    expect(dmarcPass([commented, BORDER], 'spst.fr', 'mx.spst.fr')).toMatchObject({
      pass: false,
      reason: 'dmarc=fail',
    });
  });

  it('requires a pass for the From domain', () => {
    expect(dmarcPass([ar('mx.spst.fr; dmarc=fail header.from=spst.fr')], 'spst.fr', 'mx.spst.fr')).toMatchObject({
      pass: false,
      reason: 'dmarc=fail',
    });
    expect(dmarcPass([ar('mx.spst.fr; dmarc=pass header.from=other.fr')], 'spst.fr', 'mx.spst.fr')).toMatchObject({
      pass: false,
    });
    expect(dmarcPass([], 'spst.fr', 'mx.spst.fr')).toMatchObject({ pass: false });
    expect(
      dmarcPass([ar('mx.spst.fr; spf=pass smtp.mailfrom=spst.fr'), BORDER], 'spst.fr', 'mx.spst.fr'),
    ).toMatchObject({
      pass: false,
      reason: 'no DMARC result from mx.spst.fr',
    });
  });
});

describe('authservIdOf / isInternalHop', () => {
  it('reads the authserv-id with a version and comments', () => {
    expect(authservIdOf('MX.spst.fr 1; dmarc=pass header.from=spst.fr')).toBe('mx.spst.fr');
    expect(authservIdOf('(comment) mx.spst.fr; none')).toBe('mx.spst.fr');
  });
  it('calls a hop internal only from a loopback or private address seen by our server', () => {
    expect(isInternalHop(LMTP.value)).toBe(true);
    expect(isInternalHop('from mx.spst.fr ([10.0.0.2]) by imap.spst.fr with LMTP id 1')).toBe(true);
    expect(isInternalHop('from filter (filter [IPv6:::1]) by mx.spst.fr with ESMTP')).toBe(true);
    expect(isInternalHop('from relay ([172.20.1.1]) by mx')).toBe(true);
    expect(isInternalHop(BORDER.value)).toBe(false);
    expect(isInternalHop('from mx.spst.fr by imap.spst.fr with LMTP')).toBe(false);
    expect(isInternalHop('from x ([172.32.0.1]) by mx')).toBe(false);
    expect(isInternalHop('from x (x [2001:db8::1]) by mx')).toBe(false);
  });
});
