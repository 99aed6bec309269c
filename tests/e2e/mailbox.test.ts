// End to end through a real Dovecot (IMAP IDLE, folders, UIDs) and a real SMTP receiver, on both
// database engines: the daemon as a user runs it, with mails appended to the complaint inbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, sql } from 'drizzle-orm';
import { events, outbox, quarantine, tickets, messages } from '../../src/db/schema.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { loadConfig } from '../../src/config/load-config.js';
import { pino } from 'pino';
import { appendMessage, listMessages, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { startSmtpReceiver, type CapturedMail, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';
import { waitUntil } from '../support/wait.js';

const USERS = [{ name: 'reclamation', password: 'secret-imap' }];
let seq = 0;

function complaint(from: string, subject: string, body: string, headers: Record<string, string> = {}): string {
  const lines = {
    From: from,
    To: 'reclamation@spst-test.fr',
    Subject: subject,
    Date: new Date().toUTCString(),
    'Message-ID': `<e2e-${++seq}-${Date.now()}@example.test>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Transfer-Encoding': '8bit',
    ...headers,
  };
  return `${Object.entries(lines)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${body.replace(/\n/g, '\r\n')}\r\n`;
}

const to = (address: string) => (m: CapturedMail) => m.envelopeTo.includes(address);

describeE2E('the complaint mailbox end to end', () => {
  describe.each(ENGINES)('on %s', (engine) => {
    let dovecot: DovecotServer;
    let smtp: SmtpReceiver;
    let t: TestDatabase;
    let daemon: RunningDaemon;

    const start = async () => {
      const yaml = testConfigYaml({
        imapPort: dovecot.imapPort,
        smtpPort: smtp.port,
        // On PostgreSQL the daemon delivers from its own thread, which opens the database by URL.
        ...(t.url ? { databaseUrl: t.url } : { dataDir: t.dataDir }),
        outbox: '{ maxAttempts: 5, baseDelaySeconds: 1, maxDelaySeconds: 2 }',
      });
      const { config } = loadConfig(yaml, {}, 'e2e');
      daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), {
        database: t.database,
      });
    };
    const db = () => t.database.db;
    const ticketOf = async (address: string) =>
      db().select().from(tickets).where(eq(tickets.complainantEmail, address));
    const inbox = () => listMessages(dovecot, 'reclamation', 'INBOX');

    beforeAll(async () => {
      dovecot = await startDovecot({ users: USERS });
      smtp = await startSmtpReceiver();
      t = await createTestDatabase(engine);
      await start();
    });
    afterAll(async () => {
      await daemon?.stop();
      await smtp?.stop();
      await dovecot?.stop();
      await t?.close();
    });

    it('acknowledges a complaint once, with its reference and deadline, and files it without \\Seen', async () => {
      // PostgreSQL: the acknowledgement leaves from the deliverer's own thread.
      expect(daemon.outboxThread).toBe(engine === 'postgres');
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint('Jean Dupont <jean@example.test>', 'Attente à l’accueil', 'Deux heures d’attente.'),
      );
      const ack = await smtp.waitFor(to('jean@example.test'), 15_000);
      const [ticket] = await ticketOf('jean@example.test');
      expect(ack.parsed.subject).toBe(
        `[${ticket!.reference}] Accusé de réception de votre réclamation : Attente à l’accueil`,
      );
      expect(ticket!.reference).toMatch(/^REC-\d{4}-\d{4}$/);
      const { level } = ticket!;
      const rule = ['', '10 jours calendaires', '15 jours calendaires', '30 jours calendaires'][level]!;
      expect(ack.parsed.text).toContain(`niveau ${level}`);
      expect(ack.parsed.text).toContain(rule);
      expect(ack.parsed.text).toMatch(/au plus tard le \w+ \d{1,2}(er)? \p{L}+ \d{4}/u);
      expect(ack.parsed.headers.get('auto-submitted')).toBe('auto-replied');
      await waitUntil(async () => (await inbox()).length === 0, 10_000, 'inbox emptied');
      const processed = await listMessages(dovecot, 'reclamation', 'Traitées');
      expect(processed.some((m) => m.subject === 'Attente à l’accueil')).toBe(true);
      expect(processed.every((m) => !m.flags.includes('\\Seen'))).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(smtp.mails.filter(to('jean@example.test'))).toHaveLength(1);
    });

    it('threads a follow-up onto the ticket and forwards it to whoever handles it, with no second ticket', async () => {
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint('Marie <marie@example.test>', 'Visite annulée', 'Le médecin était absent.'),
      );
      const ack = await smtp.waitFor(to('marie@example.test'), 15_000);
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint('Marie <marie@example.test>', `RE: ${ack.parsed.subject}`, 'J’ajoute que personne ne m’a prévenue.', {
          'In-Reply-To': ack.parsed.messageId!,
          References: ack.parsed.messageId!,
        }),
      );
      const [ticket] = await ticketOf('marie@example.test');
      // Nobody took it yet: it goes to the referents routing named (the doctor, for a medical one), else the pilot.
      const handler = ticket!.routedTo[0] ?? 'pilote@spst-test.fr';
      const forward = await smtp.waitFor(
        (m) => to(handler)(m) && /Nouveau message du réclamant/.test(m.parsed.subject ?? ''),
        15_000,
      );
      // The handler may see it: a doctor for a medical complaint, anyone otherwise.
      expect(forward.parsed.text).toContain('personne ne m’a prévenue');
      expect(forward.parsed.subject).toContain(`[${ticket!.reference}]`);
      expect(await ticketOf('marie@example.test')).toHaveLength(1);
      expect(smtp.mails.filter(to('marie@example.test'))).toHaveLength(1);
    });

    it('creates nothing and answers nothing for an out-of-office reply and a bounce', async () => {
      const before = smtp.mails.length;
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint(
          'RH <rh@transports.example.test>',
          'Réponse automatique : Absent du bureau',
          'Je suis absente jusqu’au 30.',
          {
            'Auto-Submitted': 'auto-replied',
            'X-Auto-Response-Suppress': 'All',
          },
        ),
      );
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        [
          'From: Mail Delivery System <MAILER-DAEMON@mx.example.test>',
          'To: reclamation@spst-test.fr',
          'Subject: Undelivered Mail Returned to Sender',
          `Message-ID: <bounce-${Date.now()}@mx.example.test>`,
          'Return-Path: <>',
          'MIME-Version: 1.0',
          'Content-Type: multipart/report; report-type=delivery-status; boundary="rb"',
          '',
          '--rb',
          'Content-Type: text/plain',
          '',
          'I could not deliver your message.',
          '--rb',
          'Content-Type: message/delivery-status',
          '',
          'Reporting-MTA: dns; mx.example.test',
          '',
          'Final-Recipient: rfc822; absent@example.test',
          'Action: failed',
          'Status: 5.1.1',
          '--rb--',
          '',
        ].join('\r\n'),
      );
      await waitUntil(async () => (await inbox()).length === 0, 15_000, 'inbox emptied');
      const suppressed = await db()
        .select({ type: events.type })
        .from(events)
        .where(sql`${events.type} in ('mail.auto-reply', 'mail.bounce')`);
      expect(suppressed.map((e) => e.type).sort()).toEqual(['mail.auto-reply', 'mail.bounce']);
      expect(await ticketOf('rh@transports.example.test')).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 1000));
      expect(smtp.mails.length).toBe(before);
    });

    it('gives one ticket when the same mail is delivered twice', async () => {
      const raw = complaint('paul@example.test', 'Doublon de livraison', 'Même message deux fois.');
      await appendMessage(dovecot, 'reclamation', 'INBOX', raw);
      await appendMessage(dovecot, 'reclamation', 'INBOX', raw);
      await smtp.waitFor(to('paul@example.test'), 15_000);
      await waitUntil(async () => (await inbox()).length === 0, 15_000, 'inbox emptied');
      await new Promise((r) => setTimeout(r, 1000));
      expect(await ticketOf('paul@example.test')).toHaveLength(1);
      expect(smtp.mails.filter(to('paul@example.test'))).toHaveLength(1);
    });

    it('quarantines a mail with broken MIME, tells the pilot, and processes the next mail', async () => {
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint('casse@example.test', 'Message cassé', 'Aucune frontière.', { 'Content-Type': 'multipart/mixed' }),
      );
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint('suivant@example.test', 'Après le cassé', 'Je dois être traité.'),
      );
      await smtp.waitFor(to('suivant@example.test'), 15_000);
      const alert = await smtp.waitFor(
        (m) => to('pilote@spst-test.fr')(m) && (m.parsed.subject ?? '').includes('quarantaine'),
        15_000,
      );
      expect(alert.parsed.text).toContain('Message cassé');
      await waitUntil(
        async () => (await listMessages(dovecot, 'reclamation', 'Quarantaine')).length === 1,
        10_000,
        'quarantine folder',
      );
      const [kept] = await db().select().from(quarantine);
      expect(kept!.reason).toMatch(/boundary/);
      expect(await ticketOf('casse@example.test')).toHaveLength(0);
    });

    it('keeps ISO-8859-1 and windows-1252 text intact', async () => {
      const latin1 = Buffer.concat([
        Buffer.from(
          'From: =?ISO-8859-1?Q?Andr=E9_L=E9ger?= <andre@example.test>\r\nTo: reclamation@spst-test.fr\r\n' +
            'Subject: =?ISO-8859-1?Q?D=E9lai_trop_long?=\r\nMessage-ID: <latin1-e2e@example.test>\r\nMIME-Version: 1.0\r\n' +
            'Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
        ),
        Buffer.from('Le d\xe9lai d\xe9passe trois mois, c\x27est inacceptable.\r\n', 'latin1'),
      ]);
      const cp1252 = Buffer.concat([
        Buffer.from(
          'From: celine@example.test\r\nTo: reclamation@spst-test.fr\r\nSubject: Facture\r\nMessage-ID: <cp1252-e2e@example.test>\r\n' +
            'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
        ),
        Buffer.from('La facture n\x92est pas la bonne \x96 d\xe9j\xe0 r\xe9gl\xe9e.\r\n', 'latin1'),
      ]);
      await appendMessage(dovecot, 'reclamation', 'INBOX', latin1);
      await appendMessage(dovecot, 'reclamation', 'INBOX', cp1252);
      const ack = await smtp.waitFor(to('andre@example.test'), 15_000);
      await smtp.waitFor(to('celine@example.test'), 15_000);
      expect(ack.parsed.subject).toContain('Délai trop long');
      expect(ack.parsed.text).toContain('Bonjour André Léger');
      const texts = await db()
        .select({ text: messages.text, subject: messages.subject })
        .from(messages)
        .where(sql`${messages.messageId} in ('latin1-e2e@example.test', 'cp1252-e2e@example.test')`);
      expect(texts.map((m) => m.text.trim()).sort()).toEqual([
        'La facture n’est pas la bonne – déjà réglée.',
        "Le délai dépasse trois mois, c'est inacceptable.",
      ]);
    });

    it('retries after SMTP 4xx and sends one acknowledgement; 5xx marks it dead and alerts the pilot', async () => {
      let refused = 0;
      smtp.respondWith((envelope) => {
        if (envelope.to.includes('retry@example.test') && refused < 2) {
          refused++;
          return { code: 451, message: '4.3.0 Try again later' };
        }
        if (envelope.to.includes('unknown@example.test')) return { code: 550, message: '5.1.1 User unknown' };
        return null;
      });
      await appendMessage(dovecot, 'reclamation', 'INBOX', complaint('retry@example.test', 'Réessai', 'Texte.'));
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint('unknown@example.test', 'Adresse morte', 'Texte.'),
      );
      await smtp.waitFor(to('retry@example.test'), 20_000);
      const alert = await smtp.waitFor(
        (m) => to('pilote@spst-test.fr')(m) && /Échec définitif/.test(m.parsed.subject ?? ''),
        20_000,
      );
      expect(alert.parsed.text).toContain('550');
      expect(refused).toBe(2);
      await new Promise((r) => setTimeout(r, 2500));
      expect(smtp.mails.filter(to('retry@example.test'))).toHaveLength(1);
      const [dead] = await db().select().from(outbox).where(eq(outbox.toAddress, 'unknown@example.test'));
      expect(dead).toMatchObject({ status: 'dead' });
      smtp.respondWith(null);
    });

    it('resynchronises without duplicates when UIDVALIDITY changes', async () => {
      await daemon.stop();
      // A server migration: new UIDVALIDITY, and an already processed mail delivered again.
      await db().execute(sql`update mailbox_checkpoints set uid_validity = uid_validity + 1000`);
      const again = complaint('jean@example.test', 'Attente à l’accueil', 'Deux heures d’attente.');
      const [original] = await db()
        .select({ messageId: messages.messageId })
        .from(messages)
        .where(eq(messages.fromAddress, 'jean@example.test'));
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        again.replace(/Message-ID: <[^>]+>/, `Message-ID: <${original!.messageId}>`),
      );
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        complaint('nouveau@example.test', 'Après migration', 'Texte.'),
      );
      await start();
      await smtp.waitFor(to('nouveau@example.test'), 15_000);
      await waitUntil(async () => (await inbox()).length === 0, 15_000, 'inbox emptied');
      expect(await ticketOf('jean@example.test')).toHaveLength(1);
      const resync = await db().select({ n: count() }).from(events).where(eq(events.type, 'mailbox.resync'));
      expect(resync[0]!.n).toBe(1);
    });
  });
});
