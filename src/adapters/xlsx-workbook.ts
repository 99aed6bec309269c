// The only file that imports exceljs: writes a Workbook (ports.ts) as an .xlsx file — a bold,
// frozen header row with a filter on each sheet, column widths and number formats.
import type { ColumnFormat, Workbook, WorkbookWriter } from '../ports.js';

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

export function createXlsxWriter(): WorkbookWriter {
  return {
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
}
