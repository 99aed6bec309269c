// `reclam run`: the daemon, with the control socket (embedded database) and the web desk. Registered
// by the root entry (src/bin.ts), so the CLI's own modules never import the daemon.
import type { Command } from 'commander';
import type { CommandContext } from '../app/command-context.js';
import { serveControl } from './control-server.js';
import { startDaemon } from './daemon.js';
import { serveWebDesk } from './web-server.js';
import { serveMonitoring } from './monitoring-server.js';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config-schema.js';
import { redactDatabaseUrl } from '../db/database.js';
import { RECLAM_VERSION } from '../paths.js';

export function registerRun(program: Command, context: CommandContext): void {
  program
    .command('run')
    .description(
      'run the daemon: watch the mailbox, acknowledge complaints, deliver the outbox, serve the web desk (web.enabled)',
    )
    .action(async () => {
      const { config, log, path } = await context.load();
      // The daemon's first line says what this process serves, so that a journal read months later
      // tells which configuration, mailbox and database were in use (secrets left out).
      const start = startLine(config, path);
      log.info(start.fields, start.message);
      const daemon = await startDaemon(config, log);
      const control =
        daemon.database.engine === 'pglite' ? await serveControl(config.database.dataDir, daemon, log) : null;
      const web = await serveWebDesk(daemon, log);
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
