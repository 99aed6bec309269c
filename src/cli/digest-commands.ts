// `reclam digest` and `reclam export`: the indicators of a period (printed, previewed as files, or
// sent) and the tickets of a date range as CSV or xlsx. Like every command, they run in the daemon
// that holds an embedded database, through its control socket, and open the database otherwise.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../app/command-context.js';
import { digestDeps } from '../app/compose.js';
import type { ControlResponse } from '../app/control-protocol.js';
import { deliverOutbox } from '../services/deliver-outbox.js';
import { exportCommand, type ExportFormat } from '../services/export-tickets.js';
import { digestCommand, type CommandFile, type DigestCommandArgs } from '../services/send-digest.js';
import { forwardToDaemon, withDatabase } from './database-access.js';

export function registerDigestCommand(program: Command, context: CommandContext): void {
  program
    .command('digest')
    .description('the indicators of a period: print the digest, preview it as files, or send it')
    .requiredOption('--period <period>', 'month 2026-10, quarter 2026-Q4, year 2026, or range 2026-10-01..2026-10-15')
    .option('--preview <file.html>', 'write the HTML there, with the chart (PNG) and the spreadsheet (xlsx) next to it')
    .option('--send', 'send it now to digest.recipients (or --to), even if already sent')
    .option('--to <emails...>', 'with --send: these recipients instead of digest.recipients')
    .option('--as <email>', 'whose version to print or preview (medical tickets: doctors only)')
    .action(async (options: { period: string; preview?: string; send?: boolean; to?: string[]; as?: string }) => {
      if (options.preview && options.send) {
        process.stderr.write('reclam: choose --preview or --send, not both\n');
        return context.exit(2);
      }
      const { config, log } = await context.load();
      const args: DigestCommandArgs = {
        period: options.period,
        mode: options.send ? 'send' : options.preview ? 'preview' : 'text',
        viewer: options.as,
        to: options.to,
      };
      const response =
        (await forwardToDaemon(config, { command: 'digest', args })) ??
        (await withDatabase(config, log, async (deps) => {
          const result = await digestCommand(digestDeps(deps), args);
          if (!result.queued) return result;
          const report = await deliverOutbox(deps);
          return {
            ...result,
            output: `${result.output}outbox: ${report.sent} sent, ${report.retried} to retry, ${report.dead} failed\n`,
          };
        }));
      await finish(response, context, options.preview ? resolve(options.preview) : null);
    });
}

export function registerExportCommand(program: Command, context: CommandContext): void {
  program
    .command('export')
    .description('the tickets received between two dates, one row each, as CSV or xlsx')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD (local time of the organisation)')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD, included')
    .option('--format <format>', 'csv or xlsx', 'csv')
    .option('--output <file>', 'where to write it (default: reclamations-FROM_TO.csv|xlsx here)')
    .option('--as <email>', 'whose view (medical tickets: doctors only)')
    .action(async (options: { from: string; to: string; format: string; output?: string; as?: string }) => {
      if (options.format !== 'csv' && options.format !== 'xlsx') {
        process.stderr.write(`reclam: --format must be csv or xlsx, not ${options.format}\n`);
        return context.exit(2);
      }
      const { config, log } = await context.load();
      const args = { from: options.from, to: options.to, format: options.format as ExportFormat, viewer: options.as };
      const response =
        (await forwardToDaemon(config, { command: 'export', args })) ??
        (await withDatabase(config, log, (deps) => exportCommand(digestDeps(deps), args)));
      await finish(response, context, options.output ? resolve(options.output) : null);
    });
}

/**
 * Writes the files a command returned — the first one at `target` when given (the preview's HTML,
 * the export), the others next to it — then prints the output and sets the exit code.
 */
async function finish(response: ControlResponse, context: CommandContext, target: string | null): Promise<void> {
  const files: readonly CommandFile[] = response.files ?? [];
  const written: string[] = [];
  for (const [i, file] of files.entries()) {
    const path = i === 0 && target ? target : join(target ? dirname(target) : process.cwd(), basename(file.name));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.from(file.base64, 'base64'));
    written.push(path);
  }
  process.stdout.write(response.output);
  for (const path of written) process.stdout.write(`wrote ${path}\n`);
  context.exit(response.exitCode);
}
