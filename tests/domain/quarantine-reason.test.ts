import { describe, expect, it } from 'vitest';
import { describeQuarantineReason, tooLargeReason } from '../../src/domain/quarantine-reason.js';

describe('describeQuarantineReason', () => {
  it('explains parser reasons in French and keeps the code', () => {
    expect(describeQuarantineReason('multipart without boundary')).toBe(
      'structure MIME invalide : parties annoncées sans séparateur (multipart without boundary)',
    );
    expect(describeQuarantineReason('parser error: boom')).toBe('le message n’a pas pu être lu (parser error: boom)');
    expect(describeQuarantineReason('something new')).toBe('something new');
  });

  it('names the size and the key of a mail too large to be processed', () => {
    const reason = tooLargeReason(31_568_154, 8_388_608);
    expect(reason).toBe('too large: 31568154 bytes, above mailbox.maxMessageBytes (8388608)');
    expect(describeQuarantineReason(reason)).toBe(
      `message trop volumineux pour être traité automatiquement (${reason})`,
    );
  });
});
