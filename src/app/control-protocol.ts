// The protocol of the control socket a daemon holding the embedded database serves in its data
// directory (src/daemon/control-server.ts): one JSON request per connection, one JSON response.
// The CLI is its client; both sides share these shapes.
import { createHash } from 'node:crypto';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ErasureInput } from '../services/erase-personal-data.js';
import type { ExportInput } from '../services/export-tickets.js';
import type { CommandOutput } from '../services/ingest-files.js';
import type { CommandFile, DigestCommandArgs } from '../services/send-digest.js';

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
  | { readonly command: 'due'; readonly args: { readonly at?: string | undefined } }
  | { readonly command: 'digest'; readonly args: DigestCommandArgs }
  | { readonly command: 'export'; readonly args: ExportInput }
  | { readonly command: 'gdpr-export'; readonly args: { email: string } }
  | { readonly command: 'gdpr-erase'; readonly args: ErasureInput }
  | { readonly command: 'backup'; readonly args: { path: string } };

/** `files`: what `digest --preview` and `export` produced, for the CLI to write. */
export type ControlResponse = CommandOutput & { readonly files?: readonly CommandFile[] };

/** Unix socket paths are limited to ~107 bytes: long data directories use a hashed path in /tmp. */
export function controlSocketPath(dataDir: string): string {
  const direct = join(resolve(dataDir), 'reclam.sock');
  if (Buffer.byteLength(direct) < 100) return direct;
  return join(tmpdir(), `reclam-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16)}.sock`);
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
