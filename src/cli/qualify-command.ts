// `reclam qualify FILE…`: runs the automatic qualification on a .eml, a .txt or a JSON Lines file
// (the format of ../shared/data/qualification-dev.jsonl) and prints what it decided and why.
// With labels present it also measures: accuracy per field, confusion matrices, misclassified
// items with their evidence, time per mail. Opens no connection: safe on a production host.
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { parseMail } from '../adapters/mail-parser.js';
import { loadConfig } from '../config/load-config.js';
import { isMbox, splitMbox } from '../domain/mbox.js';
import { qualify, type Qualification, type QualificationInput } from '../domain/qualification.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
  mergeQualificationRules,
  resolveQualificationRules,
  type QualificationRules,
  type QualificationRuleSet,
} from '../domain/qualification-rules.js';

/** One mail to qualify, with the expected labels when the file has them. */
export interface QualifyItem {
  readonly id: string;
  readonly input: QualificationInput;
  readonly expected?: Partial<Record<EvaluatedField, string>>;
}

export const EVALUATED_FIELDS = ['category', 'level', 'requester', 'receivable'] as const;
export type EvaluatedField = (typeof EVALUATED_FIELDS)[number];

export interface ItemResult {
  readonly item: QualifyItem;
  readonly qualification: Qualification;
  readonly ms: number;
}

export interface Evaluation {
  readonly results: readonly ItemResult[];
  /** Per field with labels: correct / labelled. */
  readonly accuracy: Partial<Record<EvaluatedField, { readonly correct: number; readonly total: number }>>;
  /** Expected value → qualified value → count. */
  readonly confusion: Partial<Record<EvaluatedField, Map<string, Map<string, number>>>>;
  /** Of the items labelled non-receivable, how many were found so. */
  readonly nonReceivableRecall: { readonly found: number; readonly total: number };
  readonly msPerMail: number;
  readonly msMax: number;
  readonly lowConfidence: number;
}

/** The value of `field` in a qualification, as the labels write it. */
export function qualifiedValue(q: Qualification, field: EvaluatedField): string {
  const value = q[field];
  return value === null ? '∅' : String(value);
}

/** Qualifies every item (after one warm-up call that compiles the rules) and measures against the labels. */
export function evaluate(items: readonly QualifyItem[], rules: QualificationRules): Evaluation {
  qualify({ subject: '', text: '', from: null }, rules);
  const results: ItemResult[] = [];
  for (const item of items) {
    const started = performance.now();
    const qualification = qualify(item.input, rules);
    results.push({ item, qualification, ms: performance.now() - started });
  }
  const accuracy: Evaluation['accuracy'] = {};
  const confusion: Evaluation['confusion'] = {};
  for (const field of EVALUATED_FIELDS) {
    const labelled = results.filter((r) => r.item.expected?.[field] !== undefined);
    if (labelled.length === 0) continue;
    const matrix = new Map<string, Map<string, number>>();
    let correct = 0;
    for (const r of labelled) {
      const expected = r.item.expected![field]!;
      const got = qualifiedValue(r.qualification, field);
      if (got === expected) correct++;
      const row = matrix.get(expected) ?? new Map<string, number>();
      row.set(got, (row.get(got) ?? 0) + 1);
      matrix.set(expected, row);
    }
    accuracy[field] = { correct, total: labelled.length };
    confusion[field] = matrix;
  }
  const nonReceivable = results.filter((r) => r.item.expected?.receivable === 'false');
  const ms = results.map((r) => r.ms);
  return {
    results,
    accuracy,
    confusion,
    nonReceivableRecall: {
      found: nonReceivable.filter((r) => !r.qualification.receivable).length,
      total: nonReceivable.length,
    },
    msPerMail: ms.length > 0 ? ms.reduce((a, b) => a + b, 0) / ms.length : 0,
    msMax: ms.length > 0 ? Math.max(...ms) : 0,
    lowConfidence: results.filter((r) => r.qualification.lowConfidence).length,
  };
}

/**
 * Items of a JSON Lines file: `{id, subject, from_name, from_email, body}` and, optionally, the
 * labels `category, level, requester, receivable`. Blank lines are skipped.
 * @throws Error naming the line of an unreadable object.
 */
export function parseJsonLines(text: string, source = 'input'): QualifyItem[] {
  const items: QualifyItem[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new Error(
        `${source}:${index + 1}: not a JSON object (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    const str = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : '');
    const expected: Partial<Record<EvaluatedField, string>> = {};
    for (const field of EVALUATED_FIELDS) {
      const value = record[field];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        expected[field] = String(value);
    }
    const address = str('from_email').trim().toLowerCase();
    items.push({
      id: str('id') || `${source}:${index + 1}`,
      input: {
        subject: str('subject'),
        text: str('body') || str('text'),
        from: address ? { address, name: str('from_name') } : null,
      },
      ...(Object.keys(expected).length > 0 ? { expected } : {}),
    });
  });
  return items;
}

/** Registers `qualify` on the program; `setExitCode` receives the command's exit status. */
export function registerQualifyCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('qualify')
    .description(
      'qualify complaints from .eml, .txt or .jsonl files (category, level, requester, receivability, typology) and, with labels, measure accuracy',
    )
    .argument(
      '[files...]',
      '.eml (a raw mail), mbox (each of its mails), .txt (a text; --subject and --from optional) or .jsonl (one mail per line, labels optional)',
    )
    .option('--subject <text>', 'subject of a .txt file', '')
    .option('--from <address>', 'sender of a .txt file')
    .option('--evidence', 'print the evidence of every item, not only of the misclassified ones')
    .option('--json', 'print one JSON object per item instead of the report')
    .addOption(
      new Option('--only <half>', 'keep only the items whose numeric id is even or odd (development split)').choices([
        'even',
        'odd',
      ]),
    )
    .option(
      '--print-rules',
      'print the rules in force (built-in defaults merged with the configuration) as YAML, and stop',
    )
    .action(async (files: string[], options: QualifyOptions) => {
      const out = process.stdout;
      const configPath = program.opts<{ config?: string }>().config;
      const { rules, set, source } = await loadRules(configPath);
      if (options.printRules) {
        out.write(
          `# qualification rules in force (${source}); copy what you change under \`qualification:\` in reclam.yaml\n`,
        );
        out.write(toYaml(ruleSetForPrinting(set), { lineWidth: 0 }));
        return setExitCode(0);
      }
      if (files.length === 0) {
        process.stderr.write('reclam qualify: give at least one .eml, .txt or .jsonl file (or --print-rules)\n');
        return setExitCode(2);
      }
      let items: QualifyItem[] = [];
      for (const file of files) items.push(...(await readItems(file, options)));
      if (options.only) items = items.filter((item) => idParity(item.id) === options.only);
      const evaluation = evaluate(items, rules);
      if (options.json) {
        for (const r of evaluation.results)
          out.write(`${JSON.stringify({ id: r.item.id, ...r.qualification, ms: round(r.ms, 3) })}\n`);
        return setExitCode(0);
      }
      out.write(formatReport(evaluation, { evidence: Boolean(options.evidence), source }));
      setExitCode(0);
    });
}

interface QualifyOptions {
  subject: string;
  from?: string;
  evidence?: boolean;
  json?: boolean;
  only?: 'even' | 'odd';
  printRules?: boolean;
}

async function loadRules(
  configPath: string | undefined,
): Promise<{ rules: QualificationRules; set: QualificationRuleSet; source: string }> {
  if (!configPath) {
    return {
      rules: buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE),
      set: DEFAULT_QUALIFICATION_RULES,
      source: 'built-in defaults, six SPST categories',
    };
  }
  const path = resolve(configPath);
  const text = await readFile(path, 'utf8');
  // Nothing is connected here: unset ${VAR} (passwords, hosts) must not stop a dry run.
  const env = new Proxy({ ...process.env } as Record<string, string | undefined>, {
    get: (target, name) => (typeof name === 'string' ? target[name] || 'unset-for-qualify' : undefined),
  });
  const { config } = loadConfig(text, env, path);
  return { rules: resolveQualificationRules(config), set: mergeQualificationRules(config.qualification), source: path };
}

async function readItems(file: string, options: QualifyOptions): Promise<QualifyItem[]> {
  const extension = extname(file).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson')
    return parseJsonLines(await readFile(file, 'utf8'), basename(file));
  const bytes = await readFile(file);
  // An mbox holds many mails: each is qualified on its own (`FILE#1`, `FILE#2`…).
  const messages = extension === '.eml' || extension === '.mbox' || isMbox(bytes) ? splitMbox(bytes) : [];
  if (extension === '.eml' || messages.length > 0) {
    const mails = messages.length > 0 ? messages : [new Uint8Array(bytes)];
    const items: QualifyItem[] = [];
    for (const [index, raw] of mails.entries()) {
      const id = mails.length > 1 ? `${basename(file)}#${index + 1}` : basename(file);
      const parsed = await parseMail(raw);
      if (!parsed.ok) throw new Error(`${id}: cannot be read as a mail (${parsed.reason})`);
      const { subject, text, from } = parsed.mail;
      items.push({ id, input: { subject, text, from } });
    }
    return items;
  }
  const text = bytes.toString('utf8');
  const from = options.from ? { address: options.from.trim().toLowerCase(), name: '' } : null;
  return [{ id: basename(file), input: { subject: options.subject, text, from } }];
}

function idParity(id: string): 'even' | 'odd' | null {
  const digits = /(\d+)\D*$/.exec(id);
  if (!digits) return null;
  return Number(digits[1]) % 2 === 0 ? 'even' : 'odd';
}

/** The human report: one line per item, then (with labels) the measures. */
export function formatReport(
  evaluation: Evaluation,
  options: { readonly evidence: boolean; readonly source: string },
): string {
  const lines: string[] = [`rules: ${options.source}`, ''];
  const labelled = Object.keys(evaluation.accuracy).length > 0;
  for (const r of evaluation.results) {
    const q = r.qualification;
    const wrong = EVALUATED_FIELDS.filter(
      (f) => r.item.expected?.[f] !== undefined && r.item.expected[f] !== qualifiedValue(q, f),
    );
    const mark = labelled && r.item.expected ? (wrong.length === 0 ? '✔' : '✘') : ' ';
    lines.push(
      `${mark} ${r.item.id.padEnd(10)} ${String(q.category ?? '∅').padEnd(14)} niveau ${q.level}  ${String(q.requester ?? '∅').padEnd(8)} ` +
        `${q.receivable ? 'recevable    ' : 'non recevable'} ${String(q.typology ?? '-').padEnd(20)} confiance ${Math.round(
          q.confidence * 100,
        )
          .toString()
          .padStart(
            3,
          )} %${q.lowConfidence ? ' (à confirmer)' : ''}${wrong.length > 0 ? `   ${wrong.map((f) => `${f} ${qualifiedValue(q, f)}≠${r.item.expected![f]}`).join(', ')}` : ''}`,
    );
    if (options.evidence) for (const e of q.evidence) lines.push(`      ${e}`);
  }
  lines.push(
    '',
    `${evaluation.results.length} mail(s), ${round(evaluation.msPerMail, 3)} ms per mail on average (max ${round(evaluation.msMax, 2)} ms); ${evaluation.lowConfidence} with low confidence`,
  );
  if (!labelled) return `${lines.join('\n')}\n`;

  lines.push('', 'accuracy per field:');
  for (const field of EVALUATED_FIELDS) {
    const a = evaluation.accuracy[field];
    if (a) lines.push(`  ${field.padEnd(11)} ${pct(a.correct, a.total).padStart(7)}  (${a.correct}/${a.total})`);
  }
  const recall = evaluation.nonReceivableRecall;
  if (recall.total > 0)
    lines.push(`  non-receivable recall ${pct(recall.found, recall.total)}  (${recall.found}/${recall.total})`);
  for (const field of EVALUATED_FIELDS) {
    const matrix = evaluation.confusion[field];
    if (matrix)
      lines.push('', `confusion matrix, ${field} (rows: expected, columns: qualified):`, ...formatMatrix(matrix));
  }
  const misclassified = evaluation.results.filter((r) =>
    EVALUATED_FIELDS.some(
      (f) => r.item.expected?.[f] !== undefined && r.item.expected[f] !== qualifiedValue(r.qualification, f),
    ),
  );
  lines.push('', `misclassified items (${misclassified.length}):`);
  for (const r of misclassified) {
    const wrong = EVALUATED_FIELDS.filter(
      (f) => r.item.expected?.[f] !== undefined && r.item.expected[f] !== qualifiedValue(r.qualification, f),
    );
    lines.push(
      `  ${r.item.id} — ${r.item.input.subject}`,
      `    ${wrong.map((f) => `${f}: qualified ${qualifiedValue(r.qualification, f)}, expected ${r.item.expected![f]}`).join('; ')}`,
    );
    if (!options.evidence) for (const e of r.qualification.evidence) lines.push(`      ${e}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatMatrix(matrix: Map<string, Map<string, number>>): string[] {
  const values = [...new Set([...matrix.keys(), ...[...matrix.values()].flatMap((row) => [...row.keys()])])].sort();
  const width = Math.max(6, ...values.map((v) => v.length)) + 1;
  const header = `  ${''.padEnd(width)}${values.map((v) => v.padStart(width)).join('')}`;
  const rows = values
    .filter((expected) => matrix.has(expected))
    .map(
      (expected) =>
        `  ${expected.padEnd(width)}${values.map((got) => String(matrix.get(expected)?.get(got) ?? '.').padStart(width)).join('')}`,
    );
  return [header, ...rows];
}

/** The rule set as YAML-friendly data (level maps keyed by number). */
function ruleSetForPrinting(set: QualificationRuleSet): unknown {
  return JSON.parse(JSON.stringify(set)) as unknown;
}

function pct(part: number, total: number): string {
  return `${total === 0 ? '—' : ((100 * part) / total).toFixed(1)} %`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
