// The outbox against a real SMTP receiver: fixed Message-IDs, retries on 4xx, dead + pilot alert on 5xx.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { events, outbox } from '../../src/db/schema.js';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { claimDueOutbox } from '../../src/db/outbox.js';
import {
  deliverOutbox,
  OUTBOX_LEASE_MS,
  recoverIfSmtpAnswers,
  takeBackOutboxClaims,
  UnrecordedSends,
} from '../../src/services/deliver-outbox.js';
import { createTrendChartRenderer } from '../../src/adapters/trend-chart.js';
import { createXlsxWriter } from '../../src/adapters/xlsx-workbook.js';
import { sendingOutages } from '../../src/db/indicators.js';
import { monthPeriod, periodRange } from '../../src/domain/period.js';
import { prepareDigest } from '../../src/services/send-digest.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import type { Deps } from '../../src/services/deps.js';
import type { MailSender, OutgoingMail } from '../../src/ports.js';
import { waitUntil } from '../support/wait.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfig } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

let n = 0;
const complaint = (from: string) =>
  rawMail(
    {
      From: from,
      To: 'reclamation@spst-test.fr',
      Subject: 'Attente à l’accueil',
      'Message-ID': `<d${++n}.${Date.now()}@example.test>`,
    },
    'Deux heures d’attente.',
  );

describe.each(ENGINES)('deliverOutbox on %s', (engine) => {
  let t: TestDatabase;
  let smtp: SmtpReceiver;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-11-23T08:00:00Z'));

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
    await emptyTables(t.database.db, ['events', 'leases', 'outbox', 'messages', 'tickets', 'ticket_sequences']);
    smtp.mails.length = 0;
    smtp.respondWith(null);
    deps?.sender.close();
    deps = testDeps(
      t.database.db,
      testConfig({ smtpPort: smtp.port, outbox: '{ maxAttempts: 4, baseDelaySeconds: 30, maxDelaySeconds: 600 }' }),
      clock,
    );
  });

  it('sends the acknowledgement with the Message-ID fixed at enqueue time, multipart, in French', async () => {
    await ingestMail(deps, complaint('Jean Dupont <jean@example.test>'), { kind: 'file', name: 'a' });
    const [row] = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'ack'));
    const queued = (await t.database.db.select().from(outbox)).length;
    expect(await deliverOutbox(deps)).toEqual({ sent: queued, retried: 0, dead: 0 });
    const mail = smtp.mails.find((m) => m.envelopeTo.includes('jean@example.test'));
    expect(mail!.envelopeTo).toEqual(['jean@example.test']);
    expect(mail!.parsed.messageId).toBe(`<${row!.messageId}>`);
    expect(mail!.parsed.subject).toBe('[REC-2026-0001] Accusé de réception de votre réclamation : Attente à l’accueil');
    expect(mail!.parsed.text).toContain('REC-2026-0001');
    expect(mail!.parsed.html).toContain('REC-2026-0001');
    expect(mail!.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(mail!.parsed.from?.value[0]?.address).toBe('reclamation@spst-test.fr');
    const [sent] = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'ack'));
    expect(sent).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await deliverOutbox(deps)).toEqual({ sent: 0, retried: 0, dead: 0 });
  });

  it('retries after a 4xx refusal with backoff, then sends exactly once', async () => {
    let refusals = 0;
    smtp.respondWith((envelope) =>
      envelope.to.includes('jean@example.test') && refusals++ < 2
        ? { code: 451, message: '4.3.0 Try again later' }
        : null,
    );
    await ingestMail(deps, complaint('jean@example.test'), { kind: 'file', name: 'a' });
    const staffNotices = (await t.database.db.select().from(outbox)).length - 1;
    expect(await deliverOutbox(deps)).toEqual({ sent: staffNotices, retried: 1, dead: 0 });
    const [waiting] = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'ack'));
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting!.lastError).toContain('451');
    const delay = waiting!.nextAttemptAt.getTime() - clock.now().getTime();
    expect(delay).toBeGreaterThanOrEqual(24_000);
    expect(delay).toBeLessThanOrEqual(36_000);
    // Not due yet: nothing happens.
    expect(await deliverOutbox(deps)).toEqual({ sent: 0, retried: 0, dead: 0 });
    clock.advance(delay);
    expect(await deliverOutbox(deps)).toEqual({ sent: 0, retried: 1, dead: 0 });
    clock.advance(10 * 60_000);
    expect(await deliverOutbox(deps)).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(smtp.mails.filter((m) => m.envelopeTo.includes('jean@example.test'))).toHaveLength(1);
    expect(smtp.refusals).toBeGreaterThanOrEqual(2);
  });

  it('marks a 5xx refusal dead at once and alerts the pilot, who gets the alert', async () => {
    smtp.respondWith((envelope) =>
      envelope.to.includes('inconnu@example.test') ? { code: 550, message: '5.1.1 User unknown' } : null,
    );
    await ingestMail(deps, complaint('inconnu@example.test'), { kind: 'file', name: 'a' });
    const report = await deliverOutbox(deps);
    expect(report.dead).toBe(1);
    const rows = await t.database.db.select().from(outbox);
    expect(rows.find((r) => r.kind === 'ack')).toMatchObject({ status: 'dead', attempts: 1 });
    expect(rows.find((r) => r.kind === 'pilot-alert')).toMatchObject({
      status: 'sent',
      toAddress: 'pilote@spst-test.fr',
    });
    const alert = smtp.mails.find(
      (m) => m.envelopeTo.includes('pilote@spst-test.fr') && /Échec définitif/.test(m.parsed.subject ?? ''),
    );
    expect(alert!.parsed.subject).toContain('[REC-2026-0001]');
    expect(alert!.parsed.text).toContain('inconnu@example.test');
    expect(alert!.parsed.text).toContain('550');
    const dead = await t.database.db.select().from(events).where(eq(events.type, 'outbox.dead'));
    expect(dead[0]!.data).toMatchObject({ permanent: true });
  });

  it('gives up after maxAttempts transient failures', async () => {
    smtp.respondWith((envelope) =>
      envelope.to.includes('lent@example.test') ? { code: 421, message: '4.7.0 Busy' } : null,
    );
    await ingestMail(deps, complaint('lent@example.test'), { kind: 'file', name: 'a' });
    for (let i = 0; i < 4; i++) {
      await deliverOutbox(deps);
      clock.advance(3_600_000);
    }
    const [ack] = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'ack'));
    expect(ack).toMatchObject({ status: 'dead', attempts: 4 });
  });

  it('queues again, once, the pilot alerts that died in an SMTP outage, when SMTP answers again, and the digest shows the outage', async () => {
    // SMTP down: a server nobody listens on (connection refused, a transient failure).
    const downDeps = testDeps(
      t.database.db,
      testConfig({ smtpPort: 1, outbox: '{ maxAttempts: 4, baseDelaySeconds: 30, maxDelaySeconds: 600 }' }),
      clock,
    );
    /** Runs the deliverer an hour apart, SMTP down, until nothing is pending (every row dead). */
    const drain = async () => {
      for (let i = 0; i < 12; i++) {
        await deliverOutbox(downDeps);
        clock.advance(3_600_000);
      }
    };
    const rows = () => t.database.db.select().from(outbox);
    const alertMails = () =>
      smtp.mails.filter(
        (m) => m.envelopeTo.includes('pilote@spst-test.fr') && /Échec définitif/.test(m.parsed.subject ?? ''),
      );
    const recovered = () => t.database.db.select().from(events).where(eq(events.type, 'outbox.recovered'));

    clock.set('2026-11-23T08:00:00Z');
    await ingestMail(deps, complaint('panne@example.test'), { kind: 'file', name: 'a' });
    const firstQueued = clock.now();
    await drain();
    const deadAlerts = (await rows()).filter((r) => r.kind === 'pilot-alert' && r.status === 'dead');
    const deadMails = (await rows()).filter((r) => r.kind !== 'pilot-alert' && r.status === 'dead');
    // The acknowledgement and the staff notifications died, and so did the pilot's alerts about them.
    expect(deadMails.length).toBeGreaterThanOrEqual(2);
    expect(deadAlerts).toHaveLength(deadMails.length);
    expect((await rows()).every((r) => r.status === 'dead')).toBe(true);
    expect(alertMails()).toHaveLength(0);
    // Still down: asking SMTP changes nothing.
    expect(await recoverIfSmtpAnswers(downDeps)).toBe(0);

    // SMTP answers again, with nothing left to send: the daemon asks it, and the alerts go out.
    const backAt = clock.now();
    expect(await recoverIfSmtpAnswers(deps)).toBe(deadAlerts.length);
    expect(await deliverOutbox(deps)).toMatchObject({ sent: deadAlerts.length, dead: 0 });
    expect(alertMails()).toHaveLength(deadAlerts.length);
    const [event] = await recovered();
    expect(event!.data).toEqual({
      since: firstQueued.toISOString(),
      deadMails: deadMails.length + deadAlerts.length,
      requeued: deadAlerts.map((r) => r.id).sort((a, b) => a - b),
    });
    expect(await recoverIfSmtpAnswers(deps)).toBe(0);

    // A second outage kills them again: the next successful delivery records it, and does not
    // queue those alerts a third time (no loop), nor anything already sent.
    clock.advance(3_600_000);
    await t.database.db
      .update(outbox)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: clock.now() })
      .where(eq(outbox.kind, 'pilot-alert'));
    await drain();
    expect((await rows()).filter((r) => r.kind === 'pilot-alert' && r.status === 'dead')).toHaveLength(
      deadAlerts.length,
    );
    await ingestMail(deps, complaint('apres@example.test'), { kind: 'file', name: 'b' });
    const report = await deliverOutbox(deps);
    expect(report.dead).toBe(0);
    expect(await recovered()).toHaveLength(2);
    expect((await recovered())[1]!.data).toMatchObject({ requeued: [] });
    expect(alertMails()).toHaveLength(deadAlerts.length);

    // The pilot's digest of November says when sending was down.
    const november = periodRange(monthPeriod(2026, 11), 'Europe/Paris');
    const outages = await sendingOutages(t.database.db, november);
    expect(outages).toHaveLength(2);
    expect(outages[0]).toEqual({
      since: firstQueued,
      until: backAt,
      deadMails: deadMails.length + deadAlerts.length,
      alertsRequeued: deadAlerts.length,
    });
    clock.set('2026-12-01T07:00:00Z');
    const preview = await prepareDigest(
      { ...deps, charts: createTrendChartRenderer(), workbooks: createXlsxWriter() },
      { period: monthPeriod(2026, 11), viewer: 'pilote@spst-test.fr' },
    );
    expect(preview.mail.text).toContain(
      `Panne d’envoi du lundi 23 novembre 2026 à 9 h 00 au lundi 23 novembre 2026 à 21 h 00 : ${deadMails.length + deadAlerts.length} envoi(s) abandonné(s) après plusieurs essais, ${deadAlerts.length} alerte(s) renvoyée(s) au pilote.`,
    );
    expect(preview.mail.html).toContain('Panne d’envoi du lundi 23 novembre 2026 à 9 h 00');
    downDeps.sender.close();
  });

  it('retries when the SMTP server is unreachable', async () => {
    deps.sender.close();
    deps = testDeps(t.database.db, testConfig({ smtpPort: 1 }), clock);
    await ingestMail(deps, complaint('jean@example.test'), { kind: 'file', name: 'a' });
    const queued = (await t.database.db.select().from(outbox)).length;
    expect(await deliverOutbox(deps)).toEqual({ sent: 0, retried: queued, dead: 0 });
  });

  // Rows queued directly (not through ingest), so these tests see only the outbox.
  const queue = async (addresses: string[]) => {
    const now = clock.now();
    const rows = await t.database.db
      .insert(outbox)
      .values(
        addresses.map((to, i) => ({
          messageId: `q${++n}.${i}@spst-test.fr`,
          kind: 'ack',
          toAddress: to,
          automatic: true,
          subject: `Mail ${i}`,
          text: 'Bonjour',
          html: '<p>Bonjour</p>',
          headers: { 'X-Reclam-Kind': 'ack' },
          nextAttemptAt: now,
          createdAt: now,
        })),
      )
      .returning({ id: outbox.id, to: outbox.toAddress });
    return new Map(rows.map((r) => [r.to, r.id]));
  };
  const statusOf = async () =>
    new Map(
      (await t.database.db.select({ to: outbox.toAddress, status: outbox.status }).from(outbox)).map((r) => [
        r.to,
        r.status,
      ]),
    );
  /** The real SMTP sender, except that mails to `slow` wait until `release()`. */
  const gated = (inner: MailSender, slow: string) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sender: MailSender = {
      async send(mail: OutgoingMail) {
        if (mail.to === slow) await gate;
        return inner.send(mail);
      },
      verify: () => inner.verify(),
      close: () => inner.close(),
    };
    return { sender, release };
  };

  it('marks each row sent as soon as its send resolves, before the batch’s slowest mail', async () => {
    const addresses = ['a@example.test', 'lent@example.test', 'b@example.test', 'c@example.test'];
    await queue(addresses);
    const { sender, release } = gated(deps.sender, 'lent@example.test');
    const delivering = deliverOutbox({ ...deps, sender });
    await waitUntil(
      async () => [...(await statusOf()).values()].filter((s) => s === 'sent').length === 3,
      5_000,
      'the three fast rows marked sent',
    );
    expect((await statusOf()).get('lent@example.test')).toBe('sending');
    release();
    expect(await delivering).toEqual({ sent: 4, retried: 0, dead: 0 });
    expect([...(await statusOf()).values()]).toEqual(['sent', 'sent', 'sent', 'sent']);
    // The claims recorded for a restart are gone with the rows sent.
    const claims = await t.database.db.execute(sql`select count(*)::int as n from leases where name like 'outbox:%'`);
    expect(JSON.stringify(claims)).toContain('"n":0');
  });

  it('keeps marking the others sent while a send in the middle fails', async () => {
    const addresses = ['a@example.test', 'b@example.test', 'refuse@example.test', 'c@example.test', 'd@example.test'];
    await queue(addresses);
    smtp.respondWith((envelope) =>
      envelope.to.includes('refuse@example.test') ? { code: 451, message: '4.3.0 Try again later' } : null,
    );
    // The refused mail is also the slowest: the others must not wait for it to be recorded.
    const { sender, release } = gated(deps.sender, 'refuse@example.test');
    const delivering = deliverOutbox({ ...deps, sender });
    await waitUntil(
      async () => [...(await statusOf()).values()].filter((s) => s === 'sent').length === 4,
      5_000,
      'the four accepted rows marked sent',
    );
    release();
    expect(await delivering).toEqual({ sent: 4, retried: 1, dead: 0 });
    const status = await statusOf();
    expect(status.get('refuse@example.test')).toBe('pending');
    expect(addresses.filter((a) => status.get(a) === 'sent')).toHaveLength(4);
    // A send that throws is a transient failure of its own row only.
    await queue(['e@example.test', 'boom@example.test', 'f@example.test']);
    const throwing: MailSender = {
      ...deps.sender,
      send: (mail) =>
        mail.to === 'boom@example.test' ? Promise.reject(new Error('socket hang up')) : deps.sender.send(mail),
    };
    expect(await deliverOutbox({ ...deps, sender: throwing })).toEqual({ sent: 2, retried: 1, dead: 0 });
  });

  it('claims more rows while the first batch is still sending, and sends each row once', async () => {
    const addresses = Array.from({ length: 25 }, (_, i) => `r${i}@example.test`);
    await queue(addresses);
    expect(await deliverOutbox(deps, { batchSize: 4, flushWindowMs: 30 })).toEqual({ sent: 25, retried: 0, dead: 0 });
    expect(smtp.mails).toHaveLength(25);
    expect(new Set([...(await statusOf()).values()])).toEqual(new Set(['sent']));
  });

  it('does not send twice what SMTP accepted while the database refused to record it', async () => {
    await queue(['a@example.test', 'b@example.test']);
    // Every send waits until the rows are claimed and the database has started refusing `sent`.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sender: MailSender = {
      ...deps.sender,
      async send(mail) {
        await gate;
        return deps.sender.send(mail);
      },
    };
    const unrecorded = new UnrecordedSends();
    const delivering = deliverOutbox({ ...deps, sender }, { unrecorded }).then(
      () => null,
      (error: unknown) => error,
    );
    await waitUntil(async () => [...(await statusOf()).values()].every((s) => s === 'sending'), 5_000, 'rows claimed');
    await t.database.db.execute(
      sql.raw(`create function refuse_sent() returns trigger language plpgsql
               as $$ begin raise exception 'refused for the test'; end $$`),
    );
    await t.database.db.execute(
      sql.raw(`create trigger refuse_sent before update on outbox for each row
               when (new.status = 'sent') execute function refuse_sent()`),
    );
    release();
    expect(String(((await delivering) as Error).cause)).toMatch(/refused for the test/);
    expect(smtp.mails).toHaveLength(2);
    expect(unrecorded.size).toBe(2);
    // The database takes writes again: the next run records them first; the loop's take-back of
    // its own claims then finds nothing to send again.
    await t.database.db.execute(sql.raw('drop trigger refuse_sent on outbox'));
    await t.database.db.execute(sql.raw('drop function refuse_sent()'));
    expect(await deliverOutbox(deps, { unrecorded })).toEqual({ sent: 0, retried: 0, dead: 0 });
    expect(unrecorded.size).toBe(0);
    expect(await takeBackOutboxClaims(deps, { own: true })).toBe(0);
    expect([...(await statusOf()).values()]).toEqual(['sent', 'sent']);
    clock.advance(OUTBOX_LEASE_MS + 1);
    await deliverOutbox(deps);
    expect(smtp.mails).toHaveLength(2);
  });

  it('takes back at once the rows claimed by a dead local daemon, or by itself between runs, not a live one’s', async () => {
    const ids = await queue(['mort@example.test', 'moi@example.test', 'vivant@example.test', 'ailleurs@example.test']);
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const holders = {
      dead: `${hostname()}:${deadPid}:0badc0de`,
      own: `${hostname()}:${process.pid}:self`,
      live: `${hostname()}:${process.ppid}:alive`,
      remote: `autre-machine:${deadPid}:0badc0de`,
    };
    // Each holder claims one row (the claim takes the oldest due row first).
    for (const holder of [holders.dead, holders.own, holders.live, holders.remote]) {
      expect(await claimDueOutbox(t.database.db, clock.now(), OUTBOX_LEASE_MS, 1, holder)).toHaveLength(1);
    }
    expect(await deliverOutbox(deps)).toEqual({ sent: 0, retried: 0, dead: 0 });
    // A restart: the dead process's row comes back, the others stay claimed.
    expect(await takeBackOutboxClaims(deps, { holder: holders.own })).toBe(1);
    // Between two runs of its own deliverer, nothing of it is in flight: its own row comes back too.
    expect(await takeBackOutboxClaims(deps, { holder: holders.own, own: true })).toBe(1);
    expect(await deliverOutbox(deps, { holder: holders.own })).toEqual({ sent: 2, retried: 0, dead: 0 });
    const status = await statusOf();
    expect(status.get('mort@example.test')).toBe('sent');
    expect(status.get('moi@example.test')).toBe('sent');
    expect(status.get('vivant@example.test')).toBe('sending');
    expect(status.get('ailleurs@example.test')).toBe('sending');
    const [mort] = await t.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.id, ids.get('mort@example.test')!));
    expect(mort).toMatchObject({ attempts: 2 });
    // The others wait for their lease, as before.
    clock.advance(OUTBOX_LEASE_MS + 1);
    expect(await deliverOutbox(deps)).toEqual({ sent: 2, retried: 0, dead: 0 });
  });
});
