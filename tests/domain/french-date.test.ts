import { describe, expect, it } from 'vitest';
import { computeDeadline } from '../../src/domain/deadline.js';
import type { Duration } from '../../src/domain/duration.js';
import {
  type DeadlineLevel,
  deadlineSentence,
  formatFrenchDate,
  formatFrenchDateTime,
} from '../../src/domain/french-date.js';

const PARIS = 'Europe/Paris';

describe('formatFrenchDate', () => {
  it('writes weekday and month in lower case', () => {
    expect(formatFrenchDate(new Date('2026-12-03T12:00:00.000Z'), PARIS)).toBe('jeudi 3 décembre 2026');
    expect(formatFrenchDate(new Date('2026-02-14T12:00:00.000Z'), PARIS)).toBe('samedi 14 février 2026');
    expect(formatFrenchDate(new Date('2026-08-15T12:00:00.000Z'), PARIS)).toBe('samedi 15 août 2026');
  });

  it('writes the first of the month as 1er', () => {
    expect(formatFrenchDate(new Date('2026-12-01T12:00:00.000Z'), PARIS)).toBe('mardi 1er décembre 2026');
    expect(formatFrenchDate(new Date('2026-08-01T12:00:00.000Z'), PARIS)).toBe('samedi 1er août 2026');
    expect(formatFrenchDate(new Date('2026-12-11T12:00:00.000Z'), PARIS)).toBe('vendredi 11 décembre 2026');
    expect(formatFrenchDate(new Date('2026-12-21T12:00:00.000Z'), PARIS)).toBe('lundi 21 décembre 2026');
  });

  it('uses the date in the given zone when it differs from the UTC date', () => {
    const instant = new Date('2026-12-31T23:30:00.000Z');
    expect(formatFrenchDate(instant, PARIS)).toBe('vendredi 1er janvier 2027');
    expect(formatFrenchDate(instant, 'UTC')).toBe('jeudi 31 décembre 2026');
    expect(formatFrenchDate(new Date('2026-12-04T01:00:00.000Z'), 'America/Cayenne')).toBe('jeudi 3 décembre 2026');
    expect(formatFrenchDate(new Date('2026-12-02T21:00:00.000Z'), 'Indian/Reunion')).toBe('jeudi 3 décembre 2026');
  });

  it('formats an end-of-day deadline as its own day', () => {
    expect(formatFrenchDate(new Date('2026-12-03T22:59:59.999Z'), PARIS)).toBe('jeudi 3 décembre 2026');
    expect(formatFrenchDate(new Date('2026-12-03T23:00:00.000Z'), PARIS)).toBe('vendredi 4 décembre 2026');
  });
});

describe('formatFrenchDateTime', () => {
  it('writes the time as `à 14 h 05`', () => {
    expect(formatFrenchDateTime(new Date('2026-12-03T13:05:00.000Z'), PARIS)).toBe('jeudi 3 décembre 2026 à 14 h 05');
  });

  it('uses summer time, drops seconds and does not pad the hour', () => {
    expect(formatFrenchDateTime(new Date('2026-07-14T07:05:59.999Z'), PARIS)).toBe('mardi 14 juillet 2026 à 9 h 05');
  });

  it('writes midnight as 0 h 00, on the local day', () => {
    expect(formatFrenchDateTime(new Date('2026-12-02T23:00:00.000Z'), PARIS)).toBe('jeudi 3 décembre 2026 à 0 h 00');
  });

  it('writes the wall time of overseas zones', () => {
    expect(formatFrenchDateTime(new Date('2026-12-03T10:05:00.000Z'), 'Indian/Reunion')).toBe(
      'jeudi 3 décembre 2026 à 14 h 05',
    );
    expect(formatFrenchDateTime(new Date('2026-12-04T01:00:00.000Z'), 'America/Cayenne')).toBe(
      'jeudi 3 décembre 2026 à 22 h 00',
    );
  });
});

describe('deadlineSentence', () => {
  const sentence = (receivedAt: string, duration: Duration, level: DeadlineLevel, timeZone = PARIS) =>
    deadlineSentence(
      computeDeadline(new Date(receivedAt), duration, { timeZone, alsaceMoselle: false }),
      duration,
      level,
      { timeZone },
    );

  it('states a calendar-day rule with the date only', () => {
    // Received Monday 23 November 2026 10:00.
    expect(sentence('2026-11-23T09:00:00.000Z', { amount: 10, unit: 'd' }, { level: 1 })).toBe(
      'au plus tard le jeudi 3 décembre 2026 — niveau 1 : 10 jours calendaires',
    );
  });

  it('states a business-day rule with the date only', () => {
    // Received Thursday 26 November 2026: Fri 27, Mon 30, Tue 1, Wed 2, Thu 3.
    expect(sentence('2026-11-26T09:00:00.000Z', { amount: 5, unit: 'bd' }, { level: 2 })).toBe(
      'au plus tard le jeudi 3 décembre 2026 — niveau 2 : 5 jours ouvrés',
    );
    expect(sentence('2026-11-30T09:00:00.000Z', { amount: 1, unit: 'bd' }, { level: 3 })).toBe(
      'au plus tard le mardi 1er décembre 2026 — niveau 3 : 1 jour ouvré',
    );
  });

  it('states an hour rule with the time', () => {
    // Received Tuesday 1 December 2026 14:05.
    expect(sentence('2026-12-01T13:05:00.000Z', { amount: 48, unit: 'h' }, { level: 1 })).toBe(
      'au plus tard le jeudi 3 décembre 2026 à 14 h 05 — niveau 1 : 48 heures',
    );
    expect(sentence('2026-12-03T12:05:00.000Z', { amount: 1, unit: 'h' }, { level: 1 })).toBe(
      'au plus tard le jeudi 3 décembre 2026 à 14 h 05 — niveau 1 : 1 heure',
    );
  });

  it('writes the organisation’s local time for an overseas zone', () => {
    // Received Tuesday 1 December 2026 14:05 in Cayenne (17:05 UTC).
    expect(sentence('2026-12-01T17:05:00.000Z', { amount: 48, unit: 'h' }, { level: 1 }, 'America/Cayenne')).toBe(
      'au plus tard le jeudi 3 décembre 2026 à 14 h 05 — niveau 1 : 48 heures',
    );
  });

  it('puts the level label in parentheses when given', () => {
    expect(sentence('2026-11-23T09:00:00.000Z', { amount: 1, unit: 'd' }, { level: 3, label: 'Sans impact' })).toBe(
      'au plus tard le mardi 24 novembre 2026 — niveau 3 (Sans impact) : 1 jour calendaire',
    );
  });

  it('uses an em dash and a plain colon', () => {
    const text = sentence('2026-11-23T09:00:00.000Z', { amount: 10, unit: 'd' }, { level: 1 });
    expect(text).toContain(' \u2014 niveau 1 : ');
  });
});
