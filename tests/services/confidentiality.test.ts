// Medical data never reaches non-doctors (SPEC §4), on the paths an attacker probe found open:
// an SMTP failure's text in the pilot's alert and in `reclam show`, a doctor's #irrecevable
// reason in `reclam show` without --as, the complainant's address in the budget alert, and a
// complaint about an absent doctor qualified « administrative ».
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { events, outbox, tickets } from '../../src/db/schema.js';
import { deliverOutbox } from '../../src/services/deliver-outbox.js';
import type { Deps } from '../../src/services/deps.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import { showTicket } from '../../src/services/render-tickets.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml, withAdministrativeCategory } from '../support/test-config.js';
import { COMMAND_TABLES, emptyTables } from '../support/empty-tables.js';

let n = 0;
const file = () => ({ kind: 'file' as const, name: `c${++n}` });
const MEDICAL = {
  subject: 'Contestation de mon avis d’inaptitude',
  text: 'Le médecin m’a déclaré inapte sans examen, je conteste cet avis et ma restriction.',
};

describe.each(ENGINES)('confidentiality of medical tickets on %s', (engine) => {
  let t: TestDatabase;
  let smtp: SmtpReceiver;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));
  const yaml = () =>
    withAdministrativeCategory(
      testConfigYaml({ smtpPort: smtp.port, perAddress: '[{ max: 1, within: 24h }]', outbox: '{ maxAttempts: 2 }' }),
    );

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    smtp = await startSmtpReceiver();
  });
  afterAll(async () => {
    deps?.sender.close();
    await smtp?.stop();
    await t?.close();
  });
  beforeEach(async () => {
    await emptyTables(t.database.db, COMMAND_TABLES);
    smtp.mails.length = 0;
    smtp.respondWith(null);
    clock.set('2026-11-23T08:00:00Z');
    deps?.sender.close();
    deps = testDeps(t.database.db, loadConfig(yaml(), {}, 'test').config, clock);
  });

  const person = (email: string) => deps.config.people.find((p) => p.email === email)!;

  async function complaint(from: string, subject: string, text: string) {
    const outcome = await ingestMail(
      deps,
      rawMail(
        { From: from, To: 'reclamation@spst-test.fr', Subject: subject, 'Message-ID': `<m${++n}@example.test>` },
        text,
      ),
      file(),
    );
    if (outcome.outcome !== 'ticket') throw new Error(`expected a ticket, got ${outcome.outcome}`);
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.reference, outcome.reference));
    return row!;
  }

  const command = (email: string, ticket: { id: number; reference: string }, body: string) =>
    ingestMail(
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

  const mailsTo = async (address: string, kind: string) =>
    t.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.toAddress, address), eq(outbox.kind, kind)));
  const shown = async (reference: string, viewer?: string) => (await showTicket(deps, { reference, viewer })).output;

  it('masks the complainant’s address quoted by a permanent SMTP failure, in the pilot’s alert and in reclam show', async () => {
    const address = 'jean.medical@example.test';
    smtp.respondWith((envelope) =>
      envelope.to.includes(address) ? { code: 550, message: `5.1.1 <${address}>: Recipient address rejected` } : null,
    );
    const ticket = await complaint(address, MEDICAL.subject, MEDICAL.text);
    expect(ticket).toMatchObject({ category: 'medicale', confidential: true });
    expect((await deliverOutbox(deps)).dead).toBe(1);
    const [dead] = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'ack'));
    expect(dead!.lastError).toContain(address);

    const [alert] = await mailsTo('pilote@spst-test.fr', 'pilot-alert');
    expect(alert!.text).toContain('550');
    expect(alert!.text).toContain('<adresse>');
    expect(`${alert!.subject}${alert!.text}${alert!.html}`).not.toContain(address);
    expect(`${alert!.text}${alert!.html}`).not.toContain(MEDICAL.subject);

    for (const viewer of [undefined, 'pilote@spst-test.fr', 'accueil@spst-test.fr']) {
      const output = await shown(ticket.reference, viewer);
      expect(output).toContain('550');
      expect(output).not.toContain(address);
    }
    expect(await shown(ticket.reference, 'dr.martin@spst-test.fr')).toContain(address);
  });

  it('masks the sender and subject of a quarantined mail whose subject may be medical, and only those', async () => {
    const broken = (from: string, subject: string) =>
      rawMail(
        {
          From: from,
          To: 'reclamation@spst-test.fr',
          Subject: subject,
          'Message-ID': `<q${++n}@example.test>`,
          'Content-Type': 'multipart/mixed',
        },
        'pas de frontière',
      );
    expect(await ingestMail(deps, broken('jean.medical@example.test', MEDICAL.subject), file())).toMatchObject({
      outcome: 'quarantined',
    });
    expect(await ingestMail(deps, broken('paul@example.test', 'Facture en double'), file())).toMatchObject({
      outcome: 'quarantined',
    });
    const [medical, ordinary] = await mailsTo('pilote@spst-test.fr', 'pilot-alert');
    const medicalText = `${medical!.subject}${medical!.text}${medical!.html}`;
    expect(medicalText).not.toContain('jean.medical@example.test');
    expect(medicalText).not.toContain('inaptitude');
    expect(medical!.text).toContain('Expéditeur et objet : masqués');
    expect(ordinary!.text).toContain('paul@example.test');
    expect(ordinary!.text).toContain('Facture en double');
    expect(ordinary!.text).not.toContain('masqués');
  });

  it('keeps the address in the alert of an ordinary ticket (the pilot may see it)', async () => {
    const address = 'paul.accueil@example.test';
    smtp.respondWith((envelope) =>
      envelope.to.includes(address) ? { code: 550, message: `5.1.1 <${address}>: Recipient address rejected` } : null,
    );
    const ticket = await complaint(address, 'Accueil désagréable', 'La secrétaire a été désagréable au téléphone.');
    expect(ticket.confidential).toBe(false);
    await deliverOutbox(deps);
    const [alert] = await mailsTo('pilote@spst-test.fr', 'pilot-alert');
    expect(alert!.text).toContain(address);
  });

  it('prints no #irrecevable reason, note or error of a medical ticket in reclam show without --as', async () => {
    const ticket = await complaint('marie@example.test', MEDICAL.subject, MEDICAL.text);
    const reason = 'demande déjà traitée avec Mme Durand (dossier inaptitude 2025)';
    await command('dr.martin@spst-test.fr', ticket, `#note appelée ce matin\n#irrecevable ${reason}`);
    expect((await t.database.db.select().from(tickets).where(eq(tickets.id, ticket.id)))[0]!.status).toBe('rejected');
    for (const viewer of [undefined, 'pilote@spst-test.fr', 'nobody@example.test']) {
      const output = await shown(ticket.reference, viewer);
      // An unknown --as is refused outright; the others see the state change, not its reason.
      expect(output).toMatch(
        viewer === 'nobody@example.test' ? /ne figure pas parmi les personnes/ : /Déclarée non recevable/,
      );
      expect(output).not.toContain('Durand');
      expect(output).not.toContain('appelée ce matin');
      expect(output).not.toContain('marie@example.test');
    }
    expect(await shown(ticket.reference, 'dr.martin@spst-test.fr')).toContain(`│ ${reason}`);
  });

  it('does not name the complainant of a medical ticket in the budget alert, and does for an ordinary one', async () => {
    const medical = 'lea@example.test';
    await complaint(medical, MEDICAL.subject, MEDICAL.text);
    await complaint(medical, 'Re-contestation de mon inaptitude', `${MEDICAL.text} Je relance.`);
    const [alert] = (await mailsTo('pilote@spst-test.fr', 'pilot-alert')).filter((m) => m.text.includes('Limite'));
    expect(alert!.text).toContain('Adresse : masquée (réclamation réservée aux médecins)');
    expect(`${alert!.text}${alert!.html}`).not.toContain(medical);
    const [budget] = await t.database.db.select().from(events).where(eq(events.type, 'mail.budget-exceeded'));
    expect(budget!.data).toMatchObject({ address: medical, pilotAlerted: true });

    const ordinary = 'marc@example.test';
    await complaint(ordinary, 'Accueil', 'La secrétaire a été désagréable au téléphone.');
    await complaint(ordinary, 'Accueil encore', 'La secrétaire a encore été désagréable au téléphone.');
    const alerts = (await mailsTo('pilote@spst-test.fr', 'pilot-alert')).filter((m) => m.text.includes('Limite'));
    expect(alerts.some((m) => m.text.includes(`Adresse : ${ordinary}`))).toBe(true);
  });

  it('keeps a complaint about an absent doctor confidential until a doctor sets its category', async () => {
    const ticket = await complaint(
      'rh@garage-exemple.example',
      'Convocation du 3 juin',
      'Nos deux salariés convoqués à 14h ont appris sur place que le médecin était indisponible. Merci de reprogrammer leur rendez-vous.',
    );
    // Qualified administrative (convocation, rendez-vous), medical a close second: confidential.
    expect(ticket).toMatchObject({ category: 'administrative', confidential: true });
    expect(ticket.routedTo).toEqual(['accueil@spst-test.fr', 'dr.martin@spst-test.fr']);

    for (const who of ['pilote@spst-test.fr', 'accueil@spst-test.fr']) {
      const [notice] = await mailsTo(who, 'new-ticket');
      const all = `${notice!.subject}${notice!.text}${notice!.html}`;
      expect(all).not.toContain('garage-exemple');
      expect(all).not.toContain('indisponible');
      expect(all).not.toContain('Convocation du 3 juin');
      expect(notice!.text).toContain('par précaution, son contenu est réservé aux médecins');
    }
    const [doctor] = await mailsTo('dr.martin@spst-test.fr', 'new-ticket');
    expect(doctor!.text).toContain('le médecin était indisponible');
    expect(doctor!.text).toContain(
      'médecin référent de la catégorie Médicale ; la qualification automatique hésite entre Administrative et Médicale',
    );

    // A non-doctor can neither act nor lift it.
    await command('accueil@spst-test.fr', ticket, '#prendre\n#categorie administrative');
    expect((await t.database.db.select().from(tickets).where(eq(tickets.id, ticket.id)))[0]).toMatchObject({
      confidential: true,
      assigneeEmail: null,
    });
    const [refusal] = (await mailsTo('accueil@spst-test.fr', 'command-result')).slice(-1);
    expect(refusal!.text).toContain('seuls les médecins');

    // A doctor's #categorie sets visibility from the category chosen, either way.
    await command('dr.martin@spst-test.fr', ticket, '#categorie administrative');
    expect((await t.database.db.select().from(tickets).where(eq(tickets.id, ticket.id)))[0]).toMatchObject({
      category: 'administrative',
      confidential: false,
    });
    await command('accueil@spst-test.fr', ticket, '#prendre');
    expect((await t.database.db.select().from(tickets).where(eq(tickets.id, ticket.id)))[0]!.assigneeEmail).toBe(
      'accueil@spst-test.fr',
    );
    await command('dr.martin@spst-test.fr', ticket, '#categorie medicale');
    expect((await t.database.db.select().from(tickets).where(eq(tickets.id, ticket.id)))[0]).toMatchObject({
      confidential: true,
    });
  });

  it('prints no terminal control sequence a complainant wrote in reclam show', async () => {
    const ticket = await complaint(
      'paul@example.test',
      'Accueil =?utf-8?q?=1B=5B2J=1B=5BH?= désagréable',
      'La secrétaire a été désagréable.\u001b]0;pwned\u0007 Voilà.',
    );
    const output = await shown(ticket.reference, 'pilote@spst-test.fr');
    expect(output).toContain('Accueil');
    expect(output).not.toMatch(/[\u001b\u0007]/);
    expect(output).toContain('\ufffd[2J');
  });

  it('leaves an ordinary administrative complaint ordinary', async () => {
    const ticket = await complaint(
      'rh@garage-exemple.example',
      'Attestation de suivi',
      'Nous n’avons toujours pas reçu l’attestation de suivi demandée il y a un mois.',
    );
    expect(ticket).toMatchObject({
      category: 'administrative',
      confidential: false,
      routedTo: ['accueil@spst-test.fr'],
    });
    expect(await mailsTo('dr.martin@spst-test.fr', 'new-ticket')).toEqual([]);
  });
});
