// The command engine through ingestMail on both engines: signed replies, refusals and their
// reasons, registered letters, rejection, reopening, idempotence.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { events, outbox, qualificationFeedback, tickets } from '../../src/db/schema.js';
import { ingestMail, type IngestOutcome } from '../../src/services/ingest-mail.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import type { Deps } from '../../src/services/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfig } from '../support/test-config.js';
import { COMMAND_TABLES, emptyTables } from '../support/empty-tables.js';

let n = 0;
const file = () => ({ kind: 'file' as const, name: `m${++n}` });

describe.each(ENGINES)('staff commands on %s', (engine) => {
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
    await emptyTables(t.database.db, COMMAND_TABLES);
    clock.set('2026-11-23T08:00:00Z');
    deps?.sender.close();
    deps = testDeps(t.database.db, testConfig(), clock);
  });

  const person = (email: string) => deps.config.people.find((p) => p.email === email)!;

  async function complaint(
    from = 'jean@example.test',
    subject = 'Accueil désagréable',
  ): Promise<{ reference: string; id: number }> {
    const outcome = await ingestMail(
      deps,
      rawMail(
        { From: from, To: 'reclamation@spst-test.fr', Subject: subject, 'Message-ID': `<c${++n}@example.test>` },
        'La secrétaire a été désagréable au téléphone.',
      ),
      file(),
    );
    if (outcome.outcome !== 'ticket') throw new Error(`expected a ticket, got ${outcome.outcome}`);
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.reference, outcome.reference));
    return { reference: outcome.reference, id: row!.id };
  }

  /** A signed reply from `email` about ticket `id`, as their mail client sends it. */
  function command(
    email: string,
    ticket: { reference: string; id: number },
    body: string,
    signed = true,
  ): Promise<IngestOutcome> {
    return ingestMail(
      deps,
      rawMail(
        {
          From: email,
          To: signed ? staffReplyAddress(deps, person(email), ticket.id) : 'reclamation@spst-test.fr',
          Subject: `RE: [${ticket.reference}] Nouvelle réclamation`,
          'Message-ID': `<s${++n}@spst-test.fr>`,
        },
        body,
      ),
      file(),
    );
  }

  const ticketRow = async (id: number) => (await t.database.db.select().from(tickets).where(eq(tickets.id, id)))[0]!;
  const lastReplyTo = async (email: string) =>
    (await t.database.db.select().from(outbox).where(eq(outbox.toAddress, email)).orderBy(outbox.id)).at(-1)!;

  it('refuses to close before an answer and an effectiveness check, saying why', async () => {
    const ticket = await complaint();
    await command('accueil@spst-test.fr', ticket, '#prendre\n#clore');
    const reply = await lastReplyTo('accueil@spst-test.fr');
    expect(reply.kind).toBe('command-result');
    expect(reply.text).toContain('pas encore reçu de réponse');
    expect((await ticketRow(ticket.id)).status).toBe('in_progress');
    await command('accueil@spst-test.fr', ticket, '#repondre\nBonjour, c’est réglé.\nL’accueil');
    expect((await ticketRow(ticket.id)).status).toBe('verifying');
    await command('accueil@spst-test.fr', ticket, '#clore');
    expect((await lastReplyTo('accueil@spst-test.fr')).text).toContain('efficacité');
    await command('accueil@spst-test.fr', ticket, '#efficace\n#clore');
    expect(await ticketRow(ticket.id)).toMatchObject({ status: 'closed', effective: true });
    const closure = await lastReplyTo('jean@example.test');
    expect(closure.kind).toBe('closure');
  });

  it('#informer sends the complainant an interim update on the thread, state unchanged', async () => {
    const ticket = await complaint();
    const [ack] = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'ack'));
    const before = await ticketRow(ticket.id);
    clock.advance(3 * 86_400_000);
    await command(
      'accueil@spst-test.fr',
      ticket,
      '#informer Nous avons relancé le centre.\n\nUne date vous sera proposée.',
    );
    const update = await lastReplyTo('jean@example.test');
    expect(update).toMatchObject({ kind: 'interim-update', automatic: false });
    expect(update.subject).toBe(`[${ticket.reference}] Point d’étape sur votre réclamation : Accueil désagréable`);
    // Text on the command line and the body below the block, as the referent wrote them.
    expect(update.text).toContain('Nous avons relancé le centre.\nUne date vous sera proposée.');
    // Threaded: In-Reply-To the complainant's mail, References their mail and our acknowledgement.
    expect(update.headers['In-Reply-To']).toMatch(/^<c\d+@example\.test>$/);
    expect(update.headers.References).toContain(`<${ack!.messageId}>`);
    const after = await ticketRow(ticket.id);
    expect(after).toMatchObject({ status: 'received', assigneeEmail: null, deadlineAt: before.deadlineAt });
    const informed = await t.database.db.select().from(events).where(eq(events.type, 'ticket.informed'));
    expect(informed.map((e) => [e.ticketId, e.actor, e.data])).toEqual([
      [ticket.id, 'accueil@spst-test.fr', { text: 'Nous avons relancé le centre.\nUne date vous sera proposée.' }],
    ]);
    const receipt = await lastReplyTo('accueil@spst-test.fr');
    expect(receipt.kind).toBe('command-result');
    expect(receipt.text).toContain('✔ #informer Nous avons relancé le centre. — point d’étape envoyé au réclamant');
    expect(receipt.text).toContain('l’état de la réclamation ne change pas');
  });

  it('#informer with #repondre in the same mail takes its own line only; refused without text', async () => {
    const ticket = await complaint();
    await command('accueil@spst-test.fr', ticket, '#informer\n#prendre');
    expect((await lastReplyTo('accueil@spst-test.fr')).text).toContain(
      'écrivez le message pour le réclamant après la commande',
    );
    expect(await t.database.db.select().from(events).where(eq(events.type, 'ticket.informed'))).toEqual([]);
    await command('accueil@spst-test.fr', ticket, '#informer Le centre est prévenu.\n#repondre\nMadame, c’est réglé.');
    const mails = await t.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.toAddress, 'jean@example.test'))
      .orderBy(outbox.id);
    expect(mails.map((m) => m.kind)).toEqual(['ack', 'interim-update', 'response']);
    expect(mails[1]!.text).toContain('Le centre est prévenu.');
    expect(mails[1]!.text).not.toContain('c’est réglé');
  });

  it('refuses #informer on a closed or rejected ticket, saying what to do instead', async () => {
    const ticket = await complaint();
    await command('accueil@spst-test.fr', ticket, '#prendre\n#repondre\nC’est réglé.');
    await command('accueil@spst-test.fr', ticket, '#efficace\n#clore');
    const mailsBefore = (await t.database.db.select().from(outbox).where(eq(outbox.toAddress, 'jean@example.test')))
      .length;
    await command('accueil@spst-test.fr', ticket, '#informer Encore une précision.');
    const receipt = await lastReplyTo('accueil@spst-test.fr');
    expect(receipt.text).toContain('✘ #informer Encore une précision. — la réclamation est clôturée');
    expect(receipt.text).toContain('rouvrez-la d’abord (#rouvrir)');
    expect((await t.database.db.select().from(outbox).where(eq(outbox.toAddress, 'jean@example.test'))).length).toBe(
      mailsBefore,
    );
    const refused = await t.database.db.select().from(events).where(eq(events.type, 'command.refused'));
    expect(refused.at(-1)?.data).toMatchObject({ command: 'informer' });
    const other = await complaint('marie@example.test');
    await command('pilote@spst-test.fr', other, '#irrecevable demande de rendez-vous');
    await command('pilote@spst-test.fr', other, '#informer Précision');
    expect((await lastReplyTo('pilote@spst-test.fr')).text).toContain('la réclamation est non recevable');
    expect(await t.database.db.select().from(events).where(eq(events.type, 'ticket.informed'))).toEqual([]);
  });

  it('requires a registered-letter response for an LRAR complaint', async () => {
    const ticket = await complaint();
    await command('accueil@spst-test.fr', ticket, '#canal lrar\n#repondre\nRéponse par courriel.');
    const reply = await lastReplyTo('accueil@spst-test.fr');
    expect(reply.text).toContain('lettre recommandée');
    expect((await ticketRow(ticket.id)).answeredAt).toBeNull();
    await command('accueil@spst-test.fr', ticket, '#lrar 1A 234 567 8901 2\n#efficace\n#clore');
    expect(await ticketRow(ticket.id)).toMatchObject({ status: 'closed', registeredLetterTracking: '1A23456789012' });
  });

  it('rejects as non receivable with the templated notice, and reopens', async () => {
    const ticket = await complaint();
    await command('pilote@spst-test.fr', ticket, '#irrecevable demande de rendez-vous');
    expect(await ticketRow(ticket.id)).toMatchObject({ status: 'rejected', receivable: false });
    const notice = await lastReplyTo('jean@example.test');
    expect(notice.kind).toBe('rejection');
    expect(notice.text).toContain('demande de rendez-vous');
    await command('pilote@spst-test.fr', ticket, '#rouvrir');
    expect(await ticketRow(ticket.id)).toMatchObject({ status: 'in_progress', receivable: true });
    const reopened = await t.database.db.select().from(events).where(eq(events.type, 'ticket.reopened'));
    expect(reopened).toHaveLength(1);
  });

  it('recomputes the deadline from the reception time on #niveau and tells the complainant', async () => {
    const ticket = await complaint();
    clock.advance(5 * 86_400_000);
    await command('accueil@spst-test.fr', ticket, '#niveau 1');
    const row = await ticketRow(ticket.id);
    expect(row).toMatchObject({ level: 1, deadlineRule: '10d' });
    // Received 2026-11-23 (Paris) + 10 calendar days, end of day — not counted from the command.
    expect(row.deadlineAt.toISOString()).toBe('2026-12-03T22:59:59.999Z');
    expect((await lastReplyTo('jean@example.test')).kind).toBe('level-change');
    // The correction teaches the qualifier, with the complaint's terms.
    const [learned] = await t.database.db.select().from(qualificationFeedback);
    expect(learned).toMatchObject({ field: 'level', toValue: '1', actor: 'accueil@spst-test.fr', ticketId: ticket.id });
    expect(learned!.terms.length).toBeGreaterThan(2);
  });

  it('refuses every command of a non-doctor on a medical ticket, and lets a doctor act', async () => {
    const ticket = await complaint();
    await command(
      'pilote@spst-test.fr',
      ticket,
      '#assigner Dr Martin\n#categorie medicale\n#note vu avec la direction',
    );
    expect(await ticketRow(ticket.id)).toMatchObject({
      category: 'medicale',
      confidential: true,
      assigneeEmail: 'dr.martin@spst-test.fr',
    });
    const pilotReply = await lastReplyTo('pilote@spst-test.fr');
    expect(pilotReply.text).toContain('seuls les médecins');
    await command('accueil@spst-test.fr', ticket, '#prendre');
    expect((await ticketRow(ticket.id)).assigneeEmail).toBe('dr.martin@spst-test.fr');
    await command('dr.martin@spst-test.fr', ticket, '#niveau 2');
    expect((await ticketRow(ticket.id)).level).toBe(2);
    // Nothing the pilot received after the recategorisation names the complainant or the text.
    for (const mail of await t.database.db.select().from(outbox).where(eq(outbox.toAddress, 'pilote@spst-test.fr'))) {
      if (mail.id <= pilotReply.id - 1) continue;
      expect(`${mail.subject}${mail.text}${mail.html}`).not.toContain('jean@example.test');
      expect(`${mail.subject}${mail.text}${mail.html}`).not.toContain('désagréable');
    }
  });

  it('answers unknown commands with a suggestion and the help', async () => {
    const ticket = await complaint();
    await command('accueil@spst-test.fr', ticket, '#prednre');
    const reply = await lastReplyTo('accueil@spst-test.fr');
    expect(reply.text).toContain('#prendre');
    expect(reply.text).toContain('#repondre');
    expect((await ticketRow(ticket.id)).assigneeEmail).toBeNull();
  });

  it('never applies the same reply twice', async () => {
    const ticket = await complaint();
    const raw = rawMail(
      {
        From: 'accueil@spst-test.fr',
        To: staffReplyAddress(deps, person('accueil@spst-test.fr'), ticket.id),
        Subject: `RE: [${ticket.reference}]`,
        'Message-ID': '<once@spst-test.fr>',
      },
      '#note rappelé ce matin',
    );
    await ingestMail(deps, raw, file());
    expect((await ingestMail(deps, raw, file())).outcome).toBe('duplicate');
    expect(await t.database.db.select().from(events).where(eq(events.type, 'ticket.note'))).toHaveLength(1);
  });

  it('refuses the signed reply of someone the ticket was taken from, records it and says why', async () => {
    const ticket = await complaint();
    await command('pilote@spst-test.fr', ticket, '#assigner Dr Martin');
    expect((await ticketRow(ticket.id)).assigneeEmail).toBe('dr.martin@spst-test.fr');
    // Dr Martin is not a referent of « generale »: once the ticket goes to the reception, his
    // signed address (from the assignment notice) no longer lets him act.
    await command('pilote@spst-test.fr', ticket, '#assigner accueil@spst-test.fr');
    const outcome = await command('dr.martin@spst-test.fr', ticket, '#niveau 1\n#note je m’en occupe');
    expect(outcome).toMatchObject({ outcome: 'staff', detail: { outcome: 'commands', applied: 0, refused: 2 } });
    expect(await ticketRow(ticket.id)).toMatchObject({ level: 3, assigneeEmail: 'accueil@spst-test.fr' });
    expect(await t.database.db.select().from(events).where(eq(events.type, 'ticket.note'))).toEqual([]);
    const refused = await t.database.db.select().from(events).where(eq(events.type, 'command.refused'));
    expect(refused.map((e) => [e.actor, e.data.command, e.data.notEntitled])).toEqual([
      ['dr.martin@spst-test.fr', 'niveau', true],
      ['dr.martin@spst-test.fr', 'note', true],
    ]);
    const receipt = await lastReplyTo('dr.martin@spst-test.fr');
    expect(receipt.kind).toBe('command-result');
    expect(receipt.text).toContain(
      '✘ #niveau 1 — la réclamation ne vous est pas (ou plus) confiée (responsable : Accueil) et vous n’êtes pas référent de sa catégorie Générale',
    );
    expect(receipt.text).toContain('demandez au pilote de vous la confier (#assigner)');
    // The category's referent keeps the right to act when the ticket goes to someone else.
    await command('pilote@spst-test.fr', ticket, '#assigner Dr Martin');
    await command('accueil@spst-test.fr', ticket, '#note rappelé le réclamant');
    expect(await t.database.db.select().from(events).where(eq(events.type, 'ticket.note'))).toHaveLength(1);
  });

  it('refuses a token signed for another ticket or another person', async () => {
    const first = await complaint('a@example.test');
    const second = await complaint('b@example.test');
    const other = await ingestMail(
      deps,
      rawMail(
        {
          From: 'accueil@spst-test.fr',
          To: staffReplyAddress(deps, person('accueil@spst-test.fr'), first.id),
          Subject: `RE: [${second.reference}]`,
          'Message-ID': `<x${++n}@spst-test.fr>`,
        },
        '#prendre',
      ),
      file(),
    );
    expect(other).toMatchObject({ outcome: 'staff', detail: { outcome: 'refused' } });
    const stolen = await ingestMail(
      deps,
      rawMail(
        {
          From: 'dr.martin@spst-test.fr',
          To: staffReplyAddress(deps, person('accueil@spst-test.fr'), first.id),
          Subject: `RE: [${first.reference}]`,
          'Message-ID': `<x${++n}@spst-test.fr>`,
        },
        '#prendre',
      ),
      file(),
    );
    expect(stolen).toMatchObject({ outcome: 'staff', detail: { outcome: 'refused' } });
    expect((await ticketRow(first.id)).assigneeEmail).toBeNull();
    expect((await lastReplyTo('dr.martin@spst-test.fr')).kind).toBe('forged-alert');
  });
});

describe.each(ENGINES)('commands authenticated by DMARC on %s', (engine) => {
  let t: TestDatabase;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));
  const BORDER =
    'from mail.spst-test.fr (mail.spst-test.fr [198.51.100.7]) by mx.spst-test.fr (Postfix) with ESMTPS id 4Xy; Mon, 23 Nov 2026 09:00:01 +0100';
  const PASS = 'mx.spst-test.fr; spf=pass smtp.mailfrom=spst-test.fr; dmarc=pass (p=reject) header.from=spst-test.fr';

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    deps = testDeps(
      t.database.db,
      testConfig({ security: 'trustDmarcPass: true, authservId: mx.spst-test.fr' }),
      clock,
    );
  });
  afterAll(async () => {
    deps?.sender.close();
    await t?.close();
  });

  async function complaint(): Promise<{ reference: string; id: number }> {
    const outcome = await ingestMail(
      deps,
      rawMail(
        {
          From: 'jean@example.test',
          To: 'reclamation@spst-test.fr',
          Subject: 'Accueil',
          'Message-ID': `<d${++n}@example.test>`,
        },
        'La secrétaire a été désagréable au téléphone.',
      ),
      file(),
    );
    if (outcome.outcome !== 'ticket') throw new Error(`expected a ticket, got ${outcome.outcome}`);
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.reference, outcome.reference));
    return { reference: outcome.reference, id: row!.id };
  }

  /** An unsigned mail (plain address) from the referent, with `trace` as its topmost header fields. */
  const unsigned = (ticket: { reference: string }, trace: [string, string][]) => {
    const head = trace.map(([name, value]) => `${name}: ${value}`).join('\r\n');
    const rest = rawMail(
      {
        From: 'accueil@spst-test.fr',
        To: 'reclamation@spst-test.fr',
        Subject: `RE: [${ticket.reference}] Nouvelle réclamation`,
        'Message-ID': `<u${++n}@spst-test.fr>`,
      },
      '#prendre',
    );
    return new Uint8Array(Buffer.concat([Buffer.from(`${head}\r\n`), Buffer.from(rest)]));
  };
  const assignee = async (id: number) =>
    (await t.database.db.select().from(tickets).where(eq(tickets.id, id)))[0]!.assigneeEmail;

  it('ignores an Authentication-Results the sender wrote below our border hop', async () => {
    const ticket = await complaint();
    // The probe: our server added none; the sender's own header carries our authserv-id.
    const outcome = await ingestMail(
      deps,
      unsigned(ticket, [
        ['Received', BORDER],
        ['Authentication-Results', PASS],
      ]),
      file(),
    );
    expect(outcome).toMatchObject({ outcome: 'staff', detail: { outcome: 'refused' } });
    expect(await assignee(ticket.id)).toBeNull();
    const forged = await t.database.db.select().from(events).where(eq(events.type, 'command.forged'));
    expect(forged.at(-1)).toMatchObject({ ticketId: ticket.id, actor: 'accueil@spst-test.fr' });
  });

  it('applies the commands when our server’s pass is on top', async () => {
    const ticket = await complaint();
    const outcome = await ingestMail(
      deps,
      unsigned(ticket, [
        ['Authentication-Results', PASS],
        ['Received', BORDER],
      ]),
      file(),
    );
    expect(outcome).toMatchObject({ outcome: 'staff', detail: { outcome: 'commands', applied: 1 } });
    expect(await assignee(ticket.id)).toBe('accueil@spst-test.fr');
  });
});
