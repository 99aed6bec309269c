// A complaint that staff log (#nouvelle) or forward to the plain complaint address: nothing is
// opened until the person's configured address confirms it; one reply opens it with the
// original date and text; a spoofer gains nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { events, outbox, tickets } from '../../src/db/schema.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import type { Deps } from '../../src/services/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfig } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

let n = 0;
const file = () => ({ kind: 'file' as const, name: `i${++n}` });

const forward = (extra: Record<string, string> = {}) =>
  rawMail(
    {
      From: 'Accueil <accueil@spst-test.fr>',
      To: 'reclamation@spst-test.fr',
      Subject: 'TR: Visite annulée',
      'Message-ID': `<fw${++n}@spst-test.fr>`,
      ...extra,
    },
    [
      'Pour enregistrement.',
      '',
      '-------- Message transféré --------',
      'De : Jeanne Morel <jeanne.morel@example.test>',
      'Date : lun. 16 nov. 2026 à 10:12',
      'À : accueil@spst-test.fr',
      'Objet : Visite annulée',
      '',
      'Bonjour, ma visite de reprise a été annulée la veille sans explication.',
      'Je dois reprendre lundi. Merci de me rappeler.',
      'Jeanne Morel',
    ].join('\n'),
  );

describe.each(ENGINES)('staff intake on %s', (engine) => {
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
    await emptyTables(t.database.db, ['attachments', 'events', 'outbox', 'messages', 'tickets', 'ticket_sequences']);
    clock.set('2026-11-23T08:00:00Z');
    deps?.sender.close();
    deps = testDeps(t.database.db, testConfig(), clock);
  });

  const mailsTo = (email: string) =>
    t.database.db.select().from(outbox).where(eq(outbox.toAddress, email)).orderBy(outbox.id);
  const confirmation = async () => {
    const rows = (await mailsTo('accueil@spst-test.fr')).filter((o) => o.kind === 'intake-confirmation');
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };
  const answer = (row: { headers: Record<string, string>; messageId: string }, body: string) =>
    ingestMail(
      deps,
      rawMail(
        {
          From: 'accueil@spst-test.fr',
          To: row.headers['Reply-To']!,
          Subject: 'RE: [reclam] À confirmer',
          'In-Reply-To': `<${row.messageId}>`,
          'Message-ID': `<a${++n}@spst-test.fr>`,
        },
        body,
      ),
      file(),
    );

  it('asks the configured address to confirm a forward sent to the plain address, whatever Reply-To says', async () => {
    const outcome = await ingestMail(deps, forward({ 'Reply-To': 'attacker@evil.example' }), file());
    expect(outcome).toMatchObject({ outcome: 'staff', detail: { outcome: 'intake-proposed' } });
    expect(await t.database.db.select().from(tickets)).toHaveLength(0);
    const row = await confirmation();
    expect(row.subject).toContain('Jeanne Morel');
    expect(row.text).toContain('jeanne.morel@example.test');
    expect(row.text).toContain('ma visite de reprise a été annulée');
    expect(row.text).toContain('Rien n’est encore enregistré');
    expect(row.headers['Reply-To']).toMatch(/^reclamation\+i[0-9a-z]+x/);
    expect(await mailsTo('attacker@evil.example')).toHaveLength(0);
    expect((await t.database.db.select().from(events)).map((e) => e.type)).toEqual(['intake.proposed']);
  });

  it('opens the ticket from the original mail when the person replies, once', async () => {
    await ingestMail(deps, forward(), file());
    const row = await confirmation();
    clock.set('2026-11-23T09:30:00Z');
    const opened = await answer(row, 'OUI');
    expect(opened).toMatchObject({ outcome: 'staff', detail: { outcome: 'ticket' } });
    const [ticket] = await t.database.db.select().from(tickets);
    expect(ticket).toMatchObject({ complainantEmail: 'jeanne.morel@example.test', channel: 'email' });
    // The original date and text, not the confirmation's.
    expect(ticket!.receivedAt.toISOString()).toBe('2026-11-16T09:12:00.000Z');
    expect(ticket!.summary).toContain('visite de reprise');
    expect((await mailsTo('jeanne.morel@example.test')).map((o) => o.kind)).toEqual(['ack']);
    const types = (await t.database.db.select().from(events)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['intake.proposed', 'ticket.received', 'intake.confirmed']));

    const again = await answer(row, 'OUI');
    expect(again).toMatchObject({ outcome: 'staff', detail: { outcome: 'commands', reference: ticket!.reference } });
    expect(await t.database.db.select().from(tickets)).toHaveLength(1);
    expect((await mailsTo('accueil@spst-test.fr')).at(-1)!.text).toContain('déjà enregistrée');
  });

  it('records nothing when the person answers NON, and says so if they reply again', async () => {
    await ingestMail(
      deps,
      rawMail(
        {
          From: 'accueil@spst-test.fr',
          To: 'reclamation@spst-test.fr',
          Subject: 'Appel',
          'Message-ID': `<nv${++n}@x>`,
        },
        '#nouvelle\n#de Paul Durand <paul@example.test>\n#canal telephone\nIl attend son attestation depuis un mois.',
      ),
      file(),
    );
    const row = await confirmation();
    expect(row.text).toContain('Canal : téléphone');
    expect(await answer(row, 'NON merci')).toMatchObject({ detail: { outcome: 'intake-cancelled' } });
    expect(await answer(row, 'OUI finalement')).toMatchObject({ detail: { outcome: 'intake-cancelled' } });
    expect(await t.database.db.select().from(tickets)).toHaveLength(0);
  });

  it('gives a spoofer nothing: only the real person’s signed reply opens it', async () => {
    await ingestMail(deps, forward(), file());
    const row = await confirmation();
    // The spoofer, without the confirmation, tries the plain address again and a guessed token.
    const guess = row.headers['Reply-To']!.replace(/s[0-9a-f]{20}@/, `s${'0'.repeat(20)}@`);
    const spoof = await ingestMail(
      deps,
      rawMail(
        { From: 'accueil@spst-test.fr', To: guess, Subject: 'RE: confirmer', 'Message-ID': `<sp${++n}@evil.example>` },
        'OUI',
      ),
      file(),
    );
    expect(spoof).toMatchObject({ outcome: 'staff', detail: { outcome: 'note' } });
    // Someone else replying with the genuine token is not the person it was signed for.
    const other = await ingestMail(
      deps,
      rawMail(
        {
          From: 'pilote@spst-test.fr',
          To: row.headers['Reply-To']!,
          Subject: 'RE: confirmer',
          'Message-ID': `<o${++n}@x>`,
        },
        'OUI',
      ),
      file(),
    );
    expect(other.outcome).toBe('staff');
    expect(await t.database.db.select().from(tickets)).toHaveLength(0);
  });

  it('never lets an intake token act on a ticket with the same number', async () => {
    await ingestMail(deps, forward(), file());
    const row = await confirmation();
    const token = /\+(i[0-9a-z]+x[0-9a-z]+s[0-9a-f]{20})@/.exec(row.headers['Reply-To']!)![1]!;
    const id = Number.parseInt(token.slice(1, token.indexOf('x')), 36);
    // A ticket whose id is the intake's number.
    await t.database.db.execute(
      sql.raw(`select setval(pg_get_serial_sequence('tickets', 'id'), ${id - 1}, ${id > 1})`),
    );
    const complaint = await ingestMail(
      deps,
      rawMail(
        { From: 'paul@example.test', To: 'reclamation@spst-test.fr', Subject: 'Attente', 'Message-ID': `<p${++n}@x>` },
        'Deux heures d’attente.',
      ),
      file(),
    );
    expect(complaint.outcome).toBe('ticket');
    const [ticket] = await t.database.db.select().from(tickets);
    expect(ticket!.id).toBe(id);
    const forged = await ingestMail(
      deps,
      rawMail(
        {
          From: 'accueil@spst-test.fr',
          To: `reclamation+t${token.slice(1)}@spst-test.fr`,
          Subject: `RE: [${ticket!.reference}] Nouvelle réclamation`,
          'Message-ID': `<f${++n}@x>`,
        },
        '#irrecevable pas une réclamation',
      ),
      file(),
    );
    expect(forged).toMatchObject({ outcome: 'staff', detail: { outcome: 'refused' } });
    expect((await t.database.db.select().from(tickets))[0]!.status).toBe('received');
  });
});
