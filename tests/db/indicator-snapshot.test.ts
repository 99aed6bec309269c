// The shared snapshot of the digest's queries on both engines: on PostgreSQL its queries spread
// over several sessions that all read the first one's snapshot, whatever commits meanwhile; with
// one session, and always on PGlite, they run one after the other in one transaction.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf, type Db } from '../../src/db/database.js';
import { withIndicatorSnapshot } from '../../src/db/indicator-snapshot.js';
import { pipelineFigures } from '../../src/db/indicators.js';
import { quarantine } from '../../src/db/schema.js';
import { monthPeriod, periodRange } from '../../src/domain/period.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';

const OCTOBER = periodRange(monthPeriod(2026, 10), 'Europe/Paris');
const d = (text: string) => new Date(text);

describe.each(ENGINES)('the indicator snapshot on %s', (engine) => {
  let t: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    db = t.database.db;
    // One mail quarantined in October, one in September.
    await db.insert(quarantine).values([
      {
        rawSha256: 'q1',
        reason: 'no header',
        raw: new Uint8Array([1]),
        source: 'test',
        receivedAt: d('2026-10-12T08:00:00Z'),
      },
      {
        rawSha256: 'q2',
        reason: 'no header',
        raw: new Uint8Array([1]),
        source: 'test',
        receivedAt: d('2026-09-12T08:00:00Z'),
      },
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  // PostgreSQL only: PGlite runs nothing outside a transaction while it is open (and the digest has one session there).
  if (engine === 'postgres') {
    it('runs queries on several sessions that read one snapshot: a mail quarantined meanwhile is seen by none', async () => {
      // A pool of 3, one connection busy for 0.3 s: the third session joins after the commit below.
      const pool = await openDatabase({ url: t.url!, dataDir: t.dataDir, maxConnections: 3 });
      const sessionOf = async (s: Db) => {
        const [row] = rowsOf<{ pid: number }>(await s.execute(sql`select pg_backend_pid() as pid, pg_sleep(0.1)`));
        return { pid: Number(row?.pid), quarantined: (await pipelineFigures(s, OCTOBER)).quarantined };
      };
      try {
        const busy = pool.db.execute(sql`select pg_sleep(0.3)`);
        const seen = await withIndicatorSnapshot(pool.db, 3, async (run) => {
          // Committed by another connection once the snapshot is taken.
          await db.insert(quarantine).values({
            rawSha256: 'during',
            reason: 'no header',
            raw: new Uint8Array([1]),
            source: 'test',
            receivedAt: d('2026-10-20T08:00:00Z'),
          });
          return Promise.all(Array.from({ length: 8 }, () => run(sessionOf)));
        });
        await busy;
        expect(seen.map((s) => s.quarantined)).toEqual(Array.from({ length: 8 }, () => 1));
        expect(new Set(seen.map((s) => s.pid)).size).toBe(3);
        expect((await pipelineFigures(db, OCTOBER)).quarantined).toBe(2);
      } finally {
        await db.delete(quarantine).where(eq(quarantine.rawSha256, 'during'));
        await pool.close();
      }
    });
  }

  it('runs them one after the other when asked for one session, and always on PGlite', async () => {
    const pids = await withIndicatorSnapshot(db, engine === 'pglite' ? 3 : 1, (run) =>
      Promise.all(
        Array.from({ length: 4 }, () =>
          run(async (s) =>
            Number(rowsOf<{ pid: number }>(await s.execute(sql`select pg_backend_pid() as pid`))[0]?.pid),
          ),
        ),
      ),
    );
    expect(new Set(pids).size).toBe(1);
  });
});
