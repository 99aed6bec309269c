// The daemon's one loop helper, with an injected tick, clock and random: how it retries, when it
// forgets failures, and how waits end.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runLoop, sleep, Wakeup, type LoopSpec } from '../../src/daemon/loop.js';
import { databaseUnreachable } from '../../src/domain/errors.js';
import { FakeClock } from '../support/deps.js';

interface Logged {
  level: number;
  msg: string;
  loop?: string;
  code?: string;
  retryInMs?: number;
  failures?: number;
}

function capture(): { log: pino.Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

function spec(overrides: Partial<LoopSpec> & Pick<LoopSpec, 'tick' | 'signal'>): LoopSpec {
  const { log } = capture();
  return {
    name: 'test',
    clock: new FakeClock(new Date('2026-03-02T08:00:00Z')),
    random: () => 0.5,
    log,
    stableAfterMs: 60_000,
    retryPolicy: () => ({ baseMs: 4, maxMs: 16 }),
    ...overrides,
  };
}

describe('runLoop', () => {
  it('retries a failing turn with capped doubling delays, cleans up and says why, and never rejects', async () => {
    const abort = new AbortController();
    const { log, lines } = capture();
    const cleaned: unknown[] = [];
    let turns = 0;
    const done = runLoop(
      spec({
        signal: abort.signal,
        log,
        async tick() {
          turns++;
          if (turns <= 4) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          abort.abort();
          return 0;
        },
        onFailure: (error) => void cleaned.push(error),
        explain: (error) => databaseUnreachable('ECONNREFUSED 127.0.0.1:5433 : connexion refusée', error),
      }),
    );
    await expect(done).resolves.toBeUndefined();
    expect(turns).toBe(5);
    expect(cleaned).toHaveLength(4);
    const failures = lines.filter((l) => l.level === 50);
    expect(failures.map((l) => l.retryInMs)).toEqual([4, 8, 16, 16]);
    expect(failures.every((l) => l.code === 'DATABASE_UNREACHABLE' && l.loop === 'test')).toBe(true);
    expect(failures[0]!.msg).toBe(
      'test loop failed, next try in 0 s: base de données injoignable (ECONNREFUSED 127.0.0.1:5433 : connexion refusée) — vérifiez database.url',
    );
    expect(lines.filter((l) => l.msg === 'test loop working again').map((l) => l.failures)).toEqual([4]);
  });

  it('keeps backing off when a connection drops again before it proved stable, and starts over after', async () => {
    const abort = new AbortController();
    const clock = new FakeClock(new Date('2026-03-02T08:00:00Z'));
    const { log, lines } = capture();
    // fail, ok, fail (not stable yet: 2nd delay), ok, ok a minute later (stable), fail (1st delay again)
    const script = ['fail', 'ok', 'fail', 'ok', 'ok+60s', 'fail', 'stop'];
    let turn = 0;
    await runLoop(
      spec({
        signal: abort.signal,
        clock,
        log,
        async tick() {
          const step = script[turn++];
          if (step === 'fail') throw new Error('IMAP connection closed');
          if (step === 'ok+60s') clock.advance(60_000);
          if (step === 'stop') abort.abort();
          return 0;
        },
      }),
    );
    expect(lines.filter((l) => l.level === 50).map((l) => l.retryInMs)).toEqual([4, 8, 4]);
  });

  it('uses the policy the error calls for', async () => {
    const abort = new AbortController();
    const { log, lines } = capture();
    let turn = 0;
    await runLoop(
      spec({
        signal: abort.signal,
        log,
        retryPolicy: (error) =>
          (error as Error).message === 'password' ? { baseMs: 30, maxMs: 100 } : { baseMs: 1, maxMs: 10 },
        async tick() {
          turn++;
          if (turn === 1) throw new Error('password');
          if (turn === 2) throw new Error('network');
          abort.abort();
          return 0;
        },
      }),
    );
    expect(lines.filter((l) => l.level === 50).map((l) => l.retryInMs)).toEqual([30, 2]);
  });

  it('waits until woken after a turn, and a wake-up does not cut the wait after a failure short', async () => {
    const abort = new AbortController();
    const wakeup = new Wakeup();
    const turns: string[] = [];
    const done = runLoop(
      spec({
        signal: abort.signal,
        wakeup,
        retryPolicy: () => ({ baseMs: 3_600_000, maxMs: 3_600_000 }),
        async tick() {
          turns.push(turns.length < 2 ? 'ok' : 'fail');
          if (turns.length > 2) throw new Error('down');
          return Number.POSITIVE_INFINITY;
        },
      }),
    );
    await sleep(20);
    expect(turns).toEqual(['ok']);
    wakeup.notify();
    await sleep(20);
    wakeup.notify();
    await sleep(20);
    expect(turns).toEqual(['ok', 'ok', 'fail']);
    // In its hour of backoff: woken, it does not try again.
    wakeup.notify();
    await sleep(20);
    expect(turns).toHaveLength(3);
    abort.abort();
    await expect(done).resolves.toBeUndefined();
  });
});
