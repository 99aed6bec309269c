// What a person reads when the database fails: a catalogue error naming database.url and the
// cause, for a server that is not there, that stops, or that refuses the login — and nothing of
// the kind for the failure of one statement.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { databaseFailure, openDatabase, pingDatabase } from '../../src/db/database.js';
import { freePort } from '../harness/dovecot.js';
import { describeWithPostgres, startPostgres, type PostgresServer } from '../harness/postgres.js';
import { createTestDatabase } from '../support/engines.js';

async function failureOf(url: string): Promise<unknown> {
  const database = await openDatabase({ url, dataDir: '/nonexistent', maxConnections: 1 });
  try {
    await pingDatabase(database.db);
  } catch (error) {
    return error;
  } finally {
    await database.close();
  }
  throw new Error('the query succeeded');
}

describeWithPostgres('databaseFailure', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('names database.url and the refused connection instead of "Failed query: select version()"', async () => {
    const port = await freePort();
    const error = await failureOf(`postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(String((error as Error).message)).toMatch(/^Failed query: select version/);
    const explained = databaseFailure(error);
    expect(explained?.code).toBe('DATABASE_UNREACHABLE');
    expect(explained?.message).toBe(
      `base de données injoignable (ECONNREFUSED 127.0.0.1:${port} : connexion refusée) — vérifiez database.url`,
    );
    expect(explained?.cause).toBe(error);
  });

  it('tells a database that does not exist (a person must fix the URL) from one that is away', async () => {
    const explained = databaseFailure(await failureOf(server.url('pas_de_base')));
    expect(explained?.code).toBe('DATABASE_REJECTED');
    expect(explained?.kind).toBe('configuration');
    expect(explained?.message).toMatch(
      /^base de données : connexion refusée par le serveur \(3D000 base inexistante : .*pas_de_base.*\) — vérifiez database\.url$/,
    );
  });

  it('recognises a server shut down under an open connection', async () => {
    const database = await openDatabase({ url: server.url(), dataDir: '/nonexistent', maxConnections: 1 });
    try {
      await pingDatabase(database.db);
      const pending = database.db.execute(sql`select pg_sleep(5)`).then(
        () => null,
        (error: unknown) => error,
      );
      await new Promise((r) => setTimeout(r, 200));
      await server.stopImmediate();
      expect(databaseFailure(await pending)?.code).toBe('DATABASE_UNREACHABLE');
    } finally {
      await server.start();
      await database.close();
    }
  });
});

it('leaves the failure of one statement alone (PGlite)', async () => {
  const t = await createTestDatabase('pglite');
  try {
    const error = await t.database.db.execute(sql`select * from no_such_table`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    expect(databaseFailure(error)).toBeNull();
    const constraint = await t.database.db.execute(sql`select 1 / 0`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(databaseFailure(constraint)).toBeNull();
  } finally {
    await t.close();
  }
});
