import { readShippedCorpus } from '../src/adapters/qualification-corpus-files.js';
import { modelDocumentOf, qualify } from '../src/domain/qualification.js';
import { corpusFor } from '../src/domain/qualification-corpus.js';
import { createModel, learnExample, predictField } from '../src/domain/qualification-model.js';
import { buildQualificationRules, DEFAULT_PROCEDURE, DEFAULT_QUALIFICATION_RULES } from '../src/domain/qualification-rules.js';
const corpus = await readShippedCorpus();
const training = corpusFor(corpus.items, DEFAULT_PROCEDURE, corpus.frozen);
const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
const docs = training.map((t) => modelDocumentOf(t.input, rules));
function hash(id: string) { let h = 2166136261; for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0; return h; }
const fold = training.map((t) => hash(t.id) % 5);
const y = training.map((t) => (t.labels.receivable === 'true' ? 1 : 0));
const margin = training.map((t) => qualify(t.input, rules).candidates.receivable.find((c) => c.value === 'true')!.rules);
const lrOut = new Float64Array(training.length), nbOut = new Float64Array(training.length);
const EP = 40, LR0 = 3, L2 = 1e-5;
for (let f = 0; f < 5; f++) {
  const tr = training.map((_, i) => i).filter((i) => fold[i] !== f);
  const W = new Map<string, number>(); let b = 0;
  const score = (i: number) => { const d = docs[i]!; const sc = 1 / Math.sqrt(d.features.length); let z = b; for (const ft of d.features) z += (W.get(ft) ?? 0) * sc; return z; };
  let order = [...tr];
  for (let e = 0; e < EP; e++) {
    order = order.map((i) => [hash(String(i * 31 + e)), i] as const).sort((a, c) => a[0] - c[0]).map((x) => x[1]);
    const lr = LR0 / (1 + e * 0.3);
    for (const i of order) {
      const p = 1 / (1 + Math.exp(-score(i))); const g = p - y[i]!; const d = docs[i]!; const sc = 1 / Math.sqrt(d.features.length);
      for (const ft of d.features) W.set(ft, (W.get(ft) ?? 0) * (1 - lr * L2) - lr * g * sc);
      b -= lr * g * 0.1;
    }
  }
  const nb = createModel();
  for (const i of tr) learnExample(nb, docs[i]!, training[i]!.labels, 'corpus');
  training.forEach((_, i) => { if (fold[i] === f) {
    lrOut[i] = score(i);
    const p = predictField(nb, 'receivable', docs[i]!, ['true', 'false'])!;
    nbOut[i] = p.votes.find((v) => v.value === 'true')!.logScore - p.votes.find((v) => v.value === 'false')!.logScore;
  } });
}
const nonrec = y.filter((v) => v === 0).length;
for (const s of [0, 0.5, 1, 1.5, 2, 3]) for (const nbs of [0, 0.09]) for (const bias of [-3, -2, -1.5, -1, -0.5, 0]) {
  let ok = 0, found = 0;
  training.forEach((_, i) => { const z = (margin[i]! - (s > 0 || nbs > 0 ? 3 : 0)) / 1.5 + s * lrOut[i]! + nbs * nbOut[i]! + bias + (s > 0 || nbs > 0 ? 0 : 0); const pred = z > 0 ? 1 : 0; if (pred === y[i]) ok++; if (y[i] === 0 && pred === 0) found++; });
  console.log(`lr ${s} nb ${nbs} bias ${bias}: receivable ${(100 * ok / training.length).toFixed(1)} found ${(100 * found / nonrec).toFixed(1)}`);
}
