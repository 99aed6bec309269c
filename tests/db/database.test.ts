// bytea on both engines goes through reclam's own serializers (src/db/database.ts: the bytes
// bound in the binary format on PGlite, hex text on PostgreSQL): the bytes must come back
// exactly, for views at an offset of a larger buffer too.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, pgliteTemplateDir, preparePgliteTemplate, rowsOf } from '../../src/db/database.js';
import { readLockOwner } from '../../src/db/directory-lock.js';
import { quarantine } from '../../src/db/schema.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';

describe.each(ENGINES)('bytea on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });

  const roundTrip = async (raw: Uint8Array, key: string): Promise<Uint8Array> => {
    await t.database.db
      .insert(quarantine)
      .values({ rawSha256: key, reason: 'test', raw, source: 'test', receivedAt: new Date('2026-03-02T10:00:00Z') });
    const [row] = await t.database.db.select().from(quarantine).where(eq(quarantine.rawSha256, key));
    return row!.raw;
  };

  it('stores every byte value and gives back a Uint8Array', async () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const back = await roundTrip(all, 'all-bytes');
    expect(back).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back).equals(Buffer.from(all))).toBe(true);
  });

  it('stores a view at an offset of a larger buffer (only its bytes), and 3 MB at once', async () => {
    const larger = randomBytes(1000);
    const view = new Uint8Array(larger.buffer, larger.byteOffset + 10, 500);
    expect(Buffer.from(await roundTrip(view, 'view')).equals(larger.subarray(10, 510))).toBe(true);
    const big = randomBytes(3 * 1024 * 1024);
    expect(Buffer.from(await roundTrip(big, 'big')).equals(big)).toBe(true);
    expect(Buffer.from(await roundTrip(new Uint8Array(0), 'empty')).length).toBe(0);
  });
});

describe('the embedded engine', () => {
  it('runs with the buffers a desk needs, not PostgreSQL defaults (128 MB of shared buffers)', async () => {
    const t = await createTestDatabase('pglite');
    try {
      const setting = async (name: string) => {
        const result = (await t.database.db.execute(sql.raw(`show ${name}`))) as unknown as {
          rows: Record<string, string>[];
        };
        return result.rows[0]![name];
      };
      expect(await setting('shared_buffers')).toBe('16MB');
      expect(await setting('wal_buffers')).toBe('512kB');
      expect(await setting('maintenance_work_mem')).toBe('16MB');
    } finally {
      await t.close();
    }
  });

  it('creates a new database apart (initdb in a child process), then opens and migrates it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'reclam-fresh-'));
    try {
      const database = await openDatabase({ dataDir, pgliteTemplate: null });
      try {
        expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
        await database.migrate();
        const result = (await database.db.execute(sql`select count(*)::int as n from tickets`)) as unknown as {
          rows: { n: number }[];
        };
        expect(result.rows[0]!.n).toBe(0);
      } finally {
        await database.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('creates a new database as a copy of the template made at install, which stays as it was', async () => {
    expect(pgliteTemplateDir()).toMatch(/node_modules\/\.cache\/reclam\/pglite-\d+\.\d+\.\d+-[0-9a-f]{12}$/);
    // The run's migrated database stands for the template (one initdb less); an existing template is kept.
    const template = join(inject('pgliteTemplate'), 'pglite');
    expect(await preparePgliteTemplate(template)).toBe(template);
    const files = async () =>
      (await readdir(template, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name));
    const before = await Promise.all((await files()).map(async (file) => [file, (await stat(file)).mtimeMs]));
    const dataDir = await mkdtemp(join(tmpdir(), 'reclam-fresh-'));
    try {
      const database = await openDatabase({ dataDir, pgliteTemplate: template });
      try {
        // A copy: the template's migrations are there before any migrate() (initdb has none).
        const applied = rowsOf<{ n: number }>(
          await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
        );
        expect(applied[0]!.n).toBeGreaterThan(0);
        await database.migrate();
        await database.db.execute(
          sql`insert into mailbox_checkpoints (mailbox, uid_validity, last_uid, updated_at) values ('x', 1, 2, now())`,
        );
        expect(rowsOf(await database.db.execute(sql`select count(*)::int as n from mailbox_checkpoints`))).toEqual([
          { n: 1 },
        ]);
      } finally {
        await database.close();
      }
      expect(existsSync(join(dataDir, 'pglite.partial'))).toBe(false);
      const after = await Promise.all((await files()).map(async (file) => [file, (await stat(file)).mtimeMs]));
      expect(after).toEqual(before);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('says where a new database could not be created, and releases the directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'reclam-fresh-'));
    try {
      await writeFile(join(dataDir, 'pglite'), 'not a directory');
      // From the installed template, and by initdb.
      for (const pgliteTemplate of [join(inject('pgliteTemplate'), 'pglite'), null]) {
        await expect(openDatabase({ dataDir, pgliteTemplate })).rejects.toThrow(/could not be created in .*pglite/);
        expect(await readLockOwner(dataDir)).toBeNull();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe.each(ENGINES)('migrations on %s', (engine) => {
  it('a database without the last migration gets it; an up-to-date one is left as it is', async () => {
    const t = await createTestDatabase(engine);
    try {
      const { db } = t.database;
      const count = async () =>
        Number(
          rowsOf<{ n: string | number }>(
            await db.execute(sql`select count(*) as n from drizzle.__drizzle_migrations`),
          )[0]!.n,
        );
      const applied = await count();
      await t.database.migrate();
      expect(await count()).toBe(applied);
      // Back to the state before the last migration (0009 created month_figures).
      await db.execute(sql`drop table month_figures`);
      await db.execute(
        sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`,
      );
      await t.database.migrate();
      expect(await count()).toBe(applied);
      expect(rowsOf(await db.execute(sql`select * from month_figures`))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
