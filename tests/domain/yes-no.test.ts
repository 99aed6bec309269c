import { describe, expect, it } from 'vitest';
import { parseYesNo } from '../../src/domain/yes-no.js';

describe('parseYesNo', () => {
  it('reads the first word of the answer', () => {
    expect(parseYesNo('OUI')).toBe('yes');
    expect(parseYesNo('  Oui, merci beaucoup.')).toBe('yes');
    expect(parseYesNo('Non, toujours pas de rendez-vous')).toBe('no');
    expect(parseYesNo('NON.')).toBe('no');
    expect(parseYesNo('Toujours rien reçu')).toBe('no');
    expect(parseYesNo('Bonjour, je voulais ajouter…')).toBeNull();
    expect(parseYesNo('')).toBeNull();
  });
});
