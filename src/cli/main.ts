// The CLI's composition root: `reclam run | migrate | check | ingest | tickets | show | demo`.
// Only this file and the daemon read the environment, load the configuration and open connections.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { ConfigError, loadConfig, redactConfig } from '../config/load-config.js';
import { databaseFailure, redactDatabaseUrl } from '../db/database.js';
import { isAppError } from '../domain/errors.js';
import { createLogger } from '../log.js';
import { RECLAM_VERSION } from '../paths.js';
import { runCheck } from './check.js';
import { runDemo } from './demo.js';
import { forwardToDaemon, withDatabase } from './database-access.js';
import { ingestFiles } from '../services/ingest-files.js';
import { listTicketsText, showTicket } from '../services/render-tickets.js';
import { startDaemon, withQualificationModel } from '../daemon/daemon.js';
import { serveControl } from '../daemon/control-server.js';
import { serveWebDesk } from '../daemon/web-server.js';
import { registerDigestCommands } from './digest-commands.js';
import { registerQualifyCommand } from './qualify-command.js';

interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('reclam')
    .description('E-mail complaint desk: every complaint mailed in becomes a ticket, acknowledged with its deadline.')
    .addOption(new Option('-c, --config <file>', 'configuration file (default: $RECLAM_CONFIG or ./reclam.yaml)'))
    .addOption(
      new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']),
    )
    .version(RECLAM_VERSION, '-V, --version', 'print the version of reclam')
    .exitOverride()
    .showHelpAfterError();
  let exitCode = 0;
  const setExitCode = (code: number): void => {
    exitCode = code;
  };

  program
    .command('run')
    .description(
      'run the daemon: watch the mailbox, acknowledge complaints, deliver the outbox, serve the web desk (web.enabled)',
    )
    .action(async () => {
      const { config, log } = await load(program.opts<GlobalOptions>(), undefined, true);
      const daemon = await startDaemon(config, log);
      const control =
        daemon.database.engine === 'pglite' ? await serveControl(config.database.dataDir, daemon, log) : null;
      const web = await serveWebDesk(daemon, log);
      const { serveMonitoring } = await import('../daemon/monitoring-server.js');
      const monitoring = await serveMonitoring(daemon, log);
      const stop = (signal: string) => {
        log.info({ signal }, 'stopping');
        void web?.close();
        void monitoring?.close();
        void control?.close();
        void daemon.stop();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      await daemon.stopped;
      await control?.close();
    });

  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .action(async () => {
      const { config, log } = await load(program.opts<GlobalOptions>());
      const text = await forwardToDaemon(config, { command: 'migrate', args: [] });
      if (text !== null) return void process.stdout.write(text.output);
      await withDatabase(config, log, async () => undefined);
      process.stdout.write('database schema is up to date\n');
    });

  program
    .command('check')
    .description('validate the configuration and try IMAP, SMTP and the database')
    .option('--print-config', 'also print the configuration, secrets masked')
    .action(async (options: { printConfig?: boolean }) => {
      const { config, log, warnings } = await load(program.opts<GlobalOptions>(), 'silent');
      if (options.printConfig) process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
      exitCode = await runCheck(config, warnings, log, process.stdout);
    });

  program
    .command('ingest')
    .description(
      'feed raw mails through the same pipeline as the mailbox (replays, imports): .eml files, and mbox files, ' +
        'whose messages are split at their "From " lines (mboxo/mboxrd) and ingested one by one',
    )
    .argument('<files...>', '.eml or mbox files')
    .action(async (files: string[]) => {
      const { config, log } = await load(program.opts<GlobalOptions>());
      const forwarded = await forwardToDaemon(config, async () => ({
        command: 'ingest',
        args: await Promise.all(files.map(async (f) => ({ name: f, base64: (await readFile(f)).toString('base64') }))),
      }));
      if (forwarded !== null) {
        process.stdout.write(forwarded.output);
        exitCode = forwarded.exitCode;
        return;
      }
      // One file in memory at a time, read when its turn comes.
      const sources = files.map((f) => ({ name: f, read: async () => asBytes(await readFile(f)) }));
      const result = await withDatabase(config, log, async (deps) =>
        ingestFiles(await withQualificationModel(deps), sources, { deliver: true }),
      );
      process.stdout.write(result.output);
      exitCode = result.exitCode;
    });

  program
    .command('tickets')
    .description('list tickets, newest first')
    .option(
      '--status <état>',
      'only this state, in French or as its code: reçue (received), en cours (in_progress), répondue (answered), ' +
        'vérification (verifying), clôturée (closed), non recevable (rejected)',
    )
    .option('--limit <n>', 'how many', '50')
    .option('--as <email>', 'show what this person may see (medical tickets: doctors only)')
    .action(async (options: { status?: string; limit: string; as?: string }) => {
      const { config, log } = await load(program.opts<GlobalOptions>());
      const args = { status: options.status, limit: Number(options.limit), viewer: options.as };
      const forwarded = await forwardToDaemon(config, { command: 'tickets', args });
      const text = forwarded ?? (await withDatabase(config, log, (deps) => listTicketsText(deps, args)));
      process.stdout.write(text.output);
      exitCode = text.exitCode;
    });

  program
    .command('show')
    .description('show one ticket with its messages and history')
    .argument('<reference>', 'e.g. REC-2026-0042')
    .option('--as <email>', 'show what this person may see (medical tickets: doctors only)')
    .option(
      '--attachments <dir>',
      'also write the attachments the complainant sent into this folder (names made safe; medical tickets: --as a doctor)',
    )
    .action(async (reference: string, options: { as?: string; attachments?: string }) => {
      const { config, log } = await load(program.opts<GlobalOptions>());
      const args = { reference, viewer: options.as, attachments: options.attachments !== undefined };
      const forwarded = await forwardToDaemon(config, { command: 'show', args });
      const text = forwarded ?? (await withDatabase(config, log, (deps) => showTicket(deps, args)));
      process.stdout.write(text.output);
      exitCode = text.exitCode;
      if (options.attachments !== undefined && text.files) {
        const { writeAttachments } = await import('./attachment-files.js');
        const written = await writeAttachments(resolve(options.attachments), text.files);
        process.stdout.write(
          written.length === 0
            ? 'aucune pièce jointe à extraire\n'
            : `${written.length} pièce(s) jointe(s) écrite(s) :\n${written.map((p) => `  ${p}\n`).join('')}`,
        );
      }
    });

  program
    .command('status')
    .description(
      'how the service is doing, in French: mailbox (watched, last sweep), database, outbox, overdue tickets, ' +
        'next digest; exit code 1 when something needs attention',
    )
    .action(async () => {
      const { config, log } = await load(program.opts<GlobalOptions>(), 'silent');
      const { runStatus } = await import('./status.js');
      const result = await runStatus(config, log);
      process.stdout.write(result.output);
      exitCode = result.exitCode;
    });

  registerDigestCommands(program, { load: () => load(program.opts<GlobalOptions>()), exit: setExitCode });
  registerQualifyCommand(program, setExitCode);

  program
    .command('demo')
    .description('run the real pipeline on embedded defaults (PGlite, a local SMTP receiver) with sample complaints')
    .option('--dir <dir>', 'where to put the demo database and the mails sent', 'demo-output')
    .action(async (options: { dir: string }) => {
      const log = createLogger(program.opts<GlobalOptions>().logLevel ?? 'error');
      exitCode = await runDemo(resolve(options.dir), log, process.stdout);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error);
  }
}

async function load(
  options: GlobalOptions,
  defaultLevel?: string,
  announce = false,
): Promise<{ config: Config; log: Logger; warnings: readonly string[] }> {
  const path = resolve(options.config ?? process.env.RECLAM_CONFIG ?? 'reclam.yaml');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(
      [`cannot read ${path} (give --config FILE or set RECLAM_CONFIG; examples/ has one per procedure)`],
      path,
    );
  }
  const { config, warnings } = loadConfig(text, process.env, path);
  const log = createLogger(options.logLevel ?? defaultLevel ?? config.log.level);
  if (announce) {
    // The daemon's first line says what this process serves, so that a journal read months later
    // tells which configuration, mailbox and database were in use (secrets left out).
    const start = startLine(config, path);
    log.info(start.fields, start.message);
  }
  for (const warning of warnings) log.warn(`configuration: ${warning}`);
  return { config, log, warnings };
}

/** The daemon's first log line: version, configuration file, mailbox, database engine and data directory. */
export function startLine(config: Config, configPath: string): { fields: Record<string, unknown>; message: string } {
  const { imap } = config.mailbox;
  const engine = config.database.url ? 'postgres' : 'pglite';
  const dataDir = resolve(config.database.dataDir);
  const database = config.database.url ? redactDatabaseUrl(config.database.url) : join(dataDir, 'pglite');
  const imapAt = `${imap.user}@${imap.host}:${imap.port}/${imap.inbox}`;
  return {
    fields: {
      version: RECLAM_VERSION,
      config: configPath,
      mailbox: config.mailbox.address,
      imap: imapAt,
      engine,
      database,
      dataDir,
    },
    message:
      `reclam ${RECLAM_VERSION} starting: config ${configPath}, mailbox ${config.mailbox.address} (IMAP ${imapAt}), ` +
      `database ${engine === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'} ${database}, data directory ${dataDir}`,
  };
}

/** A Buffer's bytes as a plain Uint8Array view, without copying them. */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function reportError(error: unknown): number {
  const e = error as { code?: string; exitCode?: number; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : (e.exitCode ?? 2);
  }
  // Catalogue errors (configuration, database locked, out of reach or refusing us…) say what to
  // check; a database error from deeper down is explained the same way.
  const explained = isAppError(error) ? error : databaseFailure(error);
  if (explained) {
    process.stderr.write(
      `reclam: ${explained.message}${explained.code === 'CONFIG_INVALID' ? '' : ` [${explained.code}]`}\n`,
    );
    return explained.kind === 'configuration' || explained.code === 'DATABASE_LOCKED' ? 2 : 1;
  }
  process.stderr.write(`reclam: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
