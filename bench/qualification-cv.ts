// Cross-validation of the shipped qualifier (rules + model) on the TRAINING part of the corpus
// only — never the frozen split: 5 folds seeded by id, and « writer-out » folds (train on the
// other writers' files, test on one file's training items). What the rules, blend shares and
// acknowledgement floor are chosen on (datasets/qualification/MODEL.md).
// Run: node --import tsx bench/qualification-cv.ts [--grid] [--errors]
import { readShippedCorpus } from '../src/adapters/qualification-corpus-files.js';
import {
  EVALUATED_FIELDS,
  evaluate,
  levelDeadlines,
  type Evaluation,
  type QualifyItem,
} from '../src/cli/qualify-command.js';
import { BLEND, modelDocumentOf } from '../src/domain/qualification.js';
import { corpusFor, type CorpusItem } from '../src/domain/qualification-corpus.js';
import { createModel, learnExample } from '../src/domain/qualification-model.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
  mergeQualificationRules,
  type QualificationRules,
} from '../src/domain/qualification-rules.js';

/** Model options tried instead of the shipped ones (CV_MODEL='{"lengthPower":0.5}'). */
const modelOptions = JSON.parse(process.env.CV_MODEL ?? '{}') as Record<string, number>;

export interface CvFigures {
  readonly accuracy: Record<string, number>;
  readonly nonReceivableFound: number;
  readonly later: number;
  readonly earlier: number;
  readonly items: number;
  readonly msPerMail: number;
}

function hash(id: string): number {
  let h = 2166136261;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

function asItem(item: CorpusItem): QualifyItem {
  const { typology: _t, ...expected } = item.labels;
  return { id: item.id, input: item.input, expected };
}

/** Evaluations of every fold, pooled: each training item qualified once by a model that never saw it. */
export function crossValidate(
  training: readonly CorpusItem[],
  rules: QualificationRules,
  foldOf: (item: CorpusItem) => string,
): { figures: CvFigures; evaluations: Evaluation[] } {
  const folds = [...new Set(training.map(foldOf))].sort();
  const deadlines = levelDeadlines(DEFAULT_PROCEDURE.levels);
  const evaluations: Evaluation[] = [];
  for (const fold of folds) {
    const model = createModel({ ticketWeight: rules.learning.ticketWeight, ...modelOptions });
    for (const item of training)
      if (foldOf(item) !== fold) learnExample(model, modelDocumentOf(item.input, rules), item.labels, 'corpus');
    const test = training.filter((item) => foldOf(item) === fold).map(asItem);
    evaluations.push(evaluate(test, rules, rules.learning.enabled ? model : null, deadlines));
  }
  const sum = (f: (e: Evaluation) => number) => evaluations.reduce((s, e) => s + f(e), 0);
  const items = sum((e) => e.results.length);
  const accuracy: Record<string, number> = {};
  for (const field of EVALUATED_FIELDS)
    accuracy[field] = sum((e) => e.accuracy[field]?.correct ?? 0) / sum((e) => e.accuracy[field]?.total ?? 0);
  return {
    figures: {
      accuracy,
      nonReceivableFound: sum((e) => e.nonReceivableRecall.found) / sum((e) => e.nonReceivableRecall.total),
      later: sum((e) => e.promises?.later ?? 0) / items,
      earlier: sum((e) => e.promises?.earlier ?? 0) / items,
      items,
      msPerMail: sum((e) => e.msPerMail * e.results.length) / items,
    },
    evaluations,
  };
}

export const fiveFold = (item: CorpusItem) => String(hash(item.id) % 5);
export const writerOut = (item: CorpusItem) => item.file;

export function formatFigures(f: CvFigures): string {
  const p = (x: number) => (100 * x).toFixed(1);
  return `category ${p(f.accuracy.category!)}  level ${p(f.accuracy.level!)}  requester ${p(f.accuracy.requester!)}  receivable ${p(f.accuracy.receivable!)}  non-receivable found ${p(f.nonReceivableFound)}  later ${p(f.later)}  earlier ${p(f.earlier)}  (${f.items} items, ${f.msPerMail.toFixed(2)} ms/mail)`;
}

async function main(): Promise<void> {
  const corpus = await readShippedCorpus();
  const training = corpusFor(corpus.items, DEFAULT_PROCEDURE, corpus.frozen);
  if (training.some((item) => corpus.frozen.has(item.id))) throw new Error('a frozen item in the training part');
  // Blend shares and rules overrides tried instead of the shipped ones (CV_SHARE='{"category":0.3}',
  // CV_RULES='{"lowConfidence":{"cautiousFloor":0.2}}').
  Object.assign(BLEND.share, JSON.parse(process.env.CV_SHARE ?? '{}'));
  Object.assign(BLEND, JSON.parse(process.env.CV_BLEND ?? '{}'));
  Object.assign(BLEND.logistic, JSON.parse(process.env.CV_LOGISTIC ?? '{}'));
  const rules = process.env.CV_RULES
    ? buildQualificationRules(mergeQualificationRules(JSON.parse(process.env.CV_RULES)), DEFAULT_PROCEDURE)
    : buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
  const args = new Set(process.argv.slice(2));
  console.log(`training part: ${training.length} SPST items (frozen split left out)`);
  const five = crossValidate(training, rules, fiveFold);
  console.log(`5-fold      ${formatFigures(five.figures)}`);
  const writers = crossValidate(training, rules, writerOut);
  console.log(`writer-out  ${formatFigures(writers.figures)}`);
  const rulesOnly = crossValidate(
    training,
    buildQualificationRules(mergeQualificationRules({ learning: { enabled: false } }), DEFAULT_PROCEDURE),
    fiveFold,
  );
  console.log(`rules alone ${formatFigures(rulesOnly.figures)}`);
  if (args.has('--grid')) {
    // One field's share at a time, the others as shipped (coordinate search on the training part).
    const share = BLEND.share as Record<string, number>;
    for (const field of ['category', 'level', 'requester', 'receivable']) {
      const shipped = share[field]!;
      for (const value of [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8]) {
        share[field] = value;
        console.log(
          `${field} share ${value}: 5-fold ${formatFigures(crossValidate(training, rules, fiveFold).figures)}`,
        );
        console.log(
          `${' '.repeat(field.length)} share ${value}: writers ${formatFigures(crossValidate(training, rules, writerOut).figures)}`,
        );
      }
      share[field] = shipped;
    }
  }
  if (args.has('--errors')) {
    for (const e of five.evaluations)
      for (const r of e.results) {
        const wrong = EVALUATED_FIELDS.filter(
          (f) => r.item.expected?.[f] !== undefined && String(r.qualification[f]) !== r.item.expected[f],
        );
        if (wrong.length > 0)
          console.log(
            `${r.item.id} ${wrong.map((f) => `${f}: ${r.item.expected![f]}→${String(r.qualification[f])}`).join(', ')}  | ${r.item.input.subject}`,
          );
      }
  }
}

if (process.argv[1]?.endsWith('qualification-cv.ts')) await main();
