// `reclam backup FILE` for the embedded database: the dump is written where the administrator
// asked, by whichever process holds the database (the CLI, or the running daemon through its
// control socket), first under a temporary name so that a half-written file never looks whole.
import { rename, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Database } from '../db/database.js';
import type { CommandOutput } from '../services/ingest-files.js';

export async function writeBackup(database: Database, path: string): Promise<CommandOutput> {
  if (!database.dump)
    return {
      output:
        'reclam backup saves the embedded database (PGlite); with PostgreSQL use pg_dump ' +
        '(docs/operations.md, « Backups »)\n',
      exitCode: 2,
    };
  const target = resolve(path);
  const partial = `${target}.partial`;
  const bytes = await database.dump();
  try {
    await writeFile(partial, bytes, { mode: 0o600 });
    await rename(partial, target);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  }
  return { output: `backup written to ${target} (${formatSize(bytes.byteLength)})\n`, exitCode: 0 };
}

function formatSize(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}
