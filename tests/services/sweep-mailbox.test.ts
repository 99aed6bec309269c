// sweepMailbox through a real Dovecot, both engines: a mail above mailbox.maxMessageBytes is
// fetched headers only (its RFC822.SIZE is read first), quarantined, and moved whole to the
// quarantine folder; the mails around it go through the pipeline as usual.
import { eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMailboxSession } from '../../src/adapters/imap-mailbox.js';
import { loadConfig } from '../../src/config/load-config.js';
import { messages, outbox, quarantine } from '../../src/db/schema.js';
import { sweepMailbox } from '../../src/services/sweep-mailbox.js';
import { appendMessage, listMessages, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { FakeClock, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';

const USERS = [{ name: 'reclamation', password: 'secret-imap' }];
const mail = (n: number, body: string): string =>
  [
    `From: Plaignant ${n} <p${n}@exemple.fr>`,
    'To: reclamation@spst-test.fr',
    `Subject: Réclamation ${n}`,
    `Message-ID: <sweep-${n}-${Date.now()}@exemple.fr>`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
    '',
  ].join('\r\n');

describeE2E('sweepMailbox and the size cap', () => {
  describe.each(ENGINES)('on %s', (engine) => {
    let dovecot: DovecotServer;
    let t: TestDatabase;
    beforeAll(async () => {
      dovecot = await startDovecot({ users: USERS });
      t = await createTestDatabase(engine);
    });
    afterAll(async () => {
      await t?.close();
      await dovecot?.stop();
    });

    it('fetches a mail above the cap headers only, quarantines it and moves it whole to Quarantaine', async () => {
      const yaml = testConfigYaml({ imapPort: dovecot.imapPort }).replace(
        '  address: reclamation@spst-test.fr',
        '  address: reclamation@spst-test.fr\n  maxMessageBytes: 65536',
      );
      const { config } = loadConfig(yaml, {}, 'test');
      const deps = testDeps(t.database.db, config, new FakeClock(new Date('2026-11-23T08:00:00Z')));
      const huge = mail(2, `Voici le dossier.\r\n${'ligne de la pièce jointe\r\n'.repeat(6_000)}`);
      for (const raw of [mail(1, 'Le médecin était absent.'), huge, mail(3, 'Facture reçue deux fois.')])
        await appendMessage(dovecot, 'reclamation', 'INBOX', raw);

      const fetchedHeadersOnly: boolean[] = [];
      const session = await openMailboxSession({
        imap: config.mailbox.imap,
        log: pino({ level: 'silent' }),
        maxMessageBytes: 65_536,
      });
      const watched = {
        ...session,
        inbox: session.inbox,
        uidValidity: session.uidValidity,
        usable: session.usable,
        fetch: async (uids: readonly number[]) => {
          const fetched = await session.fetch(uids);
          fetchedHeadersOnly.push(...fetched.map((f) => f.headersOnly === true));
          return fetched;
        },
      };
      try {
        const report = await sweepMailbox(deps, watched, { full: true });
        expect(report.outcomes).toMatchObject({ ticket: 2, quarantined: 1 });
      } finally {
        await session.close();
        deps.sender.close();
      }
      expect(fetchedHeadersOnly).toEqual([false, true, false]);

      const [kept] = await t.database.db.select().from(quarantine);
      expect(Buffer.from(kept!.raw).toString('utf8')).toMatch(/^From: Plaignant 2 [\s\S]*\r\n\r\n$/);
      expect(kept!.reason).toBe(`too large: ${Buffer.byteLength(huge)} bytes, above mailbox.maxMessageBytes (65536)`);
      expect(await t.database.db.select({ n: sql<number>`count(*)::int` }).from(messages)).toEqual([{ n: 2 }]);
      const [alert] = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'pilot-alert'));
      expect(alert!.text).toContain('le message entier, intact, dans le dossier « Quarantaine »');
      // the whole mail is in the quarantine folder, the others are processed
      expect((await listMessages(dovecot, 'reclamation', 'Quarantaine')).map((m) => m.subject)).toEqual([
        'Réclamation 2',
      ]);
      expect((await listMessages(dovecot, 'reclamation', 'Traitées')).map((m) => m.subject)).toEqual([
        'Réclamation 1',
        'Réclamation 3',
      ]);
      expect(await listMessages(dovecot, 'reclamation', 'INBOX')).toEqual([]);
    });
  });
});
