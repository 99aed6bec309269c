import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/domain/duration.js';
import { exhaustedWindow, windowMs } from '../../src/domain/mail-budget.js';

const threeHours = { max: 10, within: parseDuration('3h')! };
const oneDay = { max: 40, within: parseDuration('24h')! };

describe('the per-address mail budget', () => {
  it('lets one more automatic mail go until a window is full, and names the first full one', () => {
    expect(
      exhaustedWindow([
        { window: threeHours, used: 9 },
        { window: oneDay, used: 39 },
      ]),
    ).toBeNull();
    expect(
      exhaustedWindow([
        { window: threeHours, used: 10 },
        { window: oneDay, used: 12 },
      ]),
    ).toBe(threeHours);
    expect(
      exhaustedWindow([
        { window: threeHours, used: 2 },
        { window: oneDay, used: 40 },
      ]),
    ).toBe(oneDay);
  });

  it('measures windows in milliseconds, business days as calendar days', () => {
    expect(windowMs(threeHours)).toBe(3 * 3_600_000);
    expect(windowMs({ max: 1, within: parseDuration('2bd')! })).toBe(2 * 86_400_000);
  });
});

describe('the per-address mail budget at the edges', () => {
  it('has nothing to refuse without windows, and counts an overspent window as full', () => {
    expect(exhaustedWindow([])).toBeNull();
    expect(exhaustedWindow([{ window: threeHours, used: 25 }])).toBe(threeHours);
  });

  it('lets no automatic mail go through a window of zero', () => {
    const none = { max: 0, within: parseDuration('1h')! };
    expect(exhaustedWindow([{ window: none, used: 0 }])).toBe(none);
  });

  it('names the first full window in the order given, not the shortest', () => {
    expect(
      exhaustedWindow([
        { window: oneDay, used: 40 },
        { window: threeHours, used: 10 },
      ]),
    ).toBe(oneDay);
  });

  it('measures calendar days as 24 hours', () => {
    expect(windowMs({ max: 1, within: parseDuration('7d')! })).toBe(7 * 86_400_000);
  });
});
