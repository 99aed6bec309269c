// Opens the database: embedded PGlite in `dataDir` when no URL is configured, PostgreSQL through
// postgres.js otherwise. Both get the same drizzle schema and the same migrations, applied under
// a lock (an advisory lock on PostgreSQL; the data-directory lock file on PGlite).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import {
  AppError,
  databaseRejected,
  databaseUnreachable,
  describeNetworkFailure,
  NODE_UNREACHABLE_CODES,
} from '../domain/errors.js';
import * as schema from './schema.js';
import { acquireDirectoryLock, type DirectoryLock } from './directory-lock.js';

export type Schema = typeof schema;
/** A drizzle database or transaction on either engine; query functions take this. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Engine = 'pglite' | 'postgres';

export interface Database {
  readonly db: Db;
  readonly engine: Engine;
  /** Where the data lives, for messages: the data directory or the redacted URL. */
  readonly location: string;
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * The embedded database's data directory as a gzipped tar (`reclam backup`), taken between two
   * statements: a transaction in progress is rolled back when it is restored, as after a crash.
   * Absent on PostgreSQL (pg_dump, docs/operations.md).
   */
  dump?(): Promise<Uint8Array>;
}

export interface DatabaseOptions {
  /** postgres:// URL; absent → embedded PGlite in dataDir. */
  readonly url?: string | undefined;
  readonly dataDir: string;
  /** Largest pool for PostgreSQL. */
  readonly maxConnections?: number;
  /**
   * PGlite: the pristine new database a new data directory is copied from; default the one made
   * at install (`pgliteTemplateDir()`); `null`, or absent on disk, creates it by initdb.
   */
  readonly pgliteTemplate?: string | null;
}

const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle');
/** Arbitrary constant shared by every reclam process: serialises migrations on one PostgreSQL. */
const MIGRATION_LOCK_KEY = 727_100_001;

/**
 * Opens (and does not yet migrate) the configured database.
 * @throws DatabaseLockedError when another process holds the PGlite data directory.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.maxConnections ?? 10);
  return openPglite(
    options.dataDir,
    options.pgliteTemplate === undefined ? pgliteTemplateDir() : options.pgliteTemplate,
  );
}

/**
 * A PostgreSQL URL without its secrets, for logs and messages: the password becomes `***` and the
 * query (which may carry `password=` or `sslkey=`) is dropped.
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@').replace(/\?.*$/s, '');
  }
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, {
    max,
    onnotice: () => undefined,
    connect_timeout: 10,
    types: { bytea: { to: 17, from: [17], serialize: byteaText, parse: byteaFromText } },
  });
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    engine: 'postgres',
    location: redactDatabaseUrl(url),
    async migrate() {
      if (await schemaUpToDate(db)) return;
      const reserved = await client.reserve();
      try {
        await reserved`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migrate(drizzle({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await reserved`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => undefined);
        reserved.release();
      }
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dataDir: string, template: string | null): Promise<Database> {
  const directory = resolve(dataDir);
  await mkdir(directory, { recursive: true });
  const lock: DirectoryLock = await acquireDirectoryLock(directory);
  try {
    const pgdata = join(directory, 'pglite');
    if (!existsSync(join(pgdata, 'PG_VERSION'))) await createPglite(pgdata, template);
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const client = await PGlite.create(pgdata, {
      postgresqlconf: PGLITE_SETTINGS,
      // Typed as returning text; PGlite binds a Uint8Array it returns in the binary format.
      serializers: { [BYTEA_OID]: byteaBinary as (value: unknown) => never },
      parsers: { [BYTEA_OID]: byteaFromText },
    });
    const db = drizzle({ client, schema }) as unknown as Db;
    return {
      db,
      engine: 'pglite',
      location: directory,
      async migrate() {
        if (await schemaUpToDate(db)) return;
        // Loaded only when a migration is due: an up-to-date database (every restart) does without it.
        const { migrate } = await import('drizzle-orm/pglite/migrator');
        await migrate(drizzle({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
      },
      async dump() {
        // Dirty pages to the files first: the restored copy then replays little WAL.
        await client.exec('checkpoint');
        return new Uint8Array(await (await client.dumpDataDir('gzip')).arrayBuffer());
      },
      async close() {
        try {
          await client.close();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/**
 * Where `npm ci` leaves a pristine new embedded database (scripts/prepare-pglite.mjs): in the
 * node_modules that holds PGlite, named after PGlite's version and the settings it is created
 * with, so that another version or other settings never use it.
 */
export function pgliteTemplateDir(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const packageDir = resolve(dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const settings = createHash('sha256').update(PGLITE_SETTINGS.join('\n')).digest('hex').slice(0, 12);
  return join(packageDir, '..', '..', '.cache', 'reclam', `pglite-${version}-${settings}`);
}

/**
 * Makes the pristine new database of pgliteTemplateDir() once (`npm ci` runs it, through
 * scripts/prepare-pglite.mjs): a new data directory is then a copy of ~40 MB instead of an
 * initdb of ~4–5 s of CPU. Returns its directory; an existing one is kept.
 */
export async function preparePgliteTemplate(directory = pgliteTemplateDir()): Promise<string> {
  if (existsSync(join(directory, 'PG_VERSION'))) return directory;
  const partial = `${directory}.partial-${process.pid}`;
  await mkdir(dirname(directory), { recursive: true });
  await rm(partial, { recursive: true, force: true });
  await initPgliteApart(partial);
  await rename(partial, directory);
  return directory;
}

/**
 * A new embedded database in `pgdata`: a copy of `template` when there is one (copied beside it,
 * then renamed, so that a copy cut short is never taken for a database), else by initdb.
 */
async function createPglite(pgdata: string, template: string | null): Promise<void> {
  if (template === null || !existsSync(join(template, 'PG_VERSION'))) return initPgliteApart(pgdata);
  const partial = `${pgdata}.partial`;
  try {
    await rm(partial, { recursive: true, force: true });
    await cp(template, partial, { recursive: true });
    await rename(partial, pgdata);
  } catch (error) {
    await rm(partial, { recursive: true, force: true }).catch(() => undefined);
    throw new Error(`the embedded database could not be created in ${pgdata} (a copy of ${template}): ${error}`);
  }
}

/**
 * Creates a new embedded database (PGlite's initdb) in a short-lived child process. In-process,
 * initdb runs a second PGlite instance and copies its whole data directory through memory: the
 * process peaked at ~650 MB and kept ~600 MB resident afterwards (the first instance's WASM
 * memory and the copies, freed only by a later garbage collection); the database opened on a
 * fresh directory is then as small as on a restart. bench/README.md (Memory) has the figures.
 */
async function initPgliteApart(pgdata: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = [
    `const { PGlite } = require(${JSON.stringify(entry)});`,
    `PGlite.create(${JSON.stringify(pgdata)}, { postgresqlconf: ${JSON.stringify(PGLITE_SETTINGS)} })`,
    '  .then((db) => db.close())',
    '  .catch((error) => { process.stderr.write(String(error?.stack ?? error)); process.exitCode = 1; });',
  ].join('\n');
  // Liftoff only: initdb runs once, TurboFan's optimised code for PGlite's WASM would not pay back.
  const child = spawn(process.execPath, ['--liftoff-only', '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 4000) stderr += chunk;
  });
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail).once('close', (exit) => done(exit));
  });
  if (code !== 0 || !existsSync(join(pgdata, 'PG_VERSION')))
    throw new Error(`the embedded database could not be created in ${pgdata} (exit ${code}): ${stderr.trim()}`);
}

/** Where `reclam restore` moved the data directory it replaced (`--force`). */
export interface RestoredPglite {
  readonly replacedBy: string | null;
}

/**
 * Replaces (`replace`) or creates the embedded database of `dataDir` from a backup made by
 * `Database.dump`. The directory lock is held meanwhile, so a running daemon makes it fail with
 * DatabaseLockedError. An existing database is refused unless `replace`; then it is kept beside,
 * renamed `pglite.before-restore-<stamp>`.
 * @throws RangeError when `archive` is not a gzipped backup, or a database exists and `replace` is false.
 */
export async function restorePglite(
  dataDir: string,
  archive: Uint8Array,
  options: { readonly replace: boolean; readonly stamp: string },
): Promise<RestoredPglite> {
  if (archive.byteLength < 4 || archive[0] !== 0x1f || archive[1] !== 0x8b)
    throw new RangeError('not a backup made by reclam backup (a gzipped archive of the embedded database)');
  const directory = resolve(dataDir);
  await mkdir(directory, { recursive: true });
  const lock = await acquireDirectoryLock(directory);
  try {
    const target = join(directory, 'pglite');
    let replacedBy: string | null = null;
    if (existsSync(target) && (await readdir(target)).length > 0) {
      if (!options.replace)
        throw new RangeError(`${target} already holds a database (--force replaces it, keeping it beside)`);
      replacedBy = `${target}.before-restore-${options.stamp}`;
      await rename(target, replacedBy);
    }
    const { PGlite } = await import('@electric-sql/pglite');
    const client = await PGlite.create(target, {
      postgresqlconf: PGLITE_SETTINGS,
      loadDataDir: new Blob([archive as Uint8Array<ArrayBuffer>]),
    });
    await client.close();
    return { replacedBy };
  } finally {
    await lock.release();
  }
}

/**
 * What the embedded engine needs, not PostgreSQL's defaults: PGlite is one session in this process,
 * and every buffer it touches stays in the process's memory. PostgreSQL's 128 MB of shared buffers
 * was most of an idle daemon's footprint (a reopened database: 306 MB resident with the defaults,
 * 192 MB with these); a desk's working set (open tickets, the month's events) fits in 16 MB, the
 * rest of the data is read from the operating system's file cache. bench/README.md has the figures.
 */
const PGLITE_SETTINGS = [
  'shared_buffers=16MB',
  'wal_buffers=512kB',
  'temp_buffers=2MB',
  'maintenance_work_mem=16MB',
  // A WAL segment past a checkpoint is deleted, not renamed for reuse: a recycled segment keeps the
  // old records (erased personal data among them) on disk until it is overwritten (see
  // `purgeOldRowVersions` in db/personal-data.ts).
  'wal_recycle=off',
];

const BYTEA_OID = 17;

/**
 * bytea in the text format (`\x` and hex) straight from the bytes. PGlite's own serializer went
 * through `Array.from(bytes).map(…).join('')`: 2.1 GB of heap for one 30 MB mail (70 times its
 * size); postgres.js copied the bytes once more before encoding them.
 */
function byteaText(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new TypeError('bytea: expected a Uint8Array');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

/**
 * bytea for PGlite as the bytes themselves: PGlite binds a Uint8Array parameter in the binary
 * format. As text, the hex of every stored mail was twice its size, and PGlite measured its UTF-8
 * length character by character twice before copying it (a quarter of the CPU of an ingest).
 */
function byteaBinary(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError('bytea: expected a Uint8Array');
  return value;
}

/** `\x…` back to bytes, without PGlite's character-by-character `parseInt`. */
function byteaFromText(text: string): Uint8Array {
  const bytes = Buffer.from(text.slice(2), 'hex');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Whether the database already has the last migration of drizzle/meta/_journal.json: one query
 * instead of drizzle's migrator, which reads and hashes every migration file and runs its schema
 * and table set-up statements at every start. Any doubt (no migrations table yet, unreadable
 * journal) answers false and the migrator runs as before.
 */
async function schemaUpToDate(db: Db): Promise<boolean> {
  try {
    const journal = JSON.parse(await readFile(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
      entries?: { when?: unknown }[];
    };
    const last = Number(journal.entries?.at(-1)?.when);
    if (!Number.isFinite(last)) return false;
    const rows = rowsOf<{ at: string | number | null }>(
      await db.execute(sql`select max(created_at) as at from drizzle.__drizzle_migrations`),
    );
    const applied = Number(rows[0]?.at);
    return Number.isFinite(applied) && applied >= last;
  } catch {
    return false;
  }
}

/** True when drizzle/ exists next to the code (it must ship with the package). */
export function migrationsPresent(): boolean {
  return existsSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'));
}

/**
 * How many sessions `db` can run at once: its PostgreSQL pool's size; 1 on PGlite (one embedded
 * session) and for a transaction (bound to its connection).
 */
export function sessionCount(db: Db): number {
  // drizzle keeps its client as `$client`: a postgres.js pool is a function with `reserve`.
  const client = (db as { $client?: unknown }).$client;
  if (typeof client !== 'function' || !('reserve' in client)) return 1;
  const max = Number((client as { options?: { max?: unknown } }).options?.max);
  return Number.isInteger(max) && max > 1 ? max : 1;
}

/** Rows of a raw `db.execute()` result: PGlite returns `{ rows }`, postgres.js an array. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

/** Round-trip check used by `reclam check`. */
export async function pingDatabase(db: Db): Promise<string> {
  const rows = rowsOf<{ version: string }>(await db.execute(sql`select version() as version`));
  return rows[0]?.version ?? 'unknown';
}

/**
 * SQLSTATE classes 22 (data exception) and 23 (integrity) mean the content was refused; anything
 * else (connection lost, disk full…) is the infrastructure and must be retried.
 */
export function isDataError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Node and postgres.js codes that mean the server is out of reach (waiting helps). */
const UNREACHABLE_CODES = new Set([
  ...NODE_UNREACHABLE_CODES,
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);
/** SQLSTATEs of a server that is going away, restarting or full: waiting helps. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** SQLSTATEs of a refused login or a missing database: a person must fix database.url. */
const REJECTED_STATES: Readonly<Record<string, string>> = {
  '28P01': 'mot de passe refusé',
  '28000': 'utilisateur non autorisé',
  '3D000': 'base inexistante',
};

/**
 * The catalogue error for a database that is out of reach (DATABASE_UNREACHABLE) or refuses our
 * login (DATABASE_REJECTED), with the driver's error as cause; null for the failure of one
 * statement (a constraint, a bad value…). Looks through `cause`: drizzle wraps the driver's error.
 */
export function databaseFailure(error: unknown): AppError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    if (current instanceof AppError) return current;
    const e = current as { code?: unknown; message?: unknown; address?: unknown; port?: unknown; cause?: unknown };
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNREACHABLE_CODES.has(code)) return databaseUnreachable(describeNetworkFailure(code, where(e)), error);
    if (UNAVAILABLE_STATES.has(code) || code.startsWith('08'))
      return databaseUnreachable(describeNetworkFailure(code), error);
    const rejected = REJECTED_STATES[code];
    if (rejected) return databaseRejected(`${code} ${rejected} : ${String(e.message ?? '')}`, error);
    current = e.cause;
  }
  return null;
}

/** `host:port` from a Node or postgres.js error (postgres.js gives arrays for several hosts). */
function where(e: { address?: unknown; port?: unknown }): string | undefined {
  const first = (value: unknown) => (Array.isArray(value) ? value[0] : value);
  const address = first(e.address);
  const port = first(e.port);
  if (typeof address !== 'string' || address === '') return undefined;
  return port === undefined || port === null ? address : `${address}:${String(port)}`;
}
