// Measures candidate learners for the qualification model (development only; not shipped).
// Data: the training part of datasets/qualification (SPST, writers a, b, c; the frozen split is
// never read) and ../shared/data/qualification-dev.jsonl (writer d). Protocol: writer-out —
// train on the other writers, test on one.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readShippedCorpus } from '../src/adapters/qualification-corpus-files.js';
import { parseCorpusFile, corpusFor, type CorpusItem } from '../src/domain/qualification-corpus.js';
import { qualify, modelDocumentOf } from '../src/domain/qualification.js';
import { tokenizeFrench, normaliseFrench, isFunctionWord, NEGATORS } from '../src/domain/french-text.js';
import { createModel, learnExample, predictField } from '../src/domain/qualification-model.js';
import { buildQualificationRules, DEFAULT_PROCEDURE, DEFAULT_QUALIFICATION_RULES } from '../src/domain/qualification-rules.js';

const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
const FIELDS = ['category', 'level', 'requester', 'receivable'] as const;
type Field = (typeof FIELDS)[number];
const VALUES: Record<Field, string[]> = {
  category: DEFAULT_PROCEDURE.categories.map((c) => c.key),
  level: ['1', '2', '3'],
  requester: ['adherent', 'salarie'],
  receivable: ['true', 'false'],
};

const corpus = await readShippedCorpus();
const train = corpusFor(corpus.items, DEFAULT_PROCEDURE, corpus.frozen).filter((i) => i.file.startsWith('spst'));
const dev = parseCorpusFile('dev.jsonl', readFileSync(resolve('../shared/data/qualification-dev.jsonl'), 'utf8'));
const all: CorpusItem[] = [...train, ...dev];
const writer = (i: CorpusItem) => (i.file === 'dev.jsonl' ? 'd' : i.id[0]!);
console.log(`items: ${train.length} training (${['a', 'b', 'c'].map((w) => all.filter((i) => writer(i) === w).length).join('/')}), ${dev.length} dev`);

// ---------------------------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------------------------
interface FeatOpts { words: boolean; bigrams: boolean; subject: boolean; chars: number[]; sender: boolean }
function features(item: CorpusItem, o: FeatOpts): Map<string, number> {
  const out = new Map<string, number>();
  const add = (f: string, v = 1) => out.set(f, Math.max(out.get(f) ?? 0, v));
  const doc = modelDocumentOf(item.input, rules); // new text, sender kind
  const subj = tokenizeFrench(item.input.subject);
  const bodyText = item.input.text;
  const body = tokenizeFrench(bodyText);
  const kept = (t: { surface: string }) => t.surface.length > 1 && (!isFunctionWord(t.surface) || NEGATORS.has(t.surface));
  const walk = (tokens: ReturnType<typeof tokenizeFrench>, s: boolean) => {
    let prev: (typeof tokens)[number] | null = null;
    for (const t of tokens) {
      if (!kept(t)) continue;
      if (o.words) add(`w:${t.stem}`);
      if (s && o.subject) add(`s:${t.stem}`);
      if (o.bigrams && prev && prev.clause === t.clause) add(`b:${prev.stem}_${t.stem}`);
      prev = t;
    }
  };
  walk(subj, true);
  walk(body, false);
  if (o.chars.length > 0) {
    const text = ` ${normaliseFrench(`${item.input.subject} ${bodyText}`).replace(/[^a-z0-9]+/g, ' ')} `;
    for (const n of o.chars) for (let i = 0; i + n <= text.length; i++) add(`c${n}:${text.slice(i, i + n)}`);
  }
  if (o.sender) for (const f of doc.features) if (f.startsWith('from:') || f.startsWith('p:')) add(f);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Learners: each returns per-value log-scores for a test doc
// ---------------------------------------------------------------------------------------------
type Vec = Map<string, number>;
interface Learner { fit(x: Vec[], y: string[], values: string[]): (x: Vec) => number[] }

const norm = (v: Vec): Vec => {
  let s = 0;
  for (const x of v.values()) s += x * x;
  const n = Math.sqrt(s) || 1;
  return new Map([...v].map(([k, x]) => [k, x / n]));
};

function logistic(opts: { l2: number; epochs: number; lr: number; tfidf: boolean }): Learner {
  return {
    fit(xs, ys, values) {
      const df = new Map<string, number>();
      for (const x of xs) for (const k of x.keys()) df.set(k, (df.get(k) ?? 0) + 1);
      const idf = (k: string) => (opts.tfidf ? Math.log((1 + xs.length) / (1 + (df.get(k) ?? 0))) + 1 : 1);
      const prep = (x: Vec) => norm(new Map([...x].filter(([k]) => df.has(k)).map(([k, v]) => [k, v * idf(k)])));
      const X = xs.map(prep);
      const K = values.length;
      const W = new Map<string, Float64Array>();
      const G = new Map<string, Float64Array>();
      const b = new Float64Array(K);
      const gb = new Float64Array(K).fill(1e-8);
      const get = (m: Map<string, Float64Array>, k: string, init = 0) => {
        let w = m.get(k);
        if (!w) { w = new Float64Array(K).fill(init); m.set(k, w); }
        return w;
      };
      const order = X.map((_, i) => i);
      let seed = 1;
      const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      for (let e = 0; e < opts.epochs; e++) {
        for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j]!, order[i]!]; }
        for (const i of order) {
          const x = X[i]!;
          const z = Float64Array.from(b);
          for (const [k, v] of x) { const w = get(W, k); for (let c = 0; c < K; c++) z[c]! += w[c]! * v; }
          const m = Math.max(...z);
          let s = 0;
          for (let c = 0; c < K; c++) { z[c] = Math.exp(z[c]! - m); s += z[c]!; }
          const yi = values.indexOf(ys[i]!);
          for (let c = 0; c < K; c++) {
            const g = z[c]! / s - (c === yi ? 1 : 0);
            gb[c]! += g * g; b[c]! -= (opts.lr * g) / Math.sqrt(gb[c]!);
          }
          for (const [k, v] of x) {
            const w = get(W, k); const gg = get(G, k, 1e-8);
            for (let c = 0; c < K; c++) {
              const g = (z[c]! / s - (c === yi ? 1 : 0)) * v + opts.l2 * w[c]!;
              gg[c]! += g * g; w[c]! -= (opts.lr * g) / Math.sqrt(gg[c]!);
            }
          }
        }
      }
      return (x0) => {
        const x = prep(x0);
        const z = Array.from(b);
        for (const [k, v] of x) { const w = W.get(k); if (w) for (let c = 0; c < K; c++) z[c]! += w[c]! * v; }
        return z;
      };
    },
  };
}

function naiveBayes(opts: { alpha: number; complement: boolean }): Learner {
  return {
    fit(xs, ys, values) {
      const K = values.length;
      const counts = values.map(() => new Map<string, number>());
      const totals = new Float64Array(K);
      const docs = new Float64Array(K);
      const vocab = new Set<string>();
      xs.forEach((x, i) => {
        const c = values.indexOf(ys[i]!);
        docs[c]!++;
        for (const [k, v] of x) { counts[c]!.set(k, (counts[c]!.get(k) ?? 0) + v); totals[c]! += v; vocab.add(k); }
      });
      const V = vocab.size;
      const N = xs.length;
      return (x) => {
        return values.map((_, c) => {
          let s = opts.complement ? 0 : Math.log((docs[c]! + 1) / (N + K));
          if (opts.complement) {
            let tot = 0; for (let d = 0; d < K; d++) if (d !== c) tot += totals[d]!;
            for (const [k, v] of x) {
              if (!vocab.has(k)) continue;
              let n = 0; for (let d = 0; d < K; d++) if (d !== c) n += counts[d]!.get(k) ?? 0;
              s -= v * Math.log((n + opts.alpha) / (tot + opts.alpha * V));
            }
          } else {
            for (const [k, v] of x) {
              if (!vocab.has(k)) continue;
              s += v * Math.log(((counts[c]!.get(k) ?? 0) + opts.alpha) / (totals[c]! + opts.alpha * V));
            }
          }
          return s;
        });
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Protocol
// ---------------------------------------------------------------------------------------------
const label = (i: CorpusItem, f: Field) => i.labels[f]!;
const rulesOut = new Map(all.map((i) => [i.id + i.file, qualify(i.input, rules)]));
const rulesScore = (i: CorpusItem, f: Field) => {
  const q = rulesOut.get(i.id + i.file)!;
  return VALUES[f].map((v) => q.candidates[f].find((c) => c.value === v)?.rules ?? 0);
};
const TEMP: Record<Field, number> = { category: 2, level: 1.5, requester: 1.5, receivable: 1.5 };

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** For each held-out writer: per item, per field, the learner's log-probabilities. */
function crossScores(learner: Learner, fo: FeatOpts): Map<CorpusItem, Record<Field, number[]>> {
  const feats = new Map(all.map((i) => [i, features(i, fo)]));
  const out = new Map<CorpusItem, Record<Field, number[]>>();
  for (const w of ['a', 'b', 'c', 'd']) {
    const tr = all.filter((i) => writer(i) !== w && writer(i) !== 'd');
    const te = all.filter((i) => writer(i) === w);
    const pred: Partial<Record<Field, (x: Vec) => number[]>> = {};
    for (const f of FIELDS) pred[f] = learner.fit(tr.map((i) => feats.get(i)!), tr.map((i) => label(i, f)), VALUES[f]);
    for (const i of te) {
      const r = {} as Record<Field, number[]>;
      for (const f of FIELDS) {
        const z = pred[f]!(feats.get(i)!);
        const p = softmax(z);
        r[f] = p.map((x) => Math.log(Math.max(x, 1e-12)));
      }
      out.set(i, r);
    }
  }
  return out;
}

function report(name: string, scores: Map<CorpusItem, Record<Field, number[]>>, beta: number) {
  const cells: string[] = [];
  for (const f of FIELDS) {
    const parts: string[] = [];
    for (const w of ['abc', 'd']) {
      const te = all.filter((i) => w.includes(writer(i)));
      let ok = 0;
      for (const i of te) {
        const r = rulesScore(i, f).map((x, k) => (beta < 0 ? 0 : x / TEMP[f]) + Math.abs(beta === -1 ? 1 : beta) * scores.get(i)![f][k]!);
        const best = VALUES[f][r.indexOf(Math.max(...r))]!;
        if (best === label(i, f)) ok++;
      }
      parts.push(((100 * ok) / te.length).toFixed(1));
    }
    cells.push(parts.join('/').padStart(10));
  }
  // non-receivable recall
  console.log(`${name.padEnd(46)} ${cells.join(' ')}`);
}

console.log(`${'learner (β: model weight vs rules; -1 alone)'.padEnd(46)} ${FIELDS.map((f) => f.padStart(10)).join(' ')}   (writer-out abc / dev)`);
const rulesOnly = new Map(all.map((i) => [i, { category: [0, 0, 0, 0, 0, 0], level: [0, 0, 0], requester: [0, 0], receivable: [0, 0] }]));
report('rules alone', rulesOnly, 0);
const W: FeatOpts = { words: true, bigrams: true, subject: true, chars: [], sender: true };
const WC: FeatOpts = { ...W, chars: [3, 4, 5] };
const W1: FeatOpts = { ...W, bigrams: false };
const C: FeatOpts = { words: false, bigrams: false, subject: false, chars: [3, 4, 5], sender: true };
const W3: FeatOpts = { ...W, chars: [4] };
const configs: [string, Learner, FeatOpts][] = [
  ['NB a0.3 words+bigrams', naiveBayes({ alpha: 0.3, complement: false }), W],
  ['CNB a0.1', naiveBayes({ alpha: 0.1, complement: true }), W],
  ['CNB a0.3', naiveBayes({ alpha: 0.3, complement: true }), W],
  ['CNB a1', naiveBayes({ alpha: 1, complement: true }), W],
  ['CNB a0.3 words only', naiveBayes({ alpha: 0.3, complement: true }), W1],
  ['CNB a0.3 +char4', naiveBayes({ alpha: 0.3, complement: true }), W3],
];
for (const [name, learner, fo] of configs) {
  const started = performance.now();
  const s = crossScores(learner, fo);
  const ms = performance.now() - started;
  report(`${name} alone`, s, -1);
  for (const beta of [0.15, 0.3, 0.5]) report(`  + rules, β ${beta}`, s, beta);
  console.log(`  (${Math.round(ms)} ms)`);
}
