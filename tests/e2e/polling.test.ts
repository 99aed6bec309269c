// Without IDLE (a server that lacks it, or `idle: false`), the daemon polls every pollSeconds.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load-config.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { appendMessage, listMessages, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { createTestDatabase, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';
import { waitUntil } from '../support/wait.js';

describeE2E('polling instead of IDLE', () => {
  let dovecot: DovecotServer;
  let smtp: SmtpReceiver;
  let t: TestDatabase;
  let daemon: RunningDaemon;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
    smtp = await startSmtpReceiver();
    t = await createTestDatabase('pglite');
    const yaml = testConfigYaml({ imapPort: dovecot.imapPort, smtpPort: smtp.port, dataDir: t.dataDir }).replace(
      'idle: true, pollSeconds: 5',
      'idle: false, pollSeconds: 1',
    );
    daemon = await startDaemon(loadConfig(yaml, {}, 'poll').config, pino({ level: 'silent' }), {
      database: t.database,
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await smtp?.stop();
    await dovecot?.stop();
    await t?.close();
  });

  it('finds a new complaint at the next poll and acknowledges it', async () => {
    await new Promise((r) => setTimeout(r, 300));
    await appendMessage(
      dovecot,
      'reclamation',
      'INBOX',
      'From: lea@example.test\r\nTo: reclamation@spst-test.fr\r\nSubject: Sans IDLE\r\nMessage-ID: <poll-1@example.test>\r\n\r\nTexte.\r\n',
    );
    const ack = await smtp.waitFor((m) => m.envelopeTo.includes('lea@example.test'), 10_000);
    expect(ack.parsed.subject).toMatch(/^\[REC-\d{4}-0001\] Accusé de réception/);
    await waitUntil(
      async () => (await listMessages(dovecot, 'reclamation', 'INBOX')).length === 0,
      5_000,
      'inbox emptied',
    );
  });
});
