// The daemon's health: the mailbox state the loop reports, and the database's answer.
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { assessHealth, DaemonHealth } from '../../src/daemon/health.js';
import { imapAuthFailed, imapUnreachable } from '../../src/domain/errors.js';
import { FakeClock } from '../support/deps.js';

const unreachableDb = {
  execute: () =>
    Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
} as unknown as Db;

describe('DaemonHealth', () => {
  it('follows the mailbox: starting, open, failing with the catalogue code, open again', () => {
    const clock = new FakeClock(new Date('2026-10-01T08:00:00Z'));
    const health = new DaemonHealth(clock.now());
    expect(health.mailbox).toMatchObject({ state: 'starting', lastSweepAt: null, error: null });
    clock.advance(1000);
    health.opened(clock.now());
    health.swept(clock.now());
    expect(health.mailbox).toMatchObject({ state: 'open', lastSweepAt: clock.now(), error: null });
    clock.advance(1000);
    health.failed(imapUnreachable({ host: 'imap.example', port: 993 }, 'ETIMEDOUT'), clock.now());
    expect(health.mailbox).toMatchObject({ state: 'unreachable', error: { code: 'IMAP_UNREACHABLE' } });
    const since = health.mailbox.since;
    clock.advance(1000);
    health.failed(imapUnreachable({ host: 'imap.example', port: 993 }, 'ETIMEDOUT'), clock.now());
    expect(health.mailbox.since).toEqual(since);
    health.failed(imapAuthFailed({ host: 'imap.example', port: 993, user: 'reclamation' }), clock.now());
    expect(health.mailbox.state).toBe('auth-failed');
    health.opened(clock.now());
    expect(health.mailbox).toMatchObject({ state: 'open', error: null });
  });

  it('is degraded with the database reason when the database does not answer', async () => {
    const clock = new FakeClock(new Date('2026-10-01T08:00:00Z'));
    const health = new DaemonHealth(clock.now());
    health.opened(clock.now());
    const report = await assessHealth({ db: unreachableDb, clock }, health);
    expect(report).toMatchObject({ status: 'degraded', database: 'down', outbox: null });
    expect(report.reasons.map((r) => r.code)).toEqual(['DATABASE_UNREACHABLE']);
    expect(report.reasons[0]!.message).toMatch(/^database down: /);
  });

  it('does not report a mailbox failure caused by the database twice', async () => {
    const clock = new FakeClock(new Date('2026-10-01T08:00:00Z'));
    const health = new DaemonHealth(clock.now());
    health.failed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), clock.now());
    const report = await assessHealth({ db: unreachableDb, clock }, health);
    expect(report.reasons.map((r) => r.code)).toEqual(['DATABASE_UNREACHABLE']);
  });
});
