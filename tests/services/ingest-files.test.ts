// `reclam ingest FILE…` as a service: files and mbox files through the real pipeline, both engines.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { events, messages, outbox, quarantine, tickets } from '../../src/db/schema.js';
import { pipelineFigures } from '../../src/db/indicators.js';
import type { Deps } from '../../src/services/deps.js';
import { ingestFiles } from '../../src/services/ingest-files.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, testDeps } from '../support/deps.js';
import { testConfig, testConfigYaml } from '../support/test-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { emptyTables } from '../support/empty-tables.js';

const complaint = (n: number, body: string): string =>
  [
    `From: Plaignant ${n} <plaignant${n}@exemple.fr>`,
    'To: reclamation@spst-test.fr',
    `Subject: Réclamation numéro ${n}`,
    'Date: Mon, 23 Nov 2026 09:00:00 +0100',
    `Message-ID: <mbox-${n}@exemple.fr>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
    '',
  ].join('\n');

describe.each(ENGINES)('ingestFiles on %s', (engine) => {
  let t: TestDatabase;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));

  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    deps?.sender.close();
    await t?.close();
  });
  beforeEach(async () => {
    await emptyTables(t.database.db, [
      'attachments',
      'attachment_blobs',
      'events',
      'outbox',
      'messages',
      'tickets',
      'quarantine',
      'ticket_sequences',
    ]);
    deps = testDeps(t.database.db, testConfig(), clock);
  });

  it('makes one ticket per message of an mbox file, with >From lines unquoted', async () => {
    const file = [
      'From plaignant1@exemple.fr Mon Nov 23 09:00:00 2026',
      complaint(1, 'Le médecin était absent le jour de la visite.'),
      'From plaignant2@exemple.fr Mon Nov 23 09:05:00 2026',
      complaint(2, "Bonjour,\n\n>From the start, l'accueil a été désagréable."),
      'From plaignant3@exemple.fr Mon Nov 23 09:10:00 2026',
      complaint(3, 'Facture reçue deux fois.'),
    ].join('\n');
    const result = await ingestFiles(deps, [{ name: 'export.mbox', raw: Buffer.from(file) }], { deliver: false });

    expect(result.output.split('\n').slice(0, 4)).toEqual([
      'export.mbox: mbox file, 3 messages',
      'export.mbox#1: new ticket REC-2026-0001, acknowledgement queued',
      'export.mbox#2: new ticket REC-2026-0002, acknowledgement queued',
      'export.mbox#3: new ticket REC-2026-0003, acknowledgement queued',
    ]);
    expect(result.exitCode).toBe(0);
    const rows = await t.database.db.select().from(tickets).orderBy(tickets.reference);
    expect(rows.map((r) => r.complainantEmail)).toEqual([
      'plaignant1@exemple.fr',
      'plaignant2@exemple.fr',
      'plaignant3@exemple.fr',
    ]);
    const stored = await t.database.db.select().from(messages).orderBy(messages.source);
    expect(stored.map((m) => m.source)).toEqual(['file:export.mbox#1', 'file:export.mbox#2', 'file:export.mbox#3']);
    // the envelope line is not part of the mail, and the mboxo quoting is undone
    expect(Buffer.from(stored[0]!.raw).toString('utf8')).toMatch(/^From: Plaignant 1/);
    expect(stored[1]!.text).toContain('\nFrom the start');
  });

  it('reads files lazily, one at a time, and still takes a plain .eml as one mail', async () => {
    const read: string[] = [];
    const result = await ingestFiles(
      deps,
      [1, 2].map((n) => ({
        name: `m${n}.eml`,
        read: async () => {
          read.push(`m${n}.eml`);
          return Buffer.from(complaint(n, 'Rendez-vous annulé sans prévenir.'));
        },
      })),
      { deliver: false },
    );
    expect(read).toEqual(['m1.eml', 'm2.eml']);
    expect(result.output).toContain('m2.eml: new ticket REC-2026-0002');
  });

  it('keeps the acknowledgement and notifications of a 140 KB subject small (the subject is shortened where quoted)', async () => {
    const subject = 'Plainte '.repeat(18_000);
    const raw = Buffer.from(
      complaint(9, 'Le médecin était absent.').replace('Subject: Réclamation numéro 9', `Subject: ${subject}`),
    );
    const result = await ingestFiles(deps, [{ name: 'long.eml', raw }], { deliver: false });
    expect(result.output).toContain('long.eml: new ticket');
    const queued = await t.database.db.select().from(outbox);
    expect(queued.map((row) => row.kind).sort()).toEqual(['ack', 'new-ticket', 'new-ticket']);
    for (const row of queued) {
      expect(row.subject.length, row.kind).toBeLessThan(200);
      expect(row.text.length, row.kind).toBeLessThan(10_000);
      expect(row.html.length, row.kind).toBeLessThan(40_000);
    }
  });

  it('quarantines a mail above mailbox.maxMessageBytes from its headers, tells the pilot, and goes on', async () => {
    const yaml = testConfigYaml().replace(
      '  address: reclamation@spst-test.fr',
      '  address: reclamation@spst-test.fr\n  maxMessageBytes: 65536',
    );
    deps = testDeps(t.database.db, loadConfig(yaml, {}, 'test').config, clock);
    const huge = complaint(2, `Voici le dossier.\n${'ligne de pièce jointe\n'.repeat(5_000)}`);
    const file = [
      'From a@x Mon Nov 23 09:00:00 2026',
      complaint(1, 'Petit message.'),
      'From b@x Mon Nov 23 09:00:00 2026',
      huge,
      'From c@x Mon Nov 23 09:00:00 2026',
      complaint(3, 'Autre petit message.'),
    ].join('\n');
    const result = await ingestFiles(deps, [{ name: 'boite.mbox', raw: Buffer.from(file) }], { deliver: false });

    const size = Buffer.byteLength(huge);
    expect(result.output.split('\n').slice(1, 4)).toEqual([
      'boite.mbox#1: new ticket REC-2026-0001, acknowledgement queued',
      `boite.mbox#2: quarantined: too large: ${size} bytes, above mailbox.maxMessageBytes (65536)`,
      'boite.mbox#3: new ticket REC-2026-0002, acknowledgement queued',
    ]);
    expect(result.exitCode).toBe(1);
    const [kept] = await t.database.db.select().from(quarantine);
    const head = Buffer.from(kept!.raw).toString('utf8');
    expect(head).toMatch(/^From: Plaignant 2 <plaignant2@exemple\.fr>\n[\s\S]*Content-Transfer-Encoding: 8bit\n\n$/);
    expect(kept!.source).toBe('file:boite.mbox#2');
    expect((await t.database.db.select().from(messages)).map((m) => m.source).sort()).toEqual([
      'file:boite.mbox#1',
      'file:boite.mbox#3',
    ]);
    const [event] = await t.database.db.select().from(events).where(eq(events.type, 'mail.quarantined'));
    expect(event!.data).toMatchObject({ size, headersOnly: true, source: 'file:boite.mbox#2' });
    const [alert] = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'pilot-alert'));
    expect(alert!.toAddress).toBe('pilote@spst-test.fr');
    expect(alert!.subject).toBe('[reclam] Message trop volumineux mis en quarantaine');
    expect(alert!.text).toContain('Expéditeur : Plaignant 2 <plaignant2@exemple.fr>');
    expect(alert!.text).toContain('Objet : Réclamation numéro 2');
    expect(alert!.text).toContain('Taille : 113 Ko (limite : 64 Ko, réglage mailbox.maxMessageBytes)');
    expect(alert!.text).toContain('le message entier dans le fichier importé « boite.mbox#2 »');
    expect(alert!.html).toContain('boite.mbox#2');

    // the same file again: the mail is recognised, the pilot is not told twice
    await ingestFiles(deps, [{ name: 'boite.mbox', raw: Buffer.from(file) }], { deliver: false });
    expect(await t.database.db.select().from(quarantine)).toHaveLength(1);
    expect(await t.database.db.select().from(outbox).where(eq(outbox.kind, 'pilot-alert'))).toHaveLength(1);
  });

  it('records a thanks-only mail without ticket or answer, counted with the suppressed mails', async () => {
    const thanks = complaint(
      5,
      'Bonjour,\n\nMerci beaucoup pour votre réponse !\n\nCordialement,\nJean Dupont',
    ).replace('Subject: Réclamation numéro 5', 'Subject: Re: Accusé de réception de votre réclamation');
    const result = await ingestFiles(deps, [{ name: 'merci.eml', raw: Buffer.from(thanks) }], { deliver: false });
    expect(result.output).toContain(
      'merci.eml: auto-reply, recorded without ticket or answer (Body: thanks only, nothing asked (recorded, no ticket))',
    );
    expect(await t.database.db.select().from(tickets)).toEqual([]);
    expect(await t.database.db.select().from(outbox)).toEqual([]);
    const [stored] = await t.database.db.select().from(messages);
    expect(stored!.kind).toBe('auto-reply');
    const figures = await pipelineFigures(t.database.db, {
      start: new Date('2026-11-01T00:00:00Z'),
      end: new Date('2026-12-01T00:00:00Z'),
    });
    expect(figures).toMatchObject({ mailsSeen: 1, autoReplies: 1, complaints: 0 });
  });
});
