import { describe, expect, it } from 'vitest';
import { formatTicketReference, parseTicketReference, subjectTag } from '../../src/domain/ticket-reference.js';

describe('ticket references', () => {
  it('are PREFIX-YYYY-NNNN with at least four digits', () => {
    expect(formatTicketReference('REC', 2026, 42)).toBe('REC-2026-0042');
    expect(formatTicketReference('QUA', 2027, 12345)).toBe('QUA-2027-12345');
    expect(subjectTag('REC-2026-0042')).toBe('[REC-2026-0042]');
  });

  it('read back, and refuse what is not one', () => {
    expect(parseTicketReference('REC-2026-0042')).toEqual({ prefix: 'REC', year: 2026, sequence: 42 });
    for (const bad of ['REC-26-0042', 'REC-2026-42', 'rec', '']) expect(parseTicketReference(bad), bad).toBeNull();
  });
});
