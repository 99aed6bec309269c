// The report of a digest from literal figures (tests/support/digest-figures.ts): period names,
// groups in the procedure's order with their French labels, indicator values for the three
// periods, overdue tickets, the chart, the period's tickets, and medical content hidden from
// readers who are not doctors. Pure: no database, literal instants, Europe/Paris.
import { describe, expect, it } from 'vitest';
import { audienceOf, digestReport, ticketSheet, type DigestFigures } from '../../src/domain/digest-report.js';
import { CONFIDENTIAL_PLACEHOLDER } from '../../src/domain/french-labels.js';
import { EMPTY_FIGURES } from '../../src/domain/indicators.js';
import { customPeriod, periodRange } from '../../src/domain/period.js';
import {
  GENERATED_AT,
  MEDICAL_COMPLAINANT,
  MEDICAL_SUBJECT,
  octoberFigures,
  PARIS,
  silentMonthFigures,
} from '../support/digest-figures.js';
import { loadConfig } from '../../src/config/load-config.js';
import { testConfig, testConfigYaml } from '../support/test-config.js';

const config = testConfig();
const pilot = audienceOf(config, 'pilote@spst-test.fr');
const doctor = audienceOf(config, 'DR.MARTIN@spst-test.fr');
const report = (figures: DigestFigures = octoberFigures(), audience = pilot) =>
  digestReport(config, figures, audience, GENERATED_AT);

describe('the digest report', () => {
  it('knows who may read medical content: doctors only, by address in any case', () => {
    expect(pilot).toEqual({ confidentialVisible: false, name: 'Paule Pilote' });
    expect(doctor).toEqual({ confidentialVisible: true, name: 'Dr Martin' });
    expect(audienceOf(config, 'qualite@ailleurs.example')).toEqual({ confidentialVisible: false, name: '' });
    expect(audienceOf(config, null)).toEqual({ confidentialVisible: false, name: '' });
  });

  it('names the period, the two it is compared with, and its files', () => {
    const r = report();
    expect(r.review).toEqual({ kind: 'month', title: 'Indicateurs mensuels des réclamations' });
    expect(r.period).toEqual({
      key: '2026-10',
      label: 'octobre 2026',
      firstDay: '2026-10-01',
      lastDay: '2026-10-31',
      from: 'jeudi 1er octobre 2026',
      to: 'samedi 31 octobre 2026',
    });
    expect(r.labels).toEqual({
      current: 'octobre 2026',
      previous: 'septembre 2026',
      lastYear: 'octobre 2025',
      forCurrent: 'pour octobre 2026',
      forCurrentWithDays: 'pour octobre 2026 (du jeudi 1er octobre 2026 au samedi 31 octobre 2026)',
      toPrevious: 'à septembre 2026',
      toLastYear: 'à octobre 2025',
    });
    expect(r.files).toEqual({
      png: 'tendance-2026-10.png',
      xlsx: 'reclamations-2026-10.xlsx',
      cid: 'tendance-2026-10@reclam',
    });
    expect(r.generatedAt).toBe('dimanche 1er novembre 2026 à 8 h 00');
    expect(r.timeZone).toBe(PARIS);
  });

  it('names a range by its days, and its files without « .. »', () => {
    const figures = octoberFigures();
    const period = customPeriod('2026-10-01', '2026-10-15');
    const r = report({ ...figures, current: { ...figures.current, period, range: periodRange(period, PARIS) } });
    expect(r.review.title).toBe('Indicateurs des réclamations');
    expect(r.labels.forCurrentWithDays).toBe('pour la période du 1er octobre 2026 au 15 octobre 2026');
    expect(r.files.png).toBe('tendance-2026-10-01_2026-10-15.png');
    expect(r.files.xlsx).toBe('reclamations-2026-10-01_2026-10-15.xlsx');
  });

  it('lists the groups in the procedure’s order, in French, the configured levels and categories even when empty', () => {
    const r = report();
    expect(r.breakdowns.map((b) => [b.title, b.heading, b.rows.map((row) => row.label)])).toEqual([
      ['Par niveau', 'Niveau', ['Niveau 1', 'Niveau 2', 'Niveau 3', 'Total']],
      ['Par catégorie', 'Catégorie', ['Générale', 'Médicale', 'supprimee', 'À qualifier', 'Total']],
      ['Par type de demandeur', 'Type de demandeur', ['Salarié suivi', 'Total']],
      ['Par canal', 'Canal', ['Courriel', 'Lettre recommandée', 'Non renseigné', 'Total']],
      // A reader who is not a doctor: the medical typology is folded into the confidential row.
      [
        'Par typologie',
        'Typologie',
        ['ancienne-typologie', 'Typologie non renseignée', 'Confidentiel (réservé aux médecins)', 'Total'],
      ],
    ]);
    const [byLevel, byCategory] = r.breakdowns;
    expect(byLevel!.rows[1]!.figures).toEqual(EMPTY_FIGURES);
    expect(byLevel!.rows[0]!.figures.received).toBe(102); // level 1's own figures
    expect(byCategory!.rows[0]!.figures).toEqual(EMPTY_FIGURES);
    expect(byCategory!.rows[3]!.figures.received).toBe(103); // the tickets without category
    expect(r.breakdowns.every((b) => b.rows.at(-1)!.total && b.rows.at(-1)!.figures.received === 100)).toBe(true);
    expect(r.backlog.map((row) => [row.label, row.figures.open, row.total])).toEqual([
      ['Niveau 1', 41, false],
      ['Niveau 3', 42, false],
      ['Total', 40, true],
    ]);
  });

  it('computes each overview and pipeline row from its figures, for the period and the two it is compared with', () => {
    const r = report();
    expect(r.overview.map((row) => row.indicator.key)).toEqual([
      'received',
      'nonReceivable',
      'takenInHand',
      'meanTakeInHandDays',
      'medianTakeInHandDays',
      'responseRate',
      'onTimeRate',
      'meanAnswerDays',
      'medianAnswerDays',
      'closed',
      'meanCloseDays',
      'medianCloseDays',
      'effectiveRate',
      'effectivenessSilences',
      'reopenings',
      'escalations',
      'open',
      'overdue',
    ]);
    const row = (key: string) => r.overview.find((x) => x.indicator.key === key)!;
    // September is built on base 20, October 2025 on base 40 (tests/support/digest-figures.ts).
    expect(row('received')).toMatchObject({ current: 100, previous: 120, lastYear: 140, parts: null });
    expect(row('responseRate')).toMatchObject({
      current: 59 / 93,
      previous: 79 / 113,
      lastYear: 99 / 133,
      parts: { numerator: 59, denominator: 93, noun: 'recevables' },
    });
    expect(row('onTimeRate').parts).toEqual({ numerator: 52, denominator: 61, noun: 'répondues' });
    expect(row('meanCloseDays')).toMatchObject({ current: 20.94, previous: 22.94, lastYear: 24.94 });
    expect(row('overdue')).toMatchObject({ current: 9, previous: 29, lastYear: 49 });
    // Effectiveness: the OUI share among OUI and NON; silences apart, in neither.
    expect(row('effectiveRate')).toMatchObject({
      current: 31 / 37,
      parts: { numerator: 31, denominator: 37, noun: 'réponses' },
    });
    expect(row('effectivenessSilences')).toMatchObject({ current: 4, previous: 24, lastYear: 44 });
    expect(row('meanTakeInHandDays')).toMatchObject({ current: 1.37, previous: 3.37 });
    expect(row('escalations')).toMatchObject({ current: 2, previous: 22, lastYear: 42 });
    expect(r.pipeline).toHaveLength(16);
    expect(r.pipeline[0]).toMatchObject({ current: 230, previous: 250, lastYear: 270 });
    expect(r.pipeline.at(-2)).toMatchObject({ current: 16, previous: 36, lastYear: 56 });
    expect(r.pipeline.at(-1)).toMatchObject({
      indicator: expect.objectContaining({ key: 'anonymised' }),
      current: 17,
      previous: 37,
      lastYear: 57,
    });
  });

  it('counts by typology: the procedure’s typologies first, by their label; medical ones for doctors only', () => {
    const withTypologies = loadConfig(
      testConfigYaml().replace(
        '  - { key: medicale, label: Médicale, confidential: true, referents: [dr.martin@spst-test.fr] }',
        '  - { key: medicale, label: Médicale, confidential: true, referents: [dr.martin@spst-test.fr], typologies: [{ key: aptitude-contestee, label: Aptitude contestée }] }',
      ),
      {},
      'test',
    ).config;
    const rows = (audience = pilot) =>
      digestReport(withTypologies, octoberFigures(), audience, GENERATED_AT)
        .breakdowns.find((b) => b.dimension === 'typology')!
        .rows.map((r) => [r.label, r.figures.received]);
    expect(rows(audienceOf(withTypologies, 'dr.martin@spst-test.fr'))).toEqual([
      ['Aptitude contestée', 112],
      ['ancienne-typologie', 110],
      ['Typologie non renseignée', 111],
      ['Total', 100],
    ]);
    // The pilot never reads the medical typology, only the confidential tickets' count.
    expect(rows()).toEqual([
      ['ancienne-typologie', 110],
      ['Typologie non renseignée', 111],
      [CONFIDENTIAL_PLACEHOLDER, 112],
      ['Total', 100],
    ]);
    expect(JSON.stringify(digestReport(withTypologies, octoberFigures(), pilot, GENERATED_AT))).not.toContain(
      'Aptitude contestée',
    );
  });

  it('lists the escalations to the direction: when, to whom, by when, the ticket’s state now', () => {
    expect(report().escalations).toEqual([
      {
        reference: 'REC-2026-0723',
        level: 3,
        round: 1,
        roundLabel: '1er signalement',
        at: new Date(Date.UTC(2026, 9, 6, 9, 0, 0)), // wall clock in Paris
        date: '06/10/2026',
        recipientList: ['Henri Morel'],
        recipients: 'Henri Morel',
        dueAt: new Date(Date.UTC(2026, 9, 13, 23, 59, 59)),
        due: '13/10/2026',
        deadlineAt: new Date(Date.UTC(2026, 8, 5, 23, 59, 59)),
        status: 'En cours',
        assignee: 'Paule Pilote',
      },
      expect.objectContaining({
        round: 2,
        roundLabel: '2e signalement',
        recipients: 'Henri Morel, inconnu@spst-test.fr',
        dueAt: null,
        due: '',
      }),
    ]);
  });

  it('describes the overdue tickets: days late (at least one), who follows them, French state and category', () => {
    const [first, second] = report().overdue;
    expect(first).toEqual({
      reference: 'REC-2026-0723',
      level: 3,
      category: 'Générale',
      status: 'En cours',
      receivedAt: new Date(Date.UTC(2026, 7, 6, 9, 0, 0)), // wall clock in Paris
      deadlineAt: new Date(Date.UTC(2026, 8, 5, 23, 59, 59)),
      deadline: '05/09/2026',
      daysLate: 56,
      assignee: 'Paule Pilote',
      hidden: false,
      subject: '',
      complainant: 'sans.nom@example.test',
      complainantWithAddress: 'sans.nom@example.test',
    });
    // Due at 23:59:59.999 on the period's last day: one day late, not zero.
    expect(second).toMatchObject({ daysLate: 1, assignee: 'non attribuée', status: 'Reçue', category: 'Médicale' });
  });

  it('hides medical subjects, complainants and typologies from readers who are not doctors, and only from them', () => {
    const forPilot = report(octoberFigures(), pilot);
    expect(forPilot.overdue[1]).toMatchObject({
      hidden: true,
      subject: CONFIDENTIAL_PLACEHOLDER,
      complainant: '',
      complainantWithAddress: CONFIDENTIAL_PLACEHOLDER,
    });
    const medicalRow = forPilot.tickets.rows[1]!;
    expect(medicalRow[0]).toBe('REC-2026-0002'); // listed and counted
    expect([medicalRow[5], medicalRow[18], medicalRow[19], medicalRow[20]]).toEqual(
      Array.from({ length: 4 }, () => CONFIDENTIAL_PLACEHOLDER),
    );
    const text = JSON.stringify(forPilot);
    expect(text).not.toContain(MEDICAL_SUBJECT);
    expect(text).not.toContain(MEDICAL_COMPLAINANT.name);
    expect(text).not.toContain(MEDICAL_COMPLAINANT.email);
    expect(text).not.toContain('Aptitude');

    const forDoctor = report(octoberFigures(), doctor);
    expect(forDoctor.overdue[1]).toMatchObject({
      hidden: false,
      subject: MEDICAL_SUBJECT,
      complainant: MEDICAL_COMPLAINANT.name,
      complainantWithAddress: `${MEDICAL_COMPLAINANT.name} <${MEDICAL_COMPLAINANT.email}>`,
    });
    expect(forDoctor.tickets.rows[1]!.slice(18)).toEqual([
      MEDICAL_COMPLAINANT.name,
      MEDICAL_COMPLAINANT.email,
      MEDICAL_SUBJECT,
    ]);
  });

  it('lists the period’s tickets with French labels and wall-clock times (the export’s rows too)', () => {
    const sheet = ticketSheet(config, octoberFigures().tickets, doctor);
    expect(sheet.columns.map((c) => c.header).slice(0, 9)).toEqual([
      'Référence',
      'Reçue le',
      'Canal',
      'Demandeur',
      'Catégorie',
      'Typologie',
      'Niveau',
      'Recevable',
      'État',
    ]);
    const [ordinary, medical] = sheet.rows;
    expect(ordinary!.slice(0, 17)).toEqual([
      'REC-2026-0001',
      new Date(Date.UTC(2026, 9, 5, 10, 30, 0)),
      'Courriel',
      'Adhérent',
      'Générale',
      'Convocation',
      2,
      'oui',
      'Vérification',
      new Date(Date.UTC(2026, 9, 20, 23, 59, 59)),
      new Date(Date.UTC(2026, 9, 12, 12, 0, 0)),
      'oui',
      7.1, // 7 days 1 h 30 after reception
      null,
      null,
      0,
      'non',
    ]);
    expect(ordinary![17]).toBe('Accueil');
    expect([medical![2], medical![3], medical![8], medical![14]]).toEqual(['Téléphone', '', 'Clôturée', 20]); // 20 days 30 min
  });

  it('draws the 12-month chart with every configured level and any other level found', () => {
    const r = report();
    expect(r.trend.levels).toEqual([
      { level: 1, label: 'Niveau 1' },
      { level: 2, label: 'Niveau 2' },
      { level: 3, label: 'Niveau 3' },
      { level: 4, label: 'Niveau 4' },
    ]);
    expect([r.trend.months[0], r.trend.months[11]]).toEqual(['nov. 25', 'oct. 26']);
    expect([r.trendMonths[0], r.trendMonths[11]]).toEqual(['2025-11', '2026-10']);
    expect(r.trend.received[11]).toEqual([5, 0, 0, 2]);
    expect(r.trend.closed[11]).toEqual([4, 0, 0, 0]);
    expect(r.trend.received[0]).toEqual([0, 0, 9, 0]);
    expect(r.trend.received[5]).toEqual([0, 0, 0, 0]);
  });

  it('calls for attention when the mailbox went silent, mails were quarantined or could not be sent', () => {
    expect(report(silentMonthFigures()).pipelineNotes).toEqual([
      'Aucun message reçu sur la période alors qu’il y en avait la période précédente : vérifiez que la boîte des réclamations est bien relevée.',
    ]);
    const figures = octoberFigures();
    const troubled = { ...figures.current, pipeline: { ...figures.current.pipeline, quarantined: 1200 } };
    expect(report({ ...figures, current: troubled }).pipelineNotes).toEqual([
      '1\u202f200 message(s) en quarantaine : à examiner (chacun a fait l’objet d’une alerte).',
      '15 envoi(s) en échec définitif : les destinataires n’ont pas reçu le message.',
    ]);
  });
});
