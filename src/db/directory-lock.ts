// PGlite does not lock its data directory, and two processes writing one directory corrupt it.
// This lock file makes the second process stop with a clear message instead.
import { unlinkSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, ERROR_CODES } from '../domain/errors.js';

export const LOCK_FILE = 'reclam.lock';

export interface LockOwner {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

export interface DirectoryLock {
  readonly path: string;
  release(): Promise<void>;
}

export class DatabaseLockedError extends AppError {
  constructor(
    readonly directory: string,
    readonly owner: LockOwner,
  ) {
    super(
      ERROR_CODES.databaseLocked,
      `the embedded database in ${directory} is in use by process ${owner.pid} ` +
        `(${owner.command}, since ${owner.since}); ` +
        'stop that process, or run this command while it runs: ' +
        'commands that need the database go through the running daemon',
      { keys: ['database.dataDir'] },
    );
    this.name = 'DatabaseLockedError';
  }
}

/**
 * Takes the lock file of `directory`, removing a stale one left by a dead process.
 * @throws DatabaseLockedError when a live process holds it.
 */
export async function acquireDirectoryLock(
  directory: string,
  command = process.argv.slice(1).join(' '),
): Promise<DirectoryLock> {
  const path = join(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      const owner: LockOwner = { pid: process.pid, command, since: new Date().toISOString() };
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      let released = false;
      const releaseSync = () => {
        if (!released) {
          released = true;
          try {
            // Synchronous on exit: the event loop is gone.
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        }
      };
      process.once('exit', releaseSync);
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          process.removeListener('exit', releaseSync);
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await readLockOwner(directory);
      // Our own pid counts as alive: one process must not open the same directory twice either.
      if (owner && processAlive(owner.pid)) throw new DatabaseLockedError(directory, owner);
      await unlink(path).catch(() => undefined);
    }
  }
  throw new Error(`could not take the lock file ${path}`);
}

/** The process holding the lock of `directory`, or null when unlocked or unreadable. */
export async function readLockOwner(directory: string): Promise<LockOwner | null> {
  try {
    const parsed = JSON.parse(await readFile(join(directory, LOCK_FILE), 'utf8')) as LockOwner;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
