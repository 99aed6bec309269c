// The qualifier as shipped (rules + model, `qualify`), measured on data that is not the frozen
// split: writer-out folds of the corpus's training part (SPST writers a, b, c) and the development
// set of ../shared/data (writer d), plus the online stream of each held-out writer. Development
// tool: the blend's parameters are given on the command line (JSON), nothing here is shipped.
//   node --import tsx scripts/qualification-tune.ts '{"share":{"category":0.15}}'
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readShippedCorpus } from '../src/adapters/qualification-corpus-files.js';
import { evaluate, evaluateOnline, levelDeadlines, type QualifyItem } from '../src/cli/qualify-command.js';
import { BLEND, modelDocumentOf } from '../src/domain/qualification.js';
import { corpusFor, parseCorpusFile, type CorpusItem } from '../src/domain/qualification-corpus.js';
import { createModel, learnExample, type ModelOptions } from '../src/domain/qualification-model.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
} from '../src/domain/qualification-rules.js';
import { shuffled } from '../src/cli/qualify-command.js';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  share?: Record<string, number>;
  rampExamples?: number;
  receivableDefault?: number;
  model?: Partial<ModelOptions>;
  online?: boolean;
  floor?: number;
  writers?: string[];
};
Object.assign(BLEND.share, args.share ?? {});
if (args.rampExamples !== undefined) (BLEND as { rampExamples: number }).rampExamples = args.rampExamples;
if (args.receivableDefault !== undefined) (BLEND as { receivableDefault: number }).receivableDefault = args.receivableDefault;
const set = {
  ...DEFAULT_QUALIFICATION_RULES,
  lowConfidence: { ...DEFAULT_QUALIFICATION_RULES.lowConfidence, cautiousFloor: args.floor ?? 0.15 },
};
const rules = buildQualificationRules(set, DEFAULT_PROCEDURE);
const corpus = await readShippedCorpus();
const train = corpusFor(corpus.items, DEFAULT_PROCEDURE, corpus.frozen).filter((i) => i.file.startsWith('spst'));
const dev = parseCorpusFile('dev.jsonl', readFileSync(resolve('../shared/data/qualification-dev.jsonl'), 'utf8'));
const all: CorpusItem[] = [...train, ...dev];
const writer = (i: CorpusItem) => (i.file === 'dev.jsonl' ? 'd' : i.id[0]!);
const asItem = (i: CorpusItem): QualifyItem => ({ id: i.id, input: i.input, expected: i.labels as QualifyItem['expected'] });
const deadlines = levelDeadlines(DEFAULT_PROCEDURE.levels);

const rows: string[] = [];
const totals = { n: 0, category: 0, level: 0, requester: 0, receivable: 0, nr: 0, nrTotal: 0, later: 0, earlier: 0 };
const onlineRows: string[] = [];
for (const w of args.writers ?? ['a', 'b', 'c', 'd']) {
  const model = createModel(args.model ?? {});
  for (const i of all.filter((i) => writer(i) !== w && writer(i) !== 'd'))
    learnExample(model, modelDocumentOf(i.input, rules), i.labels, 'corpus');
  const items = all.filter((i) => writer(i) === w).map(asItem);
  if (args.online) {
    // Several seeded orders; the gain is the second half with learning against the same items
    // qualified by the model as it was before the stream (no learning), and the half difference.
    const halves: number[] = [];
    const gains: number[] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      const fresh = createModel(args.model ?? {});
      for (const i of all.filter((i) => writer(i) !== w && writer(i) !== 'd'))
        learnExample(fresh, modelDocumentOf(i.input, rules), i.labels, 'corpus');
      const stream = shuffled(items, seed);
      const o = evaluateOnline(stream, rules, fresh, DEFAULT_PROCEDURE, deadlines);
      const second = stream.slice(Math.floor(stream.length / 2));
      const fixed = evaluate(second, rules, model, deadlines);
      const fixedMean =
        (['category', 'level', 'requester', 'receivable'] as const)
          .map((f) => fixed.accuracy[f]!.correct / second.length)
          .reduce((a, b) => a + b, 0) / 4;
      halves.push(o.secondHalf.mean - o.firstHalf.mean);
      gains.push(o.secondHalf.mean - fixedMean);
    }
    const mean = (xs: number[]) => (100 * xs.reduce((a, b) => a + b, 0)) / xs.length;
    onlineRows.push(
      `${w}: halves Δ ${halves.map((x) => (100 * x).toFixed(1)).join(' ')} (mean ${mean(halves).toFixed(1)}); 2nd half learning − not learning ${gains.map((x) => (100 * x).toFixed(1)).join(' ')} (mean ${mean(gains).toFixed(1)})`,
    );
    continue;
  }
  const e = evaluate(items, rules, model, deadlines);
  const acc = (f: 'category' | 'level' | 'requester' | 'receivable') => e.accuracy[f]!.correct;
  rows.push(
    `${w} (${items.length}): ${(['category', 'level', 'requester', 'receivable'] as const).map((f) => `${f} ${((100 * acc(f)) / items.length).toFixed(1)}`).join('  ')}  nr ${e.nonReceivableRecall.found}/${e.nonReceivableRecall.total}  later ${e.promises!.later} earlier ${e.promises!.earlier}  ${e.msPerMail.toFixed(2)} ms`,
  );
  if (w !== 'd') {
    totals.n += items.length;
    for (const f of ['category', 'level', 'requester', 'receivable'] as const) totals[f] += acc(f);
    totals.nr += e.nonReceivableRecall.found;
    totals.nrTotal += e.nonReceivableRecall.total;
    totals.later += e.promises!.later;
    totals.earlier += e.promises!.earlier;
  }
}
if (args.online) console.log(onlineRows.join('\n'));
else {
  console.log(rows.join('\n'));
  const p = (x: number, n = totals.n) => ((100 * x) / n).toFixed(1);
  console.log(
    `abc writer-out: category ${p(totals.category)} level ${p(totals.level)} requester ${p(totals.requester)} receivable ${p(totals.receivable)} nr ${p(totals.nr, totals.nrTotal)} later ${p(totals.later)} earlier ${p(totals.earlier)}`,
  );
}
