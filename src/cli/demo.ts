// `reclam demo`: the real pipeline on embedded defaults. A PGlite database and a local SMTP
// receiver in a folder, sample complaints fed through `ingest`, a follow-up threaded by the
// reference the bot gave, and every mail the bot sent left as .eml/.html files to open.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { startCaptureServer } from '../adapters/capture-smtp-server.js';
import { loadConfig } from '../config/load-config.js';
import { PACKAGE_ROOT } from '../paths.js';
import { type Clock, systemClock } from '../ports.js';
import { ingestFiles } from '../services/ingest-files.js';
import { listTicketsText } from '../services/render-tickets.js';
import { createLogger } from '../log.js';
import type { CommandContext } from '../app/command-context.js';
import { withDatabase } from './database-access.js';

export async function runDemo(
  directory: string,
  log: Logger,
  out: NodeJS.WritableStream,
  clock: Clock = systemClock,
): Promise<number> {
  const mailsDir = join(directory, 'mails');
  await rm(join(directory, 'data'), { recursive: true, force: true });
  await rm(mailsDir, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  const capture = await startCaptureServer(mailsDir);
  try {
    const yaml = demoConfig(join(directory, 'data'), capture.port);
    await writeFile(join(directory, 'reclam.yaml'), yaml);
    const { config } = loadConfig(yaml, {}, 'demo');

    const samplesDir = join(PACKAGE_ROOT, 'examples/demo-mails');
    const samples = (await readdir(samplesDir)).filter((f) => f.endsWith('.eml')).sort();
    // The samples arrive this morning, one every five minutes, so that their deadlines are still to
    // come and the acknowledgements state them (one already past would get none).
    const files = await Promise.all(
      samples.map(async (name, i) => ({
        name,
        raw: datedMinutesAgo(new Uint8Array(await readFile(join(samplesDir, name))), 60 - 5 * i, clock),
      })),
    );

    out.write(
      `reclam demo — ${config.organisation.name}\n\n1. ${files.length} sample mails go through the pipeline ` +
        `(reclam ingest):\n`,
    );
    const first = await withDatabase(config, log, (deps) => ingestFiles(deps, files, { deliver: true }));
    out.write(indent(first.output));

    // The complainant answers the acknowledgement: threaded by its reference, no second ticket.
    const reference = /REC-\d{4}-\d{4,}/.exec(first.output)?.[0];
    if (reference) {
      const followUp = datedMinutesAgo(followUpMail(reference), 10, clock);
      out.write(`\n2. The first complainant writes again about [${reference}]:\n`);
      const second = await withDatabase(config, log, (deps) =>
        ingestFiles(deps, [{ name: 'relance.eml', raw: followUp }], { deliver: true }),
      );
      out.write(indent(second.output));

      // The doctor answers from the notification, by e-mail only: takes the ticket and responds.
      const notice = capture.captured.find(
        (m) => m.to === 'dr.martin@spst-demo.fr' && m.subject.includes(`[${reference}] Nouvelle réclamation`),
      );
      if (notice?.replyTo) {
        out.write(`\n3. Dr Martin replies to the notification with #prendre and #repondre:\n`);
        const answer = datedMinutesAgo(doctorReply(notice.replyTo, notice.messageId, notice.subject), 2, clock);
        const third = await withDatabase(config, log, (deps) =>
          ingestFiles(deps, [{ name: 'reponse-medecin.eml', raw: answer }], { deliver: true }),
        );
        out.write(indent(third.output));
      }
    }

    out.write('\n4. Tickets (reclam tickets):\n');
    out.write(indent((await withDatabase(config, log, (deps) => listTicketsText(deps, { limit: 20 }))).output));
    out.write(`\n5. Mails the bot sent, as files (open the .eml in a mail client, the .html in a browser):\n`);
    for (const mail of [...capture.captured].sort((a, b) => a.emlPath.localeCompare(b.emlPath))) {
      out.write(`   → ${mail.to}: ${mail.subject}\n     ${relative(process.cwd(), mail.emlPath)}\n`);
    }
    out.write(
      `\nTry: node bin/reclam.js show ${reference ?? 'REC-…'} --config ` +
        `${relative(process.cwd(), join(directory, 'reclam.yaml'))}\n`,
    );
    return first.exitCode === 0 || capture.captured.length > 0 ? 0 : 1;
  } finally {
    await capture.close();
  }
}

function demoConfig(dataDir: string, smtpPort: number): string {
  return `# Written by \`reclam demo\`: embedded PGlite and a local SMTP receiver; IMAP is not used.
organisation: { name: "SPST Démo", timezone: Europe/Paris, ticketPrefix: REC }
mailbox:
  address: reclamation@spst-demo.fr
  imap: { host: 127.0.0.1, port: 143, secure: false, user: reclamation, password: "" }
  smtp: { host: 127.0.0.1, port: ${smtpPort}, secure: false, fromName: "Service qualité — SPST Démo" }
database: { dataDir: ${JSON.stringify(dataDir)} }
security: { replySecret: "demo-secret-not-for-production" }   # demo only: use \${REPLY_SECRET} for real
people:
  - { email: pilote@spst-demo.fr, name: "Paule Pilote", roles: [pilot] }
  - { email: direction@spst-demo.fr, name: "Henri Morel", roles: [direction] }
  - { email: dr.martin@spst-demo.fr, name: "Dr Martin", roles: [doctor, referent] }
categories:
  - { key: generale, label: Générale }
  - { key: medicale, label: Médicale, confidential: true, referents: [dr.martin@spst-demo.fr] }
  - { key: facturation, label: Facturation }
levels:
  - { level: 1, label: "Impact sur l'organisation et le service rendu", ackWithin: 48h, resolveWithin: 10d }
  - { level: 2, label: "Impact sur l'organisation seulement", ackWithin: 48h, resolveWithin: 15d }
  - { level: 3, label: "Sans impact", ackWithin: 48h, resolveWithin: 30d }
defaultLevel: 2
log: { level: warn }
`;
}

function followUpMail(reference: string): Uint8Array {
  return new TextEncoder().encode(
    [
      'From: Jordan Martins <jordan.martins@exemple-salarie.fr>',
      'To: reclamation@spst-demo.fr',
      `Subject: RE: [${reference}] Accusé de réception de votre réclamation`,
      'Date: Mon, 23 Nov 2026 11:05:00 +0100',
      'Message-ID: <demo-0005@exemple-salarie.fr>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Merci. Je précise que je suis disponible les mardis et jeudis matin.',
      '',
      'Jordan Martins',
      '',
    ].join('\r\n'),
  );
}

function doctorReply(replyTo: string, inReplyTo: string, subject: string): Uint8Array {
  return new TextEncoder().encode(
    [
      'From: Dr Martin <dr.martin@spst-demo.fr>',
      `To: ${replyTo}`,
      `Subject: RE: ${subject}`,
      `In-Reply-To: <${inReplyTo}>`,
      `References: <${inReplyTo}>`,
      'Date: Mon, 23 Nov 2026 14:20:00 +0100',
      'Message-ID: <demo-0006@spst-demo.fr>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      '#prendre',
      '#repondre',
      'Monsieur Martins,',
      '',
      'Je vous prie de nous excuser : mon absence imprévue n’a pas été signalée à temps.',
      'Un nouveau rendez-vous vous est proposé jeudi prochain à 9 h 00 au centre de Vierzon.',
      '',
      'Bien cordialement,',
      'Dr Martin, médecin du travail',
      '',
      'SPST Démo <reclamation@spst-demo.fr> a écrit :',
      '> Nouvelle réclamation REC-2026-0001',
      '',
    ].join('\r\n'),
  );
}

/** `raw` with its `Date:` header set to `minutes` ago (the first one, in the header block). */
function datedMinutesAgo(raw: Uint8Array, minutes: number, clock: Clock): Uint8Array {
  const text = Buffer.from(raw).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const date = `Date: ${new Date(clock.now().getTime() - minutes * 60_000).toUTCString()}`;
  const dated = /^Date:.*$/m.test(head) ? head.replace(/^Date:.*$/m, date) : `${head}\r\n${date}`;
  return new Uint8Array(Buffer.from(dated + (end < 0 ? '' : text.slice(end)), 'latin1'));
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `   ${line}`)
    .join('\n')
    .concat('\n');
}

export function registerDemo(program: Command, context: CommandContext): void {
  program
    .command('demo')
    .description('run the real pipeline on embedded defaults (PGlite, a local SMTP receiver) with sample complaints')
    .option('--dir <dir>', 'where to put the demo database and the mails sent', 'demo-output')
    .action(async (options: { dir: string }) => {
      const log = createLogger(context.logLevel() ?? 'error');
      context.exit(await runDemo(resolve(options.dir), log, process.stdout));
    });
}
