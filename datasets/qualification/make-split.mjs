// Makes the frozen split of the qualification corpus: 30 % of the SPST items, stratified by
// category × level × receivability, and 30 % of the Qualiopi items, stratified by category ×
// receivability, drawn with a fixed seed. The frozen items are never used to train the model or
// to tune a rule or a parameter; they are only measured (README.md). Deterministic: running it
// again writes the same split.json. Run: node datasets/qualification/make-split.mjs [OUTPUT]
// Files written after the split was drawn (TRAINING_ONLY) are not drawn from: every one of their
// items is training data, and split.json names them so that nobody mistakes them for unsplit.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SEED = 20261202;
const SHARE = 0.3;
const TRAINING_ONLY = ['spst-d.jsonl'];
const here = dirname(fileURLToPath(import.meta.url));

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function read(file) {
  return readFileSync(join(here, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

function shuffle(list, random) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Largest-remainder allocation of round(SHARE × N) over the strata, then a seeded draw in each. */
function frozenIds(items, stratumOf, random) {
  const strata = new Map();
  for (const item of [...items].sort((a, b) => a.id.localeCompare(b.id))) {
    const key = stratumOf(item);
    strata.set(key, [...(strata.get(key) ?? []), item.id]);
  }
  const keys = [...strata.keys()].sort();
  const quota = new Map(keys.map((k) => [k, Math.floor(SHARE * strata.get(k).length)]));
  let left = Math.round(SHARE * items.length) - [...quota.values()].reduce((a, b) => a + b, 0);
  const byRemainder = keys
    .map((k) => ({ k, rest: SHARE * strata.get(k).length - quota.get(k), tie: random() }))
    .sort((a, b) => b.rest - a.rest || a.tie - b.tie);
  for (const { k } of byRemainder) {
    if (left <= 0) break;
    quota.set(k, quota.get(k) + 1);
    left--;
  }
  const out = [];
  for (const k of keys) out.push(...shuffle(strata.get(k), random).slice(0, quota.get(k)));
  return out.sort();
}

const random = prng(SEED);
const spst = ['spst-a.jsonl', 'spst-b.jsonl', 'spst-c.jsonl'].flatMap(read);
const qualiopi = read('qualiopi.jsonl');
const split = {
  seed: SEED,
  share: SHARE,
  method:
    'largest-remainder allocation of round(share × N) over the strata, seeded Fisher–Yates draw in each (make-split.mjs)',
  strata: { spst: 'category × level × receivable', qualiopi: 'category × receivable' },
  frozen: {
    spst: frozenIds(spst, (o) => `${o.category}|${o.level}|${o.receivable}`, random),
    qualiopi: frozenIds(qualiopi, (o) => `${o.category}|${o.receivable}`, random),
  },
  trainingOnly: {
    files: TRAINING_ONLY,
    why: 'written after the split was drawn and after the frozen figures were first reported: all training, none frozen',
  },
};
writeFileSync(process.argv[2] ?? join(here, 'split.json'), `${JSON.stringify(split, null, 2)}\n`);
console.log(`frozen: ${split.frozen.spst.length} of ${spst.length} SPST, ${split.frozen.qualiopi.length} of ${qualiopi.length} Qualiopi`);
