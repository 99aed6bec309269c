// `reclam tickets` and `reclam show` as the pilot reads them, on both engines: French words only
// (no `ticket.received`, `deadlineRule=10d`, `medicale`), the whole history with the texts of
// notes, actions, causes, whys, reasons, the response sent and the effectiveness answer; masked
// for non-doctors on a medical ticket; `--status` in French or as a code, unknown ones refused.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../src/db/schema.js';
import type { Deps } from '../../src/services/deps.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import { listTicketsText, showTicket } from '../../src/services/render-tickets.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfig } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

let n = 0;
const file = () => ({ kind: 'file' as const, name: `r${++n}` });

/** Internal codes that must not reach a person's screen. */
const CODES = [
  /ticket\.[a-z-]+/,
  /command\.[a-z]+/,
  /deadlineRule/,
  /\bmedicale\b/,
  /\bgenerale\b/,
  /\bin_progress\b/,
  /\bverifying\b/,
  /=\S/,
  /\bnew-ticket\b/,
  /\bsent\b/,
];

describe.each(ENGINES)('ticket lists and histories in French on %s', (engine) => {
  let t: TestDatabase;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));
  let ordinary: { reference: string; id: number };
  let medical: { reference: string; id: number };

  const person = (email: string) => deps.config.people.find((p) => p.email === email)!;
  const complaint = async (from: string, subject: string, text: string) => {
    const outcome = await ingestMail(
      deps,
      rawMail(
        { From: from, To: 'reclamation@spst-test.fr', Subject: subject, 'Message-ID': `<r${++n}@example.test>` },
        text,
      ),
      file(),
    );
    if (outcome.outcome !== 'ticket') throw new Error(`expected a ticket, got ${outcome.outcome}`);
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.reference, outcome.reference));
    return { reference: outcome.reference, id: row!.id };
  };
  const command = async (email: string, ticket: { reference: string; id: number }, body: string) => {
    clock.advance(60_000);
    await ingestMail(
      deps,
      rawMail(
        {
          From: email,
          To: staffReplyAddress(deps, person(email), ticket.id),
          Subject: `RE: [${ticket.reference}] Nouvelle réclamation`,
          'Message-ID': `<s${++n}@spst-test.fr>`,
        },
        body,
      ),
      file(),
    );
  };
  const complainantSays = async (from: string, ticket: { reference: string }, body: string) => {
    clock.advance(60_000);
    await ingestMail(
      deps,
      rawMail(
        {
          From: from,
          To: 'reclamation@spst-test.fr',
          Subject: `RE: [${ticket.reference}] Réponse à votre réclamation`,
          'Message-ID': `<a${++n}@example.test>`,
        },
        body,
      ),
      file(),
    );
  };

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await emptyTables(t.database.db, ['ticket_sequences']);
    deps = testDeps(t.database.db, testConfig(), clock);
    ordinary = await complaint(
      'jean@example.test',
      'Accueil désagréable',
      'La secrétaire a été désagréable au téléphone.',
    );
    await command(
      'accueil@spst-test.fr',
      ordinary,
      [
        '#prendre',
        '#note appelé le réclamant, il confirme',
        '#action formation accueil téléphonique prévue',
        '#cause consigne de décroché non connue',
        '#pourquoi remplaçante non formée',
        '#niveau 2',
      ].join('\n'),
    );
    await command(
      'accueil@spst-test.fr',
      ordinary,
      '#repondre\nNous vous présentons nos excuses ; une formation de l’accueil est prévue en décembre.',
    );
    await complainantSays('jean@example.test', ordinary, 'OUI');
    medical = await complaint(
      'marc@example.test',
      'Contestation de mon avis d’inaptitude',
      'Le médecin m’a déclaré inapte sans examen, je conteste cet avis.',
    );
    await command('dr.martin@spst-test.fr', medical, '#prendre\n#note dossier médical revu avec le salarié');
  });
  afterAll(async () => {
    deps?.sender.close();
    await t?.close();
  });

  it('shows the whole history of an ordinary ticket in French, with every text', async () => {
    const { output, exitCode } = await showTicket(deps, { reference: ordinary.reference });
    expect(exitCode).toBe(0);
    for (const code of CODES) expect(output).not.toMatch(code);
    expect(output).toContain(`${ordinary.reference} — clôturée`);
    expect(output).toMatch(/niveau {8}2, échéance le \S+ \d+ \S+ 2026 à 23 h 59 \(délai : 15 jours calendaires\)/);
    expect(output).toContain('catégorie     Générale');
    expect(output).toContain('attribuée à   Accueil <accueil@spst-test.fr>');
    expect(output).toMatch(/Réclamation reçue — jean@example\.test — par courriel, niveau \d/);
    expect(output).toMatch(/Note interne — Accueil <accueil@spst-test\.fr>\n +│ appelé le réclamant, il confirme/);
    expect(output).toMatch(/Action corrective — .*\n +│ formation accueil téléphonique prévue/);
    expect(output).toMatch(/Cause — .*\n +│ consigne de décroché non connue/);
    expect(output).toMatch(/Pourquoi — .*\n +│ remplaçante non formée/);
    expect(output).toMatch(/Requalifiée — Accueil <accueil@spst-test\.fr> — niveau : \d → 2/);
    expect(output).toContain('Réponse envoyée — Accueil <accueil@spst-test.fr> — par courriel');
    expect(output).toContain('Efficacité enregistrée — jean@example.test — solution efficace (réponse du réclamant)');
    expect(output).toContain('Réponse au réclamant — ');
    expect(output).toContain('│ Nous vous présentons nos excuses ; une formation de l’accueil est prévue en décembre.');
    expect(output).toMatch(/Message du réclamant — jean@example\.test — RE: .*\n +│ OUI/);
    expect(output).toContain('Avis de nouvelle réclamation — en attente → accueil@spst-test.fr');
  });

  it('keeps a medical ticket to reference, dates, level and state for non-doctors, whole for doctors', async () => {
    for (const viewer of [undefined, 'accueil@spst-test.fr', 'pilote@spst-test.fr']) {
      const { output } = await showTicket(deps, { reference: medical.reference, viewer });
      for (const code of CODES) expect(output).not.toMatch(code);
      expect(output).toContain(`${medical.reference} — `);
      expect(output).toContain('contenu       Confidentiel (réservé aux médecins)');
      for (const secret of ['inaptitude', 'inapte', 'marc@example.test', 'dossier médical', 'Dr Martin', 'Médicale'])
        expect(output).not.toContain(secret);
    }
    const doctor = (await showTicket(deps, { reference: medical.reference, viewer: 'dr.martin@spst-test.fr' })).output;
    expect(doctor).toContain('Contestation de mon avis d’inaptitude');
    expect(doctor).toContain('catégorie     Médicale (confidentielle : réservée aux médecins)');
    expect(doctor).toMatch(
      /Note interne — Dr Martin <dr\.martin@spst-test\.fr>\n +│ dossier médical revu avec le salarié/,
    );
  });

  it('filters by state in French or by code, and refuses an unknown state with the list', async () => {
    const french = await listTicketsText(deps, { status: 'clôturée', limit: 50 });
    const plain = await listTicketsText(deps, { status: 'cloturee', limit: 50 });
    const code = await listTicketsText(deps, { status: 'closed', limit: 50 });
    expect(french.output).toContain(ordinary.reference);
    expect(french.output).not.toContain(medical.reference);
    expect(plain.output).toBe(french.output);
    expect(code.output).toBe(french.output);
    const inProgress = await listTicketsText(deps, { status: 'en cours', limit: 50 });
    expect(inProgress.output).toContain(medical.reference);
    expect(inProgress.output).toMatch(/^référence +état/);
    expect((await listTicketsText(deps, { status: 'vérification', limit: 50 })).output).toBe(
      'aucune réclamation à l’état « vérification »\n',
    );
    expect((await listTicketsText(deps, { status: 'verifying', limit: 50 })).exitCode).toBe(0);
    const unknown = await listTicketsText(deps, { status: 'archivée', limit: 50 });
    expect(unknown).toEqual({
      output:
        'état inconnu : « archivée » ; états possibles : reçue (received), en cours (in_progress), répondue (answered), ' +
        'vérification (verifying), clôturée (closed), non recevable (rejected)\n',
      exitCode: 2,
    });
  });

  it('says in French when a ticket or a person does not exist', async () => {
    expect(await showTicket(deps, { reference: 'REC-2026-9999' })).toEqual({
      output: 'aucune réclamation REC-2026-9999\n',
      exitCode: 1,
    });
    expect(await showTicket(deps, { reference: ordinary.reference, viewer: 'inconnu@example.test' })).toEqual({
      output: '--as : inconnu@example.test ne figure pas parmi les personnes de la configuration (people)\n',
      exitCode: 2,
    });
  });
});
