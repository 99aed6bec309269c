import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { events, messages, outbox, quarantine, tickets, attachments, attachmentBlobs } from '../../src/db/schema.js';
import { readCheckpoint } from '../../src/db/mailbox-checkpoints.js';
import { ingestMail, type IngestOutcome } from '../../src/services/ingest-mail.js';
import { describeDuration } from '../../src/domain/deadline.js';
import { formatDuration } from '../../src/domain/duration.js';
import type { Deps } from '../../src/services/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfig } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

const file = (name: string) => ({ kind: 'file' as const, name });
let counter = 0;
const complaint = (from: string, subject: string, body: string, extra: Record<string, string> = {}) =>
  rawMail(
    {
      From: from,
      To: 'reclamation@spst-test.fr',
      Subject: subject,
      Date: 'Mon, 23 Nov 2026 09:00:00 +0100',
      'Message-ID': `<c${++counter}.${Date.now()}@example.test>`,
      ...extra,
    },
    body,
  );

describe.each(ENGINES)('ingestMail on %s', (engine) => {
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
    const db = t.database.db;
    await emptyTables(db, [
      'attachments',
      'attachment_blobs',
      'events',
      'outbox',
      'messages',
      'tickets',
      'quarantine',
      'mailbox_checkpoints',
      'ticket_sequences',
    ]);
    clock.set('2026-11-23T08:00:00Z');
    deps = testDeps(db, testConfig(), clock);
  });

  it('turns a complaint into one ticket, one acknowledgement with the qualified deadline, and notifications', async () => {
    // The procedure's own example of level 1: the doctor absent, employees leaving without their visit.
    const raw = complaint(
      'Jean Dupont <Jean.Dupont@Example.test>',
      'Visite annulée sur place',
      'Bonjour,\nle médecin était absent le jour de la vacation et nos salariés sont repartis sans avoir eu leur visite.\nJean',
    );
    const outcome = await ingestMail(deps, raw, file('a.eml'));
    expect(outcome).toMatchObject({ outcome: 'ticket', reference: 'REC-2026-0001', acknowledged: true });

    const [ticket] = await t.database.db.select().from(tickets);
    expect(ticket).toMatchObject({
      reference: 'REC-2026-0001',
      status: 'received',
      level: 1,
      deadlineRule: '10d',
      complainantEmail: 'jean.dupont@example.test',
    });
    expect(ticket!.summary).toContain('repartis sans avoir eu leur visite');
    // Received (Date header, file import) 2026-11-23 09:00 Paris + 10 calendar days → 3 Dec, end of day Paris.
    expect(ticket!.deadlineAt.toISOString()).toBe('2026-12-03T22:59:59.999Z');

    const mails = await t.database.db.select().from(outbox);
    const ack = mails.find((m) => m.kind === 'ack')!;
    expect(ack).toMatchObject({ toAddress: 'jean.dupont@example.test', automatic: true, status: 'pending' });
    expect(ack.subject).toContain('[REC-2026-0001]');
    expect(ack.text).toContain('au plus tard le jeudi 3 décembre 2026');
    expect(ack.text).toContain('10 jours calendaires');
    expect(ack.headers['Auto-Submitted']).toBe('auto-replied');
    expect(ack.headers['In-Reply-To']).toMatch(/^<c\d+\.\d+@example\.test>$/);
    expect(ack.messageId).toMatch(/@spst-test\.fr$/);
    // Staff are told, each with a personal signed reply address.
    const notices = mails.filter((m) => m.kind === 'new-ticket');
    expect(notices.map((m) => m.toAddress).sort()).toContain('pilote@spst-test.fr');
    for (const notice of notices)
      expect(notice.headers['Reply-To']).toMatch(/^reclamation\+t[0-9a-z]+x[0-9a-z]+s[0-9a-f]{20}@spst-test\.fr$/);

    const types = (await t.database.db.select().from(events)).map((e) => e.type);
    expect(types).toEqual(['ticket.received', 'ack.queued']);
  });

  it('states the deadline of whatever level the complaint is qualified at', async () => {
    await ingestMail(
      deps,
      complaint(
        'jeanne@example.test',
        'Attente interminable',
        "Bonjour,\nj'ai attendu deux heures à l'accueil.\nJeanne",
      ),
      file('b.eml'),
    );
    const [ticket] = await t.database.db.select().from(tickets);
    const level = deps.config.levels.find((l) => l.level === ticket!.level)!;
    expect(ticket!.deadlineRule).toBe(formatDuration(level.resolveWithin));
    const ack = (await t.database.db.select().from(outbox)).find((m) => m.kind === 'ack')!;
    expect(ack.text).toContain(`niveau ${level.level}`);
    expect(ack.text).toContain(describeDuration(level.resolveWithin));
  });

  it('records the same mail twice as one ticket and says it is a duplicate', async () => {
    const raw = complaint('a@example.test', 'Doublon', 'Texte');
    const first = await ingestMail(deps, raw, file('a.eml'));
    const second = await ingestMail(deps, raw, file('a-again.eml'));
    expect(first.outcome).toBe('ticket');
    expect(second.outcome).toBe('duplicate');
    expect(await count(t, 'tickets')).toBe(1);
    expect((await t.database.db.select().from(outbox)).filter((m) => m.kind === 'ack')).toHaveLength(1);
  });

  it('identifies a mail without Message-ID by its content hash', async () => {
    const raw = rawMail(
      {
        From: 'b@example.test',
        To: 'reclamation@spst-test.fr',
        Subject: 'Sans identifiant',
        Date: 'Mon, 23 Nov 2026 09:00:00 +0100',
      },
      'Texte',
    );
    expect((await ingestMail(deps, raw, file('x'))).outcome).toBe('ticket');
    expect((await ingestMail(deps, raw, file('y'))).outcome).toBe('duplicate');
    const [message] = await t.database.db.select().from(messages);
    expect(message!.messageId).toMatch(/^sha256-[0-9a-f]{64}@reclam\.invalid$/);
  });

  it('threads a reply to our acknowledgement onto the ticket and forwards it to whoever handles it', async () => {
    await ingestMail(deps, complaint('Jean <jean@example.test>', 'Accueil', 'Texte initial'), file('a'));
    const ack = (await t.database.db.select().from(outbox)).find((m) => m.kind === 'ack')!;
    const [created] = await t.database.db.select().from(tickets);
    const reply = rawMail(
      {
        From: 'Jean <jean@example.test>',
        To: 'reclamation@spst-test.fr',
        Subject: 'RE: Accusé de réception',
        'Message-ID': '<reply-1@example.test>',
        'In-Reply-To': `<${ack!.messageId}>`,
        References: `<${ack!.messageId}>`,
      },
      'Je complète : le médecin était absent.',
    );
    const outcome = await ingestMail(deps, reply, file('b'));
    expect(outcome).toMatchObject({ outcome: 'follow-up', reference: 'REC-2026-0001' });
    expect(await count(t, 'tickets')).toBe(1);
    const forwards = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'follow-up-forward'));
    // Nobody took the ticket yet: the referents routing named, else the pilot.
    const expected = created!.routedTo.length > 0 ? created!.routedTo : ['pilote@spst-test.fr'];
    expect(forwards.map((f) => f.toAddress).sort()).toEqual([...expected].sort());
    expect(forwards[0]!.text).toContain('le médecin était absent');
    expect(forwards[0]!.automatic).toBe(false);
  });

  it('threads by subject tag only for participants; a stranger starts a new, linked ticket', async () => {
    await ingestMail(
      deps,
      complaint('jean@example.test', 'Accueil', 'Texte', { Cc: 'collegue@example.test' }),
      file('a'),
    );
    const tagged = (from: string, id: string) =>
      rawMail(
        {
          From: from,
          To: 'reclamation@spst-test.fr',
          Subject: 'Re: [REC-2026-0001] suite',
          'Message-ID': `<${id}@example.test>`,
        },
        'Suite',
      );
    expect(await ingestMail(deps, tagged('collegue@example.test', 't1'), file('t1'))).toMatchObject({
      outcome: 'follow-up',
      reference: 'REC-2026-0001',
    });
    const stranger = await ingestMail(deps, tagged('intrus@example.test', 't2'), file('t2'));
    expect(stranger).toMatchObject({ outcome: 'ticket', reference: 'REC-2026-0002' });
    const linked = await t.database.db.select().from(events).where(eq(events.type, 'ticket.linked'));
    expect(linked[0]!.data).toMatchObject({ linkedTo: 'REC-2026-0001' });
  });

  it('records auto-replies and bounces without ticket or answer', async () => {
    const ooo = rawMail(
      {
        From: 'rh@example.test',
        To: 'reclamation@spst-test.fr',
        Subject: 'Réponse automatique : absent',
        'Message-ID': '<ooo@example.test>',
        'Auto-Submitted': 'auto-replied',
      },
      'Je suis absent.',
    );
    const bounce = rawMail(
      {
        From: 'MAILER-DAEMON@mx.example.test',
        To: 'reclamation@spst-test.fr',
        Subject: 'Undelivered Mail Returned to Sender',
        'Message-ID': '<bounce@mx.example.test>',
        'Return-Path': '<>',
        'Content-Type': 'multipart/report; report-type=delivery-status; boundary="b1"',
      },
      '--b1\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n\r\nFinal-Recipient: rfc822; nobody@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n--b1--\r\n',
    );
    expect(await ingestMail(deps, ooo, file('o'))).toMatchObject({ outcome: 'suppressed', kind: 'auto-reply' });
    expect(await ingestMail(deps, bounce, file('b'))).toMatchObject({ outcome: 'suppressed', kind: 'bounce' });
    expect(await count(t, 'tickets')).toBe(0);
    expect(await count(t, 'outbox')).toBe(0);
    const types = (await t.database.db.select().from(events)).map((e) => e.type).sort();
    expect(types).toEqual(['mail.auto-reply', 'mail.bounce']);
  });

  it('never answers its own mails coming back', async () => {
    const own = rawMail(
      {
        From: 'SPST Test <reclamation@spst-test.fr>',
        To: 'reclamation@spst-test.fr',
        Subject: '[REC-2026-0009] Accusé',
        'Message-ID': '<rcl.abc.def@spst-test.fr>',
        'Auto-Submitted': 'auto-replied',
      },
      'Boucle',
    );
    expect(await ingestMail(deps, own, file('own'))).toMatchObject({ outcome: 'suppressed', kind: 'own' });
    expect(await count(t, 'outbox')).toBe(0);
  });

  it('quarantines a mail that cannot be parsed, alerts the pilot, and keeps the raw bytes', async () => {
    const broken = rawMail(
      {
        From: 'x@example.test',
        To: 'reclamation@spst-test.fr',
        Subject: 'Cassé',
        'Message-ID': '<broken@example.test>',
        'Content-Type': 'multipart/mixed',
      },
      'pas de frontière',
    );
    const outcome = await ingestMail(deps, broken, { kind: 'imap', mailbox: 'INBOX', uidValidity: 5, uid: 9 });
    expect(outcome.outcome).toBe('quarantined');
    const [kept] = await t.database.db.select().from(quarantine);
    expect(Buffer.from(kept!.raw).equals(Buffer.from(broken))).toBe(true);
    expect(kept!.reason).toMatch(/boundary/);
    const [alert] = await t.database.db.select().from(outbox);
    expect(alert).toMatchObject({ kind: 'pilot-alert', toAddress: 'pilote@spst-test.fr' });
    expect(alert!.subject).toContain('quarantaine');
    expect(await readCheckpoint(t.database.db, 'INBOX')).toMatchObject({ uidValidity: 5, lastUid: 9 });
    // The same broken bytes again: no second alert.
    await ingestMail(deps, broken, file('again'));
    expect(await count(t, 'outbox')).toBe(1);
  });

  it('keeps windows-1252 text intact (’ and é)', async () => {
    const body = Buffer.from('Bonjour, la facture n\x92est pas conforme : d\xe9j\xe0 pay\xe9e.\n', 'latin1');
    const raw = rawMail(
      {
        From: 'c@example.test',
        To: 'reclamation@spst-test.fr',
        Subject: '=?windows-1252?Q?Facture_d=92avril?=',
        'Message-ID': '<w1252@example.test>',
        'MIME-Version': '1.0',
        'Content-Type': 'text/plain; charset=windows-1252',
        'Content-Transfer-Encoding': '8bit',
      },
      body,
    );
    await ingestMail(deps, raw, file('w'));
    const [ticket] = await t.database.db.select().from(tickets);
    const [message] = await t.database.db.select().from(messages);
    expect(ticket!.subject).toBe('Facture d’avril');
    expect(message!.text).toContain('la facture n’est pas conforme : déjà payée.');
  });

  it('stores attachments once per content', async () => {
    const boundary = 'xyz';
    const part = (name: string) =>
      `--${boundary}\r\nContent-Type: application/pdf; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('%PDF-1.4 same').toString('base64')}\r\n`;
    const raw = rawMail(
      {
        From: 'd@example.test',
        To: 'reclamation@spst-test.fr',
        Subject: 'Pièces',
        'Message-ID': '<att@example.test>',
        'MIME-Version': '1.0',
        'Content-Type': `multipart/mixed; boundary="${boundary}"`,
      },
      `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoir pièces jointes.\r\n${part('a.pdf')}${part('b.pdf')}--${boundary}--\r\n`,
    );
    await ingestMail(deps, raw, file('att'));
    expect((await t.database.db.select().from(attachments)).map((a) => a.filename).sort()).toEqual(['a.pdf', 'b.pdf']);
    expect(await t.database.db.select().from(attachmentBlobs)).toHaveLength(1);
  });

  it('stops automatic mails to one address past the budget and tells the pilot once', async () => {
    deps = testDeps(t.database.db, testConfig({ perAddress: '[{ max: 2, within: 3h }]' }), clock);
    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < 4; i++)
      outcomes.push(await ingestMail(deps, complaint('loop@example.test', `Réclamation ${i}`, 'Texte'), file(`l${i}`)));
    expect(outcomes.map((o) => o.outcome === 'ticket' && o.acknowledged)).toEqual([true, true, false, false]);
    const rows = await t.database.db.select().from(outbox);
    expect(rows.filter((r) => r.kind === 'ack')).toHaveLength(2);
    expect(rows.filter((r) => r.kind === 'pilot-alert')).toHaveLength(1);
    // Three hours later the budget is back.
    clock.advance(3 * 3600_000 + 1000);
    const later = await ingestMail(deps, complaint('loop@example.test', 'Encore', 'Texte'), file('l9'));
    expect(later).toMatchObject({ outcome: 'ticket', acknowledged: true });
  });

  it('advances the IMAP checkpoint in the same transaction as the ticket', async () => {
    await ingestMail(deps, complaint('e@example.test', 'Checkpoint', 'Texte'), {
      kind: 'imap',
      mailbox: 'INBOX',
      uidValidity: 77,
      uid: 12,
    });
    expect(await readCheckpoint(t.database.db, 'INBOX')).toMatchObject({ uidValidity: 77, lastUid: 12 });
  });
});

async function count(t: TestDatabase, table: string): Promise<number> {
  const result = await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
  const rows = Array.isArray(result) ? result : (result as { rows: { n: number }[] }).rows;
  return Number((rows[0] as { n: number }).n);
}
