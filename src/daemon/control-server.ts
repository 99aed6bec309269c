// A local control socket in the data directory, served by a daemon that holds the embedded
// database: CLI commands (`tickets`, `show`, `ingest`, `migrate`, `digest`, `export`, `status`, `gdpr`,
// `backup`) run inside the daemon instead of
// opening PGlite a second time. One JSON request per connection, one JSON response.
import { dueReport } from '../services/due-report.js';
import { unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { Logger } from 'pino';
import { ingestFiles } from '../services/ingest-files.js';
import { listTicketsText, showTicket } from '../services/render-tickets.js';
import { exportCommand } from '../services/export-tickets.js';
import { digestCommand } from '../services/send-digest.js';
import type { RunningDaemon } from './daemon.js';
import { digestDeps } from '../app/compose.js';
import { controlSocketPath, type ControlRequest, type ControlResponse } from '../app/control-protocol.js';
import { statusReport } from '../services/status-report.js';
import { createZipWriter } from '../adapters/zip-archive.js';
import { exportPersonalDataCommand } from '../services/export-personal-data.js';
import { erasePersonalData } from '../services/erase-personal-data.js';
import { mailRemoverFor } from '../app/compose.js';
import { writeBackup } from '../app/backup-file.js';

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
      case 'due':
        return dueReport(daemon.deps, request.args);
      case 'migrate':
        return { output: 'database schema is up to date (migrated by the running daemon)\n', exitCode: 0 };
      case 'digest': {
        const result = await digestCommand(digestDeps(daemon.deps), request.args);
        if (result.queued) daemon.wakeOutbox();
        return result;
      }
      case 'export':
        return exportCommand(digestDeps(daemon.deps), request.args);
      case 'gdpr-export':
        return exportPersonalDataCommand({ ...daemon.deps, archives: createZipWriter() }, request.args);
      case 'gdpr-erase':
        return erasePersonalData(
          { ...daemon.deps, mailRemover: mailRemoverFor(daemon.deps), engine: daemon.database.engine },
          request.args,
        );
      case 'backup':
        return writeBackup(daemon.database, request.args.path);
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
