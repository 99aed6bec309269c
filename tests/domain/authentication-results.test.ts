import { describe, expect, it } from 'vitest';
import { dmarcPass } from '../../src/domain/authentication-results.js';

describe('dmarcPass', () => {
  const ours =
    'mx.spst.fr; spf=pass smtp.mailfrom=spst.fr; dkim=pass header.d=spst.fr; dmarc=pass (p=quarantine) header.from=spst.fr';
  it('believes only the topmost header of the configured server', () => {
    expect(dmarcPass([ours], 'spst.fr', 'mx.spst.fr')).toMatchObject({ pass: true });
    expect(dmarcPass([ours], 'spst.fr', undefined)).toMatchObject({ pass: false });
    expect(dmarcPass(['evil.example; dmarc=pass header.from=spst.fr', ours], 'spst.fr', 'mx.spst.fr')).toMatchObject({
      pass: false,
    });
  });
  it('requires a pass for the From domain', () => {
    expect(dmarcPass(['mx.spst.fr; dmarc=fail header.from=spst.fr'], 'spst.fr', 'mx.spst.fr')).toMatchObject({
      pass: false,
      reason: 'dmarc=fail',
    });
    expect(dmarcPass(['mx.spst.fr; dmarc=pass header.from=other.fr'], 'spst.fr', 'mx.spst.fr')).toMatchObject({
      pass: false,
    });
    expect(dmarcPass([], 'spst.fr', 'mx.spst.fr')).toMatchObject({ pass: false });
  });
});
