import { describe, expect, it } from 'vitest';
import { fixedDurationMs, formatDuration, parseDuration } from '../../src/domain/duration.js';

describe('durations', () => {
  it('reads calendar days, business days and hours, and writes them back', () => {
    for (const text of ['10d', '5bd', '48h']) expect(formatDuration(parseDuration(text)!)).toBe(text);
    expect(parseDuration('5bd')).toEqual({ amount: 5, unit: 'bd' });
  });

  it('refuses anything else', () => {
    for (const bad of ['', '10', 'd', '-1d', '1.5d', '10 jours', '10w']) expect(parseDuration(bad), bad).toBeNull();
  });

  it('has a fixed length only in hours and calendar days', () => {
    expect(fixedDurationMs(parseDuration('48h')!)).toBe(48 * 3_600_000);
    expect(fixedDurationMs(parseDuration('2d')!)).toBe(2 * 86_400_000);
    expect(fixedDurationMs(parseDuration('2bd')!)).toBeNull();
  });
});
