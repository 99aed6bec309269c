// The follow-through end to end, on each of the five procedures of examples/: a month of
// back-dated complaints imported as `reclam ingest` does, then what `reclam due --at` predicts
// beside what the daemon sends to the SMTP receiver at that instant and a week later (escalations'
// second round). For SIM'UP (seed 000: « la direction prend les mesures nécessaires pour y
// remédier dans les 5 jours ») the direction receives the escalation and acts on a ticket by
// replying through Dovecot from the line's own address. The daemon runs with a fake clock.
// FOLLOW_THROUGH_REPORT=FILE appends the predictions and the captured mails to FILE.
import { appendFileSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { events, followUps, tickets } from '../../src/db/schema.js';
import { describeStep } from '../../src/domain/follow-through.js';
import { dueReport } from '../../src/services/due-report.js';
import { previewFollowThrough, type DuePreview } from '../../src/services/follow-through.js';
import { ingestFiles } from '../../src/services/ingest-files.js';
import { appendMessage, startDovecot, type DovecotServer } from '../harness/dovecot.js';
import { describeE2E } from '../harness/e2e-guard.js';
import { startSmtpReceiver, type CapturedMail, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { FakeClock } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';

const EXAMPLES = ['simup', 'ciamt', 'smin', 'santbtp', 'formation-qualiopi'] as const;
type Example = (typeof EXAMPLES)[number];

/** Tuesday 1 December 2026, 10:00 in Paris, and a week later. */
const FIRST = '2026-12-01 10:00';
const SECOND = '2026-12-08 10:00';
const instant = { [FIRST]: new Date('2026-12-01T09:00:00Z'), [SECOND]: new Date('2026-12-08T09:00:00Z') };

/** examples/NAME.yaml pointed at the test servers and database, everything else as shipped. */
function exampleConfig(name: Example, imapPort: number, smtpPort: number, database: TestDatabase) {
  const document = parseYaml(readFileSync(new URL(`../../examples/${name}.yaml`, import.meta.url), 'utf8'));
  Object.assign(document.mailbox.imap, {
    host: '127.0.0.1',
    port: imapPort,
    secure: false,
    user: 'reclamation',
    pollSeconds: 5,
  });
  document.mailbox.smtp = { host: '127.0.0.1', port: smtpPort, secure: false, fromName: 'Réclamations' };
  document.database = database.url ? { url: database.url } : { dataDir: database.dataDir };
  // The learned model changes nothing here and takes seconds to train at start.
  if (document.qualification?.learning) document.qualification.learning.enabled = false;
  document.log = { level: 'silent' };
  const env = { IMAP_HOST: '127.0.0.1', IMAP_PASSWORD: 'secret-imap', SMTP_HOST: '127.0.0.1', SMTP_PASSWORD: '' };
  return loadConfig(stringifyYaml(document), { ...env, REPLY_SECRET: `e2e-${name}-secret-0123456789abcdef` }, name)
    .config;
}

const COMPLAINTS = [
  [
    '2026-11-02T09:12:00+01:00',
    'Convocation reçue trop tard',
    'Notre salarié a reçu sa convocation la veille de la visite.',
  ],
  ['2026-11-04T14:40:00+01:00', 'Facture en double', 'Nous avons reçu deux fois la même facture de cotisation.'],
  [
    '2026-11-09T08:05:00+01:00',
    'Rendez-vous annulé sans prévenir',
    'Le rendez-vous de notre apprenti a été annulé sans prévenir.',
  ],
  [
    '2026-11-13T16:30:00+01:00',
    'Accueil désagréable',
    'L’accueil du centre a été très désagréable avec notre salariée.',
  ],
  ['2026-11-18T10:00:00+01:00', 'Attente de plus d’une heure', 'Nos salariés ont attendu plus d’une heure au centre.'],
  [
    '2026-11-23T11:20:00+01:00',
    'Pas de réponse à notre demande',
    'Nous attendons toujours le compte rendu de l’action en entreprise.',
  ],
  [
    '2026-11-26T09:45:00+01:00',
    'Erreur sur l’adresse de facturation',
    'L’adresse de facturation est fausse depuis deux mois.',
  ],
  ['2026-11-30T15:10:00+01:00', 'Document non reçu', 'Nous n’avons jamais reçu l’attestation demandée.'],
] as const;

function complaintMail(name: Example, address: string, index: number): Uint8Array {
  const [date, subject, body] = COMPLAINTS[index]!;
  const head = [
    `From: Client ${index + 1} <client${index + 1}@entreprise${index + 1}.example>`,
    `To: ${address}`,
    `Subject: ${subject}`,
    `Date: ${new Date(date).toUTCString()}`,
    `Message-ID: <ft-${name}-${index}@entreprise${index + 1}.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ].join('\r\n');
  return new Uint8Array(Buffer.from(`${head}\r\n\r\nBonjour,\r\n${body}\r\nCordialement.\r\n`, 'utf8'));
}

const isReminder = (m: CapturedMail) => m.parsed.headers.get('x-reclam-kind') === 'reminder';

/** Every (recipient, reference, what) the preview says will be sent. */
function predictedLines(preview: DuePreview, timeZone: string): string[] {
  return preview.mails
    .flatMap(({ person, items }) =>
      items.map(({ ticket, step }) => `${person.email} ${ticket.reference} ${describeStep(step, timeZone, true).what}`),
    )
    .sort();
}

/** The same, read from the captured reminder mails: each ticket's block lists its steps, then its deadline. */
function sentLines(mails: readonly CapturedMail[]): string[] {
  return mails
    .flatMap((m) => {
      const text = m.parsed.text ?? '';
      return [...text.matchAll(/^- (\S+)[^\n]*\n((?: {2}[^\n]*\n)*?) {2}Échéance de réponse/gm)].flatMap((b) =>
        b[2]!
          .split('\n')
          .filter(Boolean)
          .map((what) => `${m.envelopeTo[0]} ${b[1]} ${what.trim()}`),
      );
    })
    .sort();
}

function report(lines: string): void {
  if (process.env.FOLLOW_THROUGH_REPORT) appendFileSync(process.env.FOLLOW_THROUGH_REPORT, lines);
}

describeE2E('the follow-through by e-mail, on the five procedures', () => {
  let dovecot: DovecotServer;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'reclamation', password: 'secret-imap' }] });
    smtp = await startSmtpReceiver();
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
  });

  const cases = EXAMPLES.flatMap((name) =>
    (name === 'simup' ? ENGINES : (['pglite'] as const)).map((engine) => [name, engine] as const),
  );

  describe.each(cases)('%s on %s', (name, engine) => {
    let t: TestDatabase;
    let daemon: RunningDaemon;
    const clock = new FakeClock(instant[FIRST]);
    let timeZone = 'Europe/Paris';

    beforeAll(async () => {
      t = await createTestDatabase(engine);
      const config = exampleConfig(name, dovecot.imapPort, smtp.port, t);
      timeZone = config.organisation.timezone;
      daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), {
        database: t.database,
        clock,
      });
      const files = COMPLAINTS.map((_, i) => ({
        name: `${name}-${i}.eml`,
        raw: complaintMail(name, config.mailbox.address, i),
      }));
      const imported = await ingestFiles(daemon.deps, files, { deliver: false });
      report(
        `\n## ${name} (${engine})\n\nreclam ingest of ${files.length} mails dated 2–30 November 2026, on ${FIRST}:\n${imported.output}`,
      );
      expect(imported.exitCode).toBe(0);
    }, 120_000);
    afterAll(async () => {
      await daemon?.stop();
      await t?.close();
    });

    /** At `when`: what `reclam due --at` predicts, then what the daemon sends; the two agree. */
    async function checkAt(when: typeof FIRST | typeof SECOND): Promise<CapturedMail[]> {
      clock.set(instant[when]);
      const printed = await dueReport(daemon.deps, { at: when });
      const preview = await previewFollowThrough(daemon.deps, instant[when]);
      const predicted = predictedLines(preview, timeZone);
      const mark = smtp.mails.length;
      const ours = (m: CapturedMail) => smtp.mails.indexOf(m) >= mark && isReminder(m);
      daemon.wakeFollowThrough();
      const sent = await smtp.waitForCount(ours, preview.mails.length, 60_000);
      // Nothing more comes: one mail per person.
      await new Promise((r) => setTimeout(r, 500));
      expect(smtp.mails.filter(ours)).toHaveLength(preview.mails.length);
      report(
        `\n### reclam due --at "${when}"\n\n${printed.output}\n### sent by the daemon at ${when} (SMTP receiver)\n\n` +
          sent
            .map(
              (m) =>
                `To: ${m.envelopeTo.join(', ')}\nSubject: ${m.parsed.subject}\n${sentLines([m])
                  .map((l) => `  ${l.split(' ').slice(1).join(' ')}`)
                  .join('\n')}\n`,
            )
            .join('\n'),
      );
      const got = sentLines(sent);
      report(
        `\nPredicted and sent agree: ${JSON.stringify(got) === JSON.stringify(predicted)} (${predicted.length} lines predicted, ${got.length} sent).\n`,
      );
      expect(got).toEqual(predicted);
      // Sent once: the same instant again sends nothing, and the dry run now predicts nothing.
      expect((await previewFollowThrough(daemon.deps, instant[when])).mails).toEqual([]);
      return sent;
    }

    it('sends at the first instant what reclam due predicted, one mail per person, and again a week later', async () => {
      const first = await checkAt(FIRST);
      expect(first.length).toBeGreaterThan(0);
      const second = await checkAt(SECOND);
      // Each step recorded as sent is in the mails (a step to several people is one record), but
      // a take-in-hand to people who got the pilot's line for the ticket at the same time.
      const recorded = await t.database.db.select().from(followUps);
      const toldAsPilot = (r: (typeof recorded)[number]) =>
        r.kind === 'take-in-hand' &&
        recorded.some(
          (p) =>
            p.kind === 'take-in-hand-pilot' &&
            p.ticketId === r.ticketId &&
            p.handledAt.getTime() === r.handledAt.getTime() &&
            r.recipients.every((e) => p.recipients.includes(e)),
        );
      const steps = new Set(sentLines([...first, ...second]).map((l) => l.split(' ').slice(1).join(' ')));
      expect(recorded.filter((r) => r.outcome === 'sent' && !toldAsPilot(r))).toHaveLength(steps.size);
      const daemonConfig = daemon.deps.config;
      if (daemonConfig.escalation.enabled) {
        const direction = daemonConfig.people.filter((p) => p.roles.includes('direction')).map((p) => p.email);
        expect([...first, ...second].some((m) => direction.includes(m.envelopeTo[0]!))).toBe(true);
      }
      if (name !== 'simup' || engine !== 'pglite') return;
      // SIM'UP: the direction acts on an escalated ticket straight from its line.
      const escalation = [...first, ...second].find((m) => /^Signalement à la direction/.test(m.parsed.subject ?? ''))!;
      expect(escalation.envelopeTo).toEqual(['direction@simup.example']);
      const text = escalation.parsed.text ?? '';
      expect(text).toContain('la direction prend les mesures nécessaires avant le');
      const [, reference, address] = /^- (\S+)[^\n]*\n(?: {2}[^\n]*\n)*? {2}Pour agir : écrivez à (\S+) avec/m.exec(
        text,
      )!;
      const mark = smtp.mails.length;
      await appendMessage(
        dovecot,
        'reclamation',
        'INBOX',
        [
          'From: Hélène Garnier <direction@simup.example>',
          `To: ${address}`,
          `Subject: RE: ${escalation.parsed.subject}`,
          `Message-ID: <direction-${Date.now()}@simup.example>`,
          `In-Reply-To: ${escalation.parsed.messageId}`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          '#note relance du référent : réponse envoyée avant vendredi',
          '',
        ].join('\r\n'),
      );
      const answer = await smtp.waitFor(
        (m) => smtp.mails.indexOf(m) >= mark && m.envelopeTo.includes('direction@simup.example') && !isReminder(m),
        60_000,
      );
      expect(answer.parsed.text).toContain('note interne ajoutée');
      const [ticket] = await t.database.db.select().from(tickets).where(eq(tickets.reference, reference!));
      const notes = await t.database.db
        .select()
        .from(events)
        .where(and(eq(events.ticketId, ticket!.id), eq(events.type, 'ticket.note')));
      expect(notes.map((e) => [e.actor, e.data['text']])).toEqual([
        ['direction@simup.example', 'relance du référent : réponse envoyée avant vendredi'],
      ]);
      const escalated = await t.database.db
        .select()
        .from(events)
        .where(and(eq(events.ticketId, ticket!.id), eq(events.type, 'ticket.escalated')));
      expect(escalated.map((e) => e.data['round'])).toContain(1);
    }, 240_000);
  });
});
