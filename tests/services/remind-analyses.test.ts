// Reminders of open recurrence analyses on both engines with a fake clock moved across weeks:
// each due reminder once, only on business days in working hours, one after an outage, none once
// closed, and two daemons racing on PostgreSQL send it once.
import { describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { analyses, analysisReminders, events, outbox } from '../../src/db/schema.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import { remindAnalyses } from '../../src/services/remind-analyses.js';
import { ENGINES } from '../support/engines.js';
import { recurrenceSuite } from '../support/recurrence-suite.js';

describe.each(ENGINES)('analysis reminders on %s', (engine) => {
  // No deps before each test: openAnalysis makes them with the reminder interval it is given.
  const suite = recurrenceSuite(engine, { start: '2026-11-02T08:00:00Z', recurrence: null, filePrefix: 'q' });
  const { clock } = suite;

  /** Opens an analysis on Monday 2 November 2026 at 09:00 Paris (threshold 2), reminded every `every`. */
  async function openAnalysis(every: string) {
    suite.configure(`{ threshold: 2, months: 6, remindEvery: ${every} }`);
    for (const time of ['07:50', '07:55', '08:00']) {
      clock.set(`2026-11-02T${time}:00Z`);
      const n = suite.next();
      await suite.ingest(
        {
          From: `client${n}@example.test`,
          To: 'reclamation@spst-test.fr',
          Subject: 'Facture en doublon',
          'Message-ID': `<q${n}@example.test>`,
        },
        'La facture est en doublon, merci de nous envoyer un avoir.',
      );
    }
    const [analysis] = await suite.t.database.db.select().from(analyses);
    return analysis!;
  }

  const reminders = () => suite.t.database.db.select().from(outbox).where(eq(outbox.kind, 'analysis-reminder'));
  const recorded = () => suite.t.database.db.select().from(analysisReminders).orderBy(asc(analysisReminders.id));

  it('reminds the pilot once per due instant, with what is missing', async () => {
    const analysis = await openAnalysis('7d');
    expect(analysis.nextReminderAt!.toISOString()).toBe('2026-11-09T08:00:00.000Z');
    clock.set('2026-11-09T07:59:00Z');
    expect(await remindAnalyses(suite.deps)).toEqual({ reminded: [], nextCheckAt: analysis.nextReminderAt });
    clock.set('2026-11-09T08:00:00Z');
    expect((await remindAnalyses(suite.deps)).reminded).toEqual(['ANA-2026-0001']);
    // A restart at the same instant, and a later look the same week: nothing more.
    expect((await remindAnalyses(suite.deps)).reminded).toEqual([]);
    clock.set('2026-11-12T10:00:00Z');
    expect((await remindAnalyses(suite.deps)).reminded).toEqual([]);
    const [mail, ...others] = await reminders();
    expect(others).toHaveLength(0);
    expect(mail!.toAddress).toBe('pilote@spst-test.fr');
    expect(mail!.subject).toBe('[ANA-2026-0001] Rappel : analyse de récurrence « Erreur de facturation » à compléter');
    expect(mail!.text).toContain('les « pourquoi » (aucun enregistré : #pourquoi)');
    expect(mail!.text).toContain('la cause racine (#cause)');
    expect(mail!.headers['Reply-To']).toMatch(/^reclamation\+a/);
    const [row] = await recorded();
    expect(row).toMatchObject({ dueAt: new Date('2026-11-09T08:00:00Z'), to: ['pilote@spst-test.fr'] });
    const [event] = await suite.t.database.db.select().from(events).where(eq(events.type, 'analysis.reminded'));
    expect(event).toMatchObject({ analysisId: analysis.id, data: { dueAt: '2026-11-09T08:00:00.000Z' } });
    // The next one a week later.
    clock.set('2026-11-16T08:00:00Z');
    expect((await remindAnalyses(suite.deps)).reminded).toEqual(['ANA-2026-0001']);
    expect((await recorded()).map((r) => r.dueAt.toISOString())).toEqual([
      '2026-11-09T08:00:00.000Z',
      '2026-11-16T08:00:00.000Z',
    ]);
  });

  it('waits for a business day in working hours', async () => {
    // Every 5 days: due Saturday 7 November 09:00.
    await openAnalysis('5d');
    clock.set('2026-11-07T08:00:00Z');
    expect(await remindAnalyses(suite.deps)).toEqual({ reminded: [], nextCheckAt: new Date('2026-11-09T07:00:00Z') });
    clock.set('2026-11-09T06:59:00Z');
    expect((await remindAnalyses(suite.deps)).reminded).toEqual([]);
    clock.set('2026-11-09T07:00:00Z');
    expect((await remindAnalyses(suite.deps)).reminded).toEqual(['ANA-2026-0001']);
    const [row] = await recorded();
    expect(row!.dueAt.toISOString()).toBe('2026-11-07T08:00:00.000Z');
    const [analysis] = await suite.t.database.db.select().from(analyses);
    expect(analysis!.nextReminderAt!.toISOString()).toBe('2026-11-12T08:00:00.000Z');
  });

  it('sends one reminder after a three-week outage, not three', async () => {
    await openAnalysis('7d');
    clock.set('2026-11-25T13:00:00Z');
    expect((await remindAnalyses(suite.deps)).reminded).toEqual(['ANA-2026-0001']);
    expect(await reminders()).toHaveLength(1);
    const [analysis] = await suite.t.database.db.select().from(analyses);
    expect(analysis!.nextReminderAt!.toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('stops once the analysis is closed', async () => {
    const analysis = await openAnalysis('7d');
    const pilot = suite.deps.config.people.find((p) => p.email === 'pilote@spst-test.fr')!;
    await suite.ingest(
      {
        From: 'pilote@spst-test.fr',
        To: staffReplyAddress(suite.deps, pilot, analysis.id, 'analysis'),
        Subject: 'RE: [ANA-2026-0001] Récurrence',
        'Message-ID': `<p${suite.next()}@spst-test.fr>`,
      },
      '#pourquoi doublons\n#cause lot relancé\n#clore',
    );
    clock.set('2026-11-09T08:00:00Z');
    expect(await remindAnalyses(suite.deps)).toEqual({ reminded: [], nextCheckAt: null });
    expect(await reminders()).toHaveLength(0);
  });

  it.runIf(engine === 'postgres')('sends once when two daemons look at the same instant', async () => {
    await openAnalysis('7d');
    clock.set('2026-11-09T08:00:00Z');
    const other = await suite.t.reopen();
    const results = await Promise.all([remindAnalyses(suite.deps), remindAnalyses({ ...suite.deps, db: other.db })]);
    expect(results.flatMap((r) => r.reminded)).toEqual(['ANA-2026-0001']);
    expect(await reminders()).toHaveLength(1);
    expect(await recorded()).toHaveLength(1);
  });
});
