// Recurrence analyses end to end, with the SMIN procedure (examples/smin.yaml, seed 002: « une
// réclamation identique survenant de manière répétée sur 6 mois (supérieure à 10) » → 5 pourquoi):
// eleven billing complaints reach Dovecot, the daemon opens ANA-…, the pilot receives it through
// the SMTP receiver with the list of its tickets, replies #pourquoi, #cause, then #clore, and the
// analysis is closed with what was recorded.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { analyses, analysisTickets, events, tickets } from '../../src/db/schema.js';
import { appendMessage } from '../harness/dovecot.js';
import type { CapturedMail } from '../harness/smtp-receiver.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { useMailServers } from '../harness/mail-servers.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';

const PILOT = 'amc@spst-smin.fr';
const BILLING_REFERENT = 'comptabilite@spst-smin.fr';
let seq = 0;

function mail(headers: Record<string, string | undefined>, body: string): string {
  const all: Record<string, string | undefined> = {
    To: 'reclamation@spst-smin.fr',
    Date: new Date().toUTCString(),
    'Message-ID': `<ana-e2e-${++seq}-${Date.now()}@example.test>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Transfer-Encoding': '8bit',
    ...headers,
  };
  const head = Object.entries(all)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return `${head}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`;
}

/** A reply as a mail client writes it: to the Reply-To, In-Reply-To the mail, its history quoted. */
function replyTo(received: CapturedMail, from: string, body: string): string {
  const quoted = (received.parsed.text ?? '')
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  return mail(
    {
      From: from,
      To: received.parsed.replyTo?.value[0]?.address,
      Subject: `RE: ${received.parsed.subject}`,
      'In-Reply-To': received.parsed.messageId,
      References: received.parsed.messageId,
    },
    `${body}\n\nLe ${new Date().toLocaleDateString('fr-FR')} à 10:04, SMIN — Réclamations <reclamation@spst-smin.fr> a écrit :\n${quoted}`,
  );
}

/** examples/smin.yaml pointed at the test servers and database, everything else as shipped. */
function sminConfig(imapPort: number, smtpPort: number, database: TestDatabase) {
  const document = parseYaml(readFileSync(new URL('../../examples/smin.yaml', import.meta.url), 'utf8'));
  Object.assign(document.mailbox.imap, { host: '127.0.0.1', port: imapPort, secure: false, pollSeconds: 5 });
  document.mailbox.smtp = { host: '127.0.0.1', port: smtpPort, secure: false, fromName: 'SMIN — Réclamations' };
  document.database = database.url ? { url: database.url } : { dataDir: database.dataDir };
  // The learned model changes nothing here and takes seconds to train at start.
  document.qualification.learning.enabled = false;
  document.log = { level: 'silent' };
  const env = {
    IMAP_USER: 'reclamation',
    IMAP_PASSWORD: 'secret-imap',
    REPLY_SECRET: 'e2e-smin-secret-0123456789abcdef',
  };
  return loadConfig(stringifyYaml(document), env, 'smin-e2e').config;
}

describeE2E('recurrence analyses by e-mail (SMIN)', () => {
  describe.each(ENGINES)('on %s', (engine) => {
    const servers = useMailServers();
    let t: TestDatabase;
    let daemon: RunningDaemon;

    const deliver = (raw: string) => appendMessage(servers.dovecot, 'reclamation', 'INBOX', raw);
    const to = (address: string, pattern: RegExp) => (m: CapturedMail) =>
      m.envelopeTo.includes(address) && pattern.test(m.parsed.subject ?? '');
    const mailsAfter = () => {
      const mark = servers.smtp.mails.length;
      return (predicate: (m: CapturedMail) => boolean) => (m: CapturedMail) =>
        servers.smtp.mails.indexOf(m) >= mark && predicate(m);
    };

    beforeAll(async () => {
      t = await createTestDatabase(engine);
      const config = sminConfig(servers.dovecot.imapPort, servers.smtp.port, t);
      daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), {
        database: t.database,
      });
    });
    afterAll(async () => {
      await daemon?.stop();
      await t?.close();
    });

    it('opens the analysis at the 11th billing complaint, and the pilot closes it by reply', async () => {
      for (let i = 1; i <= 11; i += 1) {
        await deliver(
          mail(
            { From: `Client ${i} <client${i}@entreprise${i}.example>`, Subject: `Erreur sur notre facture n° ${i}` },
            `Bonjour,\nnotre facture du trimestre est en doublon : merci de nous envoyer un avoir.\nClient ${i}`,
          ),
        );
      }
      const opened = await servers.smtp.waitFor(to(PILOT, /^\[ANA-\d{4}-0001\] Récurrence/), 60_000);
      const reference = /ANA-\d{4}-0001/.exec(opened.parsed.subject!)![0];
      expect(opened.parsed.subject).toBe(
        `[${reference}] Récurrence : 11 réclamations « Erreur de facturation » en 6 mois — analyse des 5 pourquoi`,
      );
      expect(opened.parsed.replyTo?.value[0]?.address).toMatch(
        /^reclamation\+a[0-9a-z]+x[0-9a-z]+s[0-9a-f]{20}@spst-smin\.fr$/,
      );
      const text = opened.parsed.text ?? '';
      expect(text).toContain('Vous en êtes le pilote');
      expect(text.match(/^- SMIN-\d{4}-\d{4} — .* — Erreur sur notre facture n° \d+$/gm)).toHaveLength(11);
      // The billing referent is told too, with an address of their own.
      const referentCopy = await servers.smtp.waitFor(to(BILLING_REFERENT, /Récurrence/), 15_000);
      expect(referentCopy.parsed.replyTo?.value[0]?.address).not.toBe(opened.parsed.replyTo?.value[0]?.address);
      const [row] = await t.database.db.select().from(analyses);
      expect(row).toMatchObject({ reference, typology: 'erreur-facture', category: 'facturation', status: 'open' });
      expect(await t.database.db.select().from(analysisTickets)).toHaveLength(11);

      let next = mailsAfter();
      await deliver(replyTo(opened, 'Valérie Dubois <amc@spst-smin.fr>', '#pourquoi les factures partent deux fois'));
      let answer = await servers.smtp.waitFor(next(to(PILOT, new RegExp(`^\\[${reference}\\] Analyse`))), 30_000);
      expect(answer.parsed.subject).toContain('commande appliquée');
      expect(answer.parsed.text).toContain('« pourquoi » n° 1 enregistré');

      next = mailsAfter();
      await deliver(
        replyTo(answer, 'Valérie Dubois <amc@spst-smin.fr>', '#cause le lot est relancé sans contrôle de doublon'),
      );
      answer = await servers.smtp.waitFor(next(to(PILOT, new RegExp(`^\\[${reference}\\] Analyse`))), 30_000);
      expect(answer.parsed.text).toContain('cause racine enregistrée');

      next = mailsAfter();
      await deliver(replyTo(answer, 'Valérie Dubois <amc@spst-smin.fr>', '#clore'));
      answer = await servers.smtp.waitFor(next(to(PILOT, new RegExp(`^\\[${reference}\\] Analyse`))), 30_000);
      expect(answer.parsed.subject).toContain('analyse close');
      expect(answer.parsed.text).toContain('1. les factures partent deux fois');
      expect(answer.parsed.text).toContain('- le lot est relancé sans contrôle de doublon');

      const [closed] = await t.database.db.select().from(analyses);
      expect(closed).toMatchObject({ status: 'closed', closedBy: PILOT });
      const recorded = await t.database.db
        .select({ type: events.type, data: events.data })
        .from(events)
        .where(eq(events.analysisId, closed!.id))
        .orderBy(asc(events.id));
      expect(recorded.filter((e) => ['analysis.why', 'analysis.cause', 'analysis.closed'].includes(e.type))).toEqual([
        { type: 'analysis.why', data: { number: 1, text: 'les factures partent deux fois' } },
        { type: 'analysis.cause', data: { text: 'le lot est relancé sans contrôle de doublon' } },
        { type: 'analysis.closed', data: { whys: 1, causes: 1, actions: 0 } },
      ]);
      // The twelfth complaint opens nothing: its analysis is closed and its tickets no longer count.
      await deliver(
        mail({ From: 'client12@entreprise12.example', Subject: 'Facture en doublon' }, 'Encore un doublon de facture.'),
      );
      await servers.smtp.waitFor(to('client12@entreprise12.example', /Accusé de réception/), 30_000);
      expect(await t.database.db.select().from(analyses)).toHaveLength(1);
      expect((await t.database.db.select().from(tickets)).length).toBe(12);
    }, 240_000);
  });
});
