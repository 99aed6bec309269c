import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueOutbox, insertOutboxRows, markOutboxRetry, nextOutboxDueAt } from '../../src/db/outbox.js';
import { tryAcquireLease } from '../../src/db/leases.js';
import { advanceCheckpoint, readCheckpoint } from '../../src/db/mailbox-checkpoints.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';

const T0 = new Date('2026-11-23T09:00:00Z');
const row = (n: number, at = T0) => ({
  messageId: `m${n}@test`,
  kind: 'ack',
  toAddress: `c${n}@example.test`,
  automatic: true,
  subject: 's',
  text: 't',
  html: '<p>t</p>',
  nextAttemptAt: at,
  createdAt: at,
});

describe.each(ENGINES)('outbox, leases and checkpoints on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('claims due rows once, and takes them back when the lease expires', async () => {
    const db = t.database.db;
    for (let i = 1; i <= 3; i++) await insertOutboxRows(db, [row(i)]);
    await insertOutboxRows(db, [row(4, new Date(T0.getTime() + 60_000))]);
    const first = await claimDueOutbox(db, T0, 30_000, 10);
    expect(first.map((r) => r.messageId)).toEqual(['m1@test', 'm2@test', 'm3@test']);
    expect(first.every((r) => r.status === 'sending' && r.attempts === 1)).toBe(true);
    expect(await claimDueOutbox(db, T0, 30_000, 10)).toEqual([]);
    // Lease of 30 s expired, and row 4 became due.
    const later = await claimDueOutbox(db, new Date(T0.getTime() + 61_000), 30_000, 10);
    expect(later.map((r) => r.messageId)).toEqual(['m1@test', 'm2@test', 'm3@test', 'm4@test']);
    expect(later[0]!.attempts).toBe(2);
    await markOutboxRetry(db, later[0]!.id, new Date(T0.getTime() + 3_600_000), '451 later');
    const due = await nextOutboxDueAt(db);
    expect(due?.getTime()).toBe(T0.getTime() + 61_000 + 30_000);
  });

  // PGlite is one session: concurrency is PostgreSQL's to prove.
  if (engine === 'postgres')
    it('gives disjoint rows to concurrent deliverers (SKIP LOCKED)', async () => {
      const other = await t.reopen();
      for (let i = 100; i < 160; i++) await insertOutboxRows(t.database.db, [row(i, new Date('2026-01-01T00:00:00Z'))]);
      const now = new Date('2026-01-01T00:00:01Z');
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, i) => claimDueOutbox(i % 2 ? other.db : t.database.db, now, 60_000, 10)),
      );
      const ids = batches.flat().map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(60);
    });

  it('lets one holder keep a lease until it expires', async () => {
    const db = t.database.db;
    expect(await tryAcquireLease(db, 'mailbox:x', 'a', T0, 60_000)).toBe(true);
    expect(await tryAcquireLease(db, 'mailbox:x', 'b', new Date(T0.getTime() + 1000), 60_000)).toBe(false);
    expect(await tryAcquireLease(db, 'mailbox:x', 'a', new Date(T0.getTime() + 2000), 60_000)).toBe(true);
    expect(await tryAcquireLease(db, 'mailbox:x', 'b', new Date(T0.getTime() + 63_000), 60_000)).toBe(true);
  });

  it('advances the checkpoint, never backwards, and restarts on a new UIDVALIDITY', async () => {
    const db = t.database.db;
    await advanceCheckpoint(db, 'INBOX', 7, 10, T0);
    await advanceCheckpoint(db, 'INBOX', 7, 4, T0);
    expect((await readCheckpoint(db, 'INBOX'))?.lastUid).toBe(10);
    await advanceCheckpoint(db, 'INBOX', 8, 2, T0);
    expect(await readCheckpoint(db, 'INBOX')).toMatchObject({ uidValidity: 8, lastUid: 2 });
  });
});
