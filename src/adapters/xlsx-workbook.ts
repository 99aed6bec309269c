// The only file that imports exceljs: the digest's spreadsheet drawn from its report (one sheet per
// table of the mail, rows and columns from the indicator table), and any Workbook (ports.ts)
// written as an .xlsx file — a bold, frozen header row with a filter on each sheet, column widths
// and number formats.
import { analysesSheet } from '../domain/digest-analyses.js';
import type { DigestReport, GroupRow, IndicatorRow } from '../domain/digest-report.js';
import { backlogColumns, type IndicatorColumn, ticketColumns } from '../domain/indicator-table.js';
import { compare, type FigureUnit } from '../domain/indicators.js';
import type { CellValue, ColumnFormat, Sheet, Workbook, WorkbookWriter } from '../ports.js';

const NUMBER_FORMATS: Record<ColumnFormat, string | undefined> = {
  text: '@',
  integer: '0',
  decimal: '0.0',
  percent: '0.0%',
  date: 'dd/mm/yyyy',
  datetime: 'dd/mm/yyyy hh:mm',
};

/** Excel refuses sheet names over 31 characters or with `: \ / ? * [ ]`, and duplicates. */
function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[:\\/?*[\]]/g, '-').slice(0, 31) || 'Feuille';
  let candidate = base;
  for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${base.slice(0, 28)} ${i}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

const num = (value: number | null, format: 'integer' | 'decimal' | 'percent'): CellValue => ({ value, format });

function unitFormat(unit: FigureUnit): 'integer' | 'decimal' | 'percent' {
  return unit === 'count' ? 'integer' : unit === 'rate' ? 'percent' : 'decimal';
}

/** A table by group: the groups' column, then one column per indicator. */
function groupSheet<F>(
  name: string,
  heading: { readonly header: string; readonly width: number },
  columns: readonly IndicatorColumn<F>[],
  rows: readonly GroupRow<F>[],
): Sheet {
  return {
    name,
    columns: [heading, ...columns.map((c) => ({ header: c.header, format: unitFormat(c.unit) }))],
    rows: rows.map((r) => [
      r.label,
      ...columns.map((c) => (c.unit === 'count' ? c.value(r.figures) : num(c.value(r.figures), unitFormat(c.unit)))),
    ]),
  };
}

/** The digest's spreadsheet: the period's tickets, then every table of the mail, then the definitions. */
export function digestWorkbook(report: DigestReport): Workbook {
  const { labels } = report;
  const indent = (row: IndicatorRow) => `${row.indicator.sub ? '   ' : ''}${row.indicator.label}`;
  const summary: Sheet = {
    name: 'Synthèse',
    columns: [
      { header: 'Indicateur', width: 34 },
      { header: labels.current, width: 16 },
      { header: labels.previous, width: 16 },
      { header: 'Écart', width: 12 },
      { header: labels.lastYear, width: 16 },
      { header: 'Écart', width: 12 },
    ],
    rows: report.overview.map((row) => {
      const { unit } = row.indicator;
      const f = unitFormat(unit);
      return [
        indent(row),
        num(row.current, f),
        num(row.previous, f),
        num(compare(row.current, row.previous, unit).difference, f),
        num(row.lastYear, f),
        num(compare(row.current, row.lastYear, unit).difference, f),
      ];
    }),
  };
  const overdueSheet: Sheet = {
    name: 'En retard',
    columns: [
      { header: 'Référence', width: 16 },
      { header: 'Niveau', width: 8, format: 'integer' },
      { header: 'Catégorie', width: 16 },
      { header: 'État actuel', width: 14 },
      { header: 'Reçue le', width: 17, format: 'datetime' },
      { header: 'Échéance', width: 17, format: 'datetime' },
      { header: 'Jours de retard', width: 10, format: 'integer' },
      { header: 'Suivie par', width: 22 },
      { header: 'Réclamant', width: 28 },
      { header: 'Objet', width: 48 },
    ],
    rows: report.overdue.map((t) => [
      t.reference,
      t.level,
      t.category,
      t.status,
      t.receivedAt,
      t.deadlineAt,
      t.daysLate,
      t.assignee,
      t.complainantWithAddress,
      t.subject,
    ]),
  };
  const escalationSheet: Sheet = {
    name: 'Signalements',
    columns: [
      { header: 'Référence', width: 16 },
      { header: 'Niveau', width: 8, format: 'integer' },
      { header: 'Signalement', width: 16 },
      { header: 'Signalée le', width: 17, format: 'datetime' },
      { header: 'Destinataires', width: 36 },
      { header: 'À traiter par la direction avant le', width: 17, format: 'datetime' },
      { header: 'Échéance de la réclamation', width: 17, format: 'datetime' },
      { header: 'État actuel', width: 14 },
      { header: 'Suivie par', width: 22 },
    ],
    rows: report.escalations.map((e) => [
      e.reference,
      e.level,
      e.roundLabel,
      e.at,
      e.recipients,
      e.dueAt,
      e.deadlineAt,
      e.status,
      e.assignee,
    ]),
  };
  const chart = report.trend;
  const trendSheet: Sheet = {
    name: 'Tendance 12 mois',
    columns: [
      { header: 'Mois', width: 12 },
      ...chart.levels.map((l) => ({ header: `Reçues ${l.label.toLowerCase()}`, format: 'integer' as const })),
      { header: 'Reçues', format: 'integer' },
      ...chart.levels.map((l) => ({ header: `Clôturées ${l.label.toLowerCase()}`, format: 'integer' as const })),
      { header: 'Clôturées', format: 'integer' },
    ],
    rows: report.trendMonths.map((month, m) => {
      const received = chart.received[m] ?? [];
      const closed = chart.closed[m] ?? [];
      return [month, ...received, received.reduce((s, n) => s + n, 0), ...closed, closed.reduce((s, n) => s + n, 0)];
    }),
  };
  const pipelineSheet: Sheet = {
    name: 'Chaîne de traitement',
    columns: [
      { header: 'Indicateur', width: 44 },
      { header: labels.current, width: 16, format: 'integer' },
      { header: labels.previous, width: 16, format: 'integer' },
      { header: labels.lastYear, width: 16, format: 'integer' },
    ],
    rows: report.pipeline.map((row) => [indent(row), row.current, row.previous, row.lastYear]),
  };
  const definitions: Sheet = {
    name: 'Définitions',
    columns: [{ header: 'Définitions des indicateurs', width: 120 }],
    rows: [
      ...report.definitions.map((d) => [d]),
      [
        `Période : ${labels.current} (du ${report.period.firstDay} au ${report.period.lastDay}, fuseau ` +
          `${report.timeZone}).`,
      ],
      ...(report.audience.confidentialVisible
        ? []
        : [['Version sans le contenu des réclamations médicales (réservé aux médecins).']]),
    ],
  };
  return {
    creator: `reclam — ${report.organisation}`,
    sheets: [
      report.tickets,
      summary,
      ...report.breakdowns.map((b) =>
        groupSheet(b.title, { header: b.heading, width: 22 }, ticketColumns('sheet'), b.rows),
      ),
      groupSheet('En cours fin de période', { header: 'Niveau', width: 12 }, backlogColumns('sheet'), report.backlog),
      overdueSheet,
      escalationSheet,
      trendSheet,
      pipelineSheet,
      analysesSheet(report.analyses),
      definitions,
    ],
  };
}

export function createXlsxWriter(): WorkbookWriter {
  const writer: WorkbookWriter = {
    writeDigest: (report) => writer.writeXlsx(digestWorkbook(report)),
    async writeXlsx(spec: Workbook): Promise<Uint8Array> {
      // Loaded on first use: exceljs weighs ~30 MB of memory, and the daemon needs it once a month.
      const { default: ExcelJS } = await import('exceljs');
      const book = new ExcelJS.Workbook();
      book.creator = spec.creator;
      const taken = new Set<string>();
      for (const sheet of spec.sheets) {
        const ws = book.addWorksheet(sheetName(sheet.name, taken), { views: [{ state: 'frozen', ySplit: 1 }] });
        ws.columns = sheet.columns.map((column) => ({
          header: column.header,
          width: column.width ?? Math.max(10, Math.min(60, column.header.length + 2)),
          style:
            NUMBER_FORMATS[column.format ?? 'text'] && column.format !== 'text'
              ? { numFmt: NUMBER_FORMATS[column.format ?? 'text']! }
              : {},
        }));
        for (const row of sheet.rows) {
          const added = ws.addRow(
            row.map((cell) =>
              cell !== null && typeof cell === 'object' && !(cell instanceof Date) ? cell.value : cell,
            ),
          );
          row.forEach((cell, i) => {
            if (cell !== null && typeof cell === 'object' && !(cell instanceof Date))
              added.getCell(i + 1).numFmt = NUMBER_FORMATS[cell.format] ?? 'General';
          });
        }
        const header = ws.getRow(1);
        header.font = { bold: true };
        header.alignment = { vertical: 'middle', wrapText: true };
        header.eachCell((cell) => {
          cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
          cell.border = { bottom: { style: 'thin', color: { argb: 'FF9CA3AF' } } };
        });
        if (sheet.columns.length > 0 && sheet.rows.length > 0) {
          ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: sheet.columns.length } };
        }
      }
      const buffer = await book.xlsx.writeBuffer();
      return new Uint8Array(buffer as ArrayBuffer);
    },
  };
  return writer;
}
