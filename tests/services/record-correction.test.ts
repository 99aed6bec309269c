import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { qualificationFeedback } from '../../src/db/schema.js';
import { recentQualificationFeedback } from '../../src/db/qualification-feedback.js';
import { qualify } from '../../src/domain/qualification.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
} from '../../src/domain/qualification-rules.js';
import { recordCorrection } from '../../src/services/record-correction.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock } from '../support/deps.js';

describe.each(ENGINES)('recordCorrection on %s', (engine) => {
  let t: TestDatabase;
  const clock = new FakeClock(new Date('2026-03-12T09:00:00Z'));

  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.database.db.execute(sql.raw('delete from qualification_feedback'));
    clock.set('2026-03-12T09:00:00Z');
  });

  it('stores the correction with the complaint’s normalised terms, the actor and the time', async () => {
    const row = await recordCorrection(
      t.database.db,
      { clock },
      {
        ticketId: null,
        field: 'category',
        from: 'generale',
        to: 'administrative',
        actor: 'pilote@spst.example',
        text: 'Badge d’accès — Les badges d’accès ne fonctionnent plus depuis lundi.',
      },
    );
    expect(row).toMatchObject({
      field: 'category',
      fromValue: 'generale',
      toValue: 'administrative',
      actor: 'pilote@spst.example',
    });
    const [stored] = await t.database.db.select().from(qualificationFeedback);
    expect(stored!.terms).toEqual(expect.arrayContaining(['badg', 'acc', 'fonctionn', 'lundi']));
    expect(stored!.terms).not.toContain('les');
    expect(stored!.createdAt.toISOString()).toBe('2026-03-12T09:00:00.000Z');
  });

  it('records nothing when the value did not change, and stores levels and booleans as text', async () => {
    expect(
      await recordCorrection(
        t.database.db,
        { clock },
        { ticketId: null, field: 'level', from: 2, to: 2, actor: 'a@spst.example', text: 'x' },
      ),
    ).toBeNull();
    await recordCorrection(
      t.database.db,
      { clock },
      { ticketId: null, field: 'receivable', from: true, to: false, actor: 'a@spst.example', text: 'merci pour tout' },
    );
    const rows = await t.database.db.select().from(qualificationFeedback);
    expect(rows.map((r) => [r.field, r.fromValue, r.toValue])).toEqual([['receivable', 'true', 'false']]);
  });

  it('loads only the N most recent corrections of each field, newest first, as the qualifier’s data', async () => {
    for (let i = 0; i < 5; i++) {
      clock.set(new Date(Date.UTC(2026, 2, 1 + i)));
      await recordCorrection(
        t.database.db,
        { clock },
        {
          ticketId: null,
          field: 'level',
          from: '3',
          to: String(1 + (i % 2)),
          actor: `r${i}@spst.example`,
          text: `plainte ${i}`,
        },
      );
      await recordCorrection(
        t.database.db,
        { clock },
        {
          ticketId: null,
          field: 'category',
          from: 'generale',
          to: 'medicale',
          actor: `r${i}@spst.example`,
          text: `plainte ${i}`,
        },
      );
    }
    const recent = await recentQualificationFeedback(t.database.db, 2);
    expect(recent.filter((f) => f.field === 'level').map((f) => f.actor)).toEqual([
      'r4@spst.example',
      'r3@spst.example',
    ]);
    expect(recent.filter((f) => f.field === 'category')).toHaveLength(2);
    expect(recent[0]).toMatchObject({
      field: 'category',
      from: 'generale',
      to: 'medicale',
      at: '2026-03-05T00:00:00.000Z',
    });
    expect(await recentQualificationFeedback(t.database.db, 0)).toEqual([]);
  });

  it('what is recorded changes how a similar complaint is qualified', async () => {
    const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
    const complaint = {
      subject: 'Badge d’accès',
      text: 'Le badge d’accès ne fonctionne plus depuis lundi, impossible d’entrer.',
      from: null,
    };
    const before = qualify(complaint, rules, await recentQualificationFeedback(t.database.db, 200));
    await recordCorrection(
      t.database.db,
      { clock },
      {
        ticketId: null,
        field: 'category',
        from: before.category,
        to: 'administrative',
        actor: 'pilote@spst.example',
        text: `${complaint.subject}\n${complaint.text}`,
      },
    );
    const after = qualify(complaint, rules, await recentQualificationFeedback(t.database.db, 200));
    expect(before.category).not.toBe('administrative');
    expect(after.category).toBe('administrative');
    expect(after.evidence.join('\n')).toMatch(
      /correction generale → administrative par pilote@spst\.example le 2026-03-12/,
    );
  });
});
