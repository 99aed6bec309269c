// RGPD on both engines, through a real Dovecot and SMTP receiver: a person's export holds their
// tickets, mails and attachments; after their erasure, their address, name and texts are found
// nowhere — database (every column of every table), PGlite's data directory, the mailbox's
// folders, the exports of the period, another person's export — and the month's indicators are
// those of before. Retention anonymises closed tickets past their time, and the digest counts them.
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { createMailRemover, openMailboxSession } from '../../src/adapters/imap-mailbox.js';
import { createXlsxWriter } from '../../src/adapters/xlsx-workbook.js';
import { createZipWriter } from '../../src/adapters/zip-archive.js';
import type { Config } from '../../src/config/config-schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { recordEvent } from '../../src/db/events.js';
import { insertQuarantine } from '../../src/db/messages.js';
import { events, tickets } from '../../src/db/schema.js';
import { EVENT_TYPES } from '../../src/domain/event-types.js';
import { monthPeriod } from '../../src/domain/period.js';
import { anonymiseExpiredTickets } from '../../src/services/anonymise-expired.js';
import { computeDigest } from '../../src/services/compute-digest.js';
import { deliverOutbox } from '../../src/services/deliver-outbox.js';
import type { Deps } from '../../src/services/deps.js';
import { erasePersonalData } from '../../src/services/erase-personal-data.js';
import { exportPersonalData } from '../../src/services/export-personal-data.js';
import { exportTickets } from '../../src/services/export-tickets.js';
import { sweepMailbox } from '../../src/services/sweep-mailbox.js';
import { startDaemon } from '../../src/daemon/daemon.js';
import { appendMessage, listMessages, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { FakeClock, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { databaseTraces, fileTraces, zipTraces } from '../support/personal-data-scan.js';
import { testConfigYaml } from '../support/test-config.js';
import { waitUntil } from '../support/wait.js';

const ANNE = 'anne.martin@example.test';
/** What must be gone after Anne's erasure: her address, her name, her words, her file, her phone. */
const ANNE_TRACES = [
  ANNE,
  'Anne Martin',
  'ZORGLUBSUJET',
  'ZORGLUBTEXTE',
  'ZORGLUBRELANCE',
  'ZORGLUBPIECE',
  'ZORGLUBQUAR',
  '06 12 34 56 78',
];

function complaint(options: {
  from: string;
  cc?: string;
  subject: string;
  id: string;
  body: string;
  attachment?: { name: string; text: string };
}): string {
  const head = [
    `From: ${options.from}`,
    'To: reclamation@spst-test.fr',
    ...(options.cc ? [`Cc: ${options.cc}`] : []),
    `Subject: ${options.subject}`,
    `Message-ID: <${options.id}>`,
    'Date: Mon, 05 Oct 2026 10:00:00 +0200',
    'MIME-Version: 1.0',
  ];
  if (!options.attachment)
    return [
      ...head,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      options.body,
      '',
    ].join('\r\n');
  return [
    ...head,
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    options.body,
    '--b1',
    `Content-Type: application/pdf; name="${options.attachment.name}"`,
    `Content-Disposition: attachment; filename="${options.attachment.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(options.attachment.text).toString('base64'),
    '--b1--',
    '',
  ].join('\r\n');
}

/** The figures of a digest that must not move, without the texts of its ticket list. */
function indicatorsOf(figures: Awaited<ReturnType<typeof computeDigest>>) {
  const snapshot = (s: typeof figures.current) => ({
    figures: s.figures,
    backlog: s.backlog,
    pipeline: s.pipeline,
  });
  return {
    current: snapshot(figures.current),
    previous: snapshot(figures.previous),
    lastYear: snapshot(figures.lastYear),
    trend: figures.trend,
    overdue: figures.overdue.map((o) => ({ reference: o.reference, level: o.level, deadlineAt: o.deadlineAt })),
    tickets: figures.tickets.map(({ subject: _s, complainantName: _n, complainantEmail: _e, ...numbers }) => numbers),
  };
}

describeE2E('personal data (RGPD)', () => {
  describe.each(ENGINES)('on %s', (engine) => {
    let dovecot: DovecotServer;
    let smtp: SmtpReceiver;
    let t: TestDatabase;
    let config: Config;
    let deps: Deps;
    const clock = new FakeClock(new Date('2026-10-05T08:00:00Z'));
    const log = pino({ level: 'silent' });

    async function sweep(): Promise<void> {
      const session = await openMailboxSession({ imap: config.mailbox.imap, log });
      try {
        await sweepMailbox(deps, session, { full: true });
      } finally {
        await session.close();
      }
      await deliverOutbox(deps);
    }

    beforeAll(async () => {
      dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
      smtp = await startSmtpReceiver();
      t = await createTestDatabase(engine);
      config = loadConfig(
        testConfigYaml({
          imapPort: dovecot.imapPort,
          smtpPort: smtp.port,
          extra: 'retention: { anonymiseClosedAfter: 30d }',
        }),
        {},
        'test',
      ).config;
      deps = testDeps(t.database.db, config, clock);

      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint({
          from: `Anne Martin <${ANNE}>`,
          subject: 'Badge ZORGLUBSUJET perdu',
          id: 'anne-1@example.test',
          body: 'Mon dossier ZORGLUBTEXTE a disparu. Rappelez-moi au 06 12 34 56 78.',
          attachment: { name: 'ordonnance.pdf', text: 'ZORGLUBPIECE contenu du document' },
        }),
      );
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint({
          from: 'Bruno Petit <bruno@example.test>',
          cc: `Anne Martin <${ANNE}>`,
          subject: 'Facture en double',
          id: 'bruno-1@example.test',
          body: `Facture reçue deux fois ; ma collègue ${ANNE} peut en témoigner.`,
        }),
      );
      await sweep();
      clock.set('2026-10-06T09:00:00Z');
      const [anneTicket] = await t.database.db.select().from(tickets).where(eq(tickets.complainantEmail, ANNE));
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint({
          from: `Anne Martin <${ANNE}>`,
          subject: `Re: [${anneTicket!.reference}] Badge perdu`,
          id: 'anne-2@example.test',
          body: 'Relance ZORGLUBRELANCE : toujours rien.',
        }),
      );
      await sweep();
      // A mail of hers that could not be read: kept raw in the database and in Quarantaine.
      const quarantined = `From: ${ANNE}\r\nMessage-ID: <anne-q@example.test>\r\nSubject: ZORGLUBQUAR\r\n\r\n\u0000illisible\r\n`;
      await appendMessage(dovecot, 'reclamation', 'Quarantaine', quarantined);
      await insertQuarantine(t.database.db, [
        {
          rawSha256: 'q'.repeat(64),
          reason: `unparseable mail from ${ANNE}`,
          raw: new Uint8Array(Buffer.from(quarantined)),
          source: 'imap:INBOX:1:99',
          receivedAt: clock.now(),
        },
      ]);
    }, 120_000);

    afterAll(async () => {
      deps?.sender.close();
      await t?.close();
      await smtp?.stop();
      await dovecot?.stop();
    });

    it('exports everything held about her as one zip with a French note', async () => {
      const result = await exportPersonalData({ ...deps, archives: createZipWriter() }, { email: ANNE.toUpperCase() });
      expect(result.records.own).toHaveLength(1);
      expect(result.records.copied).toHaveLength(1);
      const files = unzipSync(result.content);
      const names = Object.keys(files);
      const reference = result.records.own[0]!.reference;
      expect(names[0]).toBe('LISEZMOI.txt');
      expect(Buffer.from(files['LISEZMOI.txt']!).toString('utf8')).toContain('article 15 du RGPD');
      expect(names).toContain(`reclamations/${reference}/fiche.json`);
      expect(names.filter((n) => n.startsWith(`reclamations/${reference}/messages/`))).toHaveLength(2);
      expect(names.filter((n) => n.startsWith('en-copie/'))).toHaveLength(1);
      expect(names.some((n) => n.startsWith('quarantaine/'))).toBe(true);
      const sheet = JSON.parse(Buffer.from(files[`reclamations/${reference}/fiche.json`]!).toString('utf8'));
      expect(sheet).toMatchObject({ référence: reference, courriel: ANNE, nom: 'Anne Martin' });
      expect(sheet.résumé).toContain('ZORGLUBTEXTE');
      const attachment = names.find((n) => n.includes('/pieces-jointes/'))!;
      expect(attachment).toMatch(/ordonnance\.pdf$/);
      expect(Buffer.from(files[attachment]!).toString('utf8')).toBe('ZORGLUBPIECE contenu du document');
      const received = JSON.parse(
        Buffer.from(files[`reclamations/${reference}/courriels-recus.json`]!).toString('utf8'),
      );
      expect(received.length).toBeGreaterThanOrEqual(1);
      // The other person in the copy list: Bruno's complaint is not in her export, only her place in it.
      const copy = names.find((n) => n.startsWith('en-copie/') && n.endsWith('fiche.json'))!;
      expect(Buffer.from(files[copy]!).toString('utf8')).not.toContain('témoigner');
    });

    it('dry-runs an erasure by default, then erases her everywhere while the indicators stay', async () => {
      const october = monthPeriod(2026, 10);
      const asOf = new Date('2026-11-01T08:00:00Z');
      const before = indicatorsOf(await computeDigest(deps, { period: october, asOf }));
      const found = await databaseTraces(t.database.db, ANNE_TRACES);
      expect(Object.keys(found).sort()).toEqual([...ANNE_TRACES].sort());
      const processedBefore = await listMessages(dovecot, 'reclamation', 'Traitées');
      expect(processedBefore.map((m) => m.messageId).sort()).toEqual(
        ['<anne-1@example.test>', '<anne-2@example.test>', '<bruno-1@example.test>'].sort(),
      );

      clock.set('2026-11-10T10:00:00Z');
      const eraseDeps = {
        ...deps,
        mailRemover: createMailRemover({
          imap: config.mailbox.imap,
          log,
          folders: [config.mailbox.imap.processed, config.mailbox.imap.quarantine],
        }),
        engine,
      };
      const dry = await erasePersonalData(eraseDeps, { email: ANNE, by: 'dpo@spst-test.fr', act: false });
      expect(dry.exitCode).toBe(0);
      expect(dry.output).toContain('simulation : rien n’est modifié');
      expect(dry.output).toMatch(/1 réclamation\(s\) seraient anonymisées : REC-2026-0001/);
      expect(dry.output).toContain('retirée de la copie de 1 réclamation(s) : REC-2026-0002');
      expect(dry.output).toContain(`reclam gdpr erase ${ANNE} --yes`);
      expect(Object.keys(await databaseTraces(t.database.db, [ANNE]))).toEqual([ANNE]);

      // An IMAP server out of reach: nothing is erased, and the command says what to do.
      const unreachable = await erasePersonalData(
        {
          ...eraseDeps,
          mailRemover: createMailRemover({
            imap: { ...config.mailbox.imap, port: 1 },
            log,
            folders: [config.mailbox.imap.processed],
          }),
        },
        { email: ANNE, by: 'dpo@spst-test.fr', act: true },
      );
      expect(unreachable.exitCode).toBe(1);
      expect(unreachable.output).toContain('Boîte IMAP inaccessible, rien n’a été effacé');
      expect(unreachable.output).toContain('--without-mailbox');
      expect(Object.keys(await databaseTraces(t.database.db, ANNE_TRACES)).sort()).toEqual([...ANNE_TRACES].sort());

      const done = await erasePersonalData(eraseDeps, { email: ANNE, by: 'dpo@spst-test.fr', act: true });
      expect(done.output).toContain('l’adresse ne figure plus nulle part dans la base');
      expect(done.exitCode).toBe(0);

      // The database: every column of every table.
      expect(await databaseTraces(t.database.db, ANNE_TRACES)).toEqual({});
      // The embedded database's files: no old row version, no WAL record left.
      if (engine === 'pglite') expect(await fileTraces(t.dataDir, ANNE_TRACES)).toEqual({});
      // The mailbox: her mails, and Bruno's that had her in copy, are gone from Traitées and Quarantaine.
      expect(await listMessages(dovecot, 'reclamation', 'Traitées')).toEqual([]);
      expect(await listMessages(dovecot, 'reclamation', 'Quarantaine')).toEqual([]);
      // The mail files themselves; Dovecot's own index cache keeps the headers of expunged mails until
      // it compacts it (no IMAP command forces that: docs/operations.md says so).
      expect(
        await fileTraces(join(dovecot.dir, 'mail'), [ANNE, 'ZORGLUBTEXTE', 'ZORGLUBRELANCE'], (p) =>
          /dovecot\.index|dovecot-uidlist|dovecot\.list/.test(p),
        ),
      ).toEqual({});

      // The exports of the period, and the export of the other person.
      const workbooks = createXlsxWriter();
      for (const format of ['csv', 'xlsx'] as const) {
        const exported = await exportTickets(
          { ...deps, workbooks },
          { from: '2026-10-01', to: '2026-10-31', format, viewer: 'dr.martin@spst-test.fr' },
        );
        expect(exported.count).toBe(2);
        const traces =
          format === 'csv'
            ? ANNE_TRACES.filter((n) =>
                Buffer.from(exported.content).toString('utf8').toLowerCase().includes(n.toLowerCase()),
              )
            : Object.keys(zipTraces(exported.content, ANNE_TRACES));
        expect(traces, format).toEqual([]);
      }
      const bruno = await exportPersonalData({ ...deps, archives: createZipWriter() }, { email: 'bruno@example.test' });
      expect(bruno.records.own).toHaveLength(1);
      expect(zipTraces(bruno.content, ANNE_TRACES)).toEqual({});
      expect(Buffer.from(unzipSync(bruno.content)['LISEZMOI.txt']!).toString('utf8')).toContain('bruno@example.test');

      // Her ticket keeps what the indicators count; the audit trail says who erased and when.
      const after = indicatorsOf(await computeDigest(deps, { period: october, asOf }));
      expect(after).toEqual(before);
      const [anonymised] = await t.database.db.select().from(tickets).where(eq(tickets.reference, 'REC-2026-0001'));
      expect(anonymised).toMatchObject({ complainantEmail: null, summary: '', subject: '[anonymisé]' });
      expect(anonymised!.anonymisedAt).toEqual(new Date('2026-11-10T10:00:00Z'));
      const audit = await t.database.db.select().from(events).where(eq(events.type, EVENT_TYPES.personalDataErased));
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor: 'dpo@spst-test.fr', at: new Date('2026-11-10T10:00:00Z') });
      expect(audit[0]!.data).toMatchObject({ by: 'dpo@spst-test.fr', tickets: ['REC-2026-0001'], mailbox: 4 });
      const november = await computeDigest(deps, {
        period: monthPeriod(2026, 11),
        asOf: new Date('2026-12-01T08:00:00Z'),
      });
      expect(november.current.pipeline.anonymised).toBe(1);

      // Asked again: nothing is held any more.
      const again = await erasePersonalData(eraseDeps, { email: ANNE, by: 'dpo@spst-test.fr', act: false });
      expect(again.output).toContain(`Aucune donnée détenue sur ${ANNE}`);
    }, 120_000);

    it('refuses to erase a staff address, and says so in French', async () => {
      const refused = await erasePersonalData(
        { ...deps, mailRemover: { deleteMails: async () => [] }, engine },
        { email: 'accueil@spst-test.fr', by: 'dpo', act: true },
      );
      expect(refused.exitCode).toBe(2);
      expect(refused.output).toContain('adresse du service');
    });

    it('anonymises closed tickets past retention.anonymiseClosedAfter, in the daemon loop too', async () => {
      const db = t.database.db;
      const [bruno] = await db.select().from(tickets).where(eq(tickets.reference, 'REC-2026-0002'));
      // Bruno's ticket closed on 12 October: due at the end of 11 November (30 days), Paris time.
      const closedAt = new Date('2026-10-12T10:00:00Z');
      await db.update(tickets).set({ status: 'closed', closedAt }).where(eq(tickets.id, bruno!.id));
      await recordEvent(db, {
        ticketId: bruno!.id,
        at: closedAt,
        actor: 'accueil@spst-test.fr',
        type: EVENT_TYPES.closed,
      });
      const retentionDeps = {
        ...deps,
        mailRemover: createMailRemover({
          imap: config.mailbox.imap,
          log,
          folders: [config.mailbox.imap.processed, config.mailbox.imap.quarantine],
        }),
        engine,
      };
      clock.set('2026-11-11T22:00:00Z'); // 23:00 in Paris: not yet
      expect(await anonymiseExpiredTickets(retentionDeps)).toEqual({
        anonymised: 0,
        nextDueAt: new Date('2026-11-11T22:59:59.999Z'),
      });
      const before = indicatorsOf(
        await computeDigest(deps, { period: monthPeriod(2026, 10), asOf: new Date('2026-11-01T08:00:00Z') }),
      );

      // The daemon's retention loop does it once it is due.
      clock.set('2026-11-12T08:00:00Z');
      const daemon = await startDaemon(config, log, { clock, database: t.database });
      try {
        await waitUntil(
          async () => {
            const [row] = await db.select().from(tickets).where(eq(tickets.id, bruno!.id));
            return row!.anonymisedAt !== null;
          },
          30_000,
          'retention',
        );
      } finally {
        await daemon.stop();
      }
      const [row] = await db.select().from(tickets).where(eq(tickets.id, bruno!.id));
      expect(row).toMatchObject({ complainantEmail: null, summary: '', status: 'closed', level: bruno!.level });
      expect(await databaseTraces(db, ['bruno@example.test', 'Bruno Petit', 'Facture reçue deux fois'])).toEqual({});
      const marks = await db.select().from(events).where(eq(events.type, EVENT_TYPES.anonymised));
      expect(marks.map((e) => [e.ticketId, e.actor, e.data])).toContainEqual([
        bruno!.id,
        'system',
        { reason: 'retention' },
      ]);
      expect(
        indicatorsOf(
          await computeDigest(deps, { period: monthPeriod(2026, 10), asOf: new Date('2026-11-01T08:00:00Z') }),
        ),
      ).toEqual(before);
      const november = await computeDigest(deps, {
        period: monthPeriod(2026, 11),
        asOf: new Date('2026-12-01T08:00:00Z'),
      });
      expect(november.current.pipeline.anonymised).toBe(2);
      // Nothing else waits.
      expect(await anonymiseExpiredTickets(retentionDeps)).toEqual({ anonymised: 0, nextDueAt: null });
    }, 120_000);
  });
});
