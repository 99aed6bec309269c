// How long the follow-through loop waits between looks: until the next due reminder or working
// moment, never less than 5 s (a due row another daemon holds) nor more than 10 min (new analyses, changed tickets).
import { describe, expect, it } from 'vitest';
import { reminderWaitMs } from '../../src/daemon/follow-through-loop.js';

const now = new Date('2026-11-09T08:00:00Z');

describe('reminderWaitMs', () => {
  it('waits until the next check, within 5 s and 10 min', () => {
    expect(reminderWaitMs(new Date('2026-11-09T08:02:00Z'), now)).toBe(120_000);
    expect(reminderWaitMs(new Date('2026-11-16T08:00:00Z'), now)).toBe(600_000);
    expect(reminderWaitMs(new Date('2026-11-09T07:00:00Z'), now)).toBe(5_000);
    expect(reminderWaitMs(null, now)).toBe(600_000);
  });
});
