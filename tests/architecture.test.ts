// Keeps the dependency directions of docs/architecture.md true by reading import lines:
// domain is pure; services use ports, not adapters; only adapters import the mail libraries.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '../src');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []),
    ),
  );
  return nested.flat();
}

/** Every module a file names, type-only imports included: a type is a dependency on its owner's vocabulary. */
async function allImportsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm),
    ...text.matchAll(/import\('([^']+)'\)/g),
  ].map((m) => m[1]!);
}

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  // Type-only imports carry no behaviour and vanish at compile time: they are not dependencies here.
  return [
    ...text.matchAll(/^\s*(?:import|export)\s(?!type\s)[^;]*?from\s+'([^']+)'/gm),
    ...text.matchAll(/import\('([^']+)'\)/g),
  ].map((m) => m[1]!);
}

const MAIL_LIBRARIES = [
  'imapflow',
  'mailparser',
  'nodemailer',
  'handlebars',
  'smtp-server',
  'exceljs',
  '@resvg/resvg-js',
  'fflate',
];

describe('dependency directions', () => {
  it('keeps src/domain pure: no I/O, no clients, no other layer', async () => {
    for (const file of await sources(join(src, 'domain'))) {
      for (const spec of await importsOf(file)) {
        // Pure libraries only: validation, text parsing, hashing. Nothing that does I/O.
        expect(
          spec.startsWith('./') || ['zod', 'email-reply-parser', 'sanitize-html', 'node:crypto'].includes(spec),
          `${relative(src, file)} imports ${spec}`,
        ).toBe(true);
      }
      const text = await readFile(file, 'utf8');
      expect(
        /Date\.now\(\)|process\.env|new Date\(\)/.test(text),
        `${relative(src, file)} reads the clock or the environment`,
      ).toBe(false);
    }
  });

  it('lets only src/adapters import the mail and template libraries', async () => {
    for (const file of await sources(src)) {
      if (file.startsWith(join(src, 'adapters'))) continue;
      for (const spec of await importsOf(file)) {
        expect(MAIL_LIBRARIES.includes(spec), `${relative(src, file)} imports ${spec}`).toBe(false);
      }
    }
  });

  it('lets only the daemon create cron tasks', async () => {
    for (const file of await sources(src)) {
      if (file.startsWith(join(src, 'daemon'))) continue;
      expect(await importsOf(file), relative(src, file)).not.toContain('node-cron');
    }
  });

  it('keeps services and db free of adapters, daemon and cli', async () => {
    for (const layer of ['services', 'db']) {
      for (const file of await sources(join(src, layer))) {
        for (const spec of await importsOf(file)) {
          expect(/\/(adapters|daemon|cli)\//.test(spec), `${relative(src, file)} imports ${spec}`).toBe(false);
        }
      }
    }
  });

  it('keeps the configuration out of the domain, types included: the domain has its own shapes', async () => {
    for (const file of await sources(join(src, 'domain'))) {
      for (const spec of await allImportsOf(file)) {
        expect(spec.startsWith('../config/'), `${relative(src, file)} imports ${spec}`).toBe(false);
      }
    }
  });

  it('keeps adapters free of config, services, db, daemon and cli, types included: they take option types of their own', async () => {
    for (const file of await sources(join(src, 'adapters'))) {
      for (const spec of await allImportsOf(file)) {
        expect(/^\.\.\/(config|services|db|daemon|cli)\//.test(spec), `${relative(src, file)} imports ${spec}`).toBe(
          false,
        );
      }
    }
  });
  it('keeps the CLI off the daemon, types included: both compose from src/app, the root entry adds `run`', async () => {
    for (const file of await sources(join(src, 'cli'))) {
      for (const spec of await allImportsOf(file)) {
        expect(/^\.\.\/daemon\//.test(spec), `${relative(src, file)} imports ${spec}`).toBe(false);
      }
    }
  });

  it('keeps src/app (the composition shared by both roots) free of the daemon and the CLI', async () => {
    for (const file of await sources(join(src, 'app'))) {
      for (const spec of await allImportsOf(file)) {
        expect(/^\.\.\/(daemon|cli)\//.test(spec), `${relative(src, file)} imports ${spec}`).toBe(false);
      }
    }
  });
});

describe('line length', () => {
  // The formatter wraps code at 120 characters but not strings, regexes or comments; only a row of
  // a data table (a qualification cue: 'phrase|phrase…': weight,) may be longer.
  const DATA_ROW = /^\s*'[^']*': -?\d+(?:\.\d+)?,$/;
  it('keeps every src/ line within 120 characters, data table rows apart', async () => {
    const long: string[] = [];
    for (const file of await sources(src)) {
      (await readFile(file, 'utf8')).split('\n').forEach((line, i) => {
        if (line.length > 120 && !DATA_ROW.test(line)) long.push(`${relative(src, file)}:${i + 1}`);
      });
    }
    expect(long).toEqual([]);
  });
});

// Where a test lives says what it tests: tests/<dir>/<name>.test.ts or <name>-<aspect>.test.ts for
// src/<dir>/<name>.ts. The suites below test a property across several modules and say which.
const CROSS_CUTTING_TESTS: Record<string, string> = {
  'architecture.test.ts': 'the import rules of every src/ directory',
  'adapters/tls-verification.test.ts': 'certificate checks of the SMTP and IMAP adapters and of `reclam check`',
  'db/postgres-driver.test.ts': 'the patched postgres.js driver (patches/), no module of src/db',
  'domain/long-lines.test.ts': 'every text function a mail reaches, on hostile long lines',
  'services/confidentiality.test.ts': 'SPEC §4 across the outbox alerts, reclam show, the budget alert and reception',
};
/**
 * Test directories that mirror no src/ directory: the end-to-end suites, the harness, support
 * code, fixtures, and the tests of datasets/ and deploy/.
 */
const OTHER_TEST_DIRS = ['e2e', 'harness', 'support', 'fixtures', 'datasets', 'deploy'];

describe('test layout', () => {
  it('puts each test under the src/ path of its subject', async () => {
    const tests = resolve(import.meta.dirname);
    const misplaced: string[] = [];
    for (const file of (await readdir(tests, { recursive: true })).filter((f) => f.endsWith('.test.ts'))) {
      const path = file.split('\\').join('/');
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      if (OTHER_TEST_DIRS.includes(dir.split('/')[0]!) || path in CROSS_CUTTING_TESTS) continue;
      const base = path.slice(dir.length ? dir.length + 1 : 0, -'.test.ts'.length);
      const subjects = (await readdir(join(src, dir)).catch(() => [] as string[]))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => f.slice(0, -'.ts'.length));
      if (!subjects.some((name) => base === name || base.startsWith(`${name}-`))) misplaced.push(path);
    }
    expect(misplaced, 'tests/<dir>/<name>[-<aspect>].test.ts for src/<dir>/<name>.ts').toEqual([]);
  });

  it('keeps the other test directories to what they are for', async () => {
    const dirs = (await readdir(resolve(import.meta.dirname), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const srcDirs = (await readdir(src, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(dirs.filter((d) => !srcDirs.includes(d) && !OTHER_TEST_DIRS.includes(d))).toEqual([]);
    for (const name of Object.keys(CROSS_CUTTING_TESTS)) {
      await expect(readFile(join(import.meta.dirname, name), 'utf8')).resolves.toBeTruthy();
    }
  });
});
