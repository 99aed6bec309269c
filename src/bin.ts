// Process entry of `reclam` (bin/reclam.js loads the compiled copy): the CLI with the daemon's
// `run` command, composed here so that the CLI's modules never import the daemon.
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2), [
  {
    name: 'run',
    summary: 'run the daemon: watch the mailbox, acknowledge, deliver the outbox, serve the web desk',
    load: async () => (await import('./daemon/run-command.js')).registerRun,
  },
]);
