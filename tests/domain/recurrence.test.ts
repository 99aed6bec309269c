// Recurrence rule: the window of M calendar months in the organisation's zone, and the decision
// that opens one analysis per typology and window.
import { describe, expect, it } from 'vitest';
import {
  analysisReferencesIn,
  decideRecurrence,
  formatAnalysisReference,
  recurrenceWindowStart,
} from '../../src/domain/recurrence.js';

const PARIS = 'Europe/Paris';
const rule = { threshold: 10, months: 6 };

describe('recurrenceWindowStart', () => {
  it('goes back M calendar months at the same Paris wall time, across a daylight-saving change', () => {
    // 23 November 2026 10:00 CET (09:00Z) → 23 May 2026 10:00 CEST (08:00Z).
    expect(recurrenceWindowStart(new Date('2026-11-23T09:00:00Z'), 6, PARIS).toISOString()).toBe(
      '2026-05-23T08:00:00.000Z',
    );
  });

  it('clamps the day to the shorter month', () => {
    // 31 August 2026 12:00 CEST − 6 months → 28 February 2026 12:00 CET.
    expect(recurrenceWindowStart(new Date('2026-08-31T10:00:00Z'), 6, PARIS).toISOString()).toBe(
      '2026-02-28T11:00:00.000Z',
    );
    // A leap year keeps 29 February.
    expect(recurrenceWindowStart(new Date('2028-08-31T10:00:00Z'), 6, PARIS).toISOString()).toBe(
      '2028-02-29T11:00:00.000Z',
    );
  });

  it('crosses years and counts months in the local calendar, not in UTC', () => {
    // 1 March 2027 00:30 in Paris is still 28 February in UTC: the local date decides.
    expect(recurrenceWindowStart(new Date('2027-02-28T23:30:00Z'), 6, PARIS).toISOString()).toBe(
      '2026-08-31T22:30:00.000Z',
    );
    expect(recurrenceWindowStart(new Date('2027-01-15T09:00:00Z'), 12, PARIS).toISOString()).toBe(
      '2026-01-15T09:00:00.000Z',
    );
  });

  it('refuses a window that is not a positive whole number of months', () => {
    expect(() => recurrenceWindowStart(new Date('2026-11-23T09:00:00Z'), 0, PARIS)).toThrow(RangeError);
  });
});

describe('decideRecurrence', () => {
  it('opens at the 11th ticket of the window, not at the 10th', () => {
    expect(decideRecurrence({ openAnalysisId: null, inWindow: 10, rule })).toEqual({ kind: 'none' });
    expect(decideRecurrence({ openAnalysisId: null, inWindow: 11, rule })).toEqual({ kind: 'open' });
  });

  it('attaches to the open analysis instead of opening another (the 12th ticket)', () => {
    expect(decideRecurrence({ openAnalysisId: 7, inWindow: 12, rule })).toEqual({ kind: 'attach', analysisId: 7 });
    expect(decideRecurrence({ openAnalysisId: 7, inWindow: 0, rule })).toEqual({ kind: 'attach', analysisId: 7 });
  });

  it('follows the configured threshold', () => {
    expect(decideRecurrence({ openAnalysisId: null, inWindow: 4, rule: { threshold: 3, months: 1 } }).kind).toBe(
      'open',
    );
  });
});

describe('analysis references', () => {
  it('has its own prefix and four digits at least', () => {
    expect(formatAnalysisReference(2026, 3)).toBe('ANA-2026-0003');
    expect(formatAnalysisReference(2026, 12345)).toBe('ANA-2026-12345');
  });

  it('reads the tags of a reply subject, whatever the case', () => {
    expect(analysisReferencesIn('RE: TR: [ana-2026-0003] Analyse de récurrence')).toEqual(['ANA-2026-0003']);
    expect(analysisReferencesIn('[REC-2026-0003] Nouvelle réclamation')).toEqual([]);
  });
});
