// `reclam migrate | ingest`: the commands that write the database, run in the daemon when it
// holds the embedded database (src/cli/database-access.ts).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { withQualificationModel } from '../app/compose.js';
import { ingestFiles } from '../services/ingest-files.js';
import type { CommandContext } from '../app/command-context.js';
import { forwardToDaemon, withDatabase } from './database-access.js';

export function registerMigrate(program: Command, context: CommandContext): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .action(async () => {
      const { config, log } = await context.load();
      const text = await forwardToDaemon(config, { command: 'migrate', args: [] });
      if (text !== null) return void process.stdout.write(text.output);
      await withDatabase(config, log, async () => undefined);
      process.stdout.write('database schema is up to date\n');
    });
}

export function registerIngest(program: Command, context: CommandContext): void {
  program
    .command('ingest')
    .description(
      'feed raw mails through the same pipeline as the mailbox (replays, imports): .eml files, and mbox files, ' +
        'whose messages are split at their "From " lines (mboxo/mboxrd) and ingested one by one. A complaint counts ' +
        'from its Date: header; one already past its deadline gets no acknowledgement (it would promise a date gone ' +
        'by): it is recorded overdue and the follow-through reminds its handlers',
    )
    .argument('<files...>', '.eml or mbox files')
    .action(async (files: string[]) => {
      const { config, log } = await context.load();
      const forwarded = await forwardToDaemon(config, async () => ({
        command: 'ingest',
        args: await Promise.all(files.map(async (f) => ({ name: f, base64: (await readFile(f)).toString('base64') }))),
      }));
      if (forwarded !== null) {
        process.stdout.write(forwarded.output);
        return context.exit(forwarded.exitCode);
      }
      // One file in memory at a time, read when its turn comes.
      const sources = files.map((f) => ({ name: f, read: async () => asBytes(await readFile(f)) }));
      const result = await withDatabase(config, log, async (deps) =>
        ingestFiles(await withQualificationModel(deps), sources, { deliver: true }),
      );
      process.stdout.write(result.output);
      context.exit(result.exitCode);
    });
}

/** A Buffer's bytes as a plain Uint8Array view, without copying them. */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
