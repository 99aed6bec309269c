// Digest figures that can no longer change, kept in `month_figures` so that a digest computes its
// open month only (src/services/compute-digest.ts). What is kept, when it is kept and what deletes
// it: docs/operations.md « Stored digest figures ».
//
// A row describes the data as it stands for every instant up to its `as_of`. It stays true as long
// as nothing concerning an earlier instant is written, so every write that can change a figure
// deletes, in its own transaction, the rows whose `as_of` is after the earliest instant it
// concerns (`invalidateStoredFigures`): a ticket inserted, or a ticket's qualification (level,
// category, requester, typology, channel, receivability, confidentiality, reception, deadline)
// changed → its reception; its closure or answer moved → the earliest of the old and new
// instants; a life-cycle event recorded → its instant. Rows are written only by `fillStoredFigures`,
// which holds an exclusive advisory lock while it computes and stores them, and every
// invalidation takes the same lock shared before it deletes: a write that commits while figures
// are computed from data that does not include it waits for them to be stored, then deletes them.
import { sql } from 'drizzle-orm';
import { EVENT_TYPES } from '../domain/event-types.js';
import type { Db } from './database.js';
import { rowsOf } from './database.js';
import type { tickets } from './schema.js';

/** Arbitrary constant shared by every reclam process (database.ts has the migrations' one). */
const STORED_FIGURES_LOCK_KEY = 727_100_013;

/**
 * Ticket columns a stored figure reads, by what a change concerns: the whole life of the ticket
 * (from its reception), or the instants its closure or first answer moved between.
 */
const QUALIFICATION_COLUMNS = [
  'level',
  'category',
  'requester',
  'typology',
  'channel',
  'receivable',
  'confidential',
  'receivedAt',
  'deadlineAt',
] as const satisfies readonly (keyof typeof tickets.$inferInsert)[];
const MOMENT_COLUMNS = ['closedAt', 'answeredAt'] as const satisfies readonly (keyof typeof tickets.$inferInsert)[];

/** Events a stored figure counts or rewinds the life cycle with. */
export const FIGURE_EVENT_TYPES: ReadonlySet<string> = new Set([
  EVENT_TYPES.closed,
  EVENT_TYPES.rejected,
  EVENT_TYPES.reopened,
  EVENT_TYPES.escalated,
  EVENT_TYPES.effectiveness,
  EVENT_TYPES.assigned,
]);

type TicketValues = Partial<typeof tickets.$inferInsert>;

/**
 * Whether an update of these ticket columns can change a stored figure. The status alone cannot:
 * the backlog tells open from closed or rejected, and each of those transitions also moves
 * `closed_at` or records a life-cycle event, which invalidate; between open states it counts none.
 */
export function touchesFigures(values: TicketValues): boolean {
  return (
    QUALIFICATION_COLUMNS.some((c) => values[c] !== undefined) || MOMENT_COLUMNS.some((c) => values[c] !== undefined)
  );
}

/**
 * The earliest instant an update of a ticket (`before` its columns as they were) to `values`
 * concerns, or null when it changes no stored figure.
 */
export function updateConcerns(
  before: { readonly receivedAt: Date; readonly closedAt: Date | null; readonly answeredAt: Date | null },
  values: TicketValues,
): Date | null {
  const instants: Date[] = [];
  if (QUALIFICATION_COLUMNS.some((c) => values[c] !== undefined)) {
    instants.push(before.receivedAt);
    if (values.receivedAt instanceof Date) instants.push(values.receivedAt);
  }
  for (const column of MOMENT_COLUMNS) {
    const next = values[column];
    if (next === undefined) continue;
    const previous = before[column];
    if (previous) instants.push(previous);
    if (next instanceof Date) instants.push(next);
  }
  if (instants.length === 0) return null;
  return new Date(Math.min(...instants.map((d) => d.getTime())));
}

/**
 * Deletes the stored figures that describe an instant after `since` (their `as_of` is later), in
 * the caller's transaction, after taking the fill's lock shared: call it in the transaction that
 * writes what changes them.
 */
export async function invalidateStoredFigures(tx: Db, since: Date): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${STORED_FIGURES_LOCK_KEY})`);
  await tx.execute(sql`delete from month_figures where as_of > ${since.toISOString()}::timestamptz`);
}

/** One stored unit: what (`kind`), of which period, as of when. */
export interface StoredKey {
  readonly kind: 'trend' | 'backlog';
  readonly periodKey: string;
  readonly asOf: Date;
}

const keyOf = (k: StoredKey) => `${k.kind} ${k.periodKey} ${k.asOf.getTime()}`;

/** The stored figures of `keys` under `fingerprint`, by `storedKey(key)`; absent keys are not stored. */
export async function readStoredFigures(
  db: Db,
  fingerprint: string,
  keys: readonly StoredKey[],
): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  if (keys.length === 0) return found;
  const wanted = new Set(keys.map(keyOf));
  const periodKeys = [...new Set(keys.map((k) => k.periodKey))];
  const periodKeyArray = `{${periodKeys.map((k) => `"${k}"`).join(',')}}`;
  const rows = rowsOf<{ kind: string; period_key: string; as_of_ms: unknown; figures: string }>(
    await db.execute(sql`
      select kind, period_key, (extract(epoch from as_of) * 1000)::float8 as as_of_ms, figures::text as figures
      from month_figures
      where fingerprint = ${fingerprint} and period_key = any(${periodKeyArray}::text[])`),
  );
  for (const row of rows) {
    const key = `${row.kind} ${row.period_key} ${Number(row.as_of_ms)}`;
    if (wanted.has(key)) found.set(key, JSON.parse(row.figures));
  }
  return found;
}

export const storedKey = keyOf;

/**
 * Computes and stores the figures of `keys` that are not stored yet, under the exclusive lock
 * (see the head of this file), in one read-committed transaction: `compute` gets the keys
 * missing and returns their figures. Gives up, storing nothing, when the lock is still taken by
 * writes in progress after a few tries (the digest then computes those figures itself): waiting
 * for it while holding nothing is safe, but writers queued behind the waiting fill could deadlock
 * with one another. Rows of another fingerprint are dropped. Returns how many rows it stored.
 */
export async function fillStoredFigures(
  db: Db,
  input: {
    readonly fingerprint: string;
    readonly keys: readonly StoredKey[];
    readonly now: Date;
    readonly compute: (tx: Db, missing: readonly StoredKey[]) => Promise<Map<string, unknown>>;
  },
): Promise<number> {
  const known = await readStoredFigures(db, input.fingerprint, input.keys);
  if (input.keys.every((k) => known.has(keyOf(k)))) return 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    const stored = await db.transaction(async (tx) => {
      const [lock] = rowsOf<{ ok: unknown }>(
        await tx.execute(sql`select pg_try_advisory_xact_lock(${STORED_FIGURES_LOCK_KEY}) as ok`),
      );
      if (!(lock?.ok === true || lock?.ok === 't')) return null;
      await tx.execute(sql`delete from month_figures where fingerprint <> ${input.fingerprint}`);
      const already = await readStoredFigures(tx, input.fingerprint, input.keys);
      const missing = input.keys.filter((k) => !already.has(keyOf(k)));
      if (missing.length === 0) return 0;
      const figures = await input.compute(tx, missing);
      const rows = missing.filter((k) => figures.has(keyOf(k)));
      for (const k of rows) {
        await tx.execute(sql`
          insert into month_figures (kind, period_key, as_of, fingerprint, figures, computed_at)
          values (${k.kind}, ${k.periodKey}, ${k.asOf.toISOString()}::timestamptz, ${input.fingerprint},
            ${JSON.stringify(figures.get(keyOf(k)))}::jsonb, ${input.now.toISOString()}::timestamptz)
          on conflict (kind, period_key, as_of, fingerprint) do nothing`);
      }
      return rows.length;
    });
    if (stored !== null) return stored;
  }
  return 0;
}
