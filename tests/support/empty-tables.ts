// Empties tables between the tests of a file that shares one database (copied from the run's
// template) across its tests. Each file names its own tables: some keep ticket_sequences (so the
// references go on counting), some keep the job runs or the analyses.
import { sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../src/db/database.js';
import type * as schema from '../../src/db/schema.js';

type Schema = typeof schema;
/** The SQL name of every table of the schema: a misspelt table fails the typecheck. */
export type TableName = {
  [K in keyof Schema]: Schema[K] extends PgTable<infer C> ? C['name'] : never;
}[keyof Schema];

/** `delete from` each table in the order given (rows that reference others first). */
export async function emptyTables(db: Db, tables: readonly TableName[]): Promise<void> {
  for (const table of tables) await db.execute(sql.raw(`delete from ${table}`));
}

/** What a staff command touches, sequences included: the suites of commands start each test from no ticket. */
export const COMMAND_TABLES: readonly TableName[] = [
  'qualification_feedback',
  'attachments',
  'events',
  'outbox',
  'messages',
  'tickets',
  'ticket_sequences',
];
