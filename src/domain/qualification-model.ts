// The learned half of the qualifier: a multinomial naive Bayes over word and word-pair features
// (binary per mail), one per qualification field, trained on the shipped corpus and on every
// ticket whose qualification staff settled, and updated one example at a time as tickets settle
// (counts only: learning or unlearning a mail costs its features, never a retrain). Pure: no I/O;
// the state is plain data that `learnExample` and `unlearnExample` change in place.
// Why hand-written: the maintained npm libraries measured on the corpus either predict in 45 ms
// (classificator, Decimal arithmetic), cannot learn after training (wink, AGPL too), pull in
// database and cache clients (natural) or train from files only (fastText): datasets/qualification/MODEL.md.
import { isFunctionWord, NEGATORS, type Token } from './french-text.js';

export const MODEL_FIELDS = ['category', 'level', 'requester', 'receivable', 'typology'] as const;
export type ModelField = (typeof MODEL_FIELDS)[number];

/** Where an example came from: the shipped corpus, or a ticket whose qualification staff settled. */
export type ExampleSource = 'corpus' | 'ticket';

/** A mail as the model sees it: its features, with the words they came from for the evidence. */
export interface ModelDocument {
  /** Distinct features: `w:<stem>` (word), `b:<stem>_<stem>` (consecutive words), `s:<stem>` (subject word), `from:<kind>`. */
  readonly features: readonly string[];
  /** Feature → the word(s) of the mail it stands for, as written (first occurrence). */
  readonly words: ReadonlyMap<string, string>;
}

interface LabelStats {
  /** Weighted number of examples with this label. */
  docs: number;
  ticketDocs: number;
  /** Sum of the weighted feature counts (the multinomial's denominator). */
  total: number;
  readonly counts: Map<string, number>;
  readonly ticketCounts: Map<string, number>;
}

interface FieldState {
  readonly labels: Map<string, LabelStats>;
  /** Feature → weighted occurrences over all labels; its size is the vocabulary. */
  readonly vocabulary: Map<string, number>;
  docs: number;
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

/**
 * A logistic regression of one field: the examples it learned (in the order learned) and the
 * weights fitted on them. The weights are a function of the examples alone — refitted from zero,
 * in a fixed order, when the examples changed — so unlearning an example gives back exactly the
 * model that never learned it, as with the counts.
 */
interface LogisticState {
  readonly examples: { readonly features: readonly string[]; readonly label: string; readonly weight: number }[];
  /** Label → feature → weight, and label → bias; null until fitted on the current examples. */
  fitted: { readonly weights: Map<string, Map<string, number>>; readonly bias: Map<string, number> } | null;
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
    fields: new Map(MODEL_FIELDS.map((f) => [f, { labels: new Map(), vocabulary: new Map(), docs: 0 }])),
    logistic: new Map(merged.logisticFields.map((f) => [f, { examples: [], fitted: null }])),
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
  const walk = (tokens: readonly Token[], source: string | undefined, subject: boolean) => {
    let previous: Token | null = null;
    for (const token of tokens) {
      if (!kept(token)) continue;
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
  return { features: [...features], words };
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
      stats = { docs: 0, ticketDocs: 0, total: 0, counts: new Map(), ticketCounts: new Map() };
      state.labels.set(label, stats);
    }
    stats.docs += weight;
    state.docs += weight;
    if (source === 'ticket') stats.ticketDocs += sign;
    stats.total += weight * document.features.length;
    for (const feature of document.features) {
      bump(stats.counts, feature, weight);
      bump(state.vocabulary, feature, weight);
      if (source === 'ticket') bump(stats.ticketCounts, feature, sign);
    }
    if (stats.docs <= 1e-9) state.labels.delete(label);
    const logistic = model.logistic.get(field);
    if (logistic) {
      logistic.fitted = null;
      if (sign > 0) logistic.examples.push({ features: document.features, label, weight: Math.abs(weight) });
      else {
        // The last example learned with these features and label (the one a correction takes back).
        const key = document.features.join('\n');
        for (let i = logistic.examples.length - 1; i >= 0; i--) {
          const e = logistic.examples[i]!;
          if (e.label === label && e.weight === Math.abs(weight) && e.features.join('\n') === key) {
            logistic.examples.splice(i, 1);
            break;
          }
        }
      }
    }
  }
}

/** How the logistic regressions are fitted: plain SGD, fixed order per epoch, decaying rate. */
export const LOGISTIC_FIT = { epochs: 30, rate: 3, decay: 0.3, l2: 1e-5, biasRate: 0.1 } as const;

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Fits (from zero) a softmax regression on the examples; features scaled by 1/√(their count). */
function fitLogistic(state: LogisticState): NonNullable<LogisticState['fitted']> {
  const labels = [...new Set(state.examples.map((e) => e.label))].sort();
  const index = new Map<string, number>();
  const encoded = state.examples.map((e) => ({
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
  state.fitted ??= fitLogistic(state);
  const { weights, bias } = state.fitted;
  const scale = document.features.length > 0 ? 1 / Math.sqrt(document.features.length) : 0;
  const scores = new Map(
    values.map((value) => {
      const own = weights.get(value);
      let sum = 0;
      if (own) for (const feature of document.features) sum += own.get(feature) ?? 0;
      // A value never learned gets the lowest score learned (it has no weights of its own).
      return [value, own ? (bias.get(value) ?? 0) + scale * sum : Number.NaN];
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
