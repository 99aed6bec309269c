// A local control socket in the data directory, served by a daemon that holds the embedded
// database: CLI commands (`tickets`, `show`, `ingest`, `migrate`, `digest`, `export`, `status`) run inside the daemon instead of
// opening PGlite a second time. One JSON request per connection, one JSON response.
import { createHash } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ingestFiles, type CommandOutput } from '../services/ingest-files.js';
import { listTicketsText, showTicket } from '../services/render-tickets.js';
import { exportCommand, type ExportInput } from '../services/export-tickets.js';
import { digestCommand, type CommandFile, type DigestCommandArgs } from '../services/send-digest.js';
import type { RunningDaemon } from './daemon.js';
import { statusReport } from '../services/status-report.js';
import { digestDeps } from './digest-scheduler.js';

export type ControlRequest =
  | { readonly command: 'ingest'; readonly args: readonly { name: string; base64: string }[] }
  | {
      readonly command: 'tickets';
      readonly args: { status?: string | undefined; limit: number; viewer?: string | undefined };
    }
  | {
      readonly command: 'show';
      readonly args: { reference: string; viewer?: string | undefined; attachments?: boolean | undefined };
    }
  | { readonly command: 'migrate'; readonly args: readonly [] }
  | { readonly command: 'status'; readonly args: { readonly version: string } }
  | { readonly command: 'digest'; readonly args: DigestCommandArgs }
  | { readonly command: 'export'; readonly args: ExportInput };

/** `files`: what `digest --preview` and `export` produced, for the CLI to write. */
export type ControlResponse = CommandOutput & { readonly files?: readonly CommandFile[] };

/** Unix socket paths are limited to ~107 bytes: long data directories use a hashed path in /tmp. */
export function controlSocketPath(dataDir: string): string {
  const direct = join(resolve(dataDir), 'reclam.sock');
  if (Buffer.byteLength(direct) < 100) return direct;
  return join(tmpdir(), `reclam-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16)}.sock`);
}

export async function serveControl(
  dataDir: string,
  daemon: RunningDaemon,
  log: Logger,
): Promise<{ close(): Promise<void> }> {
  const path = controlSocketPath(dataDir);
  await unlink(path).catch(() => undefined);
  const server: Server = createServer((socket) => {
    let input = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      input += chunk;
      if (!input.includes('\n')) return;
      void handle(JSON.parse(input) as ControlRequest)
        .catch(
          (error: unknown): ControlResponse => ({
            output: `erreur : ${error instanceof Error ? error.message : String(error)}\n`,
            exitCode: 1,
          }),
        )
        .then((response) => socket.end(`${JSON.stringify(response)}\n`));
    });
    socket.on('error', () => undefined);
  });

  async function handle(request: ControlRequest): Promise<ControlResponse> {
    log.debug({ command: request.command }, 'control request');
    switch (request.command) {
      case 'ingest': {
        const files = request.args.map((f) => ({ name: f.name, raw: new Uint8Array(Buffer.from(f.base64, 'base64')) }));
        const result = await ingestFiles(daemon.deps, files, { deliver: false });
        daemon.wakeOutbox();
        return result;
      }
      case 'tickets':
        return listTicketsText(daemon.deps, request.args);
      case 'show':
        return showTicket(daemon.deps, request.args);
      case 'status':
        return statusReport(daemon.deps, {
          version: request.args.version,
          engine: daemon.database.engine,
          location: daemon.database.location,
          live: { mailbox: daemon.health.mailbox, startedAt: daemon.health.startedAt, via: 'daemon' },
        });
      case 'migrate':
        return { output: 'database schema is up to date (migrated by the running daemon)\n', exitCode: 0 };
      case 'digest': {
        const result = await digestCommand(digestDeps(daemon.deps), request.args);
        if (result.queued) daemon.wakeOutbox();
        return result;
      }
      case 'export':
        return exportCommand(digestDeps(daemon.deps), request.args);
    }
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolveListen());
  });
  return {
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await unlink(path).catch(() => undefined);
    },
  };
}

/** Sends one request to the daemon of `dataDir`; null when no daemon answers. */
export function requestControl(
  dataDir: string,
  request: ControlRequest,
  timeoutMs = 120_000,
): Promise<ControlResponse | null> {
  return new Promise((resolveRequest) => {
    const socket = createConnection(controlSocketPath(dataDir));
    let output = '';
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => (output += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolveRequest(JSON.parse(output) as ControlResponse);
      } catch {
        resolveRequest(null);
      }
    });
    socket.on('error', () => {
      clearTimeout(timer);
      resolveRequest(null);
    });
  });
}
