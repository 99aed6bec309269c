// A local SMTP server that keeps every mail it receives as files a person can open: the raw .eml
// (any mail client opens it) and its HTML part. `reclam demo` sends the bot's mails here.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { parseMail } from './mail-parser.js';

export interface CapturedFile {
  readonly to: string;
  readonly subject: string;
  readonly emlPath: string;
  readonly htmlPath: string | null;
  /** Message-ID (without brackets) and Reply-To of the mail, so a demo can answer it. */
  readonly messageId: string;
  readonly replyTo: string | null;
}

export interface CaptureServer {
  readonly port: number;
  readonly captured: readonly CapturedFile[];
  close(): Promise<void>;
}

export async function startCaptureServer(directory: string): Promise<CaptureServer> {
  await mkdir(directory, { recursive: true });
  const captured: CapturedFile[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
        void save(raw, to).then(() => callback(), callback);
      });
    },
  });

  let received = 0;
  async function save(raw: Buffer, to: string): Promise<void> {
    // Numbered on arrival, before any await: mails arrive in parallel.
    const number = String(++received).padStart(2, '0');
    const parsed = await parseMail(new Uint8Array(raw));
    const subject = parsed.ok ? parsed.mail.subject : '';
    const base = `${number}-${slug(to)}-${slug(subject).slice(0, 50)}`;
    const emlPath = join(directory, `${base}.eml`);
    await writeFile(emlPath, raw);
    let htmlPath: string | null = null;
    if (parsed.ok && parsed.mail.html) {
      htmlPath = join(directory, `${base}.html`);
      await writeFile(htmlPath, parsed.mail.html);
    }
    captured.push({
      to,
      subject,
      emlPath,
      htmlPath,
      messageId: parsed.ok ? parsed.mail.messageId : '',
      replyTo: parsed.ok ? (parsed.mail.replyTo[0]?.address ?? null) : null,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    captured,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
