// `reclam export --from --to [--format csv|xlsx]`: the tickets received between two local dates,
// one row each, as the digest's « Réclamations » sheet lists them — medical tickets' content
// hidden unless the reader (`--as`) is a doctor.
import { ticketsReceivedIn } from '../db/indicators.js';
import { INDICATOR_DEFINITIONS } from '../domain/indicators.js';
import { customPeriod, periodLabel, periodRange } from '../domain/period.js';
import { audienceOf, ticketSheet } from '../domain/digest-report.js';
import type { CellValue, Sheet, WorkbookWriter } from '../ports.js';
import type { Deps } from './deps.js';

export type ExportFormat = 'csv' | 'xlsx';

export interface ExportInput {
  /** First and last local day, `YYYY-MM-DD`, both included. */
  readonly from: string;
  readonly to: string;
  readonly format: ExportFormat;
  /** Whose view: a doctor sees medical tickets' content; anyone else (or nobody given) does not. */
  readonly viewer?: string | null | undefined;
}

export interface ExportResult {
  readonly filename: string;
  readonly content: Uint8Array;
  readonly count: number;
  readonly confidentialVisible: boolean;
}

/** @throws RangeError when `from` or `to` is not a `YYYY-MM-DD` date, or `to` is before `from`. */
export async function exportTickets(
  deps: Pick<Deps, 'db' | 'config'> & { readonly workbooks: WorkbookWriter },
  input: ExportInput,
): Promise<ExportResult> {
  const period = customPeriod(input.from, input.to);
  const lines = await ticketsReceivedIn(deps.db, periodRange(period, deps.config.organisation.timezone));
  const audience = audienceOf(deps.config, input.viewer);
  const sheet = ticketSheet(deps.config, lines, audience);
  const filename = `reclamations-${input.from}_${input.to}.${input.format}`;
  if (input.format === 'csv') {
    return {
      filename,
      content: new TextEncoder().encode(toCsv(sheet)),
      count: lines.length,
      confidentialVisible: audience.confidentialVisible,
    };
  }
  const notes: Sheet = {
    name: 'Définitions',
    columns: [{ header: 'Définitions', width: 120 }],
    rows: [
      [`Réclamations reçues ${periodLabel(period)} (fuseau ${deps.config.organisation.timezone}).`],
      ...INDICATOR_DEFINITIONS.map((d) => [d]),
      ...(audience.confidentialVisible
        ? []
        : [['Export sans le contenu des réclamations médicales (réservé aux médecins).']]),
    ],
  };
  const content = await deps.workbooks.writeXlsx({
    creator: `reclam — ${deps.config.organisation.name}`,
    sheets: [sheet, notes],
  });
  return { filename, content, count: lines.length, confidentialVisible: audience.confidentialVisible };
}

function csvCell(cell: CellValue): string {
  if (cell === null) return '';
  if (cell instanceof Date) return cell.toISOString().slice(0, 16).replace('T', ' ');
  if (typeof cell === 'object') return cell.value === null ? '' : csvCell(cell.value);
  if (typeof cell === 'number') return String(cell).replace('.', ',');
  if (typeof cell === 'boolean') return cell ? 'oui' : 'non';
  const text = neutraliseFormula(cell);
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// What spreadsheet software runs as a formula when a CSV cell starts with it (OWASP, CSV
// injection): = + - @, a tab or a carriage return. Subjects, names and summaries are the
// complainant's own words, so `=HYPERLINK(…)` or `@SUM(…)` must reach the pilot as text.
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell that would be read as a formula gets a leading `'`, which keeps it text. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * CSV as French spreadsheet software opens it without an import dialog: UTF-8 with a byte-order
 * mark, `;` between fields, decimal commas, CRLF line ends, local times as `YYYY-MM-DD HH:MM`.
 */
export function toCsv(sheet: Sheet): string {
  const lines = [sheet.columns.map((c) => csvCell(c.header)), ...sheet.rows.map((row) => row.map(csvCell))];
  return `\uFEFF${lines.map((line) => line.join(';')).join('\r\n')}\r\n`;
}

/** `reclam export`: the work behind the command, wherever it runs (CLI or a daemon holding PGlite). */
export async function exportCommand(
  deps: Pick<Deps, 'db' | 'config'> & { readonly workbooks: WorkbookWriter },
  input: ExportInput,
): Promise<{ output: string; exitCode: number; files?: { role: 'csv' | 'xlsx'; name: string; base64: string }[] }> {
  let result: ExportResult;
  try {
    result = await exportTickets(deps, input);
  } catch (error) {
    if (error instanceof RangeError)
      return { output: `${error.message} (expected --from YYYY-MM-DD --to YYYY-MM-DD)\n`, exitCode: 2 };
    throw error;
  }
  const hidden = result.confidentialVisible
    ? ''
    : ', medical tickets without their content (--as a doctor’s address for theirs)';
  return {
    output: `${result.count} ticket(s) received from ${input.from} to ${input.to}${hidden}\n`,
    exitCode: 0,
    files: [{ role: input.format, name: result.filename, base64: Buffer.from(result.content).toString('base64') }],
  };
}
