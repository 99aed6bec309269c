// How a CLI command reaches the database. PostgreSQL: directly. Embedded PGlite: directly when no
// daemon runs; through the running daemon's control socket otherwise, because PGlite is single-
// process and its directory must never be opened twice.
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { openDatabase } from '../db/database.js';
import { readLockOwner } from '../db/directory-lock.js';
import { requestControl, type ControlRequest, type ControlResponse } from '../app/control-protocol.js';
import { systemClock } from '../ports.js';
import type { Deps } from '../services/deps.js';
import { resolve } from 'node:path';

/** What a command that only reads and writes the database needs: no mail or template adapter. */
export type StoreDeps = Pick<Deps, 'db' | 'config' | 'log' | 'clock'>;

/** Opens and migrates the database, runs `work` with the store alone, closes it. */
export async function withStore<T>(config: Config, log: Logger, work: (deps: StoreDeps) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir });
  try {
    await database.migrate();
    return await work({ db: database.db, config, log, clock: systemClock });
  } finally {
    await database.close();
  }
}

/** Opens and migrates the database, runs `work` with the full service deps, closes everything. */
export async function withDatabase<T>(config: Config, log: Logger, work: (deps: Deps) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir });
  // Composed only here: the adapters (mail parser, SMTP, templates) load with the commands that use them.
  const { buildDeps } = await import('../app/compose.js');
  const deps = buildDeps(config, database, log);
  try {
    await database.migrate();
    return await work(deps);
  } finally {
    deps.sender.close();
    await database.close();
  }
}

/**
 * Sends the command to a daemon that holds the embedded database, when there is one;
 * returns null when the CLI should open the database itself. A request given as a function is
 * built only when it is sent (`ingest`: the files are read and encoded only for the daemon).
 * `timeoutMs`: how long to wait for the answer (default 2 minutes; longer for a backup or an erasure).
 */
export async function forwardToDaemon(
  config: Config,
  request: ControlRequest | (() => Promise<ControlRequest>),
  timeoutMs?: number,
): Promise<ControlResponse | null> {
  if (config.database.url) return null;
  const dataDir = resolve(config.database.dataDir);
  const owner = await readLockOwner(dataDir);
  if (!owner || owner.pid === process.pid) return null;
  return requestControl(dataDir, typeof request === 'function' ? await request() : request, timeoutMs);
}
