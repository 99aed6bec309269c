// The `--online` stream test under several settled-ticket weights and stream orders, on the
// development set of ../shared/data and on « writer-out » streams of the TRAINING part of the
// corpus (one writer's training items streamed, the model trained on the other writers'); never
// the frozen split. Each stream is also qualified with the model frozen at its corpus training
// (no ticket learned), in the same order: the difference between the halves that the order alone
// makes, against which the learning is judged (datasets/qualification/MODEL.md).
// Run: node --import tsx bench/qualification-online.ts [--weights 1,3,10] [--seeds 1,2,3,4,5] [--dev FILE]
import { readFile } from 'node:fs/promises';
import { readShippedCorpus } from '../src/adapters/qualification-corpus-files.js';
import {
  EVALUATED_FIELDS,
  evaluateOnline,
  levelDeadlines,
  parseJsonLines,
  qualifiedValue,
  shuffled,
  type QualifyItem,
} from '../src/cli/qualify-command.js';
import { modelDocumentOf, qualify } from '../src/domain/qualification.js';
import { corpusFor, type CorpusItem } from '../src/domain/qualification-corpus.js';
import { createModel, learnExample } from '../src/domain/qualification-model.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
  type QualificationRules,
} from '../src/domain/qualification-rules.js';

const DEV_SET = new URL('../../shared/data/qualification-dev.jsonl', import.meta.url);

function asItem(item: CorpusItem): QualifyItem {
  const { typology: _t, ...expected } = item.labels;
  return { id: item.id, input: item.input, expected };
}

/** Share of the four fields right, per item, in stream order. */
type Scores = readonly number[];

const mean = (xs: readonly number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const halves = (s: Scores) => {
  const h = Math.floor(s.length / 2);
  return { first: 100 * mean(s.slice(0, h)), second: 100 * mean(s.slice(h)) };
};

function itemScore(item: QualifyItem, value: (field: (typeof EVALUATED_FIELDS)[number]) => string): number {
  const fields = EVALUATED_FIELDS.filter((f) => item.expected?.[f] !== undefined);
  return fields.filter((f) => value(f) === item.expected![f]).length / Math.max(1, fields.length);
}

function trained(training: readonly CorpusItem[], rules: QualificationRules, ticketWeight: number) {
  const model = createModel({ ticketWeight });
  for (const item of training) learnExample(model, modelDocumentOf(item.input, rules), item.labels, 'corpus');
  return model;
}

/** Per item of the stream: with the model learning each item after qualifying it, and without. */
function run(
  stream: readonly QualifyItem[],
  training: readonly CorpusItem[],
  rules: QualificationRules,
  ticketWeight: number,
): { online: Scores; frozen: Scores } {
  const model = trained(training, rules, ticketWeight);
  const online = evaluateOnline(stream, rules, model, DEFAULT_PROCEDURE, levelDeadlines(DEFAULT_PROCEDURE.levels));
  const fixed = trained(training, rules, ticketWeight);
  return {
    online: online.evaluation.results.map((r) => itemScore(r.item, (f) => qualifiedValue(r.qualification, f))),
    frozen: stream.map((item) => {
      const q = qualify(item.input, rules, fixed);
      return itemScore(item, (f) => qualifiedValue(q, f));
    }),
  };
}

const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const at = args.indexOf(name);
    return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
  };
  const weights = option('--weights', '0.5,1,2,3,5,10').split(',').map(Number);
  const seeds = option('--seeds', '1,2,3,4,5').split(',').map(Number);
  const devPath = option('--dev', DEV_SET.pathname);
  const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
  const corpus = await readShippedCorpus();
  const training = corpusFor(corpus.items, DEFAULT_PROCEDURE, corpus.frozen);
  if (training.some((item) => corpus.frozen.has(item.id))) throw new Error('a frozen item in the training part');
  const dev = parseJsonLines(await readFile(devPath, 'utf8'), devPath);
  const devIds = new Set(dev.map((item) => item.id));
  const streams: { name: string; items: QualifyItem[]; training: CorpusItem[] }[] = [
    { name: 'dev set', items: dev, training: training.filter((item) => !devIds.has(item.id)) },
    ...[...new Set(training.map((item) => item.file))].sort().map((file) => ({
      name: `writer-out ${file}`,
      items: training.filter((item) => item.file === file).map(asItem),
      training: training.filter((item) => item.file !== file),
    })),
  ];
  console.log(
    'second half − first half (points, mean of the four fields), per stream order; « order alone »: the same stream with no ticket learned; « learning »: second half online − second half with no ticket learned',
  );
  for (const stream of streams) {
    console.log(`\n${stream.name} (${stream.items.length} mails, model trained on ${stream.training.length})`);
    for (const weight of weights) {
      const gains: number[] = [];
      const orderAlone: number[] = [];
      const learning: number[] = [];
      for (const seed of seeds) {
        const { online, frozen } = run(shuffled(stream.items, seed), stream.training, rules, weight);
        const o = halves(online);
        const f = halves(frozen);
        gains.push(o.second - o.first);
        orderAlone.push(f.second - f.first);
        learning.push(o.second - f.second);
      }
      console.log(
        `  ticketWeight ${String(weight).padEnd(4)} gain ${sign(mean(gains))} [${gains.map(sign).join(' ')}]  order alone ${sign(mean(orderAlone))}  learning ${sign(mean(learning))} [${learning.map(sign).join(' ')}]`,
      );
    }
  }
}

if (process.argv[1]?.endsWith('qualification-online.ts')) await main();
