// `reclam check`: one verdict per part (configuration, database, IMAP, SMTP) with a hint when
// something fails, so an administrator can fix a set-up without reading logs.
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { databaseFailure, openDatabase, pingDatabase } from '../db/database.js';
import { readLockOwner } from '../db/directory-lock.js';
import { probeMailbox } from '../adapters/imap-mailbox.js';
import { createSmtpSender } from '../adapters/smtp-sender.js';
import { isAppError, smtpSetupError } from '../domain/errors.js';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { redactConfig } from '../config/load-config.js';
import type { CommandContext } from '../app/command-context.js';

type Verdict = { ok: boolean; line: string };

export async function runCheck(
  config: Config,
  warnings: readonly string[],
  log: Logger,
  out: NodeJS.WritableStream,
): Promise<number> {
  const verdicts: Verdict[] = [];
  const print = (v: Verdict) => {
    verdicts.push(v);
    out.write(`${v.ok ? '✔' : '✘'} ${v.line}\n`);
  };
  const { people, categories, levels } = config;
  const counts = `${people.length} people, ${categories.length} categories, ${levels.length} levels`;
  const warned = warnings.length ? `; warnings:\n    ${warnings.join('\n    ')}` : '';
  print({ ok: true, line: `configuration: ${counts}${warned}` });
  print(await checkDatabase(config));
  print(await checkImap(config, log));
  print(await checkSmtp(config));
  // Not failures: the administrator chose it, but must know what it gives up.
  for (const warning of tlsWarnings(config)) out.write(`⚠ ${warning}\n`);
  const failed = verdicts.filter((v) => !v.ok).length;
  out.write(failed === 0 ? 'all checks passed\n' : `${failed} check(s) failed\n`);
  return failed === 0 ? 0 : 1;
}

async function checkDatabase(config: Config): Promise<Verdict> {
  const where = config.database.url ? 'PostgreSQL' : `embedded PGlite in ${resolve(config.database.dataDir)}`;
  if (!config.database.url) {
    const owner = await readLockOwner(resolve(config.database.dataDir));
    if (owner && owner.pid !== process.pid) {
      try {
        process.kill(owner.pid, 0);
        return { ok: true, line: `database: ${where}, in use by the running daemon (pid ${owner.pid})` };
      } catch {
        /* stale lock: open below */
      }
    }
  }
  try {
    const database = await openDatabase({
      url: config.database.url,
      dataDir: config.database.dataDir,
      maxConnections: 1,
    });
    try {
      const version = await withTimeout(pingDatabase(database.db), 10_000, 'no answer within 10 s');
      return { ok: true, line: `database: ${where} (${database.location}) answers: ${version.split(',')[0]}` };
    } finally {
      await database.close();
    }
  } catch (error) {
    const explained = databaseFailure(error);
    if (explained) return { ok: false, line: `database: ${where}: ${explained.message}` };
    return { ok: false, line: `database: ${where}: ${message(error)} — check database.url / database.dataDir` };
  }
}

async function checkImap(config: Config, log: Logger): Promise<Verdict> {
  const { imap } = config.mailbox;
  const where = `${imap.host}:${imap.port}${imap.secure ? ' (TLS)' : ''} as ${imap.user}`;
  try {
    const probe = await withTimeout(
      probeMailbox({ imap, log, connectTimeoutMs: 10_000 }),
      20_000,
      'no answer within 20 s',
    );
    return {
      ok: true,
      line:
        `IMAP ${where}: ${imap.inbox} opened (UIDVALIDITY ${probe.uidValidity}, ${probe.messages} mail(s) ` +
        `waiting); folders "${imap.processed}" and "${imap.quarantine}" present`,
    };
  } catch (error) {
    // A refused login or an unreachable server comes as a catalogue error naming its keys.
    if (isAppError(error)) return { ok: false, line: `IMAP ${where}: ${error.message}` };
    const hint = (error as { tlsFailed?: boolean }).tlsFailed
      ? 'check mailbox.imap.host (the name the certificate is for) and mailbox.imap.tls'
      : 'check mailbox.imap.host, port and secure';
    return { ok: false, line: `IMAP ${where}: ${message(error)} — ${hint}` };
  }
}

async function checkSmtp(config: Config): Promise<Verdict> {
  const { smtp } = config.mailbox;
  const where = `${smtp.host}:${smtp.port}${smtp.secure ? ' (TLS)' : ''}${smtp.user ? ` as ${smtp.user}` : ''}`;
  const sender = createSmtpSender({ ...smtp, timeoutSeconds: Math.min(smtp.timeoutSeconds, 10) });
  try {
    await withTimeout(sender.verify(), 20_000, 'no answer within 20 s');
    return { ok: true, line: `SMTP ${where}: accepts connections${smtp.user ? ' and the login' : ''}` };
  } catch (error) {
    const explained = smtpSetupError(error as { code?: string; responseCode?: number }, smtp, error);
    if (explained) return { ok: false, line: `SMTP ${where}: ${explained.message} (${message(error)})` };
    return { ok: false, line: `SMTP ${where}: ${message(error)} — check mailbox.smtp` };
  } finally {
    sender.close();
  }
}

/** One line per mail server whose certificate is not checked. */
export function tlsWarnings(config: Config): string[] {
  const servers = [
    { key: 'mailbox.imap.tls.acceptUnverifiedCertificate', on: config.mailbox.imap.tls.acceptUnverifiedCertificate },
    { key: 'mailbox.smtp.tls.acceptUnverifiedCertificate', on: config.mailbox.smtp.tls.acceptUnverifiedCertificate },
  ];
  return servers
    .filter((server) => server.on)
    .map(
      (server) =>
        `${server.key} is true: that server's TLS certificate is not checked, so anyone on the network path could ` +
        `pose as it and read the mails and the password; keep it only for a local server you control`,
    );
}

function message(error: unknown): string {
  const e = error as { message?: string; responseText?: string; code?: string };
  return e.responseText ?? e.message ?? e.code ?? String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number, text: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(text)), ms);
    }),
  ]);
}

export function registerCheck(program: Command, context: CommandContext): void {
  program
    .command('check')
    .description('validate the configuration and try IMAP, SMTP and the database')
    .option('--print-config', 'also print the configuration, secrets masked')
    .action(async (options: { printConfig?: boolean }) => {
      const { config, log, warnings } = await context.load('silent');
      if (options.printConfig) process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
      context.exit(await runCheck(config, warnings, log, process.stdout));
    });
}
