import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { recordEvents } from '../../src/db/events.js';
import { tickets } from '../../src/db/schema.js';
import { EVENT_TYPES } from '../../src/domain/event-types.js';
import { modelDocumentOf } from '../../src/domain/qualification.js';
import type { CorpusItem } from '../../src/domain/qualification-corpus.js';
import { predictField } from '../../src/domain/qualification-model.js';
import { resolveQualificationRules } from '../../src/domain/qualification-rules.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import { loadQualificationModel, type QualificationModelStore } from '../../src/services/qualification-model-store.js';
import type { Deps } from '../../src/services/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfig } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

const log = pino({ level: 'silent' });
let counter = 0;
const complaint = (subject: string, body: string) =>
  rawMail(
    {
      From: `Salarié ${++counter} <salarie${counter}@gmail.com>`,
      To: 'reclamation@spst-test.fr',
      Subject: subject,
      Date: 'Mon, 23 Nov 2026 09:00:00 +0100',
      'Message-ID': `<store${counter}@example.test>`,
    },
    body,
  );

/** A small corpus in the test procedure's two categories (generale, medicale). */
function corpus(): CorpusItem[] {
  const items: CorpusItem[] = [];
  for (let n = 0; n < 12; n++) {
    items.push({
      id: `g${n}`,
      file: 'test.jsonl',
      input: {
        subject: `Attente ${n}`,
        text: `Deux heures d’attente à l’accueil le ${n} mars, personne ne répondait.`,
        from: null,
      },
      labels: { category: 'generale', level: '2', requester: 'salarie', receivable: 'true' },
    });
    items.push({
      id: `m${n}`,
      file: 'test.jsonl',
      input: {
        subject: `Avis ${n}`,
        text: `Le médecin a rendu un avis d’inaptitude sans m’examiner, le ${n} mars.`,
        from: null,
      },
      labels: { category: 'medicale', level: '1', requester: 'salarie', receivable: 'true' },
    });
  }
  return items;
}

const casque = (n: number) =>
  complaint(`Casque prêté ${n}`, `Le casque antibruit prêté pendant le test numéro ${n} était cassé et sale.`);

describe.each(ENGINES)('the qualification model store on %s', (engine) => {
  let t: TestDatabase;
  let deps: Deps;
  let store: QualificationModelStore;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));
  const config = testConfig();

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
      'ticket_sequences',
    ]);
    const base = testDeps(db, config, clock);
    store = (await loadQualificationModel({ db, config, log }, { items: corpus(), frozen: new Set(['g0', 'm0']) }))!;
    deps = { ...base, qualificationModel: store };
  });

  /** What apply-command does for #categorie: the column and the requalified event. */
  async function requalify(reference: string, category: string): Promise<number> {
    const [row] = await t.database.db
      .update(tickets)
      .set({ category })
      .where(eq(tickets.reference, reference))
      .returning();
    await recordEvents(t.database.db, [
      {
        ticketId: row!.id,
        at: clock.now(),
        actor: 'dr.martin@spst-test.fr',
        type: EVENT_TYPES.requalified,
        data: { field: 'category', from: 'generale', to: category },
      },
    ]);
    return row!.id;
  }

  async function close(reference: string): Promise<void> {
    const [row] = await t.database.db
      .update(tickets)
      .set({ status: 'closed', closedAt: clock.now() })
      .where(eq(tickets.reference, reference))
      .returning();
    await recordEvents(t.database.db, [
      { ticketId: row!.id, at: clock.now(), actor: 'accueil@spst-test.fr', type: EVENT_TYPES.closed },
    ]);
  }

  it('starts from the corpus for the configured categories, the frozen items left out', () => {
    expect(store.summary()).toEqual({ corpus: 22, tickets: 0, updates: 0 });
  });

  it('learns each correction before the next mail is qualified, and the acknowledgement path uses it', async () => {
    const first = await ingestMail(deps, casque(0), { kind: 'file', name: 'c0.eml' });
    if (first.outcome !== 'ticket') throw new Error(first.outcome);
    const [ticket] = await t.database.db.select().from(tickets).where(eq(tickets.reference, first.reference));
    expect(ticket!.category).toBe('generale');
    // Staff say these are medical (the test is part of the hearing check), five times.
    await requalify(first.reference, 'medicale');
    for (let n = 1; n <= 4; n++) {
      const outcome = await ingestMail(deps, casque(n), { kind: 'file', name: `c${n}.eml` });
      if (outcome.outcome !== 'ticket') throw new Error(outcome.outcome);
      const [row] = await t.database.db.select().from(tickets).where(eq(tickets.reference, outcome.reference));
      if (row!.category !== 'medicale') await requalify(outcome.reference, 'medicale');
    }
    expect(store.summary().tickets).toBeGreaterThan(0);
    const last = await ingestMail(deps, casque(9), { kind: 'file', name: 'c9.eml' });
    if (last.outcome !== 'ticket') throw new Error(last.outcome);
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.reference, last.reference));
    expect(row!.category).toBe('medicale');
    expect(row!.confidential).toBe(true);
    const evidence = (row!.qualification as { evidence: string[] }).evidence.join('\n');
    expect(evidence).toMatch(
      /appris \(catégorie\) : medicale à \d+ % d’après \d+ exemples, dont \d+ réclamations? réglées? par l’équipe/,
    );
  });

  it('learns every field of a ticket closed without correction, replaces a value corrected after closure, and a restart rebuilds the same model', async () => {
    const outcome = await ingestMail(deps, casque(20), { kind: 'file', name: 'c20.eml' });
    if (outcome.outcome !== 'ticket') throw new Error(outcome.outcome);
    await close(outcome.reference);
    await store.current(t.database.db);
    expect(store.summary()).toMatchObject({ tickets: 1, updates: 1 });
    const id = await requalify(outcome.reference, 'medicale');
    await store.current(t.database.db);
    expect(store.summary()).toMatchObject({ tickets: 1, updates: 2 });
    // Seen again (the look-back window): nothing changes.
    await store.current(t.database.db);
    expect(store.summary()).toMatchObject({ tickets: 1, updates: 2 });
    expect(id).toBeGreaterThan(0);

    const rebuilt = (await loadQualificationModel(
      { db: t.database.db, config, log },
      { items: corpus(), frozen: new Set(['g0', 'm0']) },
    ))!;
    expect(rebuilt.summary()).toMatchObject({ corpus: 22, tickets: 1 });
    const rules = resolveQualificationRules(config);
    const document = modelDocumentOf(
      { subject: 'Casque', text: 'Le casque antibruit était cassé.', from: null },
      rules,
    );
    for (const field of ['category', 'level', 'requester', 'receivable'] as const) {
      const values =
        field === 'category'
          ? ['generale', 'medicale']
          : field === 'level'
            ? ['1', '2', '3']
            : field === 'requester'
              ? ['adherent', 'salarie']
              : ['true', 'false'];
      expect(predictField(rebuilt.model, field, document, values)).toEqual(
        predictField(store.model, field, document, values),
      );
    }
  });

  it('is not built when qualification.learning.enabled is false, and skips the corpus with learning.corpus: false', async () => {
    const off = testConfig({ extra: 'qualification: { learning: { enabled: false } }' });
    expect(
      await loadQualificationModel({ db: t.database.db, config: off, log }, { items: corpus(), frozen: new Set() }),
    ).toBeNull();
    const noCorpus = testConfig({ extra: 'qualification: { learning: { corpus: false } }' });
    const store2 = await loadQualificationModel(
      { db: t.database.db, config: noCorpus, log },
      { items: corpus(), frozen: new Set() },
    );
    expect(store2!.summary().corpus).toBe(0);
  });
});
