// The learned half of the qualifier: a multinomial naive Bayes over word and word-pair features
// (binary per mail), one per qualification field, trained on the shipped corpus and on every
// ticket whose qualification staff settled, and updated one example at a time as tickets settle
// (counts only: learning or unlearning a mail costs its features, never a retrain); beside it, for
// the fields of `logisticFields`, a logistic regression over the same features (a full fit, then
// a few SGD steps per settled ticket, a refit now and then; exact unlearning too). Pure: no I/O;
// the state is plain data that `learnExample` and `unlearnExample` change in place.
// Why hand-written: the maintained npm libraries measured on the corpus either predict in 45 ms
// (classificator, Decimal arithmetic), cannot learn after training (wink, AGPL too), pull in
// database and cache clients (natural) or train from files only (fastText): datasets/qualification/MODEL.md.
import { isFunctionWord, NEGATORS, type Token } from './french-text.js';

export const MODEL_FIELDS = ['category', 'level', 'requester', 'receivable', 'typology'] as const;
export type ModelField = (typeof MODEL_FIELDS)[number];

/**
 * Whether mails also get character 4-grams, read by the local model of settled tickets only. Off:
 * measured without a second half made better (datasets/qualification/MODEL.md); set before any
 * model is built (the bench's --local-grams).
 */
export const LOCAL_GRAMS = { use: false };

/** Where an example came from: the shipped corpus, or a ticket whose qualification staff settled. */
export type ExampleSource = 'corpus' | 'ticket';

/** A mail as the model sees it: its features, with the words they came from for the evidence. */
export interface ModelDocument {
  /**
   * Distinct features: `w:<stem>` (word), `b:<stem>_<stem>` (consecutive words), `s:<stem>`
   * (subject word), `from:<kind>`.
   */
  readonly features: readonly string[];
  /** Feature → the word(s) of the mail it stands for, as written (first occurrence). */
  readonly words: ReadonlyMap<string, string>;
  /** Distinct character 4-grams of its words (`g:…`), for the local model of settled tickets only. */
  readonly grams?: readonly string[];
}

interface LabelStats {
  /** Weighted number of examples with this label. */
  docs: number;
  ticketDocs: number;
  /** Sum of the weighted feature counts (the multinomial's denominator). */
  total: number;
  /** The same sum over settled tickets alone (unweighted): the local model's denominator. */
  ticketTotal: number;
  readonly counts: Map<string, number>;
  readonly ticketCounts: Map<string, number>;
}

interface FieldState {
  readonly labels: Map<string, LabelStats>;
  /** Feature → weighted occurrences over all labels; its size is the vocabulary. */
  readonly vocabulary: Map<string, number>;
  docs: number;
  /** Feature → occurrences in settled tickets; and how many settled tickets (the local model). */
  readonly ticketVocabulary: Map<string, number>;
  ticketDocs: number;
}

export interface ModelOptions {
  /** Additive smoothing of feature counts. */
  readonly alpha: number;
  /** Weight of one settled ticket against one corpus example. */
  readonly ticketWeight: number;
  /**
   * Fields that also get a logistic regression over the same features (a discriminative second
   * opinion beside the naive Bayes counts; datasets/qualification/MODEL.md).
   */
  readonly logisticFields: readonly ModelField[];
}

/** Weights of a logistic regression: label → feature → weight, and label → bias. */
interface LogisticFit {
  readonly weights: Map<string, Map<string, number>>;
  readonly bias: Map<string, number>;
}

interface LogisticExample {
  readonly features: readonly string[];
  readonly label: string;
  readonly weight: number;
}

/**
 * A logistic regression of one field: the examples it learned, in the order learned; a full fit
 * (from zero, in a fixed order) of the first `baseCount` of them; and that fit moved by a few SGD
 * steps on each later example. Its weights are thus a function of its example list alone:
 * unlearning an example gives back exactly the model that never learned it, as with the counts.
 * A full refit happens when the later examples reach a tenth of the fitted ones (at least 20).
 */
interface LogisticState {
  readonly examples: LogisticExample[];
  baseCount: number;
  /** The full fit of examples[0, baseCount); null: to be refitted before the next prediction. */
  base: LogisticFit | null;
  /** What the steps of the later examples added to `base`; null: to be replayed from `base`. */
  fitted: LogisticFit | null;
}

/** The model's state: plain data, changed in place by `learnExample` / `unlearnExample`. */
export interface QualificationModel {
  readonly options: ModelOptions;
  readonly fields: ReadonlyMap<ModelField, FieldState>;
  readonly logistic: ReadonlyMap<ModelField, LogisticState>;
}

export const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  alpha: 0.3,
  ticketWeight: 1,
  logisticFields: ['category', 'level', 'receivable'],
};

export function createModel(options: Partial<ModelOptions> = {}): QualificationModel {
  const merged = { ...DEFAULT_MODEL_OPTIONS, ...options };
  return {
    options: merged,
    fields: new Map(
      MODEL_FIELDS.map((f) => [
        f,
        { labels: new Map(), vocabulary: new Map(), docs: 0, ticketVocabulary: new Map(), ticketDocs: 0 },
      ]),
    ),
    logistic: new Map(merged.logisticFields.map((f) => [f, { examples: [], baseCount: 0, base: null, fitted: null }])),
  };
}

/** Words that say nothing about a topic, except the negations ("pas eu lieu", "jamais reçu"). */
function kept(token: Token): boolean {
  return token.surface.length > 1 && (!isFunctionWord(token.surface) || NEGATORS.has(token.surface));
}

/**
 * The features of a mail: its subject's and body's words (stems) and consecutive word pairs, the
 * subject's words again, and the kind of sender address (`personal` for a mailbox provider).
 */
export function modelDocument(
  subjectTokens: readonly Token[],
  bodyTokens: readonly Token[],
  senderKind: string | null,
  texts?: { readonly subject: string; readonly body: string },
): ModelDocument {
  const features = new Set<string>();
  const words = new Map<string, string>();
  const add = (feature: string, source: string | undefined, from: Token, to: Token) => {
    if (features.has(feature)) return;
    features.add(feature);
    if (source !== undefined) words.set(feature, source.slice(from.start, to.end).replace(/\s+/g, ' '));
  };
  const grams = new Set<string>();
  const walk = (tokens: readonly Token[], source: string | undefined, subject: boolean) => {
    let previous: Token | null = null;
    for (const token of tokens) {
      if (!kept(token)) continue;
      if (LOCAL_GRAMS.use) {
        const padded = `_${token.surface.toLowerCase()}_`;
        for (let i = 0; i + 4 <= padded.length; i++) grams.add(`g:${padded.slice(i, i + 4)}`);
      }
      add(`w:${token.stem}`, source, token, token);
      if (subject) add(`s:${token.stem}`, source, token, token);
      if (previous && previous.clause === token.clause)
        add(`b:${previous.stem}_${token.stem}`, source, previous, token);
      previous = token;
    }
  };
  walk(subjectTokens, texts?.subject, true);
  walk(bodyTokens, texts?.body, false);
  if (senderKind !== null) features.add(`from:${senderKind}`);
  if (texts && /\?/.test(`${texts.subject} ${texts.body}`)) features.add('p:question');
  return LOCAL_GRAMS.use ? { features: [...features], words, grams: [...grams] } : { features: [...features], words };
}

/**
 * Adds one example to the model (in place): for each field given, its label's counts grow by the
 * example's weight (1 for the corpus, `ticketWeight` for a settled ticket). O(features).
 */
export function learnExample(
  model: QualificationModel,
  document: ModelDocument,
  labels: Partial<Readonly<Record<ModelField, string>>>,
  source: ExampleSource,
): void {
  change(model, document, labels, source, 1);
}

/** Takes back an example learned with the same labels and source (a settled ticket requalified later). */
export function unlearnExample(
  model: QualificationModel,
  document: ModelDocument,
  labels: Partial<Readonly<Record<ModelField, string>>>,
  source: ExampleSource,
): void {
  change(model, document, labels, source, -1);
}

function change(
  model: QualificationModel,
  document: ModelDocument,
  labels: Partial<Readonly<Record<ModelField, string>>>,
  source: ExampleSource,
  sign: 1 | -1,
): void {
  const weight = sign * (source === 'ticket' ? model.options.ticketWeight : 1);
  for (const field of MODEL_FIELDS) {
    const label = labels[field];
    if (label === undefined) continue;
    const state = model.fields.get(field)!;
    let stats = state.labels.get(label);
    if (!stats) {
      stats = { docs: 0, ticketDocs: 0, total: 0, ticketTotal: 0, counts: new Map(), ticketCounts: new Map() };
      state.labels.set(label, stats);
    }
    stats.docs += weight;
    state.docs += weight;
    if (source === 'ticket') {
      stats.ticketDocs += sign;
      state.ticketDocs += sign;
      stats.ticketTotal += sign * document.features.length;
    }
    stats.total += weight * document.features.length;
    for (const feature of document.features) {
      bump(stats.counts, feature, weight);
      bump(state.vocabulary, feature, weight);
      if (source === 'ticket') {
        bump(stats.ticketCounts, feature, sign);
        bump(state.ticketVocabulary, feature, sign);
      }
    }
    if (source === 'ticket')
      for (const gram of document.grams ?? []) {
        bump(stats.ticketCounts, gram, sign);
        bump(state.ticketVocabulary, gram, sign);
      }
    if (stats.docs <= 1e-9) state.labels.delete(label);
    const logistic = model.logistic.get(field);
    if (logistic) changeLogistic(logistic, { features: document.features, label, weight: Math.abs(weight) }, sign);
  }
}

function changeLogistic(state: LogisticState, example: LogisticExample, sign: 1 | -1): void {
  if (sign > 0) {
    state.examples.push(example);
    if (state.base && state.fitted) step(state.base, state.fitted, example);
    return;
  }
  // The last example learned with these features and label (the one a correction takes back).
  const key = example.features.join('\n');
  let at = -1;
  for (let i = state.examples.length - 1; i >= 0 && at < 0; i--) {
    const e = state.examples[i]!;
    if (e.label === example.label && e.weight === example.weight && e.features.join('\n') === key) at = i;
  }
  if (at < 0) return;
  state.examples.splice(at, 1);
  if (at < state.baseCount) {
    state.baseCount--;
    state.base = null;
  }
  state.fitted = null;
}

/** The fit to predict with (`base`, and what the later examples' steps added): refitted or replayed when needed. */
function currentFit(state: LogisticState): { readonly base: LogisticFit; readonly delta: LogisticFit } {
  const later = state.examples.length - state.baseCount;
  if (!state.base || later >= Math.max(LOGISTIC_FIT.refitAfter, LOGISTIC_FIT.refitShare * state.baseCount)) {
    state.base = fitLogistic(state.examples);
    state.baseCount = state.examples.length;
    state.fitted = null;
  }
  if (!state.fitted) {
    const delta: LogisticFit = { weights: new Map(), bias: new Map() };
    for (const example of state.examples.slice(state.baseCount)) step(state.base, delta, example);
    state.fitted = delta;
  }
  return { base: state.base, delta: state.fitted };
}

const weightOf = (fit: LogisticFit, label: string, feature: string) => fit.weights.get(label)?.get(feature) ?? 0;

/** SGD steps on one example learned after the full fit, at the fit's last learning rate, into `delta`. */
function step(base: LogisticFit, delta: LogisticFit, example: LogisticExample): void {
  const { epochs, rate, decay, l2, biasRate, steps } = LOGISTIC_FIT;
  const lr = rate / (1 + (epochs - 1) * decay);
  const scale = example.features.length > 0 ? 1 / Math.sqrt(example.features.length) : 0;
  const labels = [...new Set([...base.bias.keys(), ...delta.bias.keys(), example.label])];
  const biasOf = (label: string) =>
    (base.bias.get(label) ?? (base.bias.size > 0 ? Math.min(...base.bias.values()) : 0)) + (delta.bias.get(label) ?? 0);
  for (let s = 0; s < steps; s++) {
    const z = labels.map((label) => {
      let sum = 0;
      for (const f of example.features) sum += weightOf(base, label, f) + weightOf(delta, label, f);
      return biasOf(label) + scale * sum;
    });
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    labels.forEach((label, c) => {
      const g = example.weight * (e[c]! / total - (label === example.label ? 1 : 0));
      const own = delta.weights.get(label) ?? new Map<string, number>();
      delta.weights.set(label, own);
      for (const f of example.features) {
        const b = weightOf(base, label, f);
        const current = b + (own.get(f) ?? 0);
        own.set(f, current * (1 - lr * l2) - lr * g * scale - b);
      }
      delta.bias.set(label, (delta.bias.get(label) ?? 0) - lr * g * biasRate);
    });
  }
}

/** How the logistic regressions are fitted: plain SGD, fixed order per epoch, decaying rate. */
export const LOGISTIC_FIT = {
  epochs: 30,
  rate: 3,
  decay: 0.3,
  l2: 1e-5,
  biasRate: 0.1,
  /** SGD steps on an example learned after the full fit. */
  steps: 3,
  /** A full refit once the examples learned since reach this share of the fitted ones, or this number. */
  refitShare: 0.1,
  refitAfter: 20,
} as const;

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Fits (from zero) a softmax regression on the examples; features scaled by 1/√(their count). */
function fitLogistic(examples: readonly LogisticExample[]): LogisticFit {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const index = new Map<string, number>();
  const encoded = examples.map((e) => ({
    ids: e.features.map((f) => {
      let id = index.get(f);
      if (id === undefined) {
        id = index.size;
        index.set(f, id);
      }
      return id;
    }),
    y: labels.indexOf(e.label),
    weight: e.weight,
  }));
  const k = labels.length;
  const w = new Float64Array(index.size * k);
  const bias = new Float64Array(k);
  const z = new Float64Array(k);
  const order = encoded.map((_, i) => i);
  const { epochs, rate, decay, l2, biasRate } = LOGISTIC_FIT;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const keys = order.map((i) => mix(i, epoch));
    order.sort((a, b) => keys[a]! - keys[b]! || a - b);
    const lr = rate / (1 + epoch * decay);
    for (const i of order) {
      const e = encoded[i]!;
      const scale = e.ids.length > 0 ? 1 / Math.sqrt(e.ids.length) : 0;
      for (let c = 0; c < k; c++) {
        let sum = 0;
        for (const id of e.ids) sum += w[id * k + c]!;
        z[c] = bias[c]! + scale * sum;
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) max = Math.max(max, z[c]!);
      let total = 0;
      for (let c = 0; c < k; c++) total += z[c] = Math.exp(z[c]! - max);
      for (let c = 0; c < k; c++) {
        const g = e.weight * (z[c]! / total - (c === e.y ? 1 : 0));
        for (const id of e.ids) {
          const at = id * k + c;
          w[at] = w[at]! * (1 - lr * l2) - lr * g * scale;
        }
        bias[c] = bias[c]! - lr * g * biasRate;
      }
    }
  }
  const weights = new Map<string, Map<string, number>>(labels.map((l) => [l, new Map()]));
  for (const [feature, id] of index)
    labels.forEach((label, c) => {
      const value = w[id * k + c]!;
      if (value !== 0) weights.get(label)!.set(feature, value);
    });
  return { weights, bias: new Map(labels.map((label, c) => [label, bias[c]!])) };
}

/**
 * The logistic regression's log-odds of each value (its softmax logits, comparable between values
 * of one field), or null when the field has none or fewer than two values learned.
 */
export function logisticScores(
  model: QualificationModel,
  field: ModelField,
  document: ModelDocument,
  values: readonly string[],
): Map<string, number> | null {
  const state = model.logistic.get(field);
  if (!state || new Set(state.examples.map((e) => e.label)).size < 2) return null;
  const { base, delta } = currentFit(state);
  const scale = document.features.length > 0 ? 1 / Math.sqrt(document.features.length) : 0;
  const floor = base.bias.size > 0 ? Math.min(...base.bias.values()) : 0;
  const scores = new Map(
    values.map((value) => {
      const own = base.weights.get(value);
      const added = delta.weights.get(value);
      if (!own && !added) return [value, Number.NaN];
      let sum = 0;
      for (const feature of document.features) sum += (own?.get(feature) ?? 0) + (added?.get(feature) ?? 0);
      // A value never learned gets the lowest score learned (it has no weights of its own).
      return [value, (base.bias.get(value) ?? floor) + (delta.bias.get(value) ?? 0) + scale * sum];
    }),
  );
  const lowest = Math.min(...[...scores.values()].filter((v) => !Number.isNaN(v)));
  for (const [value, score] of scores) if (Number.isNaN(score)) scores.set(value, lowest);
  return scores;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const value = (map.get(key) ?? 0) + by;
  if (value <= 1e-9) map.delete(key);
  else map.set(key, value);
}

/** One value's share of the model's prediction for a field. */
export interface ModelVote {
  readonly value: string;
  /** Naive Bayes log-posterior (up to a constant); comparable between values of one field only. */
  readonly logScore: number;
  readonly probability: number;
}

export interface ModelPrediction {
  /** Best first. */
  readonly votes: readonly ModelVote[];
  /** Weighted examples of this field the model learned from, and how many were settled tickets. */
  readonly examples: number;
  readonly tickets: number;
  /** What pushed the best value ahead of the runner-up, strongest first. */
  readonly reasons: readonly {
    readonly word: string;
    /** Examples of the best value with this feature, and how many of them were settled tickets. */
    readonly seen: number;
    readonly seenInTickets: number;
  }[];
}

/**
 * Scores `values` (the configured ones; a value the model never saw gets only smoothing) for one
 * field. Null when the field has fewer than two labels learned, or fewer than `minExamples`.
 */
export function predictField(
  model: QualificationModel,
  field: ModelField,
  document: ModelDocument,
  values: readonly string[],
  minExamples = 10,
): ModelPrediction | null {
  const state = model.fields.get(field)!;
  if (state.labels.size < 2 || state.docs < minExamples || values.length < 2) return null;
  const { alpha } = model.options;
  const vocabularySize = state.vocabulary.size;
  const known = document.features.filter((f) => state.vocabulary.has(f));
  const scored = values.map((value) => {
    const stats = state.labels.get(value);
    const docs = stats?.docs ?? 0;
    const prior = Math.log((docs + 1) / (state.docs + values.length));
    const denominator = Math.log((stats?.total ?? 0) + alpha * vocabularySize);
    let logScore = prior;
    for (const feature of known) logScore += Math.log((stats?.counts.get(feature) ?? 0) + alpha) - denominator;
    return { value, logScore };
  });
  const best = Math.max(...scored.map((s) => s.logScore));
  const z = scored.reduce((sum, s) => sum + Math.exp(s.logScore - best), 0);
  const votes = scored
    .map((s) => ({ ...s, probability: Math.exp(s.logScore - best) / z }))
    .sort((a, b) => b.logScore - a.logScore);
  const first = state.labels.get(votes[0]!.value);
  const second = state.labels.get(votes[1]!.value);
  const reasons: { word: string; seen: number; seenInTickets: number; lift: number }[] = [];
  if (first) {
    const logShare = (stats: LabelStats | undefined, feature: string) =>
      Math.log((stats?.counts.get(feature) ?? 0) + alpha) - Math.log((stats?.total ?? 0) + alpha * vocabularySize);
    for (const feature of known) {
      const word = document.words.get(feature);
      if (word === undefined || feature.startsWith('s:')) continue;
      const lift = logShare(first, feature) - logShare(second, feature);
      if (lift > 0.5) {
        reasons.push({
          word,
          seen: Math.round(first.counts.get(feature) ?? 0),
          seenInTickets: first.ticketCounts.get(feature) ?? 0,
          lift,
        });
      }
    }
  }
  reasons.sort((a, b) => b.lift - a.lift);
  const seenWords = new Set<string>();
  return {
    votes,
    examples: Math.round(state.docs),
    tickets: [...state.labels.values()].reduce((sum, s) => sum + s.ticketDocs, 0),
    reasons: reasons
      .filter((r) => !seenWords.has(r.word.toLowerCase()) && seenWords.add(r.word.toLowerCase()))
      .slice(0, 3)
      .map(({ word, seen, seenInTickets }) => ({ word, seen, seenInTickets })),
  };
}

/** What the organisation's own settled tickets alone say of a field (the local model). */
export interface LocalPrediction {
  /**
   * Value → similarity, 0–1: the idf-weighted share of this mail's words (and word pairs) found in
   * the settled tickets of that value (a nearest-centroid vote over the tickets alone).
   */
  readonly similarity: ReadonlyMap<string, number>;
  /** Settled tickets of this field learned. */
  readonly tickets: number;
  /** Settled tickets of the most similar value that share this mail's most telling word. */
  readonly similar: number;
}

/**
 * A nearest-centroid vote over the settled tickets only (the organisation's own mails, whatever
 * the corpus says): a value no ticket had gets 0, never the benefit of the doubt (a naive Bayes
 * on so few examples favours the values it saw least). Null until `minTickets` tickets with at
 * least two values were learned for the field.
 */
export function predictLocal(
  model: QualificationModel,
  field: ModelField,
  document: ModelDocument,
  values: readonly string[],
  minTickets = 3,
): LocalPrediction | null {
  const state = model.fields.get(field)!;
  if (state.ticketDocs < minTickets || values.length < 2) return null;
  if ([...state.labels.values()].filter((s) => s.ticketDocs > 0).length < 2) return null;
  const known: { feature: string; idf: number }[] = [];
  const grams = LOCAL_GRAMS.use ? (document.grams ?? []) : [];
  for (const feature of [...document.features, ...grams]) {
    const n = state.ticketVocabulary.get(feature);
    if (n !== undefined && !feature.startsWith('from:'))
      known.push({ feature, idf: Math.log(1 + state.ticketDocs / n) });
  }
  const norm = known.reduce((sum, k) => sum + k.idf, 0);
  let top = values[0]!;
  const similarity = new Map<string, number>();
  for (const value of values) {
    const stats = state.labels.get(value);
    let sum = 0;
    if (stats && stats.ticketDocs > 0 && norm > 0)
      for (const { feature, idf } of known)
        sum += (idf * (stats.ticketCounts.get(feature) ?? 0)) / (stats.ticketDocs + 1);
    similarity.set(value, norm > 0 ? sum / norm : 0);
    if (similarity.get(value)! > similarity.get(top)!) top = value;
  }
  const topStats = state.labels.get(top);
  let similar = 0;
  if (topStats && known.length > 0) {
    const telling = known.reduce((a, b) =>
      (topStats.ticketCounts.get(b.feature) ?? 0) * b.idf > (topStats.ticketCounts.get(a.feature) ?? 0) * a.idf ? b : a,
    );
    similar = topStats.ticketCounts.get(telling.feature) ?? 0;
  }
  return { similarity, tickets: state.ticketDocs, similar };
}
