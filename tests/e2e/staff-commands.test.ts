// Staff act by e-mail only, end to end through Dovecot and the SMTP receiver: notifications with
// signed reply addresses, commands in replies, forged commands, confidentiality, complaints logged
// for someone else (#nouvelle) or forwarded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { events, tickets } from '../../src/db/schema.js';
import { localDateOf, zonedWallTimeToInstant } from '../../src/domain/zoned-time.js';
import { systemClock } from '../../src/ports.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import { appendMessage, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { startSmtpReceiver, type CapturedMail, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';

let seq = 0;
const CRLF = (text: string) => text.replace(/\r?\n/g, '\r\n');

function mail(headers: Record<string, string | undefined>, body: string): string {
  const all: Record<string, string | undefined> = {
    To: 'reclamation@spst-test.fr',
    Date: new Date().toUTCString(),
    'Message-ID': `<staff-e2e-${++seq}-${Date.now()}@example.test>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Transfer-Encoding': '8bit',
    ...headers,
  };
  const head = Object.entries(all)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return `${head}\r\n\r\n${CRLF(body)}\r\n`;
}

/** A reply as a mail client writes it: to the Reply-To, In-Reply-To the notification, history quoted. */
function replyTo(
  notification: CapturedMail,
  from: string,
  body: string,
  options: { keepToken?: boolean } = {},
): string {
  const replyAddress = notification.parsed.replyTo?.value[0]?.address ?? 'reclamation@spst-test.fr';
  const quoted = (notification.parsed.text ?? '')
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  const keep = options.keepToken ?? true;
  return mail(
    {
      From: from,
      To: keep ? replyAddress : 'reclamation@spst-test.fr',
      Subject: `RE: ${notification.parsed.subject}`,
      'In-Reply-To': keep ? notification.parsed.messageId : undefined,
      References: keep ? notification.parsed.messageId : undefined,
    },
    `${body}\n\nLe ${new Date().toLocaleDateString('fr-FR')} à 10:04, SPST Test <reclamation@spst-test.fr> a écrit :\n${quoted}`,
  );
}

describeE2E('staff act by e-mail', () => {
  describe.each(ENGINES)('on %s', (engine) => {
    let dovecot: DovecotServer;
    let smtp: SmtpReceiver;
    let t: TestDatabase;
    let daemon: RunningDaemon;
    let config: Config;

    const deliver = (raw: string) => appendMessage(dovecot, 'reclamation', 'INBOX', raw);
    const to = (address: string, pattern?: RegExp) => (m: CapturedMail) =>
      m.envelopeTo.includes(address) && (!pattern || pattern.test(m.parsed.subject ?? ''));
    /** Only mails captured after this call: answers to what the test does next. */
    const mailsAfter = () => {
      const mark = smtp.mails.length;
      return (predicate: (m: CapturedMail) => boolean) => (m: CapturedMail) =>
        smtp.mails.indexOf(m) >= mark && predicate(m);
    };
    const ticket = async (reference: string) =>
      (await t.database.db.select().from(tickets).where(eq(tickets.reference, reference)))[0]!;

    beforeAll(async () => {
      dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
      smtp = await startSmtpReceiver();
      t = await createTestDatabase(engine);
      const yaml = testConfigYaml({
        imapPort: dovecot.imapPort,
        smtpPort: smtp.port,
        dataDir: t.dataDir,
        extra: 'routing:\n  - { when: { category: medicale }, assign: [dr.martin@spst-test.fr] }',
      });
      config = loadConfig(yaml, {}, 'e2e').config;
      daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), {
        database: t.database,
      });
    });
    afterAll(async () => {
      await daemon?.stop();
      await smtp?.stop();
      await dovecot?.stop();
      await t?.close();
    });

    it('runs a whole ticket life by e-mail: received → taken → answered → closed', async () => {
      await deliver(
        mail(
          { From: 'Jean Dupont <jean@example.test>', Subject: 'Attente à l’accueil' },
          'Bonjour,\nj’ai attendu deux heures à l’accueil du centre.\nJean Dupont',
        ),
      );
      const ack = await smtp.waitFor(to('jean@example.test', /Accusé de réception/), 15_000);
      const reference = /REC-\d{4}-\d{4}/.exec(ack.parsed.subject!)![0];
      const pilotNotice = await smtp.waitFor(
        to('pilote@spst-test.fr', new RegExp(`\\[${reference}\\] Nouvelle réclamation`)),
        15_000,
      );
      expect(pilotNotice.parsed.replyTo?.value[0]?.address).toMatch(
        /^reclamation\+t[0-9a-z]+x[0-9a-z]+s[0-9a-f]{20}@spst-test\.fr$/,
      );
      expect(pilotNotice.parsed.text).toContain('Répondez au-dessus de cette ligne');
      expect(pilotNotice.parsed.text).toContain('j’ai attendu deux heures');

      // The pilot hands it to the reception referent, who is notified with a personal address.
      let next = mailsAfter();
      await deliver(replyTo(pilotNotice, 'Paule Pilote <pilote@spst-test.fr>', '#assigner accueil@spst-test.fr'));
      await smtp.waitFor(next(to('pilote@spst-test.fr', /Command/)), 15_000);
      const referentNotice = await smtp.waitFor(
        to('accueil@spst-test.fr', new RegExp(`\\[${reference}\\] Nouvelle réclamation`)),
        15_000,
      );

      next = mailsAfter();
      await deliver(
        replyTo(
          referentNotice,
          'Accueil <accueil@spst-test.fr>',
          '#prendre\n#Niveau 1\n#répondre\nBonjour Monsieur Dupont,\n\nNous avons renforcé l’accueil le matin ; vous ne devriez plus attendre.\n\nCordialement,\nL’accueil',
        ),
      );
      const response = await smtp.waitFor(to('jean@example.test', /Réponse à votre réclamation/), 15_000);
      expect(response.parsed.text).toContain('Nous avons renforcé l’accueil le matin');
      expect(response.parsed.text).toContain('Cordialement');
      expect(response.parsed.text).not.toContain('a écrit :');
      expect(response.parsed.text).not.toContain('#prendre');
      expect(response.parsed.text).toMatch(/OUI ou (par )?NON/);
      expect(response.parsed.inReplyTo).toBe(ack.parsed.inReplyTo);
      const levelChange = await smtp.waitFor(to('jean@example.test', /Nouveau délai/), 15_000);
      expect(levelChange.parsed.text).toContain('10 jours calendaires');
      const result = await smtp.waitFor(next(to('accueil@spst-test.fr', /Command/)), 15_000);
      expect(result.parsed.text).toContain('✔');
      let row = await ticket(reference);
      expect(row).toMatchObject({
        status: 'verifying',
        level: 1,
        assigneeEmail: 'accueil@spst-test.fr',
        deadlineRule: '10d',
      });

      // The complainant says it works: closed, and he is told.
      await deliver(
        mail(
          {
            From: 'jean@example.test',
            Subject: `RE: ${response.parsed.subject}`,
            'In-Reply-To': response.parsed.messageId,
          },
          'OUI, merci.\n\n> Cette réponse règle-t-elle votre réclamation ?',
        ),
      );
      await smtp.waitFor(to('jean@example.test', /Clôture/), 15_000);
      await smtp.waitFor(to('accueil@spst-test.fr', /Efficacité/), 15_000);
      row = await ticket(reference);
      expect(row).toMatchObject({ status: 'closed', effective: true });
      const history = (
        await t.database.db.select({ type: events.type }).from(events).where(eq(events.ticketId, row.id))
      ).map((e) => e.type);
      expect(history).toEqual(
        expect.arrayContaining([
          'ticket.received',
          'ticket.assigned',
          'ticket.requalified',
          'ticket.answered',
          'ticket.verifying',
          'ticket.effectiveness',
          'ticket.closed',
        ]),
      );
      // PRINT_CAPTURE=1 shows the mails of this life as the SMTP receiver captured them.
      if (process.env.PRINT_CAPTURE === '1') {
        for (const m of smtp.mails.filter((m) => (m.parsed.subject ?? '').includes(reference))) {
          process.stdout.write(`${m.receivedAt.toISOString()}  → ${m.envelopeTo.join(', ')}  ${m.parsed.subject}\n`);
        }
      }
    });

    it('executes nothing without the signature or with a forged sender, and tells the real person', async () => {
      await deliver(
        mail({ From: 'paul@example.test', Subject: 'Facture en double' }, 'La facture de mars est arrivée deux fois.'),
      );
      const notice = await smtp.waitFor(
        (m) => to('pilote@spst-test.fr', /Nouvelle réclamation/)(m) && (m.parsed.text ?? '').includes('deux fois'),
        15_000,
      );
      const reference = /REC-\d{4}-\d{4}/.exec(notice.parsed.subject!)![0];

      // The pilot's reply without token (a client that dropped everything but the subject tag).
      await deliver(replyTo(notice, 'pilote@spst-test.fr', '#irrecevable test', { keepToken: false }));
      const alert = await smtp.waitFor(to('pilote@spst-test.fr', /Commandes refusées/), 15_000);
      expect(alert.parsed.text).toContain('#irrecevable');
      // Someone forging the doctor's address, replaying the pilot's signed reply address.
      await deliver(replyTo(notice, 'Dr Martin <dr.martin@spst-test.fr>', '#clore'));
      await smtp.waitFor(to('dr.martin@spst-test.fr', /Commandes refusées/), 15_000);
      const row = await ticket(reference);
      expect(row.status).toBe('received');
      const forged = await t.database.db.select().from(events).where(eq(events.type, 'command.forged'));
      expect(forged.filter((e) => e.ticketId === row.id)).toHaveLength(2);
    });

    it('logs a phone complaint with #nouvelle and acknowledges it when there is an address', async () => {
      const personal = staffReplyAddress(
        { clock: systemClock, config },
        config.people.find((p) => p.email === 'pilote@spst-test.fr')!,
        0,
      );
      const next = mailsAfter();
      await deliver(
        mail(
          { From: 'Paule Pilote <pilote@spst-test.fr>', To: personal, Subject: 'Appel de Mme Curie' },
          '#nouvelle\n#de Marie Curie <marie@example.test>\n#canal téléphone\n#tel 01 99 00 12 34\n#entreprise Laboratoire Curie\n\nMme Curie appelle : aucune convocation reçue pour ses salariés depuis six mois.',
        ),
      );
      const ack = await smtp.waitFor(to('marie@example.test', /Accusé de réception/), 15_000);
      const reference = /REC-\d{4}-\d{4}/.exec(ack.parsed.subject!)![0];
      const confirmation = await smtp.waitFor(next(to('pilote@spst-test.fr', /Command/)), 15_000);
      expect(confirmation.parsed.text).toContain(reference);
      const row = await ticket(reference);
      expect(row).toMatchObject({
        channel: 'telephone',
        complainantEmail: 'marie@example.test',
        complainantName: 'Marie Curie',
        complainantPhone: '01 99 00 12 34',
        complainantCompany: 'Laboratoire Curie',
      });
      expect(row.summary).toContain('aucune convocation');
    });

    it('attributes a forwarded complaint to its original sender, with its date', async () => {
      // Written two days ago at 09:15 Paris (a fixed date would one day be past its deadline, and
      // an acknowledgement never promises a date gone by): « lun. 16 nov. 2026 à 09:15 ».
      const day = localDateOf(new Date(Date.now() - 2 * 86_400_000), 'Europe/Paris');
      const written = zonedWallTimeToInstant(day, 9, 15, 0, 0, 'Europe/Paris');
      const frenchDate = new Intl.DateTimeFormat('fr-FR', {
        timeZone: 'Europe/Paris',
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
      }).format(written);
      const personal = staffReplyAddress(
        { clock: systemClock, config },
        config.people.find((p) => p.email === 'accueil@spst-test.fr')!,
        0,
      );
      await deliver(
        mail(
          { From: 'Accueil <accueil@spst-test.fr>', To: personal, Subject: 'TR: Rendez-vous annulé' },
          [
            'Reçu sur la boîte de l’accueil.',
            '',
            '---------- Forwarded message ---------',
            'De : Lucie Martin <lucie.martin@example.test>',
            `Date: ${frenchDate} à 09:15`,
            'Subject: Rendez-vous annulé',
            'To: <accueil@spst-test.fr>',
            '',
            'Bonjour, mon rendez-vous a été annulé la veille sans explication.',
            'Lucie Martin',
          ].join('\n'),
        ),
      );
      const ack = await smtp.waitFor(to('lucie.martin@example.test', /Accusé de réception/), 15_000);
      const reference = /REC-\d{4}-\d{4}/.exec(ack.parsed.subject!)![0];
      const row = await ticket(reference);
      expect(row).toMatchObject({
        complainantEmail: 'lucie.martin@example.test',
        complainantName: 'Lucie Martin',
        subject: 'Rendez-vous annulé',
      });
      expect(row.receivedAt.toISOString()).toBe(written.toISOString());
      expect(row.summary).toContain('annulé la veille');
    });

    it('shows a medical ticket in full to the doctor only, and refuses a non-doctor’s #clore', async () => {
      await deliver(
        mail(
          { From: 'Sonia <sonia@example.test>', Subject: 'Avis d’inaptitude' },
          'Bonjour, le médecin du travail m’a déclarée inapte sans examen lors de ma visite médicale. Mon dossier médical est incomplet.',
        ),
      );
      const ack = await smtp.waitFor(to('sonia@example.test', /Accusé de réception/), 15_000);
      const reference = /REC-\d{4}-\d{4}/.exec(ack.parsed.subject!)![0];
      const pilotNotice = await smtp.waitFor(
        to('pilote@spst-test.fr', new RegExp(`\\[${reference}\\] Nouvelle réclamation`)),
        15_000,
      );
      // Qualified medical at reception: the pilot's notification holds no subject, text or complainant.
      expect((await ticket(reference)).category).toBe('medicale');
      for (const part of [
        pilotNotice.parsed.subject ?? '',
        pilotNotice.parsed.text ?? '',
        String(pilotNotice.parsed.html ?? ''),
      ]) {
        expect(part).not.toContain('inapte');
        expect(part).not.toContain('sonia@example.test');
        expect(part).not.toContain('Avis d’inaptitude');
      }
      expect(pilotNotice.parsed.text).toContain(reference);
      const doctorNotice = await smtp.waitFor(
        to('dr.martin@spst-test.fr', new RegExp(`\\[${reference}\\] Nouvelle réclamation`)),
        15_000,
      );
      expect(doctorNotice.parsed.text).toContain('inapte sans examen');
      expect(doctorNotice.parsed.text).toContain('sonia@example.test');

      await deliver(replyTo(pilotNotice, 'pilote@spst-test.fr', '#clore\n#statut'));
      const refusal = await smtp.waitFor(
        (m) =>
          to('pilote@spst-test.fr', new RegExp(`\\[${reference}\\]`))(m) &&
          (m.parsed.text ?? '').includes('seuls les médecins'),
        15_000,
      );
      for (const part of [refusal.parsed.subject ?? '', refusal.parsed.text ?? '', String(refusal.parsed.html ?? '')]) {
        expect(part).not.toContain('inapte');
        expect(part).not.toContain('sonia@example.test');
        expect(part).not.toContain('Avis d’inaptitude');
      }
      expect((await ticket(reference)).status).not.toBe('closed');
    });
  });
});
