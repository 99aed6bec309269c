// /healthz and /metrics scraped over HTTP from a running daemon (real Dovecot, real SMTP
// receiver), on both engines: ready once the mailbox is open, the counts and latencies of two
// complaints, the follow-through's events, overdue tickets, degraded with its reason when mails
// die or the IMAP password is refused; and never an address or subject in the figures.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { serveControl } from '../../src/daemon/control-server.js';
import { serveMonitoring, type MonitoringServer } from '../../src/daemon/monitoring-server.js';
import { events, tickets } from '../../src/db/schema.js';
import { appendMessage } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { useMailServers } from '../harness/mail-servers.js';
import { reclam } from '../harness/reclam-cli.js';
import { copyPgliteTemplate, createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';
import { waitUntil } from '../support/wait.js';

const MONITORING = 'monitoring: { enabled: true, host: 127.0.0.1, port: 0 }';
const DIGEST = 'digest: { schedule: "0 8 1 * *", recipients: [pilote@spst-test.fr] }';
const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

function complaint(n: number, from: string, subject: string): string {
  return [
    `From: ${from}`,
    'To: reclamation@spst-test.fr',
    `Subject: ${subject}`,
    `Message-ID: <monitoring-${n}-${Date.now()}@example.test>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Le parking du centre était fermé ce matin, impossible de venir à la visite.',
    '',
  ].join('\r\n');
}

/** The value of one sample (`name{labels}`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function get(base: string, path: string): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

describeE2E('monitoring endpoints of a running daemon', () => {
  const servers = useMailServers();

  describe.each(ENGINES)('on %s', (engine) => {
    let t: TestDatabase;
    let daemon: RunningDaemon;
    let monitoring: MonitoringServer;

    beforeAll(async () => {
      t = await createTestDatabase(engine);
      const { config } = loadConfig(
        testConfigYaml({
          imapPort: servers.dovecot.imapPort,
          smtpPort: servers.smtp.port,
          ...(t.url ? { databaseUrl: t.url } : { dataDir: t.dataDir }),
          extra: `${MONITORING}\n${DIGEST}`,
        }),
        {},
        'e2e',
      );
      daemon = await startDaemon(config, silent, { database: t.database });
      monitoring = (await serveMonitoring(daemon, silent))!;
    });
    afterAll(async () => {
      await monitoring?.close();
      await daemon?.stop();
      await t?.close();
    });

    it('is ready once the mailbox is open, and counts what two complaints did', async () => {
      await waitUntil(
        async () => (await get(monitoring.listening, '/healthz')).status === 200,
        30_000,
        '/healthz ready',
      );
      const health = JSON.parse((await get(monitoring.listening, '/healthz')).body) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ready', reasons: [], database: 'up', mailbox: { state: 'open' } });

      const inbox = `${engine}-${Date.now()}`;
      await appendMessage(
        servers.dovecot,
        'reclamation',
        'INBOX',
        complaint(1, `anne.${inbox}@example.test`, 'Parking fermé'),
      );
      await appendMessage(
        servers.dovecot,
        'reclamation',
        'INBOX',
        complaint(2, `bruno.${inbox}@example.test`, 'Accueil'),
      );
      await servers.smtp.waitFor((m) => m.envelopeTo.includes(`bruno.${inbox}@example.test`), 20_000);
      await servers.smtp.waitFor((m) => m.envelopeTo.includes(`anne.${inbox}@example.test`), 20_000);

      let text = '';
      await waitUntil(
        async () => {
          const scrape = await get(monitoring.listening, '/metrics');
          text = scrape.body;
          return scrape.status === 200 && sample(text, 'reclam_ack_latency_seconds_count') === 2;
        },
        20_000,
        'both acknowledgements in the histogram',
      );
      expect((await get(monitoring.listening, '/metrics')).type).toContain('text/plain');
      expect(sample(text, 'reclam_ready')).toBe(1);
      expect(sample(text, 'reclam_database_up')).toBe(1);
      expect(sample(text, 'reclam_mailbox_up')).toBe(1);
      expect(sample(text, 'reclam_mailbox_last_sweep_timestamp_seconds')).toBeGreaterThan(0);
      expect(sample(text, 'reclam_mails_seen_total{kind="complaint"}')).toBe(2);
      expect(sample(text, 'reclam_tickets_created_total{channel="email"}')).toBe(2);
      expect(sample(text, 'reclam_ingest_latency_seconds_count')).toBe(2);
      expect(sample(text, 'reclam_ingest_latency_seconds_bucket{le="+Inf"}')).toBe(2);
      expect(sample(text, 'reclam_tickets{state="received"}')).toBe(2);
      expect(sample(text, 'reclam_tickets{state="closed"}')).toBe(0);
      expect(sample(text, 'reclam_tickets_overdue')).toBe(0);
      await waitUntil(
        async () => sample((await get(monitoring.listening, '/metrics')).body, 'reclam_outbox_unsent') === 0,
        20_000,
        'outbox drained (staff notifications too)',
      );
      text = (await get(monitoring.listening, '/metrics')).body;
      expect(sample(text, 'reclam_outbox_oldest_unsent_seconds')).toBe(0);
      expect(sample(text, 'reclam_outbox_dead')).toBe(0);
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      // No address, subject or reference in names or labels.
      expect(text).not.toContain('@');
      expect(text).not.toContain('Parking');
      expect(text).not.toMatch(/REC-\d{4}/);
      if (engine === 'pglite') process.stderr.write(`[monitoring] /metrics excerpt:\n${excerpt(text)}\n`);
    }, 90_000);

    it('counts reminders, escalations and overdue tickets, and is degraded while mails die', async () => {
      const db = t.database.db;
      const [ticket] = await db.select({ id: tickets.id }).from(tickets).limit(1);
      const now = new Date();
      await db
        .update(tickets)
        .set({ deadlineAt: new Date(now.getTime() - 3600_000) })
        .where(eq(tickets.id, ticket!.id));
      await db.insert(events).values([
        { ticketId: ticket!.id, at: now, actor: 'system', type: 'reminder.sent', data: { kind: 'take-in-hand' } },
        { ticketId: ticket!.id, at: now, actor: 'system', type: 'reminder.sent', data: { kind: 'before-deadline' } },
        { ticketId: ticket!.id, at: now, actor: 'system', type: 'ticket.escalated', data: { round: 1 } },
        { ticketId: ticket!.id, at: now, actor: 'system', type: 'outbox.dead', data: {} },
      ]);
      await db.execute(sql`insert into outbox (message_id, ticket_id, kind, to_address, automatic, subject, text, html,
        status, attempts, next_attempt_at, created_at, last_error)
        values (${`dead-${engine}@reclam.test`}, ${ticket!.id}, 'ack', 'nobody@example.test', true, 's', 't', 'h',
        'dead', 5, now(), now(), '550 no such user')`);

      const text = (await get(monitoring.listening, '/metrics')).body;
      expect(sample(text, 'reclam_reminders_sent_total{kind="take-in-hand"}')).toBe(1);
      expect(sample(text, 'reclam_reminders_sent_total{kind="before-deadline"}')).toBe(1);
      expect(sample(text, 'reclam_escalations_sent_total{round="1"}')).toBe(1);
      expect(sample(text, 'reclam_tickets_overdue')).toBe(1);
      expect(sample(text, 'reclam_outbox_dead')).toBe(1);
      expect(sample(text, 'reclam_outbox_dead_last_day')).toBe(1);
      expect(sample(text, 'reclam_ready')).toBe(0);
      // A second scrape does not count the same events twice.
      const again = (await get(monitoring.listening, '/metrics')).body;
      expect(sample(again, 'reclam_reminders_sent_total{kind="take-in-hand"}')).toBe(1);
      expect(sample(again, 'reclam_mails_seen_total{kind="complaint"}')).toBe(2);

      const health = await get(monitoring.listening, '/healthz');
      expect(health.status).toBe(503);
      expect(JSON.parse(health.body)).toMatchObject({
        status: 'degraded',
        reasons: [{ code: 'OUTBOX_DEAD', message: '1 outgoing mail(s) given up in the last 24 h' }],
      });
      expect(health.body).not.toContain('nobody@example.test');
    }, 60_000);

    it('reclam status says it in French, from the daemon (PGlite) or the database and the lease (PostgreSQL)', async () => {
      const control = engine === 'pglite' ? await serveControl(t.dataDir, daemon, silent) : null;
      try {
        const path = join(t.dataDir, 'status.yaml');
        await writeFile(
          path,
          testConfigYaml({
            imapPort: servers.dovecot.imapPort,
            smtpPort: servers.smtp.port,
            ...(t.url ? { databaseUrl: t.url } : { dataDir: t.dataDir }),
            extra: DIGEST,
          }),
        );
        const result = await reclam(['status', '--config', path]);
        const out = result.stdout;
        if (engine === 'pglite') process.stderr.write(`[monitoring] reclam status:\n${out}\n`);
        expect(out).toMatch(/^reclam \S+ — SPST Test — \w+ \d/);
        expect(out).toContain(
          `Boîte aux lettres   reclamation@spst-test.fr (IMAP 127.0.0.1:${servers.dovecot.imapPort}, dossier INBOX)`,
        );
        if (engine === 'pglite') {
          expect(out).toMatch(/ouverte et surveillée depuis le \w+ \d/);
          expect(out).toMatch(/dernière relève le .* \(il y a \d+ s\)/);
          expect(out).toContain('PGlite intégrée');
        } else {
          expect(out).toMatch(/relevée par le démon \S+, dernière relève le .* \(il y a \d+ s\)/);
          expect(out).toContain('PostgreSQL (postgres://');
        }
        expect(out).toMatch(/Réclamations {8}2 ouvertes \(2 reçues\), dont 1 en retard/);
        expect(out).toMatch(/REC-\d{4}-\d{4} {2}niveau \d {2}reçue {2}échéance dépassée depuis le /);
        expect(out).toContain('1 envoi abandonné en tout, dont 1 dans les dernières 24 heures');
        expect(out).toMatch(/Prochain bilan {6}le \w+ 1er \w+ \d{4} à 8 h 00 : \S+ \d{4}, à 1 destinataire/);
        expect(out).toContain('État                dégradé : 1 envoi abandonné en 24 heures');
        expect(out).not.toMatch(/@example\.test|Parking/);
        expect(result.code).toBe(1);
      } finally {
        await control?.close();
      }
    }, 60_000);
  });

  it('is degraded with the reason when the IMAP server refuses the password', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reclam-monitoring-'));
    await copyPgliteTemplate(join(dir, 'data'));
    const { config } = loadConfig(
      testConfigYaml({
        imapPort: servers.dovecot.imapPort,
        smtpPort: servers.smtp.port,
        dataDir: join(dir, 'data'),
        extra: MONITORING,
      }).replace('secret-imap', 'wrong-password-7'),
      {},
      'e2e',
    );
    const daemon = await startDaemon(config, silent);
    const monitoring = (await serveMonitoring(daemon, silent))!;
    try {
      let body: Record<string, unknown> = {};
      await waitUntil(
        async () => {
          body = JSON.parse((await get(monitoring.listening, '/healthz')).body) as Record<string, unknown>;
          return (body.mailbox as { state: string }).state !== 'starting';
        },
        30_000,
        'the first IMAP login',
      );
      expect(body).toMatchObject({ status: 'degraded', mailbox: { state: 'auth-failed' } });
      expect((body.reasons as { code: string }[]).map((r) => r.code)).toEqual(['IMAP_AUTH_FAILED']);
      expect(JSON.stringify(body)).not.toContain('wrong-password-7');
      expect(sample((await get(monitoring.listening, '/metrics')).body, 'reclam_mailbox_up')).toBe(0);
    } finally {
      await monitoring.close();
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

function excerpt(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.startsWith('reclam_') && !l.includes('_bucket{le="0.') && !l.includes('le="1'))
    .join('\n');
}
