// Reminders of open recurrence analyses on both engines with a fake clock moved across weeks:
// each due reminder once, only on business days in working hours, one after an outage, none once
// closed, and two daemons racing on PostgreSQL send it once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { analyses, analysisReminders, events, outbox } from '../../src/db/schema.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import { remindAnalyses } from '../../src/services/remind-analyses.js';
import type { Deps } from '../../src/services/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { recurrenceConfig } from '../support/recurrence-config.js';

let n = 0;
const file = () => ({ kind: 'file' as const, name: `q${++n}` });
const TABLES = [
  'analysis_reminders',
  'analysis_tickets',
  'qualification_feedback',
  'attachments',
  'events',
  'analyses',
  'analysis_sequences',
  'outbox',
  'messages',
  'tickets',
  'ticket_sequences',
];

describe.each(ENGINES)('analysis reminders on %s', (engine) => {
  let t: TestDatabase;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-11-02T08:00:00Z'));

  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    deps?.sender.close();
    await t?.close();
  });
  beforeEach(async () => {
    for (const table of TABLES) await t.database.db.execute(sql.raw(`delete from ${table}`));
    deps?.sender.close();
  });

  /** Opens an analysis on Monday 2 November 2026 at 09:00 Paris (threshold 2), reminded every `every`. */
  async function openAnalysis(every: string) {
    deps = testDeps(t.database.db, recurrenceConfig(`{ threshold: 2, months: 6, remindEvery: ${every} }`), clock);
    for (const time of ['07:50', '07:55', '08:00']) {
      clock.set(`2026-11-02T${time}:00Z`);
      await ingestMail(
        deps,
        rawMail(
          {
            From: `client${++n}@example.test`,
            To: 'reclamation@spst-test.fr',
            Subject: 'Facture en doublon',
            'Message-ID': `<q${n}@example.test>`,
          },
          'La facture est en doublon, merci de nous envoyer un avoir.',
        ),
        file(),
      );
    }
    const [analysis] = await t.database.db.select().from(analyses);
    return analysis!;
  }

  const reminders = () => t.database.db.select().from(outbox).where(eq(outbox.kind, 'analysis-reminder'));
  const recorded = () => t.database.db.select().from(analysisReminders).orderBy(asc(analysisReminders.id));

  it('reminds the pilot once per due instant, with what is missing', async () => {
    const analysis = await openAnalysis('7d');
    expect(analysis.nextReminderAt!.toISOString()).toBe('2026-11-09T08:00:00.000Z');
    clock.set('2026-11-09T07:59:00Z');
    expect(await remindAnalyses(deps)).toEqual({ reminded: [], nextCheckAt: analysis.nextReminderAt });
    clock.set('2026-11-09T08:00:00Z');
    expect((await remindAnalyses(deps)).reminded).toEqual(['ANA-2026-0001']);
    // A restart at the same instant, and a later look the same week: nothing more.
    expect((await remindAnalyses(deps)).reminded).toEqual([]);
    clock.set('2026-11-12T10:00:00Z');
    expect((await remindAnalyses(deps)).reminded).toEqual([]);
    const [mail, ...others] = await reminders();
    expect(others).toHaveLength(0);
    expect(mail!.toAddress).toBe('pilote@spst-test.fr');
    expect(mail!.subject).toBe('[ANA-2026-0001] Rappel : analyse de récurrence « Erreur de facturation » à compléter');
    expect(mail!.text).toContain('les « pourquoi » (aucun enregistré : #pourquoi)');
    expect(mail!.text).toContain('la cause racine (#cause)');
    expect(mail!.headers['Reply-To']).toMatch(/^reclamation\+a/);
    const [row] = await recorded();
    expect(row).toMatchObject({ dueAt: new Date('2026-11-09T08:00:00Z'), to: ['pilote@spst-test.fr'] });
    const [event] = await t.database.db.select().from(events).where(eq(events.type, 'analysis.reminded'));
    expect(event).toMatchObject({ analysisId: analysis.id, data: { dueAt: '2026-11-09T08:00:00.000Z' } });
    // The next one a week later.
    clock.set('2026-11-16T08:00:00Z');
    expect((await remindAnalyses(deps)).reminded).toEqual(['ANA-2026-0001']);
    expect((await recorded()).map((r) => r.dueAt.toISOString())).toEqual([
      '2026-11-09T08:00:00.000Z',
      '2026-11-16T08:00:00.000Z',
    ]);
  });

  it('waits for a business day in working hours', async () => {
    // Every 5 days: due Saturday 7 November 09:00.
    await openAnalysis('5d');
    clock.set('2026-11-07T08:00:00Z');
    expect(await remindAnalyses(deps)).toEqual({ reminded: [], nextCheckAt: new Date('2026-11-09T07:00:00Z') });
    clock.set('2026-11-09T06:59:00Z');
    expect((await remindAnalyses(deps)).reminded).toEqual([]);
    clock.set('2026-11-09T07:00:00Z');
    expect((await remindAnalyses(deps)).reminded).toEqual(['ANA-2026-0001']);
    const [row] = await recorded();
    expect(row!.dueAt.toISOString()).toBe('2026-11-07T08:00:00.000Z');
    const [analysis] = await t.database.db.select().from(analyses);
    expect(analysis!.nextReminderAt!.toISOString()).toBe('2026-11-12T08:00:00.000Z');
  });

  it('sends one reminder after a three-week outage, not three', async () => {
    await openAnalysis('7d');
    clock.set('2026-11-25T13:00:00Z');
    expect((await remindAnalyses(deps)).reminded).toEqual(['ANA-2026-0001']);
    expect(await reminders()).toHaveLength(1);
    const [analysis] = await t.database.db.select().from(analyses);
    expect(analysis!.nextReminderAt!.toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('stops once the analysis is closed', async () => {
    const analysis = await openAnalysis('7d');
    const pilot = deps.config.people.find((p) => p.email === 'pilote@spst-test.fr')!;
    await ingestMail(
      deps,
      rawMail(
        {
          From: 'pilote@spst-test.fr',
          To: staffReplyAddress(deps, pilot, analysis.id, 'analysis'),
          Subject: 'RE: [ANA-2026-0001] Récurrence',
          'Message-ID': `<p${++n}@spst-test.fr>`,
        },
        '#pourquoi doublons\n#cause lot relancé\n#clore',
      ),
      file(),
    );
    clock.set('2026-11-09T08:00:00Z');
    expect(await remindAnalyses(deps)).toEqual({ reminded: [], nextCheckAt: null });
    expect(await reminders()).toHaveLength(0);
  });

  it.runIf(engine === 'postgres')('sends once when two daemons look at the same instant', async () => {
    await openAnalysis('7d');
    clock.set('2026-11-09T08:00:00Z');
    const other = await t.reopen();
    const results = await Promise.all([remindAnalyses(deps), remindAnalyses({ ...deps, db: other.db })]);
    expect(results.flatMap((r) => r.reminded)).toEqual(['ANA-2026-0001']);
    expect(await reminders()).toHaveLength(1);
    expect(await recorded()).toHaveLength(1);
  });
});
