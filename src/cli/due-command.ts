// `reclam due [--at WHEN]`: the follow-through's dry run, in the daemon when it holds the embedded
// database. It needs the store only: no mail parser, SMTP client or template engine is loaded.
import type { Command } from 'commander';
import type { CommandContext } from '../app/command-context.js';
import { dueReport } from '../services/due-report.js';
import { forwardToDaemon, withStore } from './database-access.js';

export function registerDue(program: Command, context: CommandContext): void {
  program
    .command('due')
    .description(
      'what the follow-through (reminders, escalations, effectiveness) would send at an instant, to whom and why; ' +
        'a dry run: nothing is sent or changed',
    )
    .option('--at <when>', 'the instant, local time of organisation.timezone: "2026-12-20 09:00" (default: now)')
    .action(async (options: { at?: string }) => {
      const { config, log } = await context.load('silent');
      const args = { at: options.at };
      const forwarded = await forwardToDaemon(config, { command: 'due', args });
      const result = forwarded ?? (await withStore(config, log, (deps) => dueReport(deps, args)));
      process.stdout.write(result.output);
      context.exit(result.exitCode);
    });
}
