// The table of indicators: one entry per indicator, each computed from its figures, and every
// entry shown — with its value — in the HTML part, the text part and the spreadsheet of a digest
// rendered from literal figures (the real templates and the real xlsx writer; no database).
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { createTemplateRenderer } from '../../src/adapters/template-renderer.js';
import { createXlsxWriter } from '../../src/adapters/xlsx-workbook.js';
import { audienceOf, digestReport } from '../../src/domain/digest-report.js';
import { digestTemplateData } from '../../src/domain/digest-template-data.js';
import {
  backlogColumns,
  INDICATORS,
  indicatorValue,
  KPI_INDICATORS,
  OVERVIEW_INDICATORS,
  responseRate,
  ticketColumns,
  ticketValue,
  type Indicator,
  type TicketIndicator,
} from '../../src/domain/indicator-table.js';
import { EMPTY_FIGURES, formatFigure, roundAsShown } from '../../src/domain/indicators.js';
import { TEMPLATES_DIR } from '../../src/paths.js';
import {
  backlogFigures,
  GENERATED_AT,
  octoberFigures,
  pipelineFigures,
  ticketFigures,
} from '../support/digest-figures.js';
import { testConfig } from '../support/test-config.js';

const figures = { tickets: ticketFigures(0), backlog: backlogFigures(0), pipeline: pipelineFigures(0) };

describe('the indicator table', () => {
  it('has one entry per key, each computed from its figures', () => {
    const keys = INDICATORS.map((i) => i.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(INDICATORS.map((i) => `${i.source}:${i.label}`)).size).toBe(INDICATORS.length);
    for (const indicator of INDICATORS) {
      const value = indicatorValue(indicator, figures);
      expect(value === null || Number.isFinite(value), indicator.key).toBe(true);
    }
    expect(KPI_INDICATORS.map((i) => [i.key, i.kpi!.label])).toEqual([
      ['received', 'Reçues'],
      ['closed', 'Clôturées'],
      ['responseRate', 'Taux de réponse'],
      ['overdue', 'En retard'],
    ]);
  });

  it('computes a rate from its two counts, and no rate of nothing', () => {
    const rateOf = (key: string, f = figures.tickets) =>
      ticketValue(INDICATORS.find((i) => i.key === key) as TicketIndicator, f);
    expect(rateOf('responseRate')).toBe(59 / 93);
    expect(responseRate(figures.tickets)).toBe(59 / 93);
    expect(rateOf('onTimeRate')).toBe(52 / 61);
    expect(rateOf('responseRate', EMPTY_FIGURES)).toBeNull();
    expect(rateOf('meanAnswerDays', EMPTY_FIGURES)).toBeNull();
    expect(rateOf('received', EMPTY_FIGURES)).toBe(0);
  });

  it('gives the tables by group their columns: short ones in the mail, all of them in the spreadsheet', () => {
    expect(ticketColumns('mail').map((c) => c.header)).toEqual([
      'Reçues',
      'Non rec.',
      'Réponse',
      'Délais tenus',
      'Rép. moy.',
      'Clôturées',
      'Clôt. moy.',
    ]);
    expect(ticketColumns('sheet').map((c) => [c.header, c.value(figures.tickets)])).toEqual([
      ['Reçues', 100],
      ['Non recevables', 7],
      ['Prises en charge (attribuées)', 90],
      ['Délai moyen de prise en charge (j ouvrés)', 1.37],
      ['Délai médian de prise en charge (j ouvrés)', 1],
      ['Recevables', 93],
      ['Recevables répondues', 59],
      ['Taux de réponse', 59 / 93],
      ['Répondues', 61],
      ['Dans les délais', 52],
      ['Taux dans les délais', 52 / 61],
      ['Délai moyen de réponse (j)', 8.26],
      ['Délai médian de réponse (j)', 6.71],
      ['Clôturées', 88],
      ['Délai moyen de clôture (j)', 20.94],
      ['Délai médian de clôture (j)', 16.55],
      ['Efficacité : OUI ou NON', 37],
      ['Efficacité : OUI', 31],
      ['Taux de OUI (efficacité)', 31 / 37],
      ['Efficacité : silences', 4],
      ['Réouvertures', 3],
      ['Signalements à la direction', 2],
    ]);
    expect(backlogColumns('mail').map((c) => c.header)).toEqual([
      'En cours',
      '0 à 7 j',
      '8 à 15 j',
      '16 à 30 j',
      '> 30 j',
      'En retard',
    ]);
    expect(backlogColumns('sheet').map((c) => [c.header, c.value(figures.backlog)])).toEqual([
      ['En cours', 40],
      ['0 à 7 jours', 11],
      ['8 à 15 jours', 12],
      ['16 à 30 jours', 13],
      ['Plus de 30 jours', 4],
      ['En retard', 9],
    ]);
  });
});

describe('every indicator in the HTML, the text and the spreadsheet of a digest', async () => {
  const config = testConfig();
  const report = digestReport(config, octoberFigures(), audienceOf(config, 'pilote@spst-test.fr'), GENERATED_AT);
  const mail = createTemplateRenderer({ templatesDir: TEMPLATES_DIR }).render('digest', digestTemplateData(report));
  const book = new ExcelJS.Workbook();
  await book.xlsx.load((await createXlsxWriter().writeDigest(report)) as unknown as ArrayBuffer);
  const current = { tickets: ticketFigures(0), backlog: backlogFigures(0), pipeline: pipelineFigures(0) };
  const escaped = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#x27;');
  const re = (text: string) => text.replace(/[.*+?^${}()|[\]\\>]/g, '\\$&');
  const shown = (indicator: Indicator) =>
    formatFigure(roundAsShown(indicatorValue(indicator, current), indicator.unit), indicator.unit);

  /** The cells of the row whose first cell is `label` (indentation aside) in `sheet`. */
  const rowOf = (sheet: string, label: string) => {
    const ws = book.getWorksheet(sheet)!;
    let found: ExcelJS.CellValue[] | undefined;
    ws.eachRow((row) => {
      if (String(row.getCell(1).value).trim() === label) found = (row.values as ExcelJS.CellValue[]).slice(1);
    });
    return found;
  };
  /** The « Total » cell of the column headed `header` in `sheet`. */
  const totalOf = (sheet: string, header: string) => {
    const ws = book.getWorksheet(sheet)!;
    const headers = (ws.getRow(1).values as ExcelJS.CellValue[]).slice(1);
    const column = headers.indexOf(header);
    return column < 0 ? undefined : rowOf(sheet, 'Total')?.[column];
  };

  it('gives the summary and pipeline sheets one row per indicator, as the mail has', () => {
    expect(book.getWorksheet('Synthèse')!.rowCount).toBe(1 + OVERVIEW_INDICATORS.length);
    expect(book.getWorksheet('Chaîne de traitement')!.rowCount).toBe(
      1 + INDICATORS.filter((i) => i.source === 'pipeline').length,
    );
  });

  it.each(INDICATORS.map((i) => [i.key, i] as const))('%s', (_key, indicator) => {
    const value = indicatorValue(indicator, current);
    if (indicator.source === 'pipeline') {
      expect(mail.html).toContain(`${escaped(indicator.label)}</td>`);
      expect(mail.text).toMatch(new RegExp(`^ *${re(indicator.label)} +${shown(indicator)} `, 'm'));
      expect(rowOf('Chaîne de traitement', indicator.label)?.[1]).toBe(value);
      return;
    }
    if (indicator.overview !== false) {
      // A row of the overview, with its value, in the mail and on the summary sheet.
      expect(mail.html).toContain(`${escaped(indicator.label)}</td>`);
      expect(mail.text).toMatch(new RegExp(`^ *${re(indicator.label)} : ${re(shown(indicator))}`, 'm'));
      expect(rowOf('Synthèse', indicator.label)?.[1]).toBeCloseTo(value!, 9);
    }
    // A column of the tables by group: the mail's when it has a short header, always the spreadsheet's.
    const sheets =
      indicator.source === 'tickets'
        ? ['Par niveau', 'Par catégorie', 'Par type de demandeur', 'Par canal']
        : ['En cours fin de période'];
    const columns = indicator.source === 'tickets' ? ticketColumns('sheet') : backlogColumns('sheet');
    const header = columns.find((c) => c.key === indicator.key)!.header;
    for (const sheet of sheets) expect(totalOf(sheet, header), `${sheet} / ${header}`).toBeCloseTo(value!, 9);
    if (indicator.short) {
      expect(mail.html).toContain(`>${escaped(indicator.short)}</th>`);
      expect(mail.text).toMatch(new RegExp(`^(Par|Niveau) .*  ${re(indicator.short)}(  |$)`, 'm'));
    } else {
      expect(indicator.overview, `${indicator.key} is in no table of the mail`).not.toBe(false);
    }
  });
});
