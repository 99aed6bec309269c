// The CLI's root: the global options and the table of commands. Each command's module is loaded
// only when that command runs (`reclam --help` loads none), so a listing does not pay for the
// daemon, the digest's spreadsheet library or the qualifier. Only the command modules and the
// daemon read the environment, load the configuration and open connections.
import { Command, Option } from 'commander';
import type { CommandContext, CommandEntry, RegisterCommand } from '../app/command-context.js';
import { RECLAM_VERSION } from '../paths.js';

interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

/** The CLI's own commands, in the order `reclam --help` lists them (after the root's, e.g. `run`). */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'check',
    summary: 'validate the configuration and try IMAP, SMTP and the database',
    load: async () => (await import('./check.js')).registerCheck,
  },
  {
    name: 'migrate',
    summary: 'create or upgrade the database schema',
    load: async () => (await import('./database-commands.js')).registerMigrate,
  },
  {
    name: 'ingest',
    summary: 'feed raw mails (.eml, mbox) through the same pipeline as the mailbox',
    load: async () => (await import('./database-commands.js')).registerIngest,
  },
  {
    name: 'tickets',
    summary: 'list tickets, newest first',
    load: async () => (await import('./ticket-commands.js')).registerTickets,
  },
  {
    name: 'show',
    summary: 'show one ticket with its messages and history',
    load: async () => (await import('./ticket-commands.js')).registerShow,
  },
  {
    name: 'due',
    summary: 'what the follow-through would send at an instant (a dry run)',
    load: async () => (await import('./due-command.js')).registerDue,
  },
  {
    name: 'status',
    summary: 'how the service is doing, in French: mailbox, database, outbox, overdue tickets, next digest',
    load: async () => (await import('./status.js')).registerStatus,
  },
  {
    name: 'qualify',
    summary: 'qualify complaints from files and, with labels, measure accuracy',
    load: async () => {
      const { registerQualifyCommand } = await import('./qualify-command.js');
      return (program, context) => registerQualifyCommand(program, context.exit);
    },
  },
  {
    name: 'digest',
    summary: 'the indicators of a period: print, preview or send the digest',
    load: async () => (await import('./digest-commands.js')).registerDigestCommand,
  },
  {
    name: 'export',
    summary: 'one row per ticket received in a date range (csv or xlsx)',
    load: async () => (await import('./digest-commands.js')).registerExportCommand,
  },
  {
    name: 'gdpr',
    summary: 'personal data of one person (RGPD): export everything held about them, or erase it',
    load: async () => (await import('./gdpr-commands.js')).registerGdprCommands,
  },
  {
    name: 'backup',
    summary: 'save the embedded database (PGlite) to a file, also while the daemon runs',
    load: async () => (await import('./gdpr-commands.js')).registerGdprCommands,
  },
  {
    name: 'restore',
    summary: 'replace the embedded database (PGlite) with a backup; the daemon must be stopped',
    load: async () => (await import('./gdpr-commands.js')).registerGdprCommands,
  },
  {
    name: 'demo',
    summary: 'run the real pipeline on embedded defaults with sample complaints',
    load: async () => (await import('./demo.js')).registerDemo,
  },
];

/** Runs the CLI; `rootCommands` (the daemon's `run`) come from the process entry, src/bin.ts. */
export async function main(argv: readonly string[], rootCommands: readonly CommandEntry[] = []): Promise<number> {
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
  const options = () => program.opts<GlobalOptions>();
  const context: CommandContext = {
    load: async (defaultLevel) =>
      (await import('./configuration.js')).loadConfiguration(options().config, options().logLevel ?? defaultLevel),
    exit: (code) => {
      exitCode = code;
    },
    logLevel: () => options().logLevel,
  };

  const entries = [...rootCommands, ...COMMANDS];
  const wanted = requestedCommands(argv, entries);
  const registered = new Set<RegisterCommand>();
  for (const entry of entries) {
    if (!wanted.has(entry.name)) continue;
    // A module may register several commands (gdpr, backup, restore): once.
    const register = await entry.load();
    if (!registered.has(register)) register(program, context);
    registered.add(register);
  }
  // Commands loaded in full keep their place; the others are listed by their summary.
  const loaded = new Set(program.commands.map((c) => c.name()));
  for (const entry of entries) if (!loaded.has(entry.name)) program.command(entry.name).description(entry.summary);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error);
  }
}

/** Global options that take a value: the word after them is not a command name. */
const VALUED_OPTIONS = new Set(['-c', '--config', '--log-level']);

/**
 * The commands to load in full: the first word that is not an option (and, after `help`, the one
 * it asks about). Every other command is listed by its summary only.
 */
function requestedCommands(argv: readonly string[], entries: readonly CommandEntry[]): Set<string> {
  const names = new Set(entries.map((e) => e.name));
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const arg = argv[i]!;
    if (VALUED_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  const wanted = words[0] === 'help' ? words.slice(1) : words.slice(0, 1);
  return new Set(wanted.filter((w) => names.has(w)));
}

async function reportError(error: unknown): Promise<number> {
  const e = error as { code?: string; exitCode?: number; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : (e.exitCode ?? 2);
  }
  // Catalogue errors (configuration, database locked, out of reach or refusing us…) say what to
  // check; a database error from deeper down is explained the same way.
  const { isAppError } = await import('../domain/errors.js');
  const { databaseFailure } = await import('../db/database.js');
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
