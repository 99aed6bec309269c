// The batch path must leave the database exactly as the one-mail-at-a-time path does: the same
// mailbox is ingested both ways into two databases and their contents compared.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import type { Db } from '../../src/db/database.js';
import { rowsOf } from '../../src/db/database.js';
import { readCheckpoint } from '../../src/db/mailbox-checkpoints.js';
import {
  ingestMail,
  ingestMails,
  type IngestOutcome,
  type MailSource,
  type RawInbound,
} from '../../src/services/ingest-mail.js';
import type { Deps } from '../../src/services/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfig } from '../support/test-config.js';
import { emptyTables, type TableName } from '../support/empty-tables.js';

const TABLES: readonly TableName[] = [
  'attachments',
  'attachment_blobs',
  'events',
  'outbox',
  'messages',
  'tickets',
  'quarantine',
  'mailbox_checkpoints',
  'ticket_sequences',
];

const mail = (headers: Record<string, string>, body: string | Buffer) =>
  rawMail({ To: 'reclamation@spst-test.fr', Date: 'Mon, 23 Nov 2026 09:00:00 +0100', ...headers }, body);

const imap = (uid: number): MailSource => ({
  kind: 'imap',
  mailbox: 'INBOX',
  uidValidity: 7,
  uid,
  internalDate: new Date('2026-11-23T08:30:00Z'),
});

/** A mailbox that exercises every path: grouped mails, and mails that must go on their own. */
function mailbox(): Uint8Array[] {
  const pdf = Buffer.from('%PDF-1.4 devis signé').toString('base64');
  return [
    // 1. a complaint with an attachment
    mail(
      {
        From: 'Pierre Durand <pierre@example.test>',
        Subject: 'Facture contestée',
        'Message-ID': '<b1@example.test>',
        'MIME-Version': '1.0',
        'Content-Type': 'multipart/mixed; boundary="xx"',
      },
      `--xx\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour, la facture de cotisation est fausse, nous avons été facturés deux fois.\r\n--xx\r\nContent-Type: application/pdf; name="devis.pdf"\r\nContent-Disposition: attachment; filename="devis.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${pdf}\r\n--xx--\r\n`,
    ),
    // 2. a medical complaint
    mail(
      {
        From: 'Marie Curie <marie@example.test>',
        Subject: 'Visite médicale annulée',
        'Message-ID': '<b2@example.test>',
      },
      "Le médecin était absent et nos salariés sont repartis sans avoir eu leur visite d'embauche.",
    ),
    // 3. a follow-up by subject tag from the complainant of the ticket that exists before the batch
    mail(
      { From: 'jean@example.test', Subject: 'RE: [REC-2026-0001] Attente', 'Message-ID': '<b3@example.test>' },
      'Toujours pas de nouvelles.\n\nLe lun. 23 nov. a écrit :\n> ancien texte',
    ),
    // 4. an out-of-office reply
    mail(
      {
        From: 'absent@example.test',
        Subject: 'Absence du bureau',
        'Message-ID': '<b4@example.test>',
        'Auto-Submitted': 'auto-replied',
      },
      'Je suis absent.',
    ),
    // 5. the mail of the earlier ticket, delivered again
    mail(
      { From: 'jean@example.test', Subject: 'Attente', 'Message-ID': '<b0@example.test>' },
      "Deux heures d'attente à l'accueil.",
    ),
    // 6. a complaint
    mail(
      { From: 'paul@example.test', Subject: 'Accueil désagréable', 'Message-ID': '<b7@example.test>' },
      "L'accueil a été désagréable au téléphone.",
    ),
    // 7. Pierre uses the tag of the ticket mail 1 opens in this batch
    mail(
      {
        From: 'pierre@example.test',
        Subject: 'RE: [REC-2026-0002] Facture contestée',
        'Message-ID': '<b10@example.test>',
      },
      'Voici le bon numéro de facture : 1234.',
    ),
    // 8. Marie answers her own mail of this batch (In-Reply-To): threads onto the ticket mail 2 opens
    mail(
      {
        From: 'marie@example.test',
        Subject: 'Re: Visite médicale annulée',
        'Message-ID': '<b8@example.test>',
        'In-Reply-To': '<b2@example.test>',
      },
      'Précision : trois salariés.',
    ),
    // 9. a complaint, then Luc's own answer to it in the same batch
    mail(
      { From: 'luc@example.test', Subject: 'Délai de rendez-vous', 'Message-ID': '<b11@example.test>' },
      'Trois mois pour un rendez-vous, ce n’est pas normal.',
    ),
    mail(
      {
        From: 'luc@example.test',
        Subject: 'Re: Délai de rendez-vous',
        'Message-ID': '<b13@example.test>',
        'In-Reply-To': '<b11@example.test>',
      },
      'J’ajoute : c’est pour une visite de reprise.',
    ),
    // 10. broken MIME
    mail(
      {
        From: 'x@example.test',
        Subject: 'Cassé',
        'Message-ID': '<b6@example.test>',
        'Content-Type': 'multipart/mixed',
      },
      'pas de frontière',
    ),
    // 11. a staff member writing to the plain address
    mail(
      { From: 'Paule Pilote <pilote@spst-test.fr>', Subject: 'Question', 'Message-ID': '<b9@example.test>' },
      '#aide',
    ),
    // 12. a last complaint, grouped again after the mails that went alone
    mail(
      { From: 'anne@example.test', Subject: 'Dossier perdu', 'Message-ID': '<b12@example.test>' },
      'Mon dossier médical a été perdu.',
    ),
  ];
}

/** The database's content without ids, generated Message-IDs or tokens: what must not depend on the path. */
async function contents(db: Db) {
  const q = async (query: string) => rowsOf<Record<string, unknown>>(await db.execute(sql.raw(query)));
  return {
    tickets:
      await q(`select reference, status, channel, subject, complainant_email, complainant_name, summary, participants, category, level, requester,
      typology, receivable, confidential, qualification, received_at, deadline_rule, deadline_at, routed_to, created_at from tickets order by reference`),
    messages:
      await q(`select m.message_id, m.kind, m.from_address, m.subject, m.sent_at, m.received_at, m.text, m.source, m.classification, t.reference
      from messages m left join tickets t on t.id = m.ticket_id order by m.message_id`),
    attachments: await q(
      `select m.message_id, a.filename, a.content_type, a.size, a.stored, a.sha256 from attachments a join messages m on m.id = a.message_id order by 1, 2`,
    ),
    events: await q(`select t.reference, e.type, e.actor, e.data - 'outboxId' - 'messageId' as data, e.at, m.message_id
      from events e left join tickets t on t.id = e.ticket_id left join messages m on m.id = e.message_id order by t.reference nulls first, e.type, m.message_id nulls first, e.data::text`),
    outbox:
      await q(`select t.reference, o.kind, o.to_address, o.automatic, o.subject, regexp_replace(o.text, 'reclamation\\+[0-9a-z]+@', 'reclamation+…@', 'g') as text,
      o.headers - 'Reply-To' as headers, o.status from outbox o left join tickets t on t.id = o.ticket_id order by t.reference nulls first, o.kind, o.to_address, o.subject`),
    quarantine: await q(`select reason, source from quarantine order by source`),
    checkpoint: await readCheckpoint(db, 'INBOX').then((c) => c && { uidValidity: c.uidValidity, lastUid: c.lastUid }),
  };
}

describe.each(ENGINES)('ingestMails (a fetched batch) on %s', (engine) => {
  let single: TestDatabase;
  let batched: TestDatabase;
  const clock = new FakeClock(new Date('2026-11-23T08:40:00Z'));
  let singleDeps: Deps;
  let batchDeps: Deps;

  beforeAll(async () => {
    single = await createTestDatabase(engine);
    batched = await createTestDatabase(engine);
  });
  afterAll(async () => {
    singleDeps?.sender.close();
    batchDeps?.sender.close();
    await single?.close();
    await batched?.close();
  });
  beforeEach(async () => {
    for (const t of [single, batched]) await emptyTables(t.database.db, TABLES);
    clock.set('2026-11-23T08:40:00Z');
    singleDeps = testDeps(single.database.db, testConfig(), clock);
    batchDeps = testDeps(batched.database.db, testConfig(), clock);
    // The ticket that exists before the batch: REC-2026-0001, Jean's.
    const earlier = mail(
      { From: 'jean@example.test', Subject: 'Attente', 'Message-ID': '<b0@example.test>' },
      "Deux heures d'attente à l'accueil.",
    );
    for (const deps of [singleDeps, batchDeps]) await ingestMail(deps, earlier, imap(1));
  });

  it('leaves the database exactly as ingesting the mails one by one does', async () => {
    const raws = mailbox();
    const oneByOne: IngestOutcome[] = [];
    for (const [i, raw] of raws.entries()) oneByOne.push(await ingestMail(singleDeps, raw, imap(i + 2)));
    const whyAlone: string[] = [];
    const log = pino(
      { level: 'debug' },
      {
        write: (line: string) =>
          void (JSON.parse(line).msg === 'mail ingested on its own' && whyAlone.push(JSON.parse(line).why)),
      },
    );
    const together = await ingestMails(
      { ...batchDeps, log },
      raws.map((raw, i): RawInbound => ({ raw, source: imap(i + 2) })),
    );

    expect(together).toEqual(oneByOne);
    expect(together.map((o) => o.outcome)).toEqual([
      'ticket',
      'ticket',
      'follow-up',
      'suppressed',
      'duplicate',
      'ticket',
      'follow-up',
      'follow-up',
      'ticket',
      'follow-up',
      'quarantined',
      'staff',
      'ticket',
    ]);
    expect(together.filter((o) => o.outcome === 'ticket').map((o) => (o as { reference: string }).reference)).toEqual([
      'REC-2026-0002',
      'REC-2026-0003',
      'REC-2026-0004',
      'REC-2026-0005',
      'REC-2026-0006',
    ]);
    const expected = await contents(single.database.db);
    const actual = await contents(batched.database.db);
    expect(actual).toEqual(expected);
    // The comparison is about something: every kind of row is there.
    expect(expected.tickets).toHaveLength(6);
    expect(whyAlone).toEqual([
      'unknown ticket reference',
      'threads onto a mail of the same batch',
      'unparseable',
      'staff mail',
    ]);
    expect(expected.attachments).toHaveLength(1);
    expect(expected.quarantine).toHaveLength(1);
    expect(expected.outbox.filter((o) => o.kind === 'ack')).toHaveLength(6);
    expect(expected.outbox.filter((o) => o.kind === 'follow-up-forward').length).toBeGreaterThanOrEqual(3);
    expect(expected.checkpoint).toEqual({ uidValidity: 7, lastUid: 14 });
  });

  it('applies the per-address budget as the single path does, pilot alert included', async () => {
    const config = testConfig({ perAddress: '[{ max: 2, within: 3h }]' });
    singleDeps = testDeps(single.database.db, config, clock);
    batchDeps = testDeps(batched.database.db, config, clock);
    const raws = [1, 2, 3, 4].map((i) =>
      mail(
        { From: 'loop@example.test', Subject: `Réclamation ${i}`, 'Message-ID': `<loop${i}@example.test>` },
        'Texte',
      ),
    );
    const oneByOne: IngestOutcome[] = [];
    for (const [i, raw] of raws.entries()) oneByOne.push(await ingestMail(singleDeps, raw, imap(i + 2)));
    const together = await ingestMails(
      batchDeps,
      raws.map((raw, i) => ({ raw, source: imap(i + 2) })),
    );
    expect(together).toEqual(oneByOne);
    expect(together.map((o) => o.outcome === 'ticket' && o.acknowledged)).toEqual([true, true, false, false]);
    expect(await contents(batched.database.db)).toEqual(await contents(single.database.db));
  });

  it('quarantines only the mail whose content the database refuses, and records the others', async () => {
    const db = batched.database.db;
    // A database-side refusal (SQLSTATE 22023) of one mail's content.
    await db.execute(
      sql.raw(`create or replace function refuse_poison() returns trigger language plpgsql as $$
        begin if new.subject = 'poison' then raise exception 'poisoned content' using errcode = '22023'; end if; return new; end $$`),
    );
    await db.execute(
      sql.raw(`create trigger refuse_poison before insert on messages for each row execute function refuse_poison()`),
    );
    try {
      const raws = ['Première', 'poison', 'Troisième'].map((subject, i) =>
        mail(
          { From: `p${i}@example.test`, Subject: subject, 'Message-ID': `<p${i}@example.test>` },
          "Une réclamation sur l'accueil.",
        ),
      );
      const outcomes = await ingestMails(
        batchDeps,
        raws.map((raw, i) => ({ raw, source: imap(i + 2) })),
      );
      expect(outcomes.map((o) => o.outcome)).toEqual(['ticket', 'quarantined', 'ticket']);
      expect(outcomes[1]).toMatchObject({ reason: expect.stringContaining('poisoned content') });
      const references = rowsOf<{ reference: string }>(
        await db.execute(sql.raw(`select reference from tickets order by reference`)),
      ).map((r) => r.reference);
      // No number lost to the rolled-back batch.
      expect(references).toEqual(['REC-2026-0001', 'REC-2026-0002', 'REC-2026-0003']);
      expect(await readCheckpoint(db, 'INBOX')).toMatchObject({ lastUid: 4 });
    } finally {
      await db.execute(sql.raw(`drop trigger refuse_poison on messages`));
      await db.execute(sql.raw(`drop function refuse_poison`));
    }
  });
});
