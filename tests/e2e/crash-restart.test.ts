// The daemon as a real child process (`reclam run`), killed with SIGKILL in the middle of a batch
// and started again: every complaint ends with exactly one ticket and its acknowledgement.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '../../src/db/database.js';
import { appendMessage, listMessages, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { reclamNodeArgs } from '../harness/reclam-cli.js';
import { copyPgliteTemplate, createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';
import { waitUntil } from '../support/wait.js';

const root = resolve(import.meta.dirname, '../..');
const COMPLAINTS = 40;

function startChild(configPath: string): { child: ChildProcess; created: () => number; output: () => string } {
  const child = spawn(process.execPath, [...reclamNodeArgs(), 'run', '--config', configPath, '--log-level', 'info'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let created = 0;
  const read = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    created += text.split('"ticket created"').length - 1;
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  return { child, created: () => created, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

describeE2E('crash and restart of the daemon process', () => {
  describe.each(ENGINES)('on %s', (engine) => {
    let dovecot: DovecotServer;
    let smtp: SmtpReceiver;
    let t: TestDatabase;
    let running: ChildProcess | undefined;

    beforeAll(async () => {
      dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
      smtp = await startSmtpReceiver();
      t = await createTestDatabase(engine);
      // The child opens the database itself: PGlite must not be held by this process meanwhile.
      if (engine === 'pglite') await t.database.close();
      // Its own directory, migrated already (a copy of the run's template): the crash is the subject here.
      if (engine === 'pglite') await copyPgliteTemplate(join(t.dataDir, 'child'));
    });
    afterAll(async () => {
      running?.kill('SIGKILL');
      await smtp?.stop();
      await dovecot?.stop();
      await t?.close().catch(() => undefined);
    });

    it('ends with every mail ticketed once and acknowledged after SIGKILL mid-batch', async () => {
      const configPath = join(t.dataDir, 'reclam.yaml');
      await writeFile(
        configPath,
        testConfigYaml({
          imapPort: dovecot.imapPort,
          smtpPort: smtp.port,
          ...(t.url ? { databaseUrl: t.url } : { dataDir: join(t.dataDir, 'child') }),
          outbox: '{ maxAttempts: 5, baseDelaySeconds: 1, maxDelaySeconds: 2 }',
          // Several transactions, so that the kill falls between two of them.
          batchSize: 4,
        }),
      );
      for (let i = 1; i <= COMPLAINTS; i++) {
        await appendMessage(
          dovecot,
          'reclamation',
          'INBOX',
          `From: plaignant${i}@example.test\r\nTo: reclamation@spst-test.fr\r\nSubject: Réclamation ${i}\r\nMessage-ID: <crash-${i}@example.test>\r\n` +
            `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nRéclamation numéro ${i}.\r\n`,
        );
      }

      const first = startChild(configPath);
      running = first.child;
      await waitUntil(() => first.created() >= 5 || first.child.exitCode !== null, 60_000, 'the first tickets');
      expect(first.child.exitCode, first.output()).toBeNull();
      first.child.kill('SIGKILL');
      await exited(first.child);
      const createdBeforeKill = first.created();
      expect(createdBeforeKill).toBeLessThan(COMPLAINTS);

      const second = startChild(configPath);
      running = second.child;
      // Acknowledgements to the complainants (staff notifications travel too).
      const acks = () =>
        smtp.mails.filter(
          (m) => m.envelopeTo[0]!.startsWith('plaignant') && /Accusé de réception/.test(m.parsed.subject ?? ''),
        );
      const acked = () => new Set(acks().map((m) => m.envelopeTo[0])).size;
      await waitUntil(
        async () => acked() === COMPLAINTS && (await listMessages(dovecot, 'reclamation', 'INBOX')).length === 0,
        90_000,
        'all acknowledged',
      );
      second.child.kill('SIGTERM');
      expect(await exited(second.child)).toBe(0);

      const processed = await listMessages(dovecot, 'reclamation', 'Traitées');
      expect(processed).toHaveLength(COMPLAINTS);
      // Each complainant got its acknowledgement; the same Message-ID may arrive twice only if the
      // kill fell between SMTP acceptance and the commit of "sent".
      const byRecipient = new Map<string, Set<string>>();
      for (const mail of acks()) {
        const set = byRecipient.get(mail.envelopeTo[0]!) ?? new Set();
        set.add(mail.parsed.messageId!);
        byRecipient.set(mail.envelopeTo[0]!, set);
      }
      expect(byRecipient.size).toBe(COMPLAINTS);
      expect([...byRecipient.values()].every((ids) => ids.size === 1)).toBe(true);

      const database = engine === 'pglite' ? await openDatabase({ dataDir: join(t.dataDir, 'child') }) : t.database;
      try {
        const rows = rowsOf<{ tickets: number; refs: number; acks: number }>(
          await database.db.execute(
            sql`select (select count(*)::int from tickets) as tickets, (select count(distinct reference)::int from tickets) as refs,
                       (select count(*)::int from outbox where kind = 'ack' and status = 'sent') as acks`,
          ),
        );
        expect(rows[0]).toEqual({ tickets: COMPLAINTS, refs: COMPLAINTS, acks: COMPLAINTS });
      } finally {
        if (engine === 'pglite') await database.close();
      }
    }, 180_000);
  });
});
