import { describe, expect, it } from 'vitest';
import { describeQuarantineReason } from '../../src/domain/quarantine-reason.js';

describe('describeQuarantineReason', () => {
  it('explains parser reasons in French and keeps the code', () => {
    expect(describeQuarantineReason('multipart without boundary')).toBe(
      'structure MIME invalide : parties annoncées sans séparateur (multipart without boundary)',
    );
    expect(describeQuarantineReason('parser error: boom')).toBe('le message n’a pas pu être lu (parser error: boom)');
    expect(describeQuarantineReason('something new')).toBe('something new');
  });
});
