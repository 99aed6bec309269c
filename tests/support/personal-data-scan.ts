// Looks for a person's traces after an erasure, independently of the code that erased them: every
// row of every table as PostgreSQL prints it (bytea in hex), every file under a directory.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { unzipSync } from 'fflate';
import { type Db, rowsOf } from '../../src/db/database.js';

/** Where each needle (case-insensitive) was found in the database: `table` names, per needle. */
export async function databaseTraces(db: Db, needles: readonly string[]): Promise<Record<string, string[]>> {
  const tables = rowsOf<{ table_name: string }>(
    await db.execute(sql`
      select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`),
  ).map((r) => r.table_name);
  const found: Record<string, string[]> = {};
  for (const table of tables) {
    const rows = rowsOf<{ row: string }>(
      await db.execute(sql`select (t.*)::text as row from ${sql.identifier(table)} t`),
    ).map((r) => r.row);
    for (const needle of needles) {
      const lower = needle.toLowerCase();
      const hex = Buffer.from(needle).toString('hex');
      const hexLower = Buffer.from(lower).toString('hex');
      const hit = rows.some((row) => {
        const text = row.toLowerCase();
        return text.includes(lower) || text.includes(hex) || text.includes(hexLower);
      });
      if (hit) add(found, needle, table);
    }
  }
  return found;
}

/** Where each needle (ASCII, case-insensitive) occurs in the files under `dir`: file paths, per needle. */
export async function fileTraces(
  dir: string,
  needles: readonly string[],
  skip: (path: string) => boolean = () => false,
): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const path of await filesUnder(dir)) {
    if (skip(path)) continue;
    const text = (await readFile(path)).toString('latin1').toLowerCase();
    for (const needle of needles) if (text.includes(needle.toLowerCase())) add(found, needle, path);
  }
  return found;
}

/** Where each needle occurs in the entries of a zip (an xlsx, a gdpr export): entry names, per needle. */
export function zipTraces(zip: Uint8Array, needles: readonly string[]): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [name, bytes] of Object.entries(unzipSync(zip))) {
    const text = `${name}\n${Buffer.from(bytes).toString('utf8')}`.toLowerCase();
    for (const needle of needles) if (text.includes(needle.toLowerCase())) add(found, needle, name);
  }
  return found;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve(e.isFile() ? [join(dir, e.name)] : []),
    ),
  );
  return nested.flat();
}

function add(found: Record<string, string[]>, needle: string, where: string): void {
  found[needle] = [...(found[needle] ?? []), where];
}
