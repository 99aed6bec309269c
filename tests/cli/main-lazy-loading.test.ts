// A command loads what it needs only: `reclam --help` none of the command modules, `reclam tickets`
// not the spreadsheet and chart libraries, the qualifier, the mail and template libraries or the daemon.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reclam-lazy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The module URLs loaded by `reclam ARGS`, and its exit status. */
async function modulesLoadedBy(args: readonly string[]): Promise<{ status: number | null; modules: string[] }> {
  const file = join(dir, `${args.join('_').replace(/\W/g, '')}.txt`);
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', join(root, 'tests/support/record-imports.mjs'), join(root, 'src/bin.ts'), ...args],
    { cwd: root, env: { ...process.env, RECORD_IMPORTS_FILE: file }, encoding: 'utf8' },
  );
  const modules = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { status: run.status, modules };
}

const HEAVY = ['exceljs', '@resvg', 'mailparser', 'imapflow', 'nodemailer', 'handlebars', '@electric-sql/pglite'];

describe('lazy command loading', () => {
  it('lists the commands without loading any of them', async () => {
    const { status, modules } = await modulesLoadedBy(['--help']);
    expect(status).toBe(0);
    expect(modules.some((m) => m.endsWith('/src/cli/main.ts'))).toBe(true);
    for (const heavy of [...HEAVY, '/src/daemon/', '/src/services/', '/src/db/', '/src/config/', 'zod']) {
      expect(
        modules.filter((m) => m.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
  });

  it('loads one command in full for its own help', async () => {
    const { status, modules } = await modulesLoadedBy(['tickets', '--help']);
    expect(status).toBe(0);
    expect(modules.some((m) => m.endsWith('/src/cli/ticket-commands.ts'))).toBe(true);
    for (const heavy of [
      ...HEAVY.filter((h) => h !== '@electric-sql/pglite'),
      '/src/daemon/',
      '/src/cli/qualify-command.ts',
      '/src/cli/digest-commands.ts',
    ]) {
      expect(
        modules.filter((m) => m.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
  });
});
