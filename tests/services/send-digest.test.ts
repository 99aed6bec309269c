// The monthly digest end to end on both engines: computed from a generated year of tickets,
// queued exactly once per period (restarts, a daemon down at 08:00, two daemons racing on
// PostgreSQL), delivered through a real SMTP receiver with its inline chart and a spreadsheet
// that opens with the right figures — and without medical content for readers who are not doctors.
import { publicHolidaysOfYears } from '../../src/domain/french-holidays.js';
import ExcelJS from 'exceljs';
import { simpleParser } from 'mailparser';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTrendChartRenderer } from '../../src/adapters/trend-chart.js';
import { createXlsxWriter } from '../../src/adapters/xlsx-workbook.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';
import { startDigestScheduler } from '../../src/daemon/digest-scheduler.js';
import { backlogAt, rangeFigures, ticketsReceivedIn } from '../../src/db/indicators.js';
import { jobRuns, outbox } from '../../src/db/schema.js';
import { monthPeriod, periodRange } from '../../src/domain/period.js';
import type { Db } from '../../src/db/database.js';
import type { Deps } from '../../src/services/deps.js';
import { computeDigest } from '../../src/services/compute-digest.js';
import { deliverOutbox } from '../../src/services/deliver-outbox.js';
import { exportTickets } from '../../src/services/export-tickets.js';
import {
  prepareDigest,
  sendDigest,
  sendDueDigests,
  type DigestDeps,
  type SendDigestResult,
} from '../../src/services/send-digest.js';
import { startSmtpReceiver, type CapturedMail, type SmtpReceiver } from '../harness/smtp-receiver.js';
import { FakeClock, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfigYaml } from '../support/test-config.js';
import { generateTicketHistory, insertTicketHistory, MEDICAL_SUBJECTS } from '../support/ticket-history.js';

const PARIS = 'Europe/Paris';
const CALENDAR = { timeZone: 'Europe/Paris', holidays: publicHolidaysOfYears(2025, 2027, { alsaceMoselle: false }) };
const OCTOBER = periodRange(monthPeriod(2026, 10), PARIS);
const DIGEST_TIME = new Date('2026-11-01T07:00:00Z'); // 1 November 2026, 08:00 in Paris
const PILOT = 'pilote@spst-test.fr';
const DOCTOR = 'dr.martin@spst-test.fr';

function digestConfig(smtpPort: number, extra = ''): Config {
  const yaml = testConfigYaml({
    smtpPort,
    extra: `digest: { schedule: "0 8 1 * *", recipients: [${PILOT}, ${DOCTOR}] }\n${extra}`,
  }).replace(
    /categories:\n(?: {2}- .*\n)+/,
    `categories:
  - { key: generale, label: Générale, referents: [accueil@spst-test.fr] }
  - { key: medicale, label: Médicale, confidential: true, referents: [${DOCTOR}] }
  - { key: administrative, label: Administrative }
  - { key: facturation, label: Facturation }
  - { key: prevention, label: Prévention }
  - { key: autre, label: Autre }
`,
  );
  return loadConfig(yaml, {}, 'digest-test').config;
}

type TestDigestDeps = Deps & DigestDeps;

function digestDepsFor(db: Db, config: Config, clock: FakeClock): TestDigestDeps {
  return { ...testDeps(db, config, clock), charts: createTrendChartRenderer(), workbooks: createXlsxWriter() };
}

async function readWorkbook(content: Uint8Array | Buffer): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(Buffer.from(content) as unknown as ArrayBuffer);
  return book;
}

/** Every cell of every sheet, as text, for looking for leaks. */
function allCells(book: ExcelJS.Workbook): string {
  const parts: string[] = [];
  book.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => parts.push(String(cell.text)))));
  return parts.join('\n');
}

function rowOf(sheet: ExcelJS.Worksheet, label: string): ExcelJS.Row {
  let found: ExcelJS.Row | undefined;
  sheet.eachRow((row) => {
    if (String(row.getCell(1).value).trim() === label) found = row;
  });
  if (!found) throw new Error(`no row ${label} in ${sheet.name}`);
  return found;
}

describe.each(ENGINES)('the digest on %s', (engine) => {
  let t: TestDatabase;
  let smtp: SmtpReceiver;
  let config: Config;
  const clock = new FakeClock(DIGEST_TIME);
  const senders: TestDigestDeps[] = [];
  const history = generateTicketHistory({
    seed: 2026,
    count: 1500,
    from: new Date('2025-09-01T00:00:00Z'),
    to: DIGEST_TIME,
    now: DIGEST_TIME,
    medicalShare: 0.15,
  });
  const medicalEmails = history.tickets.filter((x) => x.confidential).map((x) => x.complainantEmail!);

  const deps = () => {
    const created = digestDepsFor(t.database.db, config, clock);
    senders.push(created);
    return created;
  };

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    smtp = await startSmtpReceiver();
    config = digestConfig(smtp.port);
    await insertTicketHistory(t.database.db, history);
  });
  afterAll(async () => {
    for (const d of senders) d.sender.close();
    await smtp?.stop();
    await t?.close();
  });
  beforeEach(async () => {
    await t.database.db.execute(sql`delete from job_runs`);
    await t.database.db.execute(sql.raw(`delete from outbox where kind in ('digest', 'pilot-alert')`));
    smtp.mails.length = 0;
    clock.set(DIGEST_TIME);
  });

  const digestRows = () => t.database.db.select().from(outbox).where(sql`${outbox.kind} = 'digest'`);

  it('mails each recipient the digest once, with the chart inline and a spreadsheet with the right figures', async () => {
    const results = await sendDueDigests(deps());
    expect(results).toMatchObject([
      { sent: true, period: { key: '2026-10' }, recipients: [PILOT, DOCTOR], resend: false },
    ]);
    await deliverOutbox(deps());
    const mails = await smtp.waitForCount((m) => m.parsed.subject?.includes('octobre 2026') ?? false, 2);
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual([DOCTOR, PILOT]);

    const mail = mails.find((m) => m.envelopeTo.includes(PILOT))!;
    expect(mail.parsed.subject).toBe('Indicateurs mensuels des réclamations — octobre 2026');
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    const html = String(mail.parsed.html);
    const text = mail.parsed.text ?? '';
    // The chart: a PNG attached inline, referenced by its Content-ID from the HTML.
    const png = mail.parsed.attachments.find((a) => a.contentType === 'image/png')!;
    expect(png.cid).toBe('tendance-2026-10@reclam');
    expect(png.related).toBe(true);
    expect([...png.content.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(html).toContain('src="data:image/png;base64,'); // mailparser inlines cid: images…
    const raw = await simpleParser(mail.raw, { keepCidLinks: true }); // …the mail itself links them
    expect(String(raw.html)).toContain('src="cid:tendance-2026-10@reclam"');
    // Gmail clips HTML parts over 102 KB: the tables stay well under.
    expect(Buffer.byteLength(String(raw.html))).toBeLessThan(90_000);
    expect(mail.raw.toString('latin1')).toMatch(/Content-Type: multipart\/related/i);

    // The spreadsheet opens and holds the figures the SQL gives.
    const xlsx = mail.parsed.attachments.find((a) => a.filename === 'reclamations-2026-10.xlsx')!;
    expect(xlsx.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = await readWorkbook(xlsx.content);
    expect(book.worksheets.map((s) => s.name)).toEqual([
      'Réclamations',
      'Synthèse',
      'Par niveau',
      'Par catégorie',
      'Par type de demandeur',
      'Par canal',
      'Par typologie',
      'En cours fin de période',
      'En retard',
      'Signalements',
      'Tendance 12 mois',
      'Chaîne de traitement',
      'Analyses',
      'Définitions',
    ]);
    const figures = await rangeFigures(t.database.db, OCTOBER, DIGEST_TIME, CALENDAR);
    const backlog = await backlogAt(t.database.db, OCTOBER.end);
    const received = (await ticketsReceivedIn(t.database.db, OCTOBER)).length;
    expect(figures.overall.received).toBe(received);
    expect(book.getWorksheet('Réclamations')!.rowCount).toBe(1 + received);
    const summary = book.getWorksheet('Synthèse')!;
    expect(rowOf(summary, 'Réclamations reçues').getCell(2).value).toBe(figures.overall.received);
    expect(rowOf(summary, 'Réclamations clôturées').getCell(2).value).toBe(figures.overall.closed);
    expect(rowOf(summary, 'Taux de réponse').getCell(2).value).toBeCloseTo(
      figures.overall.answeredReceivable / figures.overall.receivable,
      9,
    );
    expect(rowOf(summary, 'Taux de réponse').getCell(2).numFmt).toBe('0.0%');
    expect(rowOf(summary, 'Délai moyen de clôture').getCell(2).value).toBeCloseTo(figures.overall.meanCloseDays!, 9);
    expect(rowOf(summary, 'En cours en fin de période').getCell(2).value).toBe(backlog.overall.open);
    expect(rowOf(summary, 'dont en retard').getCell(2).value).toBe(backlog.overall.overdue);
    expect(rowOf(book.getWorksheet('Par niveau')!, 'Total').getCell(2).value).toBe(figures.overall.received);
    expect(book.getWorksheet('En retard')!.rowCount).toBe(1 + backlog.overall.overdue);
    const trend = book.getWorksheet('Tendance 12 mois')!;
    expect(trend.getRow(13).getCell(1).value).toBe('2026-10');
    expect(trend.getRow(13).getCell(5).value).toBe(figures.overall.received);
    // The same figures in the mail's text.
    expect(text).toContain(`Réclamations reçues : ${figures.overall.received}`);
    expect(text).toContain(`EN RETARD À LA FIN DE LA PÉRIODE : ${backlog.overall.overdue}`);

    // Sent once: another check, a restart (fresh dependencies), a later check find it sent.
    expect(await sendDueDigests(deps())).toMatchObject([{ sent: false, reason: 'already-sent' }]);
    clock.set('2026-11-20T09:00:00Z');
    expect(await sendDueDigests(deps())).toMatchObject([{ sent: false, reason: 'already-sent' }]);
    expect(await digestRows()).toHaveLength(2);
    const [run] = await t.database.db.select().from(jobRuns);
    expect(run).toMatchObject({ job: 'digest:month', periodKey: '2026-10' });
    expect(run!.finishedAt).not.toBeNull();
    expect(run!.result).toMatchObject({ recipients: [PILOT, DOCTOR], figures: { received } });
  });

  it('reads as the pilot will read it (text part, snapshot)', async () => {
    const preview = await prepareDigest(deps(), { period: monthPeriod(2026, 10), viewer: PILOT });
    expect(`Subject: ${preview.mail.subject}\n\n${preview.mail.text}`).toMatchSnapshot();
  });

  it('hides medical subjects and complainants from readers who are not doctors, and only from them', async () => {
    await sendDueDigests(deps());
    await deliverOutbox(deps());
    const mails = await smtp.waitForCount(() => true, 2);
    const contentOf = async (mail: CapturedMail) => {
      const xlsx = mail.parsed.attachments.find((a) => a.filename?.endsWith('.xlsx'))!;
      return `${mail.parsed.text}\n${String(mail.parsed.html)}\n${allCells(await readWorkbook(xlsx.content))}`;
    };
    const pilot = await contentOf(mails.find((m) => m.envelopeTo.includes(PILOT))!);
    const doctor = await contentOf(mails.find((m) => m.envelopeTo.includes(DOCTOR))!);
    const decoded = (s: string) => s.replace(/&#x27;|&#39;/g, '’').replace(/&amp;/g, '&');
    const octoberMedical = history.tickets.filter(
      (x) => x.confidential && x.receivedAt >= OCTOBER.start && x.receivedAt < OCTOBER.end,
    );
    expect(octoberMedical.length).toBeGreaterThan(3);
    for (const subject of MEDICAL_SUBJECTS) expect(decoded(pilot)).not.toContain(subject);
    for (const email of medicalEmails) expect(pilot).not.toContain(email);
    for (const ticket of octoberMedical) expect(pilot).toContain(ticket.reference); // counted and listed, content hidden
    expect(pilot).toContain('Confidentiel (réservé aux médecins)');
    // The doctor's version has them: the test looks at the right places.
    expect(MEDICAL_SUBJECTS.some((s) => decoded(doctor).includes(s))).toBe(true);
    expect(octoberMedical.some((x) => doctor.includes(x.complainantEmail!))).toBe(true);
    // The figures are the same for both.
    const receivedLine = (s: string) => /Réclamations reçues : (\d+)/.exec(s)?.[1];
    expect(receivedLine(pilot)).toBe(receivedLine(doctor));
  });

  it('catches up once a digest missed while the daemon was down at 08:00, across restarts', async () => {
    // Down on 1 December at 08:00; back on 3 December: November's digest goes out at start, once.
    clock.set('2026-12-03T09:30:00Z');
    const checks: (readonly SendDigestResult[])[] = [];
    let queued = 0;
    for (let restart = 0; restart < 2; restart++) {
      const abort = new AbortController();
      const checked = new Promise<void>((resolve) => {
        void startDigestScheduler(deps(), abort.signal, () => queued++, {
          onChecked: (results) => {
            checks.push(results);
            resolve();
          },
        });
      });
      await checked;
      abort.abort();
    }
    expect(checks.map((results) => results.map((r) => `${r.period.key}:${r.sent}`))).toEqual([
      ['2026-11:true'],
      ['2026-11:false'],
    ]);
    expect(queued).toBe(1);
    expect(await digestRows()).toHaveLength(2);
    expect((await t.database.db.select().from(jobRuns)).map((r) => r.periodKey)).toEqual(['2026-11']);
  });

  it('sends once when two daemons check at the same moment', async () => {
    // Two pools on PostgreSQL (two daemons); on PGlite, two callers of the one embedded database.
    const other = engine === 'postgres' ? (await t.reopen()).db : t.database.db;
    for (const [at, key] of [
      ['2026-11-01T07:00:00Z', '2026-10'],
      ['2026-12-01T07:00:00Z', '2026-11'],
      ['2027-01-01T07:00:00Z', '2026-12'],
    ] as const) {
      clock.set(at);
      const first = deps();
      const second = { ...digestDepsFor(other, config, clock) };
      senders.push(second);
      const [a, b] = await Promise.all([sendDueDigests(first), sendDueDigests(second)]);
      const sent = [...a, ...b].filter((r) => r.sent);
      expect(sent.map((r) => r.period.key)).toEqual([key]);
    }
    expect(await digestRows()).toHaveLength(6);
    expect(await t.database.db.select().from(jobRuns)).toHaveLength(3);
  });

  it('re-sends on demand, and a manual send counts for the schedule', async () => {
    const d = deps();
    const period = monthPeriod(2026, 10);
    expect(await sendDigest(d, { period, recipients: [PILOT], mode: 'manual' })).toMatchObject({
      sent: true,
      resend: false,
    });
    expect(await sendDueDigests(d)).toMatchObject([{ sent: false, reason: 'already-sent' }]);
    expect(await sendDigest(d, { period, recipients: ['qualite@ailleurs.example'], mode: 'manual' })).toMatchObject({
      sent: true,
      resend: true,
    });
    expect((await digestRows()).map((r) => r.toAddress)).toEqual([PILOT, 'qualite@ailleurs.example']);
    // An address that is not a doctor (nor a known person) gets the version without medical content.
    const [, outsider] = await digestRows();
    for (const subject of MEDICAL_SUBJECTS) expect(outsider!.html.replace(/&#x27;/g, '’')).not.toContain(subject);
  });

  it('sends nothing and records nothing without recipients', async () => {
    const alone = { ...deps(), config: { ...config, digest: { ...config.digest, recipients: [] } } };
    expect(await sendDueDigests(alone)).toEqual([]);
    expect(await t.database.db.select().from(jobRuns)).toHaveLength(0);
  });

  it('sends the quarterly and annual reviews when configured', async () => {
    const reviews = {
      ...config,
      digest: {
        ...config.digest,
        reviews: ['monthly', 'quarterly', 'annual'] as ('monthly' | 'quarterly' | 'annual')[],
      },
    };
    clock.set('2027-01-01T07:00:00Z');
    const results = await sendDueDigests({ ...deps(), config: reviews });
    expect(results.map((r) => `${r.period.key}:${r.sent}`)).toEqual(['2026-12:true', '2026-Q4:true', '2026:true']);
    const subjects = (await digestRows()).map((r) => r.subject);
    expect(subjects).toContain('Revue trimestrielle des réclamations — 4e trimestre 2026');
    expect(subjects).toContain('Revue annuelle des réclamations — année 2026');
  });

  it('computes the same figures with its queries spread over sessions sharing one snapshot as in one session', async () => {
    for (const period of [monthPeriod(2026, 10), monthPeriod(2026, 3)]) {
      const input = { period, asOf: DIGEST_TIME };
      const shared = await computeDigest({ db: t.database.db, config }, input);
      expect(shared.tickets.length).toBeGreaterThan(0);
      expect(await computeDigest({ db: t.database.db, config }, { ...input, sessions: 1 })).toEqual(shared);
    }
  });

  it('previews a period and exports its tickets, as CSV and as xlsx', async () => {
    const d = deps();
    const preview = await prepareDigest(d, { period: monthPeriod(2026, 10), viewer: null });
    expect(preview.mail.subject).toBe('Indicateurs mensuels des réclamations — octobre 2026');
    expect(preview.audience.confidentialVisible).toBe(false);
    const received = (await ticketsReceivedIn(t.database.db, OCTOBER)).length;
    const csv = await exportTickets(d, { from: '2026-10-01', to: '2026-10-31', format: 'csv' });
    const lines = new TextDecoder('utf-8', { ignoreBOM: true }).decode(csv.content).split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(1 + received);
    expect(lines[0]).toMatch(/^\uFEFFRéférence;Reçue le;Canal;/);
    for (const subject of MEDICAL_SUBJECTS) expect(lines.join('\n')).not.toContain(subject);
    const xlsx = await exportTickets(d, { from: '2026-10-01', to: '2026-10-31', format: 'xlsx', viewer: DOCTOR });
    expect(xlsx.filename).toBe('reclamations-2026-10-01_2026-10-31.xlsx');
    const book = await readWorkbook(xlsx.content);
    expect(book.getWorksheet('Réclamations')!.rowCount).toBe(1 + received);
    expect(MEDICAL_SUBJECTS.some((s) => allCells(book).includes(s))).toBe(true);
  });
});
