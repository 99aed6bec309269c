// Runs database tests on both engines: embedded PGlite always, PostgreSQL when TEST_DATABASE_URL
// is set (a fresh database is created for the run and dropped afterwards).
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type Database, type Engine } from '../../src/db/database.js';

export interface TestDatabase {
  readonly engine: Engine;
  readonly url?: string;
  readonly dataDir: string;
  readonly database: Database;
  /** Opens another connection pool to the same database (PostgreSQL only). */
  reopen(): Promise<Database>;
  close(): Promise<void>;
}

export const ENGINES: readonly Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

if (!process.env.TEST_DATABASE_URL && !process.env.RECLAM_QUIET_SKIPS) {
  process.stderr.write('[db] TEST_DATABASE_URL not set: database tests run on PGlite only\n');
}

/**
 * Copies the run's migrated PGlite template (tests/support/global-setup.ts) to `dataDir`, for a
 * `reclam` child process to open as an already migrated data directory (its migrate() only checks).
 */
export async function copyPgliteTemplate(dataDir: string): Promise<void> {
  await cp(inject('pgliteTemplate'), dataDir, { recursive: true });
}

/** A fresh, migrated database on `engine`, copied from the run's template. */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'reclam-db-'));
  if (engine === 'pglite') {
    // A copy of the run's migrated template; migrate() then only checks.
    await copyPgliteTemplate(dataDir);
    const database = await openDatabase({ dataDir });
    await database.migrate();
    return {
      engine,
      dataDir,
      database,
      reopen: () => Promise.reject(new Error('PGlite is single-process')),
      async close() {
        await database.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `reclam_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  const template = inject('postgresTemplate');
  await admin.unsafe(`create database ${name}${template ? ` template ${template}` : ''}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), dataDir });
  await database.migrate();
  const extra: Database[] = [];
  return {
    engine,
    url: url.toString(),
    dataDir,
    database,
    async reopen() {
      const other = await openDatabase({ url: url.toString(), dataDir });
      extra.push(other);
      return other;
    },
    async close() {
      await Promise.all([database, ...extra].map((d) => d.close()));
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => undefined });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
