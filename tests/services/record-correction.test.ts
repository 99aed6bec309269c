import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { qualificationFeedback } from '../../src/db/schema.js';
import { recordCorrection } from '../../src/services/record-correction.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock } from '../support/deps.js';
import { emptyTables } from '../support/empty-tables.js';

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
    await emptyTables(t.database.db, ['qualification_feedback']);
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
});
