// Migrates one template database per engine before the run; each test file then gets a copy
// (a copied PGlite directory, `create database … template …` on PostgreSQL) instead of migrating
// its own: a fresh PGlite costs ~4 s, a copy under 1 s. Compiles the `reclam` command the suites
// run as child processes, once (tests/support/cli-build.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { buildCli, removeCliBuild } from './cli-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated, closed PGlite data directory to copy. */
    pgliteTemplate: string;
    /** A migrated PostgreSQL database to use as template, when TEST_DATABASE_URL is set. */
    postgresTemplate: string | null;
    /** The `reclam` command compiled for the run's child processes (tests/support/cli-build.ts). */
    cliBuild: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The three are independent, and a new PGlite's initdb runs in a child process: side by side.
  const dataDir = await mkdtemp(join(tmpdir(), 'reclam-template-'));
  const adminUrl = process.env.TEST_DATABASE_URL;
  const [cliBuild, , template] = await Promise.all([
    buildCli(`.test-build-${process.pid}`),
    migratedPglite(dataDir),
    adminUrl ? migratedPostgres(adminUrl, dataDir) : null,
  ]);
  project.provide('cliBuild', cliBuild);
  project.provide('pgliteTemplate', dataDir);
  project.provide('postgresTemplate', template);

  return async () => {
    await removeCliBuild(cliBuild);
    await rm(dataDir, { recursive: true, force: true });
    if (adminUrl && template) {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
      await admin.unsafe(`drop database if exists ${template} with (force)`);
      await admin.end();
    }
  };
}

async function migratedPglite(dataDir: string): Promise<void> {
  const embedded = await openDatabase({ dataDir });
  await embedded.migrate();
  await embedded.close();
}

/** A migrated database `reclam_template_PID` on the server of `adminUrl`, returning its name. */
async function migratedPostgres(adminUrl: string, dataDir: string): Promise<string> {
  const template = `reclam_template_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop database if exists ${template}`);
  await admin.unsafe(`create database ${template}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const database = await openDatabase({ url: url.toString(), dataDir });
  await database.migrate();
  await database.close();
  return template;
}
