// `reclam tickets | show`: read the tickets, in the daemon when it holds the embedded database.
// They need the store only: no mail parser, SMTP client or template engine is loaded.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../app/command-context.js';
import { listTicketsText, showTicket } from '../services/render-tickets.js';
import { writeAttachments } from './attachment-files.js';
import { forwardToDaemon, withStore } from './database-access.js';

export function registerTickets(program: Command, context: CommandContext): void {
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
      const { config, log } = await context.load();
      const args = { status: options.status, limit: Number(options.limit), viewer: options.as };
      const forwarded = await forwardToDaemon(config, { command: 'tickets', args });
      const text = forwarded ?? (await withStore(config, log, (deps) => listTicketsText(deps, args)));
      process.stdout.write(text.output);
      context.exit(text.exitCode);
    });
}

export function registerShow(program: Command, context: CommandContext): void {
  program
    .command('show')
    .description('show one ticket with its messages and history')
    .argument('<reference>', 'e.g. REC-2026-0042')
    .option('--as <email>', 'show what this person may see (medical tickets: doctors only)')
    .option(
      '--attachments <dir>',
      'also write the attachments the complainant sent into this folder (names made safe; medical tickets: --as a ' +
        'doctor)',
    )
    .action(async (reference: string, options: { as?: string; attachments?: string }) => {
      const { config, log } = await context.load();
      const args = { reference, viewer: options.as, attachments: options.attachments !== undefined };
      const forwarded = await forwardToDaemon(config, { command: 'show', args });
      const text = forwarded ?? (await withStore(config, log, (deps) => showTicket(deps, args)));
      process.stdout.write(text.output);
      context.exit(text.exitCode);
      if (options.attachments !== undefined && text.files) {
        const written = await writeAttachments(resolve(options.attachments), text.files);
        process.stdout.write(
          written.length === 0
            ? 'aucune pièce jointe à extraire\n'
            : `${written.length} pièce(s) jointe(s) écrite(s) :\n${written.map((p) => `  ${p}\n`).join('')}`,
        );
      }
    });
}
