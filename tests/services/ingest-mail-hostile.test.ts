// Hostile senders and reused Message-IDs: an answer goes to exactly one valid address, the budget
// counts that address however it is written, and a mail under someone else's Message-ID is kept.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { events, messages, outbox, tickets } from '../../src/db/schema.js';
import { ingestMail, ingestMails } from '../../src/services/ingest-mail.js';
import { enqueueMail } from '../../src/services/enqueue-mail.js';
import type { Deps } from '../../src/services/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfig } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

const file = (name: string) => ({ kind: 'file' as const, name });
const complaint = (
  from: string,
  id: string,
  extra: Record<string, string> = {},
  body = "Deux heures d'attente à l'accueil.",
) =>
  rawMail(
    {
      From: from,
      To: 'reclamation@spst-test.fr',
      Subject: 'Attente',
      Date: 'Mon, 23 Nov 2026 09:00:00 +0100',
      'Message-ID': `<${id}>`,
      ...extra,
    },
    body,
  );

describe.each(ENGINES)('hostile senders on %s', (engine) => {
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
      'events',
      'outbox',
      'messages',
      'tickets',
      'quarantine',
      'ticket_sequences',
    ]);
    clock.set('2026-11-23T08:00:00Z');
    deps = testDeps(t.database.db, testConfig(), clock);
  });

  const outboxTo = async () => (await t.database.db.select().from(outbox)).map((o) => `${o.kind} ${o.toAddress}`);

  it('keeps the ticket of a From with a list inside the brackets, sends it nothing and tells the pilot', async () => {
    const outcome = await ingestMail(
      deps,
      complaint('"a" <attacker@evil.example,victim@other.example>', 'i1@x.test'),
      file('1'),
    );
    expect(outcome).toMatchObject({ outcome: 'ticket', acknowledged: false });
    const [ticket] = await t.database.db.select().from(tickets);
    expect(ticket!.complainantEmail).toBeNull();
    const sent = await outboxTo();
    expect(sent.some((s) => s.includes('victim') || s.includes('attacker'))).toBe(false);
    expect(sent.filter((s) => s.startsWith('ack '))).toEqual([]);
    const alerts = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'pilot-alert'));
    expect(alerts.map((a) => a.subject)).toEqual([expect.stringContaining('Adresse inutilisable')]);
    expect(alerts[0]!.text).not.toContain('victim');
    const types = (await t.database.db.select().from(events)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['mail.address-refused', 'ack.withheld']));
  });

  it('sends nothing to 200 addresses in one From, whatever the batch', async () => {
    const list = Array.from({ length: 200 }, (_, i) => `v${i}@victims.example`).join(',');
    const outcomes = await ingestMails(deps, [
      { raw: complaint(`"x" <${list}>`, 'i2@x.test'), source: file('2') },
      { raw: complaint('Jeanne <jeanne@example.test>', 'i3@x.test'), source: file('3') },
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['ticket', 'ticket']);
    const acks = (await outboxTo()).filter((s) => s.startsWith('ack '));
    expect(acks).toEqual(['ack jeanne@example.test']);
  });

  it('counts the budget on the normalised address, however its case is written', async () => {
    deps = testDeps(t.database.db, testConfig({ perAddress: '[{ max: 2, within: 3h }]' }), clock);
    const froms = ['Victim@Other.example', 'victim@OTHER.EXAMPLE', ' victim@other.example', 'VICTIM@other.example'];
    const outcomes = [];
    for (const [i, from] of froms.entries())
      outcomes.push(await ingestMail(deps, complaint(from, `b${i}@x.test`), file(`b${i}`)));
    expect(outcomes.map((o) => o.outcome === 'ticket' && o.acknowledged)).toEqual([true, true, false, false]);
    expect((await outboxTo()).filter((s) => s.startsWith('ack '))).toEqual([
      'ack victim@other.example',
      'ack victim@other.example',
    ]);
  });

  it('refuses to queue any mail whose recipient is not one valid address', async () => {
    for (const to of [
      'a@x.example, b@y.example',
      'a@x.example;b@y.example',
      '"a,b"@x.example',
      'a@x',
      '<a@x.example>',
    ]) {
      const result = await t.database.db.transaction((tx) =>
        enqueueMail(tx, deps, {
          kind: 'response',
          template: 'pilot-alert',
          to,
          automatic: false,
          autoSubmitted: 'auto-generated',
          data: { organisation: { name: 'x' }, alert: 'quarantine', details: {} },
        }),
      );
      expect(result, to).toEqual({ queued: false, reason: 'address' });
    }
    expect((await outboxTo()).every((s) => s.startsWith('pilot-alert pilote@'))).toBe(true);
  });

  it('keeps another mail sent under a Message-ID already recorded, as a new mail, and says so', async () => {
    const first = await ingestMail(deps, complaint('jean@example.test', 'same@x.test'), file('a'));
    const other = complaint('marie@example.test', 'same@x.test', { Subject: 'Facture' }, 'La facture est fausse.');
    const second = await ingestMail(deps, other, file('b'));
    expect(first.outcome).toBe('ticket');
    expect(second.outcome).toBe('ticket');
    const rows = await t.database.db.select().from(messages);
    expect(rows.map((m) => m.fromAddress).sort()).toEqual(['jean@example.test', 'marie@example.test']);
    const reused = await t.database.db.select().from(events).where(eq(events.type, 'mail.message-id-reused'));
    expect(reused).toHaveLength(1);
    expect(reused[0]!.data).toMatchObject({ messageId: 'same@x.test' });
    // The same two mails again: duplicates, nothing new.
    expect((await ingestMail(deps, other, file('b2'))).outcome).toBe('duplicate');
    expect((await ingestMail(deps, complaint('jean@example.test', 'same@x.test'), file('a2'))).outcome).toBe(
      'duplicate',
    );
    expect(await t.database.db.select().from(tickets)).toHaveLength(2);
  });

  it('still treats a re-delivery with other trace headers as a duplicate', async () => {
    await ingestMail(deps, complaint('jean@example.test', 'redelivered@x.test'), file('a'));
    const again = complaint('jean@example.test', 'redelivered@x.test', {
      Received: 'from relay2.example by mx.example',
    });
    expect((await ingestMail(deps, again, file('b'))).outcome).toBe('duplicate');
    expect(await t.database.db.select().from(tickets)).toHaveLength(1);
  });
});
