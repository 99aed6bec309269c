// Recurrence detection through the real ingest and command paths, on both engines, with a fake
// clock: an analysis opens at the 11th ticket of a typology in six months and not again at the
// 12th (which joins it); a ticket outside the window does not count; a requalified ticket is
// counted under its new typology.
import { describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { analyses, analysisTickets, events, outbox, tickets } from '../../src/db/schema.js';
import { readReplyToken, tokensIn } from '../../src/domain/reply-token.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import { ENGINES } from '../support/engines.js';
import { DAY, recurrenceSuite } from '../support/recurrence-suite.js';

describe.each(ENGINES)('recurrence detection on %s', (engine) => {
  const suite = recurrenceSuite(engine, { start: '2026-05-04T08:00:00Z', filePrefix: 'r' });
  const { clock } = suite;

  /** A billing complaint (typology erreur-facture) received now; returns its reference. */
  async function billingComplaint(subject = 'Erreur sur notre facture'): Promise<string> {
    const n = suite.next();
    const outcome = await suite.ingest(
      {
        From: `client${n}@example.test`,
        To: 'reclamation@spst-test.fr',
        Subject: subject,
        'Message-ID': `<f${n}@example.test>`,
        Date: clock.now().toUTCString(),
      },
      'Bonjour, la facture du trimestre est en doublon, merci de nous envoyer un avoir.',
    );
    if (outcome.outcome !== 'ticket') throw new Error(`expected a ticket, got ${outcome.outcome}`);
    return outcome.reference;
  }

  const allAnalyses = () => suite.t.database.db.select().from(analyses).orderBy(asc(analyses.id));
  const ticketsOf = async (analysisId: number) =>
    (
      await suite.t.database.db
        .select({ reference: tickets.reference })
        .from(analysisTickets)
        .innerJoin(tickets, eq(tickets.id, analysisTickets.ticketId))
        .where(eq(analysisTickets.analysisId, analysisId))
        .orderBy(asc(tickets.reference))
    ).map((r) => r.reference);

  it('qualifies the billing complaints under their typology', async () => {
    const reference = await billingComplaint();
    const [row] = await suite.t.database.db.select().from(tickets).where(eq(tickets.reference, reference));
    expect(row).toMatchObject({ category: 'facturation', typology: 'erreur-facture' });
  });

  it('opens one analysis at the 11th ticket of a typology in six months, and not again at the 12th', async () => {
    const references: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      references.push(await billingComplaint());
      clock.advance(14 * DAY);
    }
    expect(await allAnalyses()).toHaveLength(0);
    references.push(await billingComplaint());
    const [opened, ...others] = await allAnalyses();
    expect(others).toHaveLength(0);
    expect(opened).toMatchObject({
      reference: 'ANA-2026-0001',
      typology: 'erreur-facture',
      category: 'facturation',
      status: 'open',
      threshold: 10,
      months: 6,
    });
    expect(await ticketsOf(opened!.id)).toEqual(references);
    const [openedEvent] = await suite.t.database.db.select().from(events).where(eq(events.type, 'analysis.opened'));
    expect(openedEvent).toMatchObject({ analysisId: opened!.id, data: { tickets: 11, typology: 'erreur-facture' } });

    clock.advance(DAY);
    const twelfth = await billingComplaint();
    expect(await allAnalyses()).toHaveLength(1);
    expect(await ticketsOf(opened!.id)).toEqual([...references, twelfth]);
    const attached = await suite.t.database.db.select().from(events).where(eq(events.type, 'analysis.ticket-attached'));
    expect(attached).toHaveLength(12);
  });

  it('mails the analysis to the pilot and the category referents, with its tickets and a signed reply address', async () => {
    const references: string[] = [];
    for (let i = 0; i < 11; i += 1) {
      references.push(await billingComplaint(`Erreur sur notre facture n° ${i + 1}`));
      clock.advance(DAY);
    }
    const [analysis] = await allAnalyses();
    const mails = await suite.t.database.db.select().from(outbox).where(eq(outbox.kind, 'analysis-opened'));
    expect(mails.map((m) => m.toAddress).sort()).toEqual(['accueil@spst-test.fr', 'pilote@spst-test.fr']);
    const pilotMail = mails.find((m) => m.toAddress === 'pilote@spst-test.fr')!;
    expect(pilotMail.subject).toBe(
      '[ANA-2026-0001] Récurrence : 11 réclamations « Erreur de facturation » en 6 mois — analyse des 5 pourquoi',
    );
    expect(pilotMail.text).toContain('Vous en êtes le pilote');
    expect(pilotMail.text).toContain('plus de 10 en 6 mois');
    for (const reference of references) expect(pilotMail.text).toContain(`- ${reference} — `);
    expect(pilotMail.text).toContain('Erreur sur notre facture n° 11');
    expect(pilotMail.text).toContain('#pourquoi <texte>');
    const [token] = tokensIn([pilotMail.headers['Reply-To']!]);
    expect(readReplyToken(token!)).toMatchObject({ ticketId: analysis!.id, analysis: true });
    expect(pilotMail.ticketId).toBeNull();
    const referentMail = mails.find((m) => m.toAddress === 'accueil@spst-test.fr')!;
    expect(referentMail.text).toContain('en tant que référent de la catégorie Facturation');
  });

  it('masks the medical tickets of an analysis for a pilot who is not a doctor', async () => {
    suite.configure('{ threshold: 2, months: 6 }');
    for (let i = 0; i < 3; i += 1) {
      const n = suite.next();
      await suite.ingest(
        {
          From: `salarie${n}@example.test`,
          To: 'reclamation@spst-test.fr',
          Subject: `Visite annulée par le médecin, salarié Marcel Secret ${i}`,
          'Message-ID': `<m${n}@example.test>`,
        },
        'Ma visite médicale a été annulée, le médecin absent, et mon dossier médical mentionne une inaptitude.',
      );
      clock.advance(DAY);
    }
    const [analysis] = await allAnalyses();
    expect(analysis).toMatchObject({ typology: 'visite-non-realisee', category: 'medicale' });
    const mails = await suite.t.database.db.select().from(outbox).where(eq(outbox.kind, 'analysis-opened'));
    const pilotMail = mails.find((m) => m.toAddress === 'pilote@spst-test.fr')!;
    const doctorMail = mails.find((m) => m.toAddress === 'dr.martin@spst-test.fr')!;
    for (const part of [pilotMail.subject, pilotMail.text, pilotMail.html]) expect(part).not.toContain('Marcel');
    expect(pilotMail.text).toContain('Confidentiel (réservé aux médecins)');
    expect(pilotMail.text).toContain('leur contenu est réservé aux médecins');
    expect(doctorMail.text).toContain('Marcel Secret');
  });

  it('does not count a ticket received before the window', async () => {
    await billingComplaint(); // 4 May 2026
    clock.set('2026-06-01T08:00:00Z');
    for (let i = 0; i < 9; i += 1) {
      await billingComplaint();
      clock.advance(7 * DAY);
    }
    // 10 tickets in all, then the 11th on 5 November 2026: six months back is 5 May, so the one
    // of 4 May is outside and only 10 are in the window.
    clock.set('2026-11-05T08:00:00Z');
    await billingComplaint();
    expect(await allAnalyses()).toHaveLength(0);
    // One more inside the window: 11 in six months.
    clock.advance(DAY);
    await billingComplaint();
    const [opened] = await allAnalyses();
    expect((await ticketsOf(opened!.id)).length).toBe(11);
    // 6 November 09:00 in Paris (CET) − 6 months = 6 May 09:00 in Paris (CEST).
    expect(opened!.windowStart.toISOString()).toBe('2026-05-06T07:00:00.000Z');
  });

  it('counts tickets of one typology only, and not the rejected ones', async () => {
    for (let i = 0; i < 10; i += 1) {
      await billingComplaint();
      clock.advance(DAY);
    }
    // An 11th, but about contributions: another typology.
    await suite.ingest(
      { From: 'autre@example.test', To: 'reclamation@spst-test.fr', Subject: 'Cotisation', 'Message-ID': '<c1@x>' },
      'Le tarif de la cotisation a augmenté sans explication.',
    );
    expect(await allAnalyses()).toHaveLength(0);
    // One of the ten becomes non receivable: ten billing tickets still count after the next.
    const pilot = suite.deps.config.people.find((p) => p.email === 'pilote@spst-test.fr')!;
    const [first] = await suite.t.database.db.select().from(tickets).orderBy(asc(tickets.id)).limit(1);
    await suite.ingest(
      {
        From: 'pilote@spst-test.fr',
        To: staffReplyAddress(suite.deps, pilot, first!.id),
        Subject: `RE: [${first!.reference}] Nouvelle réclamation`,
        'Message-ID': `<p${suite.next()}@spst-test.fr>`,
      },
      '#irrecevable demande de devis',
    );
    await billingComplaint();
    expect(await allAnalyses()).toHaveLength(0);
    await billingComplaint();
    expect(await allAnalyses()).toHaveLength(1);
  });

  it('counts a ticket requalified by #typologie, and opens the analysis from the command', async () => {
    for (let i = 0; i < 10; i += 1) {
      await billingComplaint();
      clock.advance(DAY);
    }
    const outcome = await suite.ingest(
      { From: 'autre@example.test', To: 'reclamation@spst-test.fr', Subject: 'Cotisation', 'Message-ID': '<c2@x>' },
      'Le tarif de la cotisation a augmenté sans explication.',
    );
    if (outcome.outcome !== 'ticket') throw new Error('expected a ticket');
    const [row] = await suite.t.database.db.select().from(tickets).where(eq(tickets.reference, outcome.reference));
    expect(row!.typology).toBe('cotisation');
    const referent = suite.deps.config.people.find((p) => p.email === 'accueil@spst-test.fr')!;
    await suite.ingest(
      {
        From: 'accueil@spst-test.fr',
        To: staffReplyAddress(suite.deps, referent, row!.id),
        Subject: `RE: [${row!.reference}] Nouvelle réclamation`,
        'Message-ID': `<a${suite.next()}@spst-test.fr>`,
      },
      '#typologie erreur-facture',
    );
    const [opened] = await allAnalyses();
    expect(opened).toMatchObject({ typology: 'erreur-facture' });
    expect(await ticketsOf(opened!.id)).toContain(row!.reference);
    const [openedEvent] = await suite.t.database.db.select().from(events).where(eq(events.type, 'analysis.opened'));
    expect(openedEvent!.actor).toBe('accueil@spst-test.fr');
  });

  it('numbers analyses in their own yearly sequence, apart from tickets', async () => {
    suite.configure('{ threshold: 1, months: 1 }');
    await billingComplaint();
    await billingComplaint();
    await suite.ingest(
      { From: 'x@example.test', To: 'reclamation@spst-test.fr', Subject: 'Cotisation', 'Message-ID': '<c3@x>' },
      'Le tarif de la cotisation a augmenté.',
    );
    await suite.ingest(
      { From: 'y@example.test', To: 'reclamation@spst-test.fr', Subject: 'Cotisation', 'Message-ID': '<c4@x>' },
      'Encore le tarif de la cotisation.',
    );
    expect((await allAnalyses()).map((a) => [a.reference, a.typology])).toEqual([
      ['ANA-2026-0001', 'erreur-facture'],
      ['ANA-2026-0002', 'cotisation'],
    ]);
  });
});
