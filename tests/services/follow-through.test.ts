// The follow-through sweep on both engines, with a fake clock moved across weeks: each step once,
// none after the ticket moved on, a three-day outage caught up with one mail per person, only in
// working hours, medical tickets masked for non-doctors, silence means yes, commands straight from
// a reminder's line, and two sweeps racing on PostgreSQL sending once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { loadConfig } from '../../src/config/load-config.js';
import { describeStep } from '../../src/domain/follow-through.js';
import type { Config } from '../../src/config/config-schema.js';
import { events, followUps, outbox, tickets } from '../../src/db/schema.js';
import { updateTicket, type TicketRow } from '../../src/db/tickets.js';
import { staffReplyAddress } from '../../src/services/enqueue-staff-mail.js';
import {
  followThroughRules,
  MAX_LINES_PER_MAIL,
  previewFollowThrough,
  sweepFollowThrough,
} from '../../src/services/follow-through.js';
import { ingestMail, ingestMails } from '../../src/services/ingest-mail.js';
import type { Deps } from '../../src/services/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfigYaml } from '../support/test-config.js';
import { emptyTables, type TableName } from '../support/empty-tables.js';

let n = 0;
const file = () => ({ kind: 'file' as const, name: `f${++n}` });
const TABLES: readonly TableName[] = [
  'follow_ups',
  'analysis_tickets',
  'qualification_feedback',
  'attachments',
  'events',
  'analyses',
  'analysis_sequences',
  'outbox',
  'messages',
  'tickets',
  'ticket_sequences',
];

/** The test procedure with a 2-business-day lead on level 1, escalation and silence means yes. */
function followConfig(extra = ''): Config {
  const yaml = testConfigYaml({
    extra: `escalation: { directionWithin: 5d, workingHours: "8-18" }
effectiveness: { remindAfter: 7d, silenceMeansYesAfter: 15d }
${extra}`,
  }).replace('ackWithin: 48h, resolveWithin: 10d }', 'ackWithin: 48h, resolveWithin: 10d, remindBefore: 2bd }');
  return loadConfig(yaml, {}, 'test').config;
}

describe.each(ENGINES)('follow-through on %s', (engine) => {
  let t: TestDatabase;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-11-02T08:00:00Z'));

  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    deps?.sender.close();
    await t?.close();
  });
  beforeEach(async () => {
    await emptyTables(t.database.db, TABLES);
    deps?.sender.close();
    deps = testDeps(t.database.db, followConfig(), clock);
  });

  /**
   * A complaint received Monday 2 November 2026 at 09:00 Paris, made level 1 in `category` with
   * its deadline at the end of Thursday 12 November (Wednesday 11 is a holiday).
   */
  async function complaint(subject: string, patch: Partial<TicketRow> = {}): Promise<TicketRow> {
    clock.set('2026-11-02T08:00:00Z');
    const outcome = await ingestMail(
      deps,
      rawMail(
        {
          From: `client${++n}@example.test`,
          To: 'reclamation@spst-test.fr',
          Subject: subject,
          'Message-ID': `<c${n}@example.test>`,
        },
        'Bonjour, nous attendons toujours une réponse. Cordialement.',
      ),
      file(),
    );
    expect(outcome.outcome).toBe('ticket');
    const reference = (outcome as { reference: string }).reference;
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.reference, reference));
    await updateTicket(t.database.db, row!.id, {
      level: 1,
      category: 'generale',
      confidential: false,
      routedTo: ['accueil@spst-test.fr'],
      deadlineAt: new Date('2026-11-12T22:59:59.999Z'),
      ...patch,
    });
    const [updated] = await t.database.db.select().from(tickets).where(eq(tickets.id, row!.id));
    return updated!;
  }

  const reminders = () =>
    t.database.db.select().from(outbox).where(eq(outbox.kind, 'reminder')).orderBy(asc(outbox.id));
  const at = async (instant: string) => {
    clock.set(instant);
    return sweepFollowThrough(deps);
  };

  it('reminds the referent once when nobody took the ticket, then the pilot, then no more', async () => {
    const ticket = await complaint('Visite non planifiée');
    expect((await at('2026-11-02T09:00:00Z')).nextCheckAt).toEqual(new Date('2026-11-04T08:00:00Z'));
    expect((await at('2026-11-04T07:59:00Z')).handled).toHaveLength(0);
    const first = await at('2026-11-04T08:00:00Z');
    expect(first.handled.map((i) => i.step.kind)).toEqual(['take-in-hand']);
    expect(first.mails).toBe(1);
    // A restart at the same instant and later looks the same day: nothing more.
    expect((await at('2026-11-04T08:00:00Z')).handled).toHaveLength(0);
    deps = testDeps(t.database.db, followConfig(), clock);
    expect((await at('2026-11-04T15:00:00Z')).handled).toHaveLength(0);
    const [mail, ...others] = await reminders();
    expect(others).toHaveLength(0);
    expect(mail!.toAddress).toBe('accueil@spst-test.fr');
    expect(mail!.subject).toBe('Suivi des réclamations : 1 point à traiter');
    expect(mail!.text).toContain(`${ticket.reference} « Visite non planifiée »`);
    expect(mail!.text).toContain('à prendre en charge');
    expect(mail!.text).toContain(
      `écrivez à ${staffReplyAddress(deps, deps.config.people.find((p) => p.email === 'accueil@spst-test.fr')!, ticket.id)} avec #prendre`,
    );
    expect(mail!.html).toContain('href="mailto:reclamation+');
    // Two days later the pilot.
    const pilot = await at('2026-11-06T08:00:00Z');
    expect(pilot.handled.map((i) => [i.step.kind, i.to.map((p) => p.email)])).toEqual([
      ['take-in-hand-pilot', ['pilote@spst-test.fr']],
    ]);
    const recorded = await t.database.db.select().from(followUps).where(eq(followUps.ticketId, ticket.id));
    expect(recorded.map((r) => [r.kind, r.outcome, r.recipients])).toEqual([
      ['take-in-hand', 'sent', ['accueil@spst-test.fr']],
      ['take-in-hand-pilot', 'sent', ['pilote@spst-test.fr']],
    ]);
    const sent = await t.database.db
      .select()
      .from(events)
      .where(and(eq(events.ticketId, ticket.id), eq(events.type, 'reminder.sent')));
    expect(sent.map((e) => e.data['kind'])).toEqual(['take-in-hand', 'take-in-hand-pilot']);
  });

  it('sends nothing more once the ticket moved on', async () => {
    const ticket = await complaint('Dossier en attente');
    await at('2026-11-04T08:00:00Z');
    // Taken in hand, then answered without effectiveness question: nothing is owed any more.
    await updateTicket(t.database.db, ticket.id, { assigneeEmail: 'accueil@spst-test.fr', status: 'in_progress' });
    expect((await at('2026-11-06T08:00:00Z')).handled).toHaveLength(0);
    const before = await at('2026-11-09T07:00:00Z');
    expect(before.handled.map((i) => [i.step.kind, i.to.map((p) => p.email)])).toEqual([
      ['before-deadline', ['accueil@spst-test.fr']],
    ]);
    await updateTicket(t.database.db, ticket.id, { status: 'answered', answeredAt: clock.now() });
    for (const instant of ['2026-11-13T08:00:00Z', '2026-11-18T08:00:00Z', '2026-12-15T08:00:00Z'])
      expect((await at(instant)).handled).toHaveLength(0);
    expect((await reminders()).map((m) => m.toAddress)).toEqual(['accueil@spst-test.fr', 'accueil@spst-test.fr']);
  });

  it('after a three-day outage, sends one mail per person listing all that is due', async () => {
    const first = await complaint('Retard de convocation');
    const second = await complaint('Facture contestée');
    // Nothing ran from Wednesday 11 to Saturday 14; Monday 16 November 08:30 Paris the daemon is back.
    await updateTicket(t.database.db, first.id, { assigneeEmail: 'accueil@spst-test.fr', status: 'in_progress' });
    await updateTicket(t.database.db, second.id, { assigneeEmail: 'accueil@spst-test.fr', status: 'in_progress' });
    const back = await at('2026-11-16T07:30:00Z');
    expect(back.mails).toBe(3);
    const mails = await reminders();
    expect(mails.map((m) => m.toAddress).sort()).toEqual([
      'accueil@spst-test.fr',
      'direction@spst-test.fr',
      'pilote@spst-test.fr',
    ]);
    const referent = mails.find((m) => m.toAddress === 'accueil@spst-test.fr')!;
    expect(referent.subject).toBe('Suivi des réclamations : 2 points à traiter');
    expect(referent.text.match(/échéance dépassée le jeudi 12 novembre 2026/g)).toHaveLength(2);
    // The reminder two days before was missed: it is not sent late.
    expect(referent.text).not.toContain('la réponse reste à envoyer');
    const direction = mails.find((m) => m.toAddress === 'direction@spst-test.fr')!;
    expect(direction.subject).toBe('Signalement à la direction : 2 points de suivi en retard');
    // The direction's five days run from this late mail: to the end of Saturday 21 November.
    expect(direction.text).toContain('avant le samedi 21 novembre 2026');
    const escalated = await t.database.db.select().from(events).where(eq(events.type, 'ticket.escalated'));
    expect(escalated.map((e) => e.data)).toEqual([
      { round: 1, to: ['direction@spst-test.fr'], dueAt: '2026-11-21T22:59:59.999Z' },
      { round: 1, to: ['direction@spst-test.fr'], dueAt: '2026-11-21T22:59:59.999Z' },
    ]);
    const superseded = await t.database.db.select().from(followUps).where(eq(followUps.outcome, 'superseded'));
    expect(superseded.map((r) => r.kind)).toEqual(['before-deadline', 'before-deadline']);
    // The direction's five days pass: the second round, once, on the Monday after.
    expect((await at('2026-11-20T08:00:00Z')).handled).toHaveLength(0);
    expect((await at('2026-11-23T08:00:00Z')).handled.map((i) => i.step.kind)).toEqual([
      'escalation-2',
      'escalation-2',
    ]);
    expect((await at('2026-11-23T09:00:00Z')).handled).toHaveLength(0);
  });

  it('waits for a business day in working hours', async () => {
    await complaint('Attente', {
      assigneeEmail: 'accueil@spst-test.fr',
      status: 'in_progress',
      deadlineAt: new Date('2026-11-06T22:59:59.999Z'),
    });
    // Due at the end of Friday 6: nothing on Saturday, the next working moment is Monday 08:00 Paris.
    const saturday = await at('2026-11-07T10:00:00Z');
    expect(saturday.handled).toHaveLength(0);
    expect(saturday.nextCheckAt).toEqual(new Date('2026-11-09T07:00:00Z'));
    expect((await at('2026-11-09T06:59:00Z')).handled).toHaveLength(0);
    expect((await at('2026-11-09T07:00:00Z')).handled.map((i) => i.step.kind)).toEqual(['deadline', 'escalation-1']);
  });

  it('masks a medical ticket for non-doctors and shows it to the doctor', async () => {
    const ticket = await complaint('Certificat du Dr Vidal refusé', {
      category: 'medicale',
      confidential: true,
      routedTo: ['dr.martin@spst-test.fr'],
      assigneeEmail: 'dr.martin@spst-test.fr',
      status: 'in_progress',
    });
    await at('2026-11-13T08:00:00Z');
    const mails = await reminders();
    const doctor = mails.find((m) => m.toAddress === 'dr.martin@spst-test.fr')!;
    expect(doctor.text).toContain('Certificat du Dr Vidal');
    for (const mail of mails.filter((m) => m.toAddress !== 'dr.martin@spst-test.fr')) {
      expect(mail.text).toContain(`${ticket.reference} (réclamation médicale : contenu réservé aux médecins)`);
      expect(mail.text + mail.html + mail.subject).not.toContain('Vidal');
    }
    expect(mails.map((m) => m.toAddress).sort()).toEqual([
      'direction@spst-test.fr',
      'dr.martin@spst-test.fr',
      'pilote@spst-test.fr',
    ]);
  });

  it('lists at most MAX_LINES_PER_MAIL tickets in one mail, the nearest deadlines first, and counts the rest', async () => {
    clock.set('2026-11-02T08:00:00Z');
    const count = MAX_LINES_PER_MAIL + 3;
    await ingestMails(
      deps,
      Array.from({ length: count }, (_, i) => ({
        raw: rawMail(
          {
            From: `lot${i}@example.test`,
            To: 'reclamation@spst-test.fr',
            Subject: `Dossier ${i}`,
            'Message-ID': `<lot${i}.${++n}@example.test>`,
          },
          'Bonjour, nous attendons toujours une réponse.',
        ),
        source: file(),
      })),
    );
    // Friday 6: every one still unassigned goes to the pilot.
    const sweep = await at('2026-11-06T08:00:00Z');
    const toPilot = sweep.handled.filter((i) => i.to.some((p) => p.email === 'pilote@spst-test.fr'));
    expect(new Set(toPilot.map((i) => i.ticket.id)).size).toBe(count);
    const pilotMail = (await reminders()).find((m) => m.toAddress === 'pilote@spst-test.fr')!;
    expect(pilotMail.text.match(/^- REC-/gm)).toHaveLength(MAX_LINES_PER_MAIL);
    expect(pilotMail.text).toContain('… et 3 autres réclamations aux échéances plus lointaines');
  }, 120_000);

  it('asks for the effectiveness call, then closes on silence with an event saying so', async () => {
    const ticket = await complaint('Solution proposée', {
      assigneeEmail: 'accueil@spst-test.fr',
      status: 'verifying',
      answeredAt: new Date('2026-11-05T09:00:00Z'),
      verificationAskedAt: new Date('2026-11-05T09:00:00Z'),
    });
    expect((await at('2026-11-12T09:00:00Z')).handled.map((i) => i.step.kind)).toEqual(['effectiveness']);
    expect((await reminders())[0]!.text).toContain('appelez-le et enregistrez sa réponse');
    const closed = await at('2026-11-20T09:00:00Z');
    expect(closed.handled.map((i) => i.step.kind)).toEqual(['effectiveness-silence']);
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(row).toMatchObject({ status: 'closed', effective: true });
    const trail = await t.database.db
      .select()
      .from(events)
      .where(eq(events.ticketId, ticket.id))
      .orderBy(asc(events.id));
    expect(trail.filter((e) => e.type === 'ticket.effectiveness').map((e) => e.data)).toEqual([
      { effective: true, source: 'silence' },
    ]);
    expect(trail.some((e) => e.type === 'ticket.closed')).toBe(true);
    const closure = await t.database.db.select().from(outbox).where(eq(outbox.kind, 'closure'));
    expect(closure).toHaveLength(1);
    expect((await at('2026-12-20T09:00:00Z')).handled).toHaveLength(0);
  });

  it('acts on a ticket straight from the reminder’s line', async () => {
    const ticket = await complaint('Rendez-vous annulé');
    await at('2026-11-04T08:00:00Z');
    const accueil = deps.config.people.find((p) => p.email === 'accueil@spst-test.fr')!;
    const line = (await reminders())[0]!.text.match(/écrivez à (\S+) avec #prendre/)![1]!;
    expect(line).toBe(staffReplyAddress(deps, accueil, ticket.id));
    await ingestMail(
      deps,
      rawMail(
        {
          From: 'accueil@spst-test.fr',
          To: line,
          Subject: 'RE: Suivi des réclamations',
          'Message-ID': `<s${++n}@spst-test.fr>`,
        },
        '#prendre',
      ),
      file(),
    );
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(row!.assigneeEmail).toBe('accueil@spst-test.fr');
    expect((await at('2026-11-06T08:00:00Z')).handled).toHaveLength(0);
  });

  it('predicts in the dry run what the sweep then sends, changing nothing', async () => {
    await complaint('Prévision');
    const preview = await previewFollowThrough(deps, new Date('2026-11-13T08:00:00Z'));
    expect(preview.working).toBe(true);
    const predicted = preview.mails
      .map((m) => [m.person.email, m.items.map((i) => describeStep(i.step, 'Europe/Paris', true).what)])
      .sort();
    expect(await reminders()).toHaveLength(0);
    expect(await t.database.db.select().from(followUps)).toHaveLength(0);
    await at('2026-11-13T08:00:00Z');
    const sent = (await reminders()).map((m) => [m.toAddress, m.text]);
    expect(sent.map(([to]) => to).sort()).toEqual(predicted.map(([to]) => to));
    for (const [to, lines] of predicted)
      for (const what of lines as string[]) expect(sent.find(([s]) => s === to)![1]).toContain(what);
  });

  it('imports an old mail without promising a past deadline, and reminds its handlers at once', async () => {
    // Dated Monday 2 November, imported Wednesday 2 December: a 30-day deadline (2 December, end
    // of day) is still to come; a 10-day one (12 November) is gone.
    clock.set('2026-12-02T09:00:00Z');
    const mail = (subject: string, id: string) =>
      rawMail(
        {
          From: `ancien${id}@example.test`,
          To: 'reclamation@spst-test.fr',
          Subject: subject,
          Date: 'Mon, 02 Nov 2026 10:00:00 +0100',
          'Message-ID': `<old${id}@example.test>`,
        },
        'Bonjour, je n’ai jamais eu de réponse à ma demande. Cordialement.',
      );
    const outcome = await ingestMail(deps, mail('Demande restée sans suite', `${++n}`), file());
    expect(outcome.outcome).toBe('ticket');
    const reference = (outcome as { reference: string }).reference;
    const [row] = await t.database.db.select().from(tickets).where(eq(tickets.reference, reference));
    const expected = row!.deadlineAt.getTime() <= clock.now().getTime() ? 'deadline-passed' : 'queued';
    expect(outcome).toMatchObject({ acknowledgement: expected, acknowledged: expected === 'queued' });
    // Force the 10-day case whatever the qualifier chose, with a second mail at level 1.
    const level1 = deps.config.levels.find((l) => l.level === 1)!;
    const strict = testDeps(
      t.database.db,
      { ...deps.config, levels: deps.config.levels.map((l) => ({ ...l, resolveWithin: level1.resolveWithin })) },
      clock,
    );
    const old = await ingestMail(strict, mail('Deuxième demande sans suite', `${++n}`), file());
    expect(old).toMatchObject({ outcome: 'ticket', acknowledged: false, acknowledgement: 'deadline-passed' });
    const [oldRow] = await t.database.db
      .select()
      .from(tickets)
      .where(eq(tickets.reference, (old as { reference: string }).reference));
    const acks = await t.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.kind, 'ack'), eq(outbox.ticketId, oldRow!.id)));
    expect(acks).toHaveLength(0);
    const withheld = await t.database.db
      .select()
      .from(events)
      .where(and(eq(events.ticketId, oldRow!.id), eq(events.type, 'ack.withheld')));
    expect(withheld.map((e) => e.data)).toEqual([
      { reason: 'deadline-passed', deadlineAt: oldRow!.deadlineAt.toISOString() },
    ]);
    const swept = await sweepFollowThrough(strict);
    expect(swept.handled.filter((i) => i.ticket.id === oldRow!.id).map((i) => i.step.kind)).toContain('deadline');
  });

  it.runIf(engine === 'postgres')('sends once when two sweeps race on one PostgreSQL', async () => {
    await complaint('Course A');
    await complaint('Course B');
    const other = await t.reopen();
    clock.set('2026-11-13T08:00:00Z');
    const results = await Promise.all([sweepFollowThrough(deps), sweepFollowThrough({ ...deps, db: other.db })]);
    const steps = results.flatMap((r) => r.handled.map((i) => `${i.ticket.id}:${i.step.key}`));
    expect(new Set(steps).size).toBe(steps.length);
    const recorded = await t.database.db.select().from(followUps);
    expect(recorded.filter((r) => r.outcome !== 'superseded')).toHaveLength(steps.length);
    const mails = await reminders();
    // One line per person and ticket, whichever sweep recorded the step.
    const lines = mails.reduce((sum, m) => sum + (m.text.match(/^- REC-/gm)?.length ?? 0), 0);
    const pairs = new Set(
      results.flatMap((r) => r.handled.flatMap((i) => i.to.map((p) => `${p.email} ${i.ticket.id}`))),
    );
    expect(lines).toBe(pairs.size);
    expect((await sweepFollowThrough(deps)).handled).toHaveLength(0);
  });
});

describe('followThroughRules', () => {
  it('reads every follow-through key of the configuration', () => {
    const config = followConfig('recurrence: { threshold: 10, months: 6 }\n');
    const off = loadConfig(
      testConfigYaml({
        extra:
          'escalation: { enabled: false, after: 2bd, directionWithin: 3bd, workingHours: "9-17" }\neffectiveness: { enabled: false, remindAfter: 5d }\n',
      }),
      {},
      'test',
    ).config;
    const on = followThroughRules(config);
    expect(on.levels.get(1)).toEqual({ ackWithin: { amount: 48, unit: 'h' }, remindBefore: { amount: 2, unit: 'bd' } });
    expect(on.levels.get(2)!.remindBefore).toBeNull();
    expect(on.escalation).toEqual({ enabled: true, after: null, directionWithin: { amount: 5, unit: 'd' } });
    expect(on.effectiveness).toEqual({
      enabled: true,
      remindAfter: { amount: 7, unit: 'd' },
      silenceMeansYesAfter: { amount: 15, unit: 'd' },
    });
    const rules = followThroughRules(off);
    expect(rules.escalation).toEqual({
      enabled: false,
      after: { amount: 2, unit: 'bd' },
      directionWithin: { amount: 3, unit: 'bd' },
    });
    expect(rules.effectiveness).toMatchObject({
      enabled: false,
      remindAfter: { amount: 5, unit: 'd' },
      silenceMeansYesAfter: null,
    });
    expect(rules.calendar).toEqual({
      timeZone: 'Europe/Paris',
      alsaceMoselle: false,
      workingHours: { start: 9, end: 17 },
    });
  });
});
