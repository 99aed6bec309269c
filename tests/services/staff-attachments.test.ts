// Staff get the attachments, on both engines: the new-ticket and follow-up notifications carry
// the complainant's files (up to attachments.notifyMaxBytes) to the people who may see the
// ticket, through SMTP, with hostile names made safe; beyond the limit the mail says how to get
// them, and `reclam show REF --attachments DIR` writes them; never for non-doctors on a medical
// ticket — not even their names.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeAttachments } from '../../src/cli/attachment-files.js';
import { loadConfig } from '../../src/config/load-config.js';
import { outbox, tickets } from '../../src/db/schema.js';
import { deliverOutbox } from '../../src/services/deliver-outbox.js';
import type { Deps } from '../../src/services/deps.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import { showTicket } from '../../src/services/render-tickets.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

let n = 0;
const PDF = Buffer.from('%PDF-1.4\n% reclam attachment test\n%%EOF\n');
const PHOTO = Buffer.alloc(3000, 7);

function withFiles(headers: Record<string, string>, text: string, files: { name: string; content: Buffer }[]) {
  const boundary = 'staff-attachments-boundary';
  const parts = files.flatMap((f) => [
    `--${boundary}`,
    `Content-Type: application/octet-stream; name="${f.name}"`,
    `Content-Disposition: attachment; filename="${f.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    f.content.toString('base64'),
  ]);
  const body = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    text,
    ...parts,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return rawMail(
    { ...headers, 'MIME-Version': '1.0', 'Content-Type': `multipart/mixed; boundary="${boundary}"` },
    body,
  );
}

describe.each(ENGINES)('attachments for staff on %s', (engine) => {
  let t: TestDatabase;
  let smtp: SmtpReceiver;
  let deps: Deps;
  let dir: string;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    smtp = await startSmtpReceiver();
    dir = await mkdtemp(join(tmpdir(), 'reclam-attachments-'));
  });
  afterAll(async () => {
    deps?.sender.close();
    await smtp?.stop();
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await emptyTables(t.database.db, ['attachments', 'attachment_blobs', 'events', 'outbox', 'messages', 'tickets']);
    smtp.mails.length = 0;
  });

  const configure = (notifyMaxBytes: number) => {
    deps?.sender.close();
    const yaml = testConfigYaml({ smtpPort: smtp.port, extra: `attachments: { notifyMaxBytes: ${notifyMaxBytes} }` });
    deps = testDeps(t.database.db, loadConfig(yaml, {}, 'test').config, clock);
  };
  const complaint = async (from: string, subject: string, text: string, files: { name: string; content: Buffer }[]) => {
    const raw = withFiles(
      { From: from, To: 'reclamation@spst-test.fr', Subject: subject, 'Message-ID': `<att${++n}@example.test>` },
      text,
      files,
    );
    const outcome = await ingestMail(deps, raw, { kind: 'file', name: `att${n}` });
    if (outcome.outcome !== 'ticket') throw new Error(`expected a ticket, got ${outcome.outcome}`);
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.reference, outcome.reference));
    return row!;
  };
  const notification = async (to: string, kind = 'new-ticket') =>
    (
      await t.database.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.toAddress, to), eq(outbox.kind, kind)))
    )[0]!;

  it('carries the files to the referent and the pilot, through SMTP, under safe names', async () => {
    configure(10 * 1024 * 1024);
    const ticket = await complaint('jean@example.test', 'Facture en double', 'Voici la facture reçue deux fois.', [
      { name: '../../facture.pdf', content: PDF },
      { name: 'photo\u202Egnp.exe', content: PHOTO },
    ]);
    expect(ticket.confidential).toBe(false);
    for (const to of ['accueil@spst-test.fr', 'pilote@spst-test.fr']) {
      const row = await notification(to);
      expect(row.attachments?.map((a) => [a.filename, a.contentType])).toEqual([
        ['facture.pdf', 'application/pdf'],
        ['photognp.exe', 'application/octet-stream'],
      ]);
      expect(Buffer.from(row.attachments![0]!.contentBase64, 'base64').equals(PDF)).toBe(true);
      expect(row.text).toContain(`- facture.pdf (${PDF.length} o) — jointe à ce message`);
      expect(row.text).not.toContain('non jointe');
      expect(row.text).not.toContain('\u202E');
    }
    await deliverOutbox(deps);
    const mail = smtp.mails.find((m) => m.envelopeTo.includes('accueil@spst-test.fr'))!;
    expect(mail.parsed.attachments.map((a) => a.filename)).toEqual(['facture.pdf', 'photognp.exe']);
    expect(mail.parsed.attachments[1]!.content.equals(PHOTO)).toBe(true);
    // The complainant's acknowledgement carries nothing.
    expect((await notification('jean@example.test', 'ack')).attachments).toBeNull();

    // A follow-up's files go to whoever handles the ticket.
    const follow = withFiles(
      {
        From: 'jean@example.test',
        To: 'reclamation@spst-test.fr',
        Subject: `RE: [${ticket.reference}] Accusé de réception`,
        'Message-ID': `<att${++n}@example.test>`,
      },
      'Et voici le relevé bancaire.',
      [{ name: 'releve.pdf', content: PDF }],
    );
    expect(await ingestMail(deps, follow, { kind: 'file', name: 'follow' })).toMatchObject({ outcome: 'follow-up' });
    const forward = (await t.database.db.select().from(outbox).where(eq(outbox.kind, 'follow-up-forward'))).map((r) => [
      r.toAddress,
      r.attachments?.map((a) => a.filename),
    ]);
    expect(forward.length).toBeGreaterThan(0);
    for (const [, names] of forward) expect(names).toEqual(['releve.pdf']);
  });

  it('says how to get the files beyond the limit, and reclam show --attachments writes them', async () => {
    configure(1000);
    const ticket = await complaint('anne@example.test', 'Attestation erronée', 'Voir les pièces.', [
      { name: 'attestation.pdf', content: PDF },
      { name: 'photo.jpg', content: PHOTO },
      { name: 'photo.jpg', content: PDF },
    ]);
    const row = await notification('accueil@spst-test.fr');
    expect(row.attachments?.map((a) => a.filename)).toEqual(['attestation.pdf', 'photo.jpg']);
    expect(row.text).toContain('- photo.jpg (3 Ko) — non jointe');
    expect(row.text).toContain(`reclam show ${ticket.reference} --attachments DOSSIER`);
    expect(row.html).toContain(`reclam show ${ticket.reference} --attachments DOSSIER`);

    const shown = await showTicket(deps, { reference: ticket.reference, attachments: true });
    expect(shown.exitCode).toBe(0);
    const target = join(dir, engine);
    const written = await writeAttachments(target, shown.files ?? []);
    expect((await readdir(target)).sort()).toEqual(['attestation.pdf', 'photo-2.jpg', 'photo.jpg']);
    expect((await readFile(join(target, 'photo.jpg'))).equals(PHOTO)).toBe(true);
    // A second extraction never overwrites what is there.
    await writeAttachments(target, shown.files ?? []);
    expect((await readdir(target)).length).toBe(6);
    expect(written).toHaveLength(3);
  });

  it('gives a medical ticket’s files to its doctor only, and no name of them to the others', async () => {
    configure(10 * 1024 * 1024);
    const ticket = await complaint(
      'marc@example.test',
      'Contestation de mon avis d’inaptitude',
      'Le médecin m’a déclaré inapte sans examen, je conteste cet avis.',
      [{ name: 'certificat-inaptitude.pdf', content: PDF }],
    );
    expect(ticket.confidential).toBe(true);
    const doctor = await notification('dr.martin@spst-test.fr');
    expect(doctor.attachments?.map((a) => a.filename)).toEqual(['certificat-inaptitude.pdf']);
    const pilot = await notification('pilote@spst-test.fr');
    expect(pilot.attachments).toBeNull();
    expect(`${pilot.text}${pilot.html}`).not.toContain('certificat');

    const refused = await showTicket(deps, { reference: ticket.reference, attachments: true });
    expect(refused.exitCode).toBe(1);
    expect(refused.files).toBeUndefined();
    expect(refused.output).toContain('Pièces jointes non extraites : réclamation réservée aux médecins');
    const allowed = await showTicket(deps, {
      reference: ticket.reference,
      attachments: true,
      viewer: 'dr.martin@spst-test.fr',
    });
    expect(allowed.files?.map((f) => f.name)).toEqual(['certificat-inaptitude.pdf']);
  });
});
