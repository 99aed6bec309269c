// Acting on a recurrence analysis by reply, through the real ingest path on both engines: the
// whys numbered, the cause, actions with deadlines, closure and its conditions, refusals that
// say why in French, forged replies never applied, and a closed analysis staying closed.
import { describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { analyses, events, outbox } from '../../src/db/schema.js';
import type { IngestOutcome } from '../../src/services/ingest-mail.js';
import { createTrendChartRenderer } from '../../src/adapters/trend-chart.js';
import { createXlsxWriter } from '../../src/adapters/xlsx-workbook.js';
import { monthPeriod } from '../../src/domain/period.js';
import { prepareDigest } from '../../src/services/send-digest.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import { ENGINES } from '../support/engines.js';
import { DAY, recurrenceSuite } from '../support/recurrence-suite.js';

describe.each(ENGINES)('analysis commands on %s', (engine) => {
  const suite = recurrenceSuite(engine, {
    start: '2026-11-02T08:00:00Z',
    recurrence: '{ threshold: 2, months: 6 }',
    filePrefix: 'a',
  });
  const { clock } = suite;

  const person = (email: string) => suite.deps.config.people.find((p) => p.email === email)!;

  async function billingComplaint(): Promise<void> {
    const n = suite.next();
    await suite.ingest(
      {
        From: `client${n}@example.test`,
        To: 'reclamation@spst-test.fr',
        Subject: `Facture en doublon n° ${n}`,
        'Message-ID': `<b${n}@example.test>`,
      },
      'Bonjour, la facture est en doublon, merci de nous envoyer un avoir.',
    );
    clock.advance(DAY);
  }

  /** Three billing complaints: the analysis opens (threshold 2). */
  async function openAnalysis() {
    for (let i = 0; i < 3; i += 1) await billingComplaint();
    const [analysis] = await suite.t.database.db.select().from(analyses);
    if (!analysis) throw new Error('no analysis opened');
    return analysis;
  }

  /** A reply from `email` to the analysis mail (signed for `signedFor`, the sender by default). */
  function reply(email: string, analysisId: number, body: string, signedFor = email): Promise<IngestOutcome> {
    return suite.ingest(
      {
        From: email,
        To: staffReplyAddress(suite.deps, person(signedFor), analysisId, 'analysis'),
        Subject: 'RE: [ANA-2026-0001] Récurrence : 3 réclamations « Erreur de facturation » en 6 mois',
        'Message-ID': `<r${suite.next()}@spst-test.fr>`,
      },
      body,
    );
  }

  const lastReplyTo = async (email: string) =>
    (await suite.t.database.db.select().from(outbox).where(eq(outbox.toAddress, email)).orderBy(outbox.id)).at(-1)!;
  const analysisEventsOf = async (id: number) =>
    suite.t.database.db.select().from(events).where(eq(events.analysisId, id)).orderBy(asc(events.id));

  it('records numbered whys, the cause and dated actions, then closes', async () => {
    const analysis = await openAnalysis();
    const outcome = await reply(
      'pilote@spst-test.fr',
      analysis.id,
      '#pourquoi les factures partent deux fois\n#pourquoi le lot est relancé après une erreur réseau\n\nCordialement,\nPaule',
    );
    expect(outcome).toMatchObject({ outcome: 'staff', detail: { outcome: 'commands', applied: 2, refused: 0 } });
    let answer = await lastReplyTo('pilote@spst-test.fr');
    expect(answer.kind).toBe('analysis-result');
    expect(answer.subject).toBe('[ANA-2026-0001] Analyse « Erreur de facturation » — commandes appliquées');
    expect(answer.text).toContain('✔ #pourquoi les factures partent deux fois — « pourquoi » n° 1 enregistré');
    expect(answer.text).toContain('« pourquoi » n° 2 enregistré');
    expect(answer.text).toContain('2. le lot est relancé après une erreur réseau');

    await reply('accueil@spst-test.fr', analysis.id, '#cause aucun contrôle de doublon avant l’envoi');
    expect((await lastReplyTo('accueil@spst-test.fr')).text).toContain('cause racine enregistrée');
    await reply('pilote@spst-test.fr', analysis.id, '#action contrôle automatique des doublons 15/01/2027');
    answer = await lastReplyTo('pilote@spst-test.fr');
    expect(answer.text).toContain('action corrective enregistrée, échéance le vendredi 15 janvier 2027');
    expect(answer.text).toContain('- contrôle automatique des doublons — échéance : vendredi 15 janvier 2027');

    await reply('pilote@spst-test.fr', analysis.id, '#clore');
    answer = await lastReplyTo('pilote@spst-test.fr');
    expect(answer.subject).toContain('analyse close');
    expect(answer.text).toContain('État : close le');
    const [closed] = await suite.t.database.db.select().from(analyses);
    expect(closed).toMatchObject({ status: 'closed', closedBy: 'pilote@spst-test.fr', nextReminderAt: null });
    const recorded = (await analysisEventsOf(analysis.id)).map((e) => [e.type, e.actor, e.data]);
    expect(
      recorded.filter(([type]) => String(type).startsWith('analysis.') && type !== 'analysis.ticket-attached'),
    ).toEqual([
      ['analysis.opened', 'system', expect.objectContaining({ tickets: 3 })],
      ['analysis.why', 'pilote@spst-test.fr', { number: 1, text: 'les factures partent deux fois' }],
      ['analysis.why', 'pilote@spst-test.fr', { number: 2, text: 'le lot est relancé après une erreur réseau' }],
      ['analysis.cause', 'accueil@spst-test.fr', { text: 'aucun contrôle de doublon avant l’envoi' }],
      [
        'analysis.action',
        'pilote@spst-test.fr',
        { text: 'contrôle automatique des doublons', dueAt: '2027-01-15T22:59:59.999Z' },
      ],
      ['analysis.closed', 'pilote@spst-test.fr', { whys: 2, causes: 1, actions: 1 }],
    ]);
  });

  it('refuses to close without a why and a cause, and says what is missing', async () => {
    const analysis = await openAnalysis();
    await reply('pilote@spst-test.fr', analysis.id, '#clore');
    const answer = await lastReplyTo('pilote@spst-test.fr');
    expect(answer.text).toContain(
      '✘ #clore — l’analyse ne peut être close sans au moins un « pourquoi » (#pourquoi) ni la cause racine (#cause)',
    );
    expect(answer.text).toContain('#pourquoi <texte>');
    expect((await suite.t.database.db.select().from(analyses))[0]!.status).toBe('open');
  });

  it('stops at five whys, and refuses a past deadline and an empty text', async () => {
    const analysis = await openAnalysis();
    await reply('pilote@spst-test.fr', analysis.id, [1, 2, 3, 4, 5, 6].map((i) => `#pourquoi raison ${i}`).join('\n'));
    let answer = await lastReplyTo('pilote@spst-test.fr');
    expect(answer.text).toContain('« pourquoi » n° 5 enregistré');
    expect(answer.text).toContain(
      '✘ #pourquoi raison 6 — les 5 « pourquoi » sont déjà enregistrés : enregistrez la cause racine (#cause)',
    );
    await reply('pilote@spst-test.fr', analysis.id, '#action rappel 01/10/2026\n#cause');
    answer = await lastReplyTo('pilote@spst-test.fr');
    expect(answer.text).toContain('l’échéance du jeudi 1er octobre 2026 est déjà passée');
    expect(answer.text).toContain('✘ #cause — écrivez la cause après la commande');
    expect(answer.subject).toContain('commandes : 2 refusées');
  });

  it('takes the text below the block for the last command without one', async () => {
    const analysis = await openAnalysis();
    await reply('pilote@spst-test.fr', analysis.id, '#cause\n\nLe logiciel relance le lot entier\nsans vérifier.');
    const [cause] = (await analysisEventsOf(analysis.id)).filter((e) => e.type === 'analysis.cause');
    expect(cause!.data).toEqual({ text: 'Le logiciel relance le lot entier\nsans vérifier.' });
  });

  it('refuses ticket commands and unknown ones with the analysis commands', async () => {
    const analysis = await openAnalysis();
    await reply('pilote@spst-test.fr', analysis.id, '#prendre\n#pourquio la facture part deux fois');
    const answer = await lastReplyTo('pilote@spst-test.fr');
    expect(answer.text).toContain('✘ #prendre — commande de réclamation : elle ne s’applique pas à une analyse');
    expect(answer.text).toContain(
      '✘ #pourquio la facture part deux fois — commande inconnue. Vouliez-vous dire #pourquoi ?',
    );
    expect(answer.text).toContain('#action <texte> [JJ/MM/AAAA]');
    expect((await analysisEventsOf(analysis.id)).some((e) => e.type === 'analysis.why')).toBe(false);
  });

  it('never applies a reply whose analysis signature is another person’s', async () => {
    const analysis = await openAnalysis();
    const outcome = await reply('accueil@spst-test.fr', analysis.id, '#cause inventée', 'pilote@spst-test.fr');
    expect(outcome).toMatchObject({ outcome: 'staff', detail: { outcome: 'refused' } });
    expect((await analysisEventsOf(analysis.id)).some((e) => e.type === 'analysis.cause')).toBe(false);
    const forged = await suite.t.database.db.select().from(events).where(eq(events.type, 'command.forged'));
    expect(forged).toHaveLength(1);
    expect((await lastReplyTo('accueil@spst-test.fr')).kind).toBe('forged-alert');
  });

  it('sends the state with its tickets on #statut', async () => {
    const analysis = await openAnalysis();
    await reply('accueil@spst-test.fr', analysis.id, '#statut');
    const answer = await lastReplyTo('accueil@spst-test.fr');
    expect(answer.subject).toBe('[ANA-2026-0001] Analyse « Erreur de facturation » — état de l’analyse');
    expect(answer.text).toContain('Réclamations concernées :');
    expect(answer.text.match(/- REC-2026-000\d — /g)).toHaveLength(3);
  });

  it('keeps a closed analysis closed, and a new one needs more than the threshold of new tickets', async () => {
    const analysis = await openAnalysis();
    await reply('pilote@spst-test.fr', analysis.id, '#pourquoi doublons\n#cause relance du lot\n#clore');
    expect((await suite.t.database.db.select().from(analyses))[0]!.status).toBe('closed');
    await reply('pilote@spst-test.fr', analysis.id, '#pourquoi encore');
    expect((await lastReplyTo('pilote@spst-test.fr')).text).toContain('l’analyse ANA-2026-0001 est close');
    // The three tickets of the closed analysis do not count again: three new ones are needed.
    await billingComplaint();
    await billingComplaint();
    expect(await suite.t.database.db.select().from(analyses)).toHaveLength(1);
    await billingComplaint();
    const all = await suite.t.database.db.select().from(analyses).orderBy(asc(analyses.id));
    expect(all.map((a) => [a.reference, a.status])).toEqual([
      ['ANA-2026-0001', 'closed'],
      ['ANA-2026-0002', 'open'],
    ]);
  });

  it('shows in the monthly digest with its state and actions, for the pilot', async () => {
    const analysis = await openAnalysis();
    await reply(
      'pilote@spst-test.fr',
      analysis.id,
      '#pourquoi doublons\n#cause lot relancé sans contrôle\n#action contrôle des doublons 20/11/2026',
    );
    clock.set('2026-12-01T07:00:00Z');
    const digest = await prepareDigest(
      { ...suite.deps, charts: createTrendChartRenderer(), workbooks: createXlsxWriter() },
      { period: monthPeriod(2026, 11), viewer: 'pilote@spst-test.fr' },
    );
    expect(digest.mail.text).toContain('ALERTES DE RÉCURRENCE ET ANALYSES DES CAUSES');
    expect(digest.mail.text).toContain('1 alerte de récurrence sur la période ; 1 analyse ouverte, aucune close.');
    expect(digest.mail.text).toContain('- ANA-2026-0001 — Erreur de facturation (Facturation) : ouverte');
    expect(digest.mail.text).toContain('  Cause : lot relancé sans contrôle');
    expect(digest.mail.text).toContain('  Actions : contrôle des doublons (échéance 20/11/2026, dépassée)');
    expect(digest.mail.html).toContain('Alertes de récurrence et analyses des causes');
    const ExcelJS = (await import('exceljs')).default;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(digest.xlsx) as never);
    const sheet = book.getWorksheet('Analyses')!;
    expect(sheet.getRow(2).getCell(1).value).toBe('ANA-2026-0001');
    expect(sheet.getRow(2).getCell(12).value).toBe('lot relancé sans contrôle');
  });
});
