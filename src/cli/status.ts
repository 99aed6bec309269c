// `reclam status`. With an embedded database held by a running daemon, the daemon itself answers
// (control socket: it knows its mailbox's state). Otherwise the CLI opens the database and asks
// the daemon's `/healthz` when `monitoring.enabled` says where it listens (PostgreSQL: the daemon
// may run on this machine or another); without it, the mailbox lease tells who sweeps and when.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { CommandContext } from '../app/command-context.js';
import type { Config } from '../config/config-schema.js';
import { redactDatabaseUrl } from '../db/database.js';
import { RECLAM_VERSION } from '../paths.js';
import type { CommandOutput } from '../services/ingest-files.js';
import { statusReport, type StatusInput } from '../services/status-report.js';
import { forwardToDaemon, withDatabase } from './database-access.js';

export async function runStatus(config: Config, log: Logger): Promise<CommandOutput> {
  const forwarded = await forwardToDaemon(config, { command: 'status', args: { version: RECLAM_VERSION } });
  if (forwarded) return forwarded;
  const live = await askHealthz(config);
  const dataDir = resolve(config.database.dataDir);
  const daemonRunning = config.database.url ? undefined : false;
  return withDatabase(config, log, (deps) =>
    statusReport(deps, {
      version: RECLAM_VERSION,
      engine: config.database.url ? 'postgres' : 'pglite',
      location: config.database.url ? redactDatabaseUrl(config.database.url) : dataDir,
      live,
      ...(daemonRunning === undefined || live ? {} : { daemonRunning }),
    }),
  );
}

/** The daemon's `/healthz`, when monitoring is on and it answers within 2 s; null otherwise. */
async function askHealthz(config: Config): Promise<StatusInput['live']> {
  const { monitoring } = config;
  if (!monitoring.enabled || monitoring.port === 0) return null;
  const host = ['0.0.0.0', '::'].includes(monitoring.host) ? '127.0.0.1' : monitoring.host;
  try {
    const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${monitoring.port}/healthz`, {
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await response.json()) as {
      startedAt: string;
      mailbox: {
        state: string;
        since: string;
        lastSweepAt: string | null;
        error: { code: string; message: string } | null;
      };
    };
    return {
      via: 'healthz',
      startedAt: new Date(body.startedAt),
      mailbox: {
        state: body.mailbox.state,
        since: new Date(body.mailbox.since),
        lastSweepAt: body.mailbox.lastSweepAt ? new Date(body.mailbox.lastSweepAt) : null,
        error: body.mailbox.error,
      },
    };
  } catch {
    return null;
  }
}

export function registerStatus(program: Command, context: CommandContext): void {
  program
    .command('status')
    .description(
      'how the service is doing, in French: mailbox (watched, last sweep), database, outbox, overdue tickets, ' +
        'next digest; exit code 1 when something needs attention',
    )
    .action(async () => {
      const { config, log } = await context.load('silent');
      const result = await runStatus(config, log);
      process.stdout.write(result.output);
      context.exit(result.exitCode);
    });
}
