import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { allocateTicketReference } from '../../src/db/tickets.js';
import { ticketSequences } from '../../src/db/schema.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';

describe.each(ENGINES)('ticket references on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('allocates REC-YYYY-NNNN in sequence and restarts every year', async () => {
    const db = t.database.db;
    const a = await db.transaction((tx) => allocateTicketReference(tx, 'REC', 2026));
    const b = await db.transaction((tx) => allocateTicketReference(tx, 'REC', 2026));
    const c = await db.transaction((tx) => allocateTicketReference(tx, 'REC', 2027));
    const other = await db.transaction((tx) => allocateTicketReference(tx, 'QUA', 2026));
    expect([a.reference, b.reference, c.reference, other.reference]).toEqual([
      'REC-2026-0001',
      'REC-2026-0002',
      'REC-2027-0001',
      'QUA-2026-0001',
    ]);
  });

  it('gives the number back when the transaction rolls back (no gaps)', async () => {
    const db = t.database.db;
    await expect(
      db.transaction(async (tx) => {
        await allocateTicketReference(tx, 'GAP', 2026);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const next = await db.transaction((tx) => allocateTicketReference(tx, 'GAP', 2026));
    expect(next.reference).toBe('GAP-2026-0001');
  });

  it('goes past 9999 with more digits', async () => {
    const db = t.database.db;
    await db.insert(ticketSequences).values({ prefix: 'BIG', year: 2026, lastValue: 9999 });
    const next = await db.transaction((tx) => allocateTicketReference(tx, 'BIG', 2026));
    expect(next.reference).toBe('BIG-2026-10000');
  });

  // PGlite is one session: concurrency is PostgreSQL's to prove.
  if (engine === 'postgres')
    it('never hands out a number twice to concurrent transactions (two pools)', async () => {
      const other = await t.reopen();
      const allocate = (db: typeof t.database.db) =>
        db.transaction(async (tx) => {
          const r = await allocateTicketReference(tx, 'CONC', 2026);
          await tx.execute(sql`select pg_sleep(0.01)`);
          return r.sequence;
        });
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => allocate(i % 2 ? other.db : t.database.db)),
      );
      expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });
});
