// Fails when src/db/schema.ts and the migrations in drizzle/ disagree: drizzle-kit generate, run
// against a copy of drizzle/, must find nothing to do.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

describe('drizzle migrations', () => {
  it('match the schema (run `npm run db:generate` after changing src/db/schema.ts)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reclam-drift-'));
    try {
      await cp(join(root, 'drizzle'), join(dir, 'drizzle'), { recursive: true });
      const before = await readdir(join(dir, 'drizzle'));
      const config = join(dir, 'drizzle.config.mjs');
      await writeFile(
        config,
        // drizzle-kit wants paths relative to its working directory.
        `export default { dialect: 'postgresql', schema: ${JSON.stringify(relative(dir, join(root, 'src/db/schema.ts')))}, out: './drizzle' };\n`,
      );
      const { stdout, stderr } = await promisify(execFile)(
        join(root, 'node_modules/.bin/drizzle-kit'),
        ['generate', '--config', config],
        { cwd: dir },
      );
      const after = await readdir(join(dir, 'drizzle'));
      expect(after, `drizzle-kit generated a new migration:\n${stdout}${stderr}`).toEqual(before);
      // drizzle-kit exits 0 even when it fails: require its positive verdict.
      expect(`${stdout}${stderr}`).toContain('No schema changes');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
