import { describe, expect, it } from 'vitest';
import {
  businessDaysBetween,
  easterSunday,
  frenchPublicHolidays,
  isBusinessDay,
  publicHolidaysOfYears,
} from '../../src/domain/french-holidays.js';

const NATIONAL = { alsaceMoselle: false };
const ALSACE_MOSELLE = { alsaceMoselle: true };

describe('easterSunday', () => {
  it.each([
    [1818, '1818-03-22'], // earliest possible date
    [1943, '1943-04-25'], // latest possible date
    [2000, '2000-04-23'],
    [2008, '2008-03-23'],
    [2011, '2011-04-24'],
    [2019, '2019-04-21'],
    [2020, '2020-04-12'],
    [2021, '2021-04-04'],
    [2022, '2022-04-17'],
    [2023, '2023-04-09'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2028, '2028-04-16'],
    [2029, '2029-04-01'],
    [2030, '2030-04-21'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('Easter %i is %s', (year, expected) => {
    expect(easterSunday(year)).toBe(expected);
  });

  it('rejects years outside the Gregorian computus and non-integers', () => {
    expect(() => easterSunday(1582)).toThrow(RangeError);
    expect(() => easterSunday(10_000)).toThrow(RangeError);
    expect(() => easterSunday(2026.5)).toThrow(RangeError);
  });
});

describe('frenchPublicHolidays', () => {
  it('lists the 11 national holidays of 2026, sorted', () => {
    expect(frenchPublicHolidays(2026, NATIONAL)).toEqual([
      '2026-01-01', // Jour de l'an
      '2026-04-06', // Lundi de Pâques
      '2026-05-01', // Fête du travail
      '2026-05-08', // Victoire 1945
      '2026-05-14', // Ascension
      '2026-05-25', // Lundi de Pentecôte
      '2026-07-14', // Fête nationale
      '2026-08-15', // Assomption
      '2026-11-01', // Toussaint
      '2026-11-11', // Armistice
      '2026-12-25', // Noël
    ]);
  });

  it('adds Good Friday and 26 December for Alsace-Moselle, still sorted', () => {
    expect(frenchPublicHolidays(2026, ALSACE_MOSELLE)).toEqual([
      '2026-01-01',
      '2026-04-03', // Vendredi saint
      '2026-04-06',
      '2026-05-01',
      '2026-05-08',
      '2026-05-14',
      '2026-05-25',
      '2026-07-14',
      '2026-08-15',
      '2026-11-01',
      '2026-11-11',
      '2026-12-25',
      '2026-12-26', // Saint-Étienne
    ]);
  });

  it('moves Easter Monday, Ascension, Whit Monday and Good Friday with Easter', () => {
    const fixed = /-(01-01|05-01|05-08|07-14|08-15|11-01|11-11|12-25|12-26)$/;
    const movable = (year: number) => frenchPublicHolidays(year, ALSACE_MOSELLE).filter((date) => !fixed.test(date));
    // [Good Friday, Easter Monday, Ascension, Whit Monday]
    expect(movable(2024)).toEqual(['2024-03-29', '2024-04-01', '2024-05-09', '2024-05-20']);
    expect(movable(2025)).toEqual(['2025-04-18', '2025-04-21', '2025-05-29', '2025-06-09']);
    expect(movable(2027)).toEqual(['2027-03-26', '2027-03-29', '2027-05-06', '2027-05-17']);
    expect(movable(2038)).toEqual(['2038-04-23', '2038-04-26', '2038-06-03', '2038-06-14']);
    expect(movable(2285)).toEqual(['2285-03-20', '2285-03-23', '2285-04-30', '2285-05-11']);
  });

  it('lists a date that is two holidays once (Ascension on 1 May 2008)', () => {
    const holidays = frenchPublicHolidays(2008, NATIONAL);
    expect(holidays).toHaveLength(10);
    expect(holidays.filter((date) => date === '2008-05-01')).toHaveLength(1);
  });

  it('returns a copy that callers cannot use to corrupt the cache', () => {
    frenchPublicHolidays(2026, NATIONAL).push('2026-06-01');
    expect(frenchPublicHolidays(2026, NATIONAL)).toHaveLength(11);
    expect(isBusinessDay('2026-06-01', NATIONAL)).toBe(true);
  });
});

describe('isBusinessDay', () => {
  it('is true Monday to Friday and false at the weekend', () => {
    expect(isBusinessDay('2026-11-16', NATIONAL)).toBe(true); // Monday
    expect(isBusinessDay('2026-11-20', NATIONAL)).toBe(true); // Friday
    expect(isBusinessDay('2026-11-21', NATIONAL)).toBe(false); // Saturday
    expect(isBusinessDay('2026-11-22', NATIONAL)).toBe(false); // Sunday
  });

  it('is false on a weekday holiday', () => {
    expect(isBusinessDay('2026-05-01', NATIONAL)).toBe(false); // Friday
    expect(isBusinessDay('2026-05-08', NATIONAL)).toBe(false); // Friday
    expect(isBusinessDay('2026-05-14', NATIONAL)).toBe(false); // Ascension, Thursday
    expect(isBusinessDay('2026-11-11', NATIONAL)).toBe(false); // Wednesday
  });

  it('does not move a holiday that falls on a weekend to the next weekday', () => {
    expect(frenchPublicHolidays(2026, NATIONAL)).toContain('2026-08-15'); // Saturday
    expect(frenchPublicHolidays(2026, NATIONAL)).toContain('2026-11-01'); // Sunday
    expect(isBusinessDay('2026-08-15', NATIONAL)).toBe(false);
    expect(isBusinessDay('2026-08-17', NATIONAL)).toBe(true);
    expect(isBusinessDay('2026-11-01', NATIONAL)).toBe(false);
    expect(isBusinessDay('2026-11-02', NATIONAL)).toBe(true);
  });

  it('counts Good Friday and 26 December only in Alsace-Moselle', () => {
    expect(isBusinessDay('2026-04-03', NATIONAL)).toBe(true);
    expect(isBusinessDay('2026-04-03', ALSACE_MOSELLE)).toBe(false);
    expect(isBusinessDay('2025-12-26', NATIONAL)).toBe(true); // Friday
    expect(isBusinessDay('2025-12-26', ALSACE_MOSELLE)).toBe(false);
  });

  it('uses the holidays of the date’s own year', () => {
    expect(isBusinessDay('2027-01-01', NATIONAL)).toBe(false); // Friday
    expect(isBusinessDay('2025-04-21', NATIONAL)).toBe(false); // Easter Monday 2025
    expect(isBusinessDay('2026-04-21', NATIONAL)).toBe(true);
  });

  it('rejects text that is not a YYYY-MM-DD date', () => {
    expect(() => isBusinessDay('2026-02-30', NATIONAL)).toThrow(RangeError);
    expect(() => isBusinessDay('26-11-2026', NATIONAL)).toThrow(RangeError);
  });
});

describe('businessDaysBetween', () => {
  const national = { alsaceMoselle: false };
  it('counts the business days after the first date up to the second, weekends and holidays skipped', () => {
    expect(businessDaysBetween('2026-11-06', '2026-11-06', national)).toBe(0); // same day
    expect(businessDaysBetween('2026-11-06', '2026-11-09', national)).toBe(1); // Friday → Monday
    expect(businessDaysBetween('2026-11-10', '2026-11-12', national)).toBe(1); // over Armistice Day
    expect(businessDaysBetween('2026-11-10', '2026-11-05', national)).toBe(0); // backwards
  });
  it('moves a reception on a weekend or holiday to the next business day', () => {
    expect(businessDaysBetween('2026-11-07', '2026-11-09', national)).toBe(0); // Saturday → Monday
    expect(businessDaysBetween('2026-11-07', '2026-11-10', national)).toBe(1);
    expect(businessDaysBetween('2026-11-07', '2026-11-08', national)).toBe(0); // Saturday → Sunday
    expect(businessDaysBetween('2026-11-11', '2026-11-12', national)).toBe(0); // holiday → next day
  });
  it('skips Alsace-Moselle’s two extra days only there', () => {
    expect(businessDaysBetween('2026-04-02', '2026-04-06', national)).toBe(1); // Good Friday 3 April, Easter Monday 6
    expect(businessDaysBetween('2026-04-02', '2026-04-07', national)).toBe(2);
    expect(businessDaysBetween('2026-04-02', '2026-04-07', { alsaceMoselle: true })).toBe(1);
  });
  it('lists the holidays of several years', () => {
    const days = publicHolidaysOfYears(2026, 2027, national);
    expect(days).toHaveLength(22);
    expect(days).toContain('2026-11-11');
    expect(days).toContain('2027-05-06'); // Ascension 2027
  });
});
