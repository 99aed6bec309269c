import { describe, expect, it } from 'vitest';
import { qualificationOverridesSchema } from '../../src/domain/qualification-overrides.js';
import { DEFAULT_QUALIFICATION_RULES } from '../../src/domain/qualification-rules.js';

describe('qualificationOverridesSchema', () => {
  it('fills an absent section with the built-in low-confidence and learning settings', () => {
    const parsed = qualificationOverridesSchema.parse(undefined);
    expect(parsed.useDefaults).toBe(true);
    expect(parsed.lowConfidence).toEqual(DEFAULT_QUALIFICATION_RULES.lowConfidence);
    expect(parsed.learning).toEqual(DEFAULT_QUALIFICATION_RULES.learning);
  });

  it('keeps the cues written, trimmed, and refuses a weight outside −10…10 or an empty phrase', () => {
    const parsed = qualificationOverridesSchema.parse({ categories: { medicale: { '  visite tardive ': 3 } } });
    expect(parsed.categories).toEqual({ medicale: { 'visite tardive': 3 } });
    expect(qualificationOverridesSchema.safeParse({ categories: { medicale: { x: 11 } } }).success).toBe(false);
    expect(qualificationOverridesSchema.safeParse({ levels: { 1: { ' ': 2 } } }).success).toBe(false);
    expect(qualificationOverridesSchema.safeParse({ levels: { un: { retard: 2 } } }).success).toBe(false);
  });
});
