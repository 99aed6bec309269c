// `reclam qualify FILE…`: runs the automatic qualification (rules and the learned model, trained
// on the shipped corpus less the items being qualified) on a .eml, a .txt or a JSON Lines file
// (the format of datasets/qualification/*.jsonl) and prints what it decided and why. With labels
// it also measures: accuracy per field, confusion matrices, what the acknowledgements would
// promise, misclassified items with their evidence, time per mail. `--online` is the stream
// test: qualify each mail, then learn its labels, accuracy by tenths of the stream. Opens no
// connection: safe on a production host.
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { parseMail } from '../adapters/mail-parser.js';
import { readShippedCorpus } from '../adapters/qualification-corpus-files.js';
import { loadConfig } from '../config/load-config.js';
import { approximateHours, type Duration } from '../domain/duration.js';
import { modelDocumentOf, qualify, type Qualification, type QualificationInput } from '../domain/qualification.js';
import { corpusFor, procedureLabels, type CorpusProcedure } from '../domain/qualification-corpus.js';
import { createModel, learnExample, type QualificationModel } from '../domain/qualification-model.js';
import { isMbox, splitMbox } from '../domain/mbox.js';
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

/** What the acknowledgements promised against what the true level owed. */
export interface Promises {
  /** A later deadline than the true level's: a promise the organisation breaks. */
  readonly later: number;
  /** An earlier deadline: kept, at the cost of hurrying. */
  readonly earlier: number;
  readonly same: number;
}

export interface Evaluation {
  readonly results: readonly ItemResult[];
  /** Per field with labels: correct / labelled. */
  readonly accuracy: Partial<Record<EvaluatedField, { readonly correct: number; readonly total: number }>>;
  /** Expected value → qualified value → count. */
  readonly confusion: Partial<Record<EvaluatedField, Map<string, Map<string, number>>>>;
  /** Of the items labelled non-receivable, how many were found so. */
  readonly nonReceivableRecall: { readonly found: number; readonly total: number };
  /** Acknowledgement level (low-confidence policy applied) against the labelled level; null without level labels. */
  readonly promises: Promises | null;
  readonly msPerMail: number;
  readonly msMax: number;
  readonly lowConfidence: number;
}

/** The value of `field` in a qualification, as the labels write it. */
export function qualifiedValue(q: Qualification, field: EvaluatedField): string {
  const value = q[field];
  return value === null ? '∅' : String(value);
}

/** The levels' resolution deadlines, to compare promises: level → approximate hours. */
export type LevelDeadlines = ReadonlyMap<number, number>;

export function levelDeadlines(levels: readonly { level: number; resolveWithin: Duration }[]): LevelDeadlines {
  return new Map(levels.map((l) => [l.level, approximateHours(l.resolveWithin)]));
}

/**
 * Qualifies every item (after one warm-up call that compiles the rules) and measures against the
 * labels. The model, when given, is only read.
 */
export function evaluate(
  items: readonly QualifyItem[],
  rules: QualificationRules,
  model: QualificationModel | null = null,
  deadlines: LevelDeadlines = new Map(),
): Evaluation {
  qualify({ subject: '', text: '', from: null }, rules, model);
  const results: ItemResult[] = [];
  for (const item of items) {
    results.push(qualifyTimed(item, rules, model));
  }
  return measure(results, deadlines);
}

function measure(results: readonly ItemResult[], deadlines: LevelDeadlines): Evaluation {
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
  const withLevel = results.filter((r) => r.item.expected?.level !== undefined);
  let promises: Promises | null = null;
  if (withLevel.length > 0) {
    const counts = { later: 0, earlier: 0, same: 0 };
    for (const r of withLevel) {
      const owed = deadlines.get(Number(r.item.expected!.level)) ?? Number(r.item.expected!.level);
      const promised = deadlines.get(r.qualification.acknowledgementLevel) ?? r.qualification.acknowledgementLevel;
      if (promised > owed) counts.later++;
      else if (promised < owed) counts.earlier++;
      else counts.same++;
    }
    promises = counts;
  }
  const ms = results.map((r) => r.ms);
  return {
    results,
    accuracy,
    confusion,
    nonReceivableRecall: {
      found: nonReceivable.filter((r) => !r.qualification.receivable).length,
      total: nonReceivable.length,
    },
    promises,
    msPerMail: ms.length > 0 ? ms.reduce((a, b) => a + b, 0) / ms.length : 0,
    msMax: ms.length > 0 ? Math.max(...ms) : 0,
    lowConfidence: results.filter((r) => r.qualification.lowConfidence).length,
  };
}

export interface OnlineEvaluation {
  readonly evaluation: Evaluation;
  /** The stream cut in tenths (fewer when it has fewer than ten mails), in order. */
  readonly tenths: readonly OnlineSlice[];
  readonly firstHalf: OnlineSlice;
  readonly secondHalf: OnlineSlice;
  /** Fields whose accuracy makes the mean: labelled, and with more than one possible value in the procedure. */
  readonly fields: readonly EvaluatedField[];
}

export interface OnlineSlice {
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
  readonly accuracy: Partial<Record<EvaluatedField, number>>;
  /** Mean of the fields' accuracies (0–1). */
  readonly mean: number;
}

function qualifyTimed(item: QualifyItem, rules: QualificationRules, model: QualificationModel | null): ItemResult {
  const started = performance.now();
  const qualification = qualify(item.input, rules, model);
  return { item, qualification, ms: performance.now() - started };
}

/**
 * The stream test: qualify each item with the model as it stands, then teach it the item's labels
 * as a settled ticket — as if staff had settled every mail before the next one arrived.
 * The model is changed in place.
 */
export function evaluateOnline(
  items: readonly QualifyItem[],
  rules: QualificationRules,
  model: QualificationModel,
  procedure: CorpusProcedure,
  deadlines: LevelDeadlines = new Map(),
): OnlineEvaluation {
  qualify({ subject: '', text: '', from: null }, rules, model);
  const results: ItemResult[] = [];
  for (const item of items) {
    results.push(qualifyTimed(item, rules, model));
    learnExample(model, modelDocumentOf(item.input, rules), procedureLabels(item.expected ?? {}, procedure), 'ticket');
  }
  const choices: Record<EvaluatedField, number> = {
    category: procedure.categories.length,
    level: procedure.levels.length,
    requester: 2,
    receivable: 2,
  };
  const fields = EVALUATED_FIELDS.filter(
    (f) => choices[f] > 1 && results.some((r) => r.item.expected?.[f] !== undefined),
  );
  const slice = (from: number, to: number): OnlineSlice => {
    const part = results.slice(from, to);
    const accuracy: Partial<Record<EvaluatedField, number>> = {};
    for (const f of fields) {
      const labelled = part.filter((r) => r.item.expected?.[f] !== undefined);
      if (labelled.length > 0)
        accuracy[f] =
          labelled.filter((r) => qualifiedValue(r.qualification, f) === r.item.expected![f]).length / labelled.length;
    }
    const values = Object.values(accuracy);
    return { from, to, accuracy, mean: values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : 0 };
  };
  const n = results.length;
  const parts = Math.min(10, n);
  const tenths = [...Array(parts).keys()].map((k) =>
    slice(Math.round((k * n) / parts), Math.round(((k + 1) * n) / parts)),
  );
  const half = Math.floor(n / 2);
  return {
    evaluation: measure(results, deadlines),
    tenths,
    firstHalf: slice(0, half),
    secondHalf: slice(half, n),
    fields,
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
      'qualify complaints from .eml, .txt or .jsonl files ' +
        '(category, level, requester, receivability, typology) and, with labels, measure accuracy',
    )
    .argument(
      '[files...]',
      '.eml (a raw mail), mbox (each of its mails), .txt (a text; --subject and --from optional) ' +
        'or .jsonl (one mail per line, labels optional)',
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
    .option('--frozen', 'keep only the items of the frozen split of datasets/qualification (the yardstick)')
    .option('--no-model', 'rules only: no learned model')
    .option(
      '--no-corpus',
      'the model starts empty instead of from the shipped corpus (with --online: it learns from the stream alone)',
    )
    .option('--online', 'stream test: qualify each mail, then learn its labels; accuracy by tenths of the stream')
    .option('--shuffle <seed>', 'qualify the items in a seeded random order (a number)')
    .option(
      '--print-rules',
      'print the rules in force (built-in defaults merged with the configuration) as YAML, and stop',
    )
    .action(async (files: string[], options: QualifyOptions) => {
      const out = process.stdout;
      const configPath = program.opts<{ config?: string }>().config;
      const { rules, set, source, procedure } = await loadRules(configPath);
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
      if (options.shuffle !== undefined && !/^\d+$/.test(options.shuffle)) {
        process.stderr.write('reclam qualify: --shuffle takes a whole number (the seed)\n');
        return setExitCode(2);
      }
      let items: QualifyItem[] = [];
      for (const file of files) items.push(...(await readItems(file, options)));
      if (options.only) items = items.filter((item) => idParity(item.id) === options.only);
      const corpus = await readShippedCorpus();
      if (options.frozen) items = items.filter((item) => corpus.frozen.has(item.id));
      if (options.shuffle !== undefined) items = shuffled(items, Number(options.shuffle));
      const useModel = options.model !== false && rules.learning.enabled;
      // Never measured on what it learned: the items qualified here are left out of its training.
      const qualified = new Set(items.map((item) => item.id));
      const training =
        useModel && options.corpus !== false
          ? corpusFor(corpus.items, procedure, corpus.frozen).filter((item) => !qualified.has(item.id))
          : [];
      const model = useModel ? createModel({ ticketWeight: rules.learning.ticketWeight }) : null;
      if (model)
        for (const item of training) learnExample(model, modelDocumentOf(item.input, rules), item.labels, 'corpus');
      const corpusNote = options.corpus === false ? ' (--no-corpus)' : ', none of those qualified here';
      const modelSource = !model
        ? 'no model (rules only)'
        : `model trained on ${training.length} corpus item(s)${corpusNote}`;
      const deadlines = levelDeadlines(procedure.levels);
      if (options.online) {
        if (!model) {
          process.stderr.write(
            'reclam qualify: --online needs the model (drop --no-model; learning.enabled must be true)\n',
          );
          return setExitCode(2);
        }
        const online = evaluateOnline(items, rules, model, procedure, deadlines);
        out.write(formatOnlineReport(online, { source, modelSource }));
        return setExitCode(0);
      }
      const evaluation = evaluate(items, rules, model, deadlines);
      if (options.json) {
        for (const r of evaluation.results)
          out.write(`${JSON.stringify({ id: r.item.id, ...r.qualification, ms: round(r.ms, 3) })}\n`);
        return setExitCode(0);
      }
      out.write(formatReport(evaluation, { evidence: Boolean(options.evidence), source: `${source}; ${modelSource}` }));
      setExitCode(0);
    });
}

interface QualifyOptions {
  subject: string;
  from?: string;
  evidence?: boolean;
  json?: boolean;
  only?: 'even' | 'odd';
  frozen?: boolean;
  model?: boolean;
  corpus?: boolean;
  online?: boolean;
  shuffle?: string;
  printRules?: boolean;
}

/** A seeded Fisher–Yates shuffle (mulberry32), so a stream order can be repeated. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Procedure = CorpusProcedure & { readonly levels: readonly { level: number; resolveWithin: Duration }[] };

export async function loadRules(
  configPath: string | undefined,
): Promise<{ rules: QualificationRules; set: QualificationRuleSet; source: string; procedure: Procedure }> {
  if (!configPath) {
    return {
      rules: buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE),
      set: DEFAULT_QUALIFICATION_RULES,
      source: 'built-in defaults, six SPST categories',
      procedure: DEFAULT_PROCEDURE,
    };
  }
  const path = resolve(configPath);
  const text = await readFile(path, 'utf8');
  // Nothing is connected here: unset ${VAR} (passwords, hosts) must not stop a dry run.
  const env = new Proxy({ ...process.env } as Record<string, string | undefined>, {
    get: (target, name) =>
      typeof name === 'string'
        ? target[name] || (name.endsWith('_URL') ? 'postgres://unset-for-qualify.invalid/reclam' : 'unset-for-qualify')
        : undefined,
  });
  const { config } = loadConfig(text, env, path);
  return {
    rules: resolveQualificationRules(config),
    set: mergeQualificationRules(config.qualification),
    source: path,
    procedure: config,
  };
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
    const confidence = `${String(Math.round(q.confidence * 100)).padStart(3)} %`;
    const toConfirm = q.lowConfidence ? ' (à confirmer)' : '';
    const mistakes = wrong.map((f) => `${f} ${qualifiedValue(q, f)}≠${r.item.expected![f]}`).join(', ');
    const mistakesNote = wrong.length > 0 ? `   ${mistakes}` : '';
    lines.push(
      `${mark} ${r.item.id.padEnd(10)} ${String(q.category ?? '∅').padEnd(14)} niveau ${q.level}  ` +
        `${String(q.requester ?? '∅').padEnd(8)} ` +
        `${q.receivable ? 'recevable    ' : 'non recevable'} ${String(q.typology ?? '-').padEnd(20)} ` +
        `confiance ${confidence}${toConfirm}${mistakesNote}`,
    );
    if (options.evidence) for (const e of q.evidence) lines.push(`      ${e}`);
  }
  lines.push(
    '',
    `${evaluation.results.length} mail(s), ${timing(evaluation)}; ${evaluation.lowConfidence} with low confidence`,
  );
  if (!labelled) return `${lines.join('\n')}\n`;

  lines.push('', 'accuracy per field:');
  lines.push(...formatAccuracy(evaluation));
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
    const mistakes = wrong.map(
      (f) => `${f}: qualified ${qualifiedValue(r.qualification, f)}, expected ${r.item.expected![f]}`,
    );
    lines.push(`  ${r.item.id} — ${r.item.input.subject}`, `    ${mistakes.join('; ')}`);
    if (!options.evidence) for (const e of r.qualification.evidence) lines.push(`      ${e}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatPromises(evaluation: Evaluation): string[] {
  const p = evaluation.promises;
  if (!p) return [];
  const total = p.later + p.earlier + p.same;
  return [
    '',
    'acknowledgements (level applied at reception, low-confidence policy in force) against the true level:',
    `  later deadline than owed (a broken promise) ${pct(p.later, total).padStart(7)}  (${p.later}/${total})`,
    `  earlier deadline than owed                  ${pct(p.earlier, total).padStart(7)}  (${p.earlier}/${total})`,
    `  the deadline owed                           ${pct(p.same, total).padStart(7)}  (${p.same}/${total})`,
  ];
}

/** The stream test's report: accuracy by tenths of the stream, the two halves, then the usual measures. */
export function formatOnlineReport(
  online: OnlineEvaluation,
  options: { readonly source: string; readonly modelSource: string },
): string {
  const { fields, tenths, firstHalf, secondHalf, evaluation } = online;
  const n = evaluation.results.length;
  const cell = (slice: OnlineSlice, f: EvaluatedField) =>
    (slice.accuracy[f] === undefined ? '—' : `${(100 * slice.accuracy[f]!).toFixed(1)} %`).padStart(11);
  const row = (label: string, slice: OnlineSlice) => {
    const mean = `${(100 * slice.mean).toFixed(1)} %`;
    return `  ${label.padEnd(14)}${fields.map((f) => cell(slice, f)).join('')}${mean.padStart(9)}`;
  };
  const gain = (secondHalf.mean - firstHalf.mean) * 100;
  const lines = [
    `rules: ${options.source}`,
    `online: each mail is qualified, then its labels are learned (${n} mails; ${options.modelSource})`,
    '',
    `  ${'mails'.padEnd(14)}${fields.map((f) => f.padStart(11)).join('')}${'mean'.padStart(9)}`,
    ...tenths.map((t, k) => row(`${k + 1}/${tenths.length}: ${t.from + 1}–${t.to}`, t)),
    '',
    row(`1st half`, firstHalf),
    row(`2nd half`, secondHalf),
    `  second half − first half: ${gain >= 0 ? '+' : ''}${gain.toFixed(1)} points (mean of ${fields.join(', ')})`,
    '',
    'over the whole stream:',
  ];
  lines.push(...formatAccuracy(evaluation));
  lines.push('', `${timing(evaluation)}, learning included`);
  return `${lines.join('\n')}\n`;
}

/** Accuracy per field, the non-receivable recall and what the acknowledgements would promise. */
function formatAccuracy(evaluation: Evaluation): string[] {
  const lines: string[] = [];
  for (const field of EVALUATED_FIELDS) {
    const a = evaluation.accuracy[field];
    if (a) lines.push(`  ${field.padEnd(11)} ${pct(a.correct, a.total).padStart(7)}  (${a.correct}/${a.total})`);
  }
  const recall = evaluation.nonReceivableRecall;
  if (recall.total > 0)
    lines.push(`  non-receivable recall ${pct(recall.found, recall.total)}  (${recall.found}/${recall.total})`);
  lines.push(...formatPromises(evaluation));
  return lines;
}

/** `N ms per mail on average (max M ms)`. */
function timing(evaluation: Evaluation): string {
  return `${round(evaluation.msPerMail, 3)} ms per mail on average (max ${round(evaluation.msMax, 2)} ms)`;
}

function formatMatrix(matrix: Map<string, Map<string, number>>): string[] {
  const values = [...new Set([...matrix.keys(), ...[...matrix.values()].flatMap((row) => [...row.keys()])])].sort();
  const width = Math.max(6, ...values.map((v) => v.length)) + 1;
  const header = `  ${''.padEnd(width)}${values.map((v) => v.padStart(width)).join('')}`;
  const rows = values
    .filter((expected) => matrix.has(expected))
    .map((expected) => {
      const counts = values.map((got) => String(matrix.get(expected)?.get(got) ?? '.').padStart(width));
      return `  ${expected.padEnd(width)}${counts.join('')}`;
    });
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
