// A command loads what it needs only: `reclam --help` none of the command modules, `reclam tickets`
// not the spreadsheet and chart libraries, the qualifier, the mail and template libraries or the daemon.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
async function modulesLoadedBy(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; modules: string[]; stdout: string }> {
  const file = join(dir, `${args.join('_').replace(/\W/g, '')}.txt`);
  await rm(file, { force: true });
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', join(root, 'tests/support/record-imports.mjs'), join(root, 'src/bin.ts'), ...args],
    { cwd: root, env: { ...process.env, ...env, RECORD_IMPORTS_FILE: file }, encoding: 'utf8' },
  );
  const modules = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { status: run.status, modules, stdout: run.stdout };
}

/** Fails naming the first of `parts` that one of `modules` contains. */
function expectNotLoaded(modules: readonly string[], parts: readonly string[]): void {
  for (const part of parts) {
    expect(
      modules.filter((m) => m.includes(part)),
      part,
    ).toEqual([]);
  }
}

const HEAVY = ['exceljs', '@resvg', 'mailparser', 'imapflow', 'nodemailer', 'handlebars', '@electric-sql/pglite'];

describe('lazy command loading', () => {
  it('lists the commands without loading any of them', async () => {
    const { status, modules } = await modulesLoadedBy(['--help']);
    expect(status).toBe(0);
    expect(modules.some((m) => m.endsWith('/src/cli/main.ts'))).toBe(true);
    expectNotLoaded(modules, [...HEAVY, '/src/daemon/', '/src/services/', '/src/db/', '/src/config/', 'zod']);
  });

  it('loads one command in full for its own help', async () => {
    const { status, modules } = await modulesLoadedBy(['tickets', '--help']);
    expect(status).toBe(0);
    expect(modules.some((m) => m.endsWith('/src/cli/ticket-commands.ts'))).toBe(true);
    expectNotLoaded(modules, [
      ...HEAVY.filter((h) => h !== '@electric-sql/pglite'),
      '/src/daemon/',
      '/src/cli/qualify-command.ts',
      '/src/cli/digest-commands.ts',
    ]);
  });

  it('lists the tickets of a migrated embedded database without the qualifier, mail or template libraries', async () => {
    // The qualification section is validated (a bad key is still reported), but by its schema only.
    const config = join(dir, 'reclam.yaml');
    await writeFile(
      config,
      `${await readFile(join(root, 'examples/minimal.yaml'), 'utf8')}\n` +
        `database: { dataDir: ${JSON.stringify(join(dir, 'data'))} }\n` +
        'qualification: { lowConfidence: { threshold: 0.4 }, categories: { generale: { "accueil froid": 2 } } }\n',
    );
    const env = {
      IMAP_HOST: 'imap.example',
      IMAP_PASSWORD: 'x',
      SMTP_HOST: 'smtp.example',
      REPLY_SECRET: 'x'.repeat(32),
    };
    // The first run creates and migrates the database; the second is the one measured.
    expect((await modulesLoadedBy(['tickets', '--config', config], env)).status).toBe(0);
    const { status, modules, stdout } = await modulesLoadedBy(
      ['tickets', '--config', config, '--log-level', 'warn'],
      env,
    );
    expect(status).toBe(0);
    expect(stdout).toBe('aucune réclamation\n');
    expect(modules.some((m) => m.endsWith('/src/domain/qualification-overrides.ts'))).toBe(true);
    expectNotLoaded(modules, [
      ...HEAVY.filter((h) => h !== '@electric-sql/pglite'),
      '/src/domain/qualification-rules.ts',
      '/src/domain/qualification.ts',
      '/src/domain/qualification-model.ts',
      '/src/adapters/',
      '/src/app/compose.ts',
      '/src/daemon/',
      '/node_modules/drizzle-orm/pglite/migrator',
      '/src/cli/qualify-command.ts',
      '/src/cli/digest-commands.ts',
    ]);
  }, 60_000);
});
