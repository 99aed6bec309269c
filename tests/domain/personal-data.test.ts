import { describe, expect, it } from 'vitest';
import { maskAddresses } from '../../src/domain/personal-data.js';

describe('maskAddresses', () => {
  it('masks addresses in SMTP replies and keeps the rest', () => {
    expect(maskAddresses('550 5.1.1 <jean.dupont@exemple.fr>: Recipient address rejected')).toBe(
      '550 5.1.1 <<adresse>>: Recipient address rejected',
    );
    expect(maskAddresses('to Élise.Martin+rec@sous.domaine.example, and x@y.fr')).toBe('to <adresse>, and <adresse>');
    expect(maskAddresses('451 4.3.0 try later')).toBe('451 4.3.0 try later');
  });
});
