// The daemon through database outages, with a backlog in the inbox. PostgreSQL: `reclam run` as a
// child process against a private server that is stopped with `pg_ctl stop -m immediate`, then
// has its postmaster killed, and is restarted each time after a few seconds. PGlite (which cannot
// go away): statements fail for a while under the running daemon. Either way the daemon stays up,
// resumes, and every complaint ends with one ticket and one acknowledgement.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { openDatabase, rowsOf, type Db } from '../../src/db/database.js';
import { appendMessage, listMessages, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { reclamNodeArgs } from '../harness/reclam-cli.js';
import { describeWithPostgres, startPostgres, type PostgresServer } from '../harness/postgres.js';
import { startSmtpReceiver, type CapturedMail, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { createTestDatabase, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';
import { waitUntil } from '../support/wait.js';

const root = resolve(import.meta.dirname, '../..');
const OUTBOX = '{ maxAttempts: 10, baseDelaySeconds: 1, maxDelaySeconds: 2 }';

async function appendComplaints(dovecot: DovecotServer, tag: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await appendMessage(
      dovecot,
      'reclamation',
      'INBOX',
      `From: plaignant-${tag}-${i}@example.test\r\nTo: reclamation@spst-test.fr\r\nSubject: Réclamation ${tag} ${i}\r\n` +
        `Message-ID: <outage-${tag}-${i}@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n` +
        `Réclamation ${tag} numéro ${i}.\r\n`,
    );
  }
}

/** Acknowledgements captured by SMTP, by complainant: each must have exactly one. */
function acksByComplainant(smtp: SmtpReceiver): Map<string, CapturedMail[]> {
  const byRecipient = new Map<string, CapturedMail[]>();
  for (const mail of smtp.mails) {
    const to = mail.envelopeTo[0]!;
    if (!to.startsWith('plaignant-') || !/Accusé de réception/.test(mail.parsed.subject ?? '')) continue;
    byRecipient.set(to, [...(byRecipient.get(to) ?? []), mail]);
  }
  return byRecipient;
}

async function databaseCounts(db: Db): Promise<Record<string, number>> {
  const [row] = rowsOf<Record<string, number>>(
    await db.execute(sql`
      select (select count(*)::int from tickets) as tickets,
             (select count(distinct reference)::int from tickets) as refs,
             (select count(distinct message_id)::int from messages) as messages,
             (select count(*)::int from outbox where kind = 'ack') as acks,
             (select count(*)::int from outbox where kind = 'ack' and status = 'sent') as "acksSent",
             (select count(*)::int from outbox where status <> 'sent') as "notSent"`),
  );
  return row!;
}

describeE2E('the daemon through database outages', () => {
  describeWithPostgres('on a private PostgreSQL, as reclam run', () => {
    const COMPLAINTS = 160;
    let pg: PostgresServer;
    let dovecot: DovecotServer;
    let smtp: SmtpReceiver;
    let child: ChildProcess | undefined;

    beforeAll(async () => {
      pg = await startPostgres();
      dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
      smtp = await startSmtpReceiver();
    });
    afterAll(async () => {
      child?.kill('SIGKILL');
      await smtp?.stop();
      await dovecot?.stop();
      await pg?.stop();
    });

    it('stays up through pg_ctl stop -m immediate and a killed postmaster, and loses and doubles nothing', async () => {
      const configPath = join(pg.dir, 'reclam.yaml');
      await writeFile(
        configPath,
        testConfigYaml({
          imapPort: dovecot.imapPort,
          smtpPort: smtp.port,
          databaseUrl: pg.url(),
          outbox: OUTBOX,
          batchSize: 4,
        }),
      );
      await appendComplaints(dovecot, 'pg', COMPLAINTS);

      child = spawn(process.execPath, [...reclamNodeArgs(), 'run', '--config', configPath, '--log-level', 'info'], {
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
      const alive = () => child!.exitCode === null && child!.signalCode === null;

      // First outage, early in the backlog: immediate shutdown (backends cut, crash recovery).
      await waitUntil(() => created >= 12 || !alive(), 60_000, 'the first tickets');
      expect(alive(), output.slice(-3000)).toBe(true);
      await pg.stopImmediate();
      const firstAt = created;
      await new Promise((r) => setTimeout(r, 4_000));
      expect(alive(), output.slice(-3000)).toBe(true);
      await pg.start();

      // Second outage, further on: SIGKILL of the postmaster.
      await waitUntil(() => created >= firstAt + 40 || !alive(), 90_000, 'the daemon resuming');
      expect(alive(), output.slice(-3000)).toBe(true);
      const beforeKill = created;
      expect(beforeKill).toBeLessThan(COMPLAINTS);
      await pg.killPostmaster();
      await new Promise((r) => setTimeout(r, 4_000));
      expect(alive(), output.slice(-3000)).toBe(true);
      await pg.start();

      await waitUntil(
        async () =>
          !alive() ||
          (acksByComplainant(smtp).size === COMPLAINTS &&
            (await listMessages(dovecot, 'reclamation', 'INBOX')).length === 0),
        120_000,
        'every complaint acknowledged',
      );
      expect(alive(), output.slice(-3000)).toBe(true);
      // The outages were seen and explained, in plain words, naming the key.
      expect(output).toContain('base de données injoignable');
      expect(output).toContain('vérifiez database.url');
      expect(output).not.toContain('TypeError');
      // The deliveries ran in the outbox's own thread throughout (it did not die and fall back).
      expect(output).toMatch(/"thread":"outbox".*"msg":"mail sent"/);
      expect(output).not.toContain('outbox thread failed');

      // Whatever is still due (staff notifications) goes out before the verdict.
      const database = await openDatabase({ url: pg.url(), dataDir: pg.dir });
      try {
        await waitUntil(async () => (await databaseCounts(database.db)).notSent === 0, 60_000, 'the outbox drained');
        child.kill('SIGTERM');
        expect(await new Promise((r) => child!.once('exit', (code) => r(code)))).toBe(0);
        child = undefined;
        expect(await databaseCounts(database.db)).toEqual({
          tickets: COMPLAINTS,
          refs: COMPLAINTS,
          messages: COMPLAINTS,
          acks: COMPLAINTS,
          acksSent: COMPLAINTS,
          notSent: 0,
        });
      } finally {
        await database.close();
      }
      // One acknowledgement each: not two mails, not even with the same Message-ID.
      const acks = acksByComplainant(smtp);
      expect(acks.size).toBe(COMPLAINTS);
      expect([...acks.entries()].filter(([, mails]) => mails.length !== 1).map(([to]) => to)).toEqual([]);
      expect((await listMessages(dovecot, 'reclamation', 'Traitées')).length).toBe(COMPLAINTS);
    }, 300_000);
  });

  describe('on PGlite, with statements failing under the running daemon', () => {
    const COMPLAINTS = 40;
    let dovecot: DovecotServer;
    let smtp: SmtpReceiver;
    let t: TestDatabase;
    let daemon: RunningDaemon | undefined;

    beforeAll(async () => {
      dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
      smtp = await startSmtpReceiver();
      t = await createTestDatabase('pglite');
    });
    afterAll(async () => {
      await daemon?.stop();
      await smtp?.stop();
      await dovecot?.stop();
      await t?.close();
    });

    it('keeps its loops running while the outbox, the leases and the tickets are out of reach, then resumes', async () => {
      const lines: { msg: string; loop?: string; level: number }[] = [];
      const log = pino(
        { level: 'info' },
        new Writable({
          write(chunk, _encoding, done) {
            for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
            done();
          },
        }),
      );
      const { config } = loadConfig(
        testConfigYaml({
          imapPort: dovecot.imapPort,
          smtpPort: smtp.port,
          dataDir: t.dataDir,
          outbox: OUTBOX,
          batchSize: 4,
        }),
        {},
        'pglite-outage',
      );
      const created = () => lines.filter((l) => l.msg === 'ticket created').length;
      await appendComplaints(dovecot, 'lite', COMPLAINTS);
      daemon = await startDaemon(config, log, { database: t.database });
      let stopped = false;
      void daemon.stopped.then(() => (stopped = true));

      await waitUntil(() => created() >= 8, 60_000, 'the first tickets');
      // Every statement on these tables fails (42P01) until they are given back.
      for (const table of ['outbox', 'leases', 'tickets'])
        await t.database.db.execute(sql.raw(`alter table ${table} rename to ${table}_away`));
      const failures = (loop: string) => lines.filter((l) => l.level === 50 && l.loop === loop);
      // The mailbox loop fails, closes its session, and fails again taking the lease (not a silent
      // stand-by as if another daemon held it); the outbox loop fails to claim.
      await waitUntil(
        () => failures('mailbox').length >= 2 && failures('outbox').length >= 1,
        30_000,
        'both loops failing, the mailbox one twice',
      );
      expect(failures('mailbox').some((l) => /leases/.test(l.msg))).toBe(true);
      for (const table of ['outbox', 'leases', 'tickets'])
        await t.database.db.execute(sql.raw(`alter table ${table}_away rename to ${table}`));
      expect(stopped).toBe(false);

      await waitUntil(
        async () =>
          acksByComplainant(smtp).size === COMPLAINTS &&
          (await listMessages(dovecot, 'reclamation', 'INBOX')).length === 0,
        120_000,
        'every complaint acknowledged',
      );
      await waitUntil(async () => (await databaseCounts(t.database.db)).notSent === 0, 60_000, 'the outbox drained');
      expect(stopped).toBe(false);
      expect(lines.some((l) => l.msg === 'mailbox loop working again')).toBe(true);
      expect(lines.some((l) => l.msg === 'outbox loop working again')).toBe(true);
      expect(await databaseCounts(t.database.db)).toEqual({
        tickets: COMPLAINTS,
        refs: COMPLAINTS,
        messages: COMPLAINTS,
        acks: COMPLAINTS,
        acksSent: COMPLAINTS,
        notSent: 0,
      });
      const acks = acksByComplainant(smtp);
      expect([...acks.values()].every((mails) => mails.length === 1)).toBe(true);
      // A new complaint after the incident goes through as usual.
      await appendComplaints(dovecot, 'after', 1);
      await smtp.waitFor((m) => m.envelopeTo.includes('plaignant-after-1@example.test'), 20_000);
    }, 240_000);
  });
});
