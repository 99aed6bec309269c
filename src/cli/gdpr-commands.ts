// `reclam gdpr export|erase EMAIL` (one person's data: RGPD access and erasure) and
// `reclam backup|restore FILE` (the embedded database). Like every command they run in the daemon
// that holds an embedded database, through its control socket, and open the database otherwise;
// `restore` needs the daemon stopped.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { createZipWriter } from '../adapters/zip-archive.js';
import { openDatabase, restorePglite } from '../db/database.js';
import { readLockOwner } from '../db/directory-lock.js';
import { count } from 'drizzle-orm';
import { tickets } from '../db/schema.js';
import { mailRemoverFor } from '../app/compose.js';
import { writeBackup } from '../app/backup-file.js';
import type { ControlResponse } from '../app/control-protocol.js';
import { erasePersonalData } from '../services/erase-personal-data.js';
import { exportPersonalDataCommand } from '../services/export-personal-data.js';
import type { CommandContext } from '../app/command-context.js';
import { systemClock } from '../ports.js';
import { forwardToDaemon, withDatabase } from './database-access.js';

/**
 * How long the CLI waits for the daemon to answer a backup, an export or an erasure: a VACUUM FULL
 * or a dump of a large embedded database takes minutes, and giving up would not stop the daemon.
 */
const LONG_REQUEST_MS = 60 * 60_000;

export function registerGdprCommands(program: Command, context: CommandContext): void {
  const gdpr = program
    .command('gdpr')
    .description('personal data of one person (RGPD): export everything held about them, or erase it');

  gdpr
    .command('export')
    .description(
      'everything held about EMAIL — tickets they filed or are in copy of, their mails (raw) and attachments, ' +
        'the mails sent to them, events naming them — as one zip with a French note (LISEZMOI.txt)',
    )
    .argument('<email>', 'the person’s address')
    .option('--out <file>', 'where to write the zip (default: donnees-<address>-<date>.zip here)')
    .action(async (email: string, options: { out?: string }) => {
      const { config, log } = await context.load();
      const args = { email };
      const response =
        (await forwardToDaemon(config, { command: 'gdpr-export', args }, LONG_REQUEST_MS)) ??
        (await withDatabase(config, log, (deps) =>
          exportPersonalDataCommand({ ...deps, archives: createZipWriter() }, args),
        ));
      await writeFiles(response, options.out ? resolve(options.out) : null);
      context.exit(response.exitCode);
    });

  gdpr
    .command('erase')
    .description(
      'anonymise EMAIL’s tickets (identity, texts, attachments, raw mails — also deleted from the IMAP processed ' +
        'and quarantine folders), empty the mails they sent and received, mask their address everywhere else; ' +
        'dates, levels, categories and states stay, so the indicators do not move. A dry run unless --yes',
    )
    .argument('<email>', 'the person’s address')
    .option('--yes', 'do it (without: only say what would be erased)')
    .option('--by <who>', 'who asks for it, recorded in the audit trail (default: the operating-system user)')
    .option(
      '--without-mailbox',
      'leave the IMAP folders alone (a desk fed by reclam ingest only); erase the database only',
    )
    .action(async (email: string, options: { yes?: boolean; by?: string; withoutMailbox?: boolean }) => {
      const { config, log } = await context.load();
      const args = {
        email,
        by: options.by ?? operatingSystemUser(),
        act: options.yes === true,
        mailbox: options.withoutMailbox !== true,
      };
      const response =
        (await forwardToDaemon(config, { command: 'gdpr-erase', args }, LONG_REQUEST_MS)) ??
        (await withDatabase(config, log, (deps) =>
          erasePersonalData(
            { ...deps, mailRemover: mailRemoverFor(deps), engine: config.database.url ? 'postgres' : 'pglite' },
            args,
          ),
        ));
      process.stdout.write(response.output);
      context.exit(response.exitCode);
    });

  program
    .command('backup')
    .description(
      'save the embedded database (PGlite) to FILE (a .tar.gz), also while the daemon runs; ' +
        'PostgreSQL: use pg_dump (docs/operations.md)',
    )
    .argument('<file>', 'where to write the backup, e.g. reclam-2026-12-03.tar.gz')
    .action(async (file: string) => {
      const { config, log } = await context.load();
      const path = resolve(file);
      await mkdir(dirname(path), { recursive: true });
      if (config.database.url) {
        process.stderr.write(
          'reclam: backup is for the embedded database; with PostgreSQL use pg_dump (docs/operations.md)\n',
        );
        return context.exit(2);
      }
      const response =
        (await forwardToDaemon(config, { command: 'backup', args: { path } }, LONG_REQUEST_MS)) ??
        (await withDatabaseHandle(config, log, (database) => writeBackup(database, path)));
      process.stdout.write(response.output);
      context.exit(response.exitCode);
    });

  program
    .command('restore')
    .description(
      'replace the embedded database (PGlite) with a backup made by reclam backup; the daemon must be stopped. ' +
        'PostgreSQL: use pg_restore (docs/operations.md)',
    )
    .argument('<file>', 'a backup made by reclam backup')
    .option('--force', 'replace an existing database (it is kept beside, renamed pglite.before-restore-<date>)')
    .action(async (file: string, options: { force?: boolean }) => {
      const { config, log } = await context.load();
      if (config.database.url) {
        process.stderr.write(
          'reclam: restore is for the embedded database; with PostgreSQL use pg_restore (docs/operations.md)\n',
        );
        return context.exit(2);
      }
      const dataDir = resolve(config.database.dataDir);
      const owner = await readLockOwner(dataDir);
      if (owner && owner.pid !== process.pid && processAlive(owner.pid)) {
        process.stderr.write(
          `reclam: the embedded database in ${dataDir} is in use by process ${owner.pid} (${owner.command}); ` +
            'stop the daemon before restoring\n',
        );
        return context.exit(2);
      }
      let archive: Buffer;
      try {
        archive = await readFile(resolve(file));
      } catch {
        process.stderr.write(`reclam: cannot read ${resolve(file)}\n`);
        return context.exit(2);
      }
      let restored: { replacedBy: string | null };
      try {
        restored = await restorePglite(dataDir, new Uint8Array(archive), {
          replace: options.force === true,
          stamp: systemClock.now().toISOString().replace(/[:.]/g, '-'),
        });
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        process.stderr.write(`reclam: ${error.message}\n`);
        return context.exit(2);
      }
      // Opened, migrated (a backup of an older version is brought up to date) and counted.
      const tickets = await withDatabase(config, log, (deps) => ticketCount(deps.db));
      process.stdout.write(
        `restored ${basename(file)} into ${dataDir}: ${tickets} ticket(s)` +
          `${restored.replacedBy ? `; the previous database was kept in ${restored.replacedBy}` : ''}\n`,
      );
      context.exit(0);
    });
}

async function ticketCount(db: Parameters<Parameters<typeof withDatabase>[2]>[0]['db']): Promise<number> {
  const [row] = await db.select({ n: count() }).from(tickets);
  return Number(row?.n ?? 0);
}

/** Opens the embedded database (migrated), runs `work` with it, closes it. */
async function withDatabaseHandle<T>(
  config: Parameters<typeof withDatabase>[0],
  _log: Parameters<typeof withDatabase>[1],
  work: (database: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
): Promise<T> {
  const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir });
  try {
    await database.migrate();
    return await work(database);
  } finally {
    await database.close();
  }
}

/** Writes the zip a command returned at `target` (or under its own name here), then prints the output. */
async function writeFiles(response: ControlResponse, target: string | null): Promise<void> {
  const [file] = response.files ?? [];
  if (file) {
    const path = target ?? resolve(basename(file.name));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.from(file.base64, 'base64'), { mode: 0o600 });
    process.stdout.write(response.output);
    process.stdout.write(`archive écrite : ${path}\n`);
    return;
  }
  process.stdout.write(response.output);
}

function operatingSystemUser(): string {
  try {
    return userInfo().username || 'inconnu';
  } catch {
    return process.env.USER ?? 'inconnu';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
