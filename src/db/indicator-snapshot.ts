// One snapshot for every figure of a digest: the indicator queries run in read-only REPEATABLE READ
// transactions under settings tuned for them, spread over a few PostgreSQL sessions that share the
// first one's snapshot (pg_export_snapshot / SET TRANSACTION SNAPSHOT), so the figures agree with
// one another whatever commits while they are computed. The queries themselves are in indicators.ts.
import { sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { rowsOf, sessionCount } from './database.js';

/**
 * Settings of the transaction the indicator queries run in (`set_config(…, true)` = SET LOCAL):
 * no JIT compilation (at 1 M tickets PostgreSQL compiled most of these queries, costing more than
 * they ran), enough memory for their hashes and sorts not to spill to disk, and random reads
 * priced as on an SSD with the data cached (random_page_cost 1.1 instead of 4: over 1 M tickets
 * the digest went from 1 211 to 994 ms warm in the same benchmark run, 823 ms in another).
 * PGlite accepts all three.
 */
export const INDICATOR_SETTINGS: Readonly<Record<string, string>> = {
  jit: 'off',
  work_mem: '32MB',
  random_page_cost: '1.1',
};

/** Applies INDICATOR_SETTINGS to the current transaction. */
export async function applyIndicatorSettings(db: Db): Promise<void> {
  const calls = Object.entries(INDICATOR_SETTINGS).map(([name, value]) => sql`set_config(${name}, ${value}, true)`);
  await db.execute(sql`select ${sql.join(calls, sql`, `)}`);
}

/** Runs one query function on a session of `withIndicatorSnapshot`, as soon as one is free. */
export type SnapshotQuery = <T>(query: (db: Db) => Promise<T>) => Promise<T>;

/**
 * Sessions the digest's queries use at once on PostgreSQL. The pilot's server has 2 cores; a third
 * session is meant to keep both busy while node parses a result (measured with 3: 1.46 s → 0.85 s
 * over 1 M tickets, bench/README.md « Indicator queries »; 2 not measured). Each takes a
 * connection from the pool while the digest runs.
 */
export const INDICATOR_SESSIONS = 3;

const READ_ONLY_SNAPSHOT = { isolationLevel: 'repeatable read', accessMode: 'read only' } as const;

/**
 * Runs `work` in one read-only REPEATABLE READ transaction under INDICATOR_SETTINGS, so every
 * figure comes from the same snapshot, its queries (given to `run`) on up to `sessions` sessions at
 * once on PostgreSQL: the first transaction exports its snapshot (`pg_export_snapshot()`) and each
 * other session, a transaction of its own on another pooled connection, imports it (`SET
 * TRANSACTION SNAPSHOT`) before its first query: they all see exactly what the first one sees,
 * whatever commits meanwhile. The other sessions join when the pool gives them a connection; the
 * first runs queries meanwhile, and all of them if none comes (it never waits on the pool: callers
 * each holding a first transaction could otherwise wait on one another). On PGlite (one session),
 * inside a transaction and with `sessions` = 1 the queries run one after the other in the first
 * transaction. Queries start in the order they are given. `work` must have every query it started
 * ended when it returns.
 */
export async function withIndicatorSnapshot<T>(
  db: Db,
  sessions: number,
  work: (run: SnapshotQuery) => Promise<T>,
): Promise<T> {
  return db.transaction(async (first) => {
    await applyIndicatorSettings(first);
    const queue = sessionQueue(first);
    const others = Math.min(sessions, sessionCount(db)) - 1;
    if (others <= 0) return work(queue.run);
    const [exported] = rowsOf<{ id: unknown }>(await first.execute(sql`select pg_export_snapshot() as id`));
    const snapshot = String(exported?.id);
    // SET TRANSACTION SNAPSHOT takes no parameter: the identifier is checked before it is spliced in.
    if (!/^[0-9A-F]+(-[0-9A-F]+)+$/i.test(snapshot)) throw new Error(`unexpected snapshot identifier ${snapshot}`);
    let done = false;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const joined: Promise<unknown>[] = [];
    for (let i = 0; i < others; i++) {
      const session: Promise<unknown> = db
        .transaction(async (other) => {
          if (done) return;
          joined.push(session);
          await other.execute(sql.raw(`set transaction snapshot '${snapshot}'`));
          await applyIndicatorSettings(other);
          if (done) return;
          queue.add(other);
          await finished;
        }, READ_ONLY_SNAPSHOT)
        // A session that could not join only leaves its queries to the others; a query's own
        // error reaches `work` through `run`.
        .catch(() => undefined);
    }
    try {
      return await work(queue.run);
    } finally {
      done = true;
      finish();
      await Promise.all(joined);
    }
  }, READ_ONLY_SNAPSHOT);
}

/** Gives each query the first free session, in the order asked. */
function sessionQueue(first: Db): { run: SnapshotQuery; add(session: Db): void } {
  const idle: Db[] = [first];
  const waiting: ((session: Db) => void)[] = [];
  const free = (session: Db) => {
    const next = waiting.shift();
    if (next) next(session);
    else idle.push(session);
  };
  return {
    add: free,
    async run(query) {
      const session = idle.shift() ?? (await new Promise<Db>((resolve) => waiting.push(resolve)));
      try {
        return await query(session);
      } finally {
        free(session);
      }
    },
  };
}
