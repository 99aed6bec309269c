// `reclam run`: the daemon, with the control socket (embedded database) and the web desk. Registered
// by the root entry (src/bin.ts), so the CLI's own modules never import the daemon.
import type { Command } from 'commander';
import type { CommandContext } from '../app/command-context.js';
import { serveControl } from './control-server.js';
import { startDaemon } from './daemon.js';
import { serveWebDesk } from './web-server.js';

export function registerRun(program: Command, context: CommandContext): void {
  program
    .command('run')
    .description(
      'run the daemon: watch the mailbox, acknowledge complaints, deliver the outbox, serve the web desk (web.enabled)',
    )
    .action(async () => {
      const { config, log } = await context.load();
      const daemon = await startDaemon(config, log);
      const control =
        daemon.database.engine === 'pglite' ? await serveControl(config.database.dataDir, daemon, log) : null;
      const web = await serveWebDesk(daemon, log);
      const stop = (signal: string) => {
        log.info({ signal }, 'stopping');
        void web?.close();
        void control?.close();
        void daemon.stop();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      await daemon.stopped;
      await control?.close();
    });
}
