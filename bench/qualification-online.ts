// The `--online` stream test under several settled-ticket weights and stream orders, on the
// development set of ../shared/data and on « writer-out » streams of the TRAINING part of the
// corpus (one writer's training items streamed, the model trained on the other writers'); never
// the frozen split. Each stream is also qualified with the model frozen at its corpus training
// (no ticket learned), in the same order: the difference between the halves that the order alone
// makes, against which the learning is judged (datasets/qualification/MODEL.md).
// With --stream FILE (and --config FILE for its organisation): that stream alone, the model trained
// on the whole training part for the configuration (a stream the corpus does not hold, e.g.
// datasets/qualification/streams/qualiopi-contact.jsonl with examples/formation-qualiopi.yaml).
// Run: node --import tsx bench/qualification-online.ts [--weights 1,3,10] [--seeds 1,2,3,4,5] [--dev FILE]
//      node --import tsx bench/qualification-online.ts --config examples/formation-qualiopi.yaml \
//        --stream datasets/qualification/streams/qualiopi-contact.jsonl
import { readFile } from 'node:fs/promises';
import { readShippedCorpus } from '../src/adapters/qualification-corpus-files.js';
import {
  EVALUATED_FIELDS,
  evaluateOnline,
  levelDeadlines,
  loadRules,
  parseJsonLines,
  qualifiedValue,
  shuffled,
  type QualifyItem,
} from '../src/cli/qualify-command.js';
import { BLEND, modelDocumentOf, qualify } from '../src/domain/qualification.js';
import { corpusFor, type CorpusItem } from '../src/domain/qualification-corpus.js';
import { createModel, LOCAL_GRAMS, learnExample } from '../src/domain/qualification-model.js';
import type { QualificationRules } from '../src/domain/qualification-rules.js';

type Procedure = Awaited<ReturnType<typeof loadRules>>['procedure'];

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

type Field = (typeof EVALUATED_FIELDS)[number];
/** The fields the --online report averages: those with more than one value configured. */
let scoredFields: readonly Field[] = EVALUATED_FIELDS;

function itemScore(item: QualifyItem, value: (field: Field) => string): number {
  const fields = scoredFields.filter((f) => item.expected?.[f] !== undefined);
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
  procedure: Procedure,
): { online: Scores; frozen: Scores; ms: number } {
  const model = trained(training, rules, ticketWeight);
  const online = evaluateOnline(stream, rules, model, procedure, levelDeadlines(procedure.levels));
  const fixed = trained(training, rules, ticketWeight);
  return {
    online: online.evaluation.results.map((r) => itemScore(r.item, (f) => qualifiedValue(r.qualification, f))),
    ms: online.evaluation.results.reduce((sum, r) => sum + r.ms, 0) / Math.max(1, stream.length),
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
  // The local model's say (BLEND.local, category and typology / requester and receivable), to compare.
  const locals = option('--local', '').split(',').filter(Boolean);
  LOCAL_GRAMS.use = args.includes('--local-grams');
  const ramps = option('--local-ramp', '').split(',').filter(Boolean).map(Number);
  const settings: { label: string; apply: () => void }[] = [];
  const blend = BLEND as { local: Record<string, number>; localRampTickets: number };
  const shipped = {
    category: blend.local.category!,
    receivable: blend.local.receivable!,
    ramp: blend.localRampTickets,
  };
  for (const local of locals.length > 0 ? locals : ['']) {
    for (const ramp of ramps.length > 0 ? ramps : [shipped.ramp]) {
      const [c, o] = local ? local.split('/').map(Number) : [shipped.category, shipped.receivable];
      settings.push({
        label: local ? `local ${local} ramp ${ramp} ` : '',
        apply: () => {
          blend.local = { category: c!, typology: c!, level: c!, requester: o ?? c!, receivable: o ?? c! };
          blend.localRampTickets = ramp;
        },
      });
    }
  }
  const seeds = option('--seeds', '1,2,3,4,5').split(',').map(Number);
  const devPath = option('--dev', DEV_SET.pathname);
  const streamPath = option('--stream', '');
  const { rules, procedure } = await loadRules(option('--config', '') || undefined);
  scoredFields = EVALUATED_FIELDS.filter((f) => f !== 'level' || procedure.levels.length > 1);
  if (procedure.categories.length < 2) scoredFields = scoredFields.filter((f) => f !== 'category');
  const corpus = await readShippedCorpus();
  const training = corpusFor(corpus.items, procedure, corpus.frozen);
  if (training.some((item) => corpus.frozen.has(item.id))) throw new Error('a frozen item in the training part');
  const read = async (path: string) => parseJsonLines(await readFile(path, 'utf8'), path);
  const streams: { name: string; items: QualifyItem[]; training: CorpusItem[] }[] = [];
  if (streamPath) {
    const items = await read(streamPath);
    const ids = new Set(items.map((item) => item.id));
    streams.push({ name: streamPath, items, training: training.filter((item) => !ids.has(item.id)) });
  } else {
    const dev = await read(devPath);
    const devIds = new Set(dev.map((item) => item.id));
    streams.push(
      { name: 'dev set', items: dev, training: training.filter((item) => !devIds.has(item.id)) },
      ...[...new Set(training.map((item) => item.file))].sort().map((file) => ({
        name: `writer-out ${file}`,
        items: training.filter((item) => item.file === file).map(asItem),
        training: training.filter((item) => item.file !== file),
      })),
    );
  }
  console.log(
    `second half − first half (points, mean of ${scoredFields.join(', ')}), per stream order; « order alone »: the same stream with no ticket learned; « learning »: second half online − second half with no ticket learned`,
  );
  for (const stream of streams) {
    console.log(`\n${stream.name} (${stream.items.length} mails, model trained on ${stream.training.length})`);
    for (const setting of settings)
      for (const weight of weights) {
        setting.apply();
        const gains: number[] = [];
        const orderAlone: number[] = [];
        const learning: number[] = [];
        const ms: number[] = [];
        for (const seed of seeds) {
          const {
            online,
            frozen,
            ms: perMail,
          } = run(shuffled(stream.items, seed), stream.training, rules, weight, procedure);
          ms.push(perMail);
          const o = halves(online);
          const f = halves(frozen);
          gains.push(o.second - o.first);
          orderAlone.push(f.second - f.first);
          learning.push(o.second - f.second);
        }
        console.log(
          `  ${setting.label}ticketWeight ${String(weight).padEnd(4)} gain ${sign(mean(gains))} (min ${sign(Math.min(...gains))}) [${gains.map(sign).join(' ')}]  order alone ${sign(mean(orderAlone))}  learning ${sign(mean(learning))} [${learning.map(sign).join(' ')}]  ${mean(ms).toFixed(2)} ms/mail (learning included)`,
        );
      }
  }
}

if (process.argv[1]?.endsWith('qualification-online.ts')) await main();
