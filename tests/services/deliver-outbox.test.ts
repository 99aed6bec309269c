// The outbox against a real SMTP receiver: fixed Message-IDs, retries on 4xx, dead + pilot alert on 5xx.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { events, outbox } from '../../src/db/schema.js';
import { deliverOutbox } from '../../src/services/deliver-outbox.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import type { Deps } from '../../src/services/deps.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfig } from '../support/test-config.js';

let n = 0;
const complaint = (from: string) =>
  rawMail(
    { From: from, To: 'reclamation@spst-test.fr', Subject: 'Attente à l’accueil', 'Message-ID': `<d${++n}.${Date.now()}@example.test>` },
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
    for (const table of ['events', 'outbox', 'messages', 'tickets', 'ticket_sequences']) await t.database.db.execute(sql.raw(`delete from ${table}`));
    smtp.mails.length = 0;
    smtp.respondWith(null);
    deps?.sender.close();
    deps = testDeps(t.database.db, testConfig({ smtpPort: smtp.port, outbox: '{ maxAttempts: 4, baseDelaySeconds: 30, maxDelaySeconds: 600 }' }), clock);
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
    smtp.respondWith((envelope) => (envelope.to.includes('jean@example.test') && refusals++ < 2 ? { code: 451, message: '4.3.0 Try again later' } : null));
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
    smtp.respondWith((envelope) => (envelope.to.includes('inconnu@example.test') ? { code: 550, message: '5.1.1 User unknown' } : null));
    await ingestMail(deps, complaint('inconnu@example.test'), { kind: 'file', name: 'a' });
    const report = await deliverOutbox(deps);
    expect(report.dead).toBe(1);
    const rows = await t.database.db.select().from(outbox);
    expect(rows.find((r) => r.kind === 'ack')).toMatchObject({ status: 'dead', attempts: 1 });
    expect(rows.find((r) => r.kind === 'pilot-alert')).toMatchObject({ status: 'sent', toAddress: 'pilote@spst-test.fr' });
    const alert = smtp.mails.find((m) => m.envelopeTo.includes('pilote@spst-test.fr') && /Échec définitif/.test(m.parsed.subject ?? ''));
    expect(alert!.parsed.subject).toContain('[REC-2026-0001]');
    expect(alert!.parsed.text).toContain('inconnu@example.test');
    expect(alert!.parsed.text).toContain('550');
    const dead = await t.database.db.select().from(events).where(eq(events.type, 'outbox.dead'));
    expect(dead[0]!.data).toMatchObject({ permanent: true });
  });

  it('gives up after maxAttempts transient failures', async () => {
    smtp.respondWith((envelope) => (envelope.to.includes('lent@example.test') ? { code: 421, message: '4.7.0 Busy' } : null));
    await ingestMail(deps, complaint('lent@example.test'), { kind: 'file', name: 'a' });
    for (let i = 0; i < 4; i++) {
      await deliverOutbox(deps);
      clock.advance(3_600_000);
    }
    const [ack] = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'ack'));
    expect(ack).toMatchObject({ status: 'dead', attempts: 4 });
  });

  it('retries when the SMTP server is unreachable', async () => {
    deps.sender.close();
    deps = testDeps(t.database.db, testConfig({ smtpPort: 1 }), clock);
    await ingestMail(deps, complaint('jean@example.test'), { kind: 'file', name: 'a' });
    const queued = (await t.database.db.select().from(outbox)).length;
    expect(await deliverOutbox(deps)).toEqual({ sent: 0, retried: queued, dead: 0 });
  });
});
