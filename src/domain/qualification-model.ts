// The learned half of the qualifier: a complement naive Bayes (Rennie et al. 2003) over word and
// word-pair features (binary per mail), one per qualification field, trained on the shipped corpus
// and on every ticket whose qualification staff settled, and updated one example at a time as
// tickets settle (whole-number counts only: learning or unlearning a mail costs its features,
// never a retrain, and unlearning is exact). Pure: no I/O; the state is plain data that
// `learnExample` and `unlearnExample` change in place.
// Why this learner, and why hand-written: datasets/qualification/MODEL.md (the maintained npm
// libraries measured either predict in 45 ms, cannot learn after training, pull in database
// clients or train from files only; logistic regression did no better and cannot unlearn exactly).
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

/**
 * Counts of one label, kept apart per source and as whole numbers: learning then unlearning an
 * example gives back exactly the same state (no floating-point residue), whatever `ticketWeight`
 * is; the weight is applied when predicting.
 */
interface LabelStats {
  /** Examples with this label: from the corpus, from settled tickets. */
  corpusDocs: number;
  ticketDocs: number;
  /** Sum of the examples' feature counts (the multinomial's denominator), per source. */
  corpusTotal: number;
  ticketTotal: number;
  readonly corpusCounts: Map<string, number>;
  readonly ticketCounts: Map<string, number>;
}

interface FieldState {
  readonly labels: Map<string, LabelStats>;
  /** Feature → examples (all labels, both sources) that have it; its size is the vocabulary. */
  readonly vocabulary: Map<string, number>;
  /** Feature → examples of all labels with it, per source (the complement of a label is these less its own). */
  readonly corpusCounts: Map<string, number>;
  readonly ticketCounts: Map<string, number>;
  corpusDocs: number;
  ticketDocs: number;
  corpusTotal: number;
  ticketTotal: number;
}

export const MODEL_LEARNERS = ['complement', 'multinomial'] as const;
export type ModelLearner = (typeof MODEL_LEARNERS)[number];

export interface ModelOptions {
  /**
   * `complement`: each value scored by how unlike the OTHER values' examples the mail is (steadier
   * with few or unbalanced examples, no prior); `multinomial`: the classic naive Bayes.
   */
  readonly learner: ModelLearner;
  /** Additive smoothing of feature counts. */
  readonly alpha: number;
  /** Weight of one settled ticket against one corpus example. */
  readonly ticketWeight: number;
}

/** The model's state: plain data, changed in place by `learnExample` / `unlearnExample`. */
export interface QualificationModel {
  readonly options: ModelOptions;
  readonly fields: ReadonlyMap<ModelField, FieldState>;
}

export const DEFAULT_MODEL_OPTIONS: ModelOptions = { learner: 'complement', alpha: 0.1, ticketWeight: 1 };

export function createModel(options: Partial<ModelOptions> = {}): QualificationModel {
  return {
    options: { ...DEFAULT_MODEL_OPTIONS, ...options },
    fields: new Map(
      MODEL_FIELDS.map((f) => [
        f,
        {
          labels: new Map(),
          vocabulary: new Map(),
          corpusCounts: new Map(),
          ticketCounts: new Map(),
          corpusDocs: 0,
          ticketDocs: 0,
          corpusTotal: 0,
          ticketTotal: 0,
        },
      ]),
    ),
  };
}

/** Words that say nothing about a topic, except the negations ("pas eu lieu", "jamais reçu"). */
function kept(token: Token): boolean {
  return token.surface.length > 1 && (!isFunctionWord(token.surface) || NEGATORS.has(token.surface));
}

/** Who sent a mail, as the model reads it: the kind of address, and its domain. */
export interface ModelSender {
  /** `personal` for a mailbox provider, `company` for any other domain. */
  readonly kind: string;
  readonly domain: string;
}

/**
 * The features of a mail: its subject's and body's words (stems) and consecutive word pairs, the
 * subject's words again, the kind of sender address (`personal` for a mailbox provider) and its
 * domain (`dom:`: what an organisation's settled tickets say of the people writing from it).
 */
export function modelDocument(
  subjectTokens: readonly Token[],
  bodyTokens: readonly Token[],
  sender: ModelSender | null,
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
  if (sender !== null) {
    features.add(`from:${sender.kind}`);
    features.add(`${DOMAIN_FEATURE}${sender.domain}`);
  }
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
  const ticket = source === 'ticket';
  // Checked for every field before any changes, so a refused unlearning leaves the model as it was.
  if (sign < 0) {
    for (const field of MODEL_FIELDS) {
      const label = labels[field];
      if (label === undefined) continue;
      const stats = model.fields.get(field)!.labels.get(label);
      if (!stats) throw new Error(`unlearnExample: no ${source} example of ${field} ${label} was learned`);
      const counts = ticket ? stats.ticketCounts : stats.corpusCounts;
      if ((ticket ? stats.ticketDocs : stats.corpusDocs) < 1 || document.features.some((f) => !counts.has(f)))
        throw new Error(`unlearnExample: this ${source} example of ${field} ${label} was not learned`);
    }
  }
  for (const field of MODEL_FIELDS) {
    const label = labels[field];
    if (label === undefined) continue;
    const state = model.fields.get(field)!;
    let stats = state.labels.get(label);
    if (!stats) {
      stats = {
        corpusDocs: 0,
        ticketDocs: 0,
        corpusTotal: 0,
        ticketTotal: 0,
        corpusCounts: new Map(),
        ticketCounts: new Map(),
      };
      state.labels.set(label, stats);
    }
    const counts = ticket ? stats.ticketCounts : stats.corpusCounts;
    const all = ticket ? state.ticketCounts : state.corpusCounts;
    const length = sign * document.features.length;
    if (ticket) {
      stats.ticketDocs += sign;
      stats.ticketTotal += length;
      state.ticketDocs += sign;
      state.ticketTotal += length;
    } else {
      stats.corpusDocs += sign;
      stats.corpusTotal += length;
      state.corpusDocs += sign;
      state.corpusTotal += length;
    }
    for (const feature of document.features) {
      bump(counts, feature, sign);
      bump(all, feature, sign);
      bump(state.vocabulary, feature, sign);
    }
    if (stats.corpusDocs === 0 && stats.ticketDocs === 0) state.labels.delete(label);
  }
}

/** Prefix of the sender-domain feature. */
export const DOMAIN_FEATURE = 'dom:';

/**
 * Settled tickets (not corpus examples) of each value of `field` that have `feature`: e.g. how
 * many complaints staff settled as `salarie` came from a domain. Whole numbers, exact.
 */
export function ticketsWithFeature(
  model: QualificationModel,
  field: ModelField,
  feature: string,
): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const [label, stats] of model.fields.get(field)!.labels) {
    const n = stats.ticketCounts.get(feature) ?? 0;
    if (n > 0) out.set(label, n);
  }
  return out;
}

/** Whole-number counts: an entry at zero is removed, so an unlearned feature leaves no trace. */
function bump(map: Map<string, number>, key: string, by: number): void {
  const value = (map.get(key) ?? 0) + by;
  if (value === 0) map.delete(key);
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
  const { alpha, ticketWeight: w, learner } = model.options;
  const stateDocs = state.corpusDocs + w * state.ticketDocs;
  if (state.labels.size < 2 || stateDocs < minExamples || values.length < 2) return null;
  const smoothing = alpha * state.vocabulary.size;
  const known = document.features.filter((f) => state.vocabulary.has(f));
  const allTotal = state.corpusTotal + w * state.ticketTotal;
  /** What one feature says for a value (log-space). */
  const logShare =
    learner === 'complement'
      ? (stats: LabelStats | undefined, feature: string, complementTotal: number) =>
          -Math.log(
            (state.corpusCounts.get(feature) ?? 0) +
              w * (state.ticketCounts.get(feature) ?? 0) -
              count(stats, feature, w) +
              alpha,
          ) + complementTotal
      : (stats: LabelStats | undefined, feature: string, denominator: number) =>
          Math.log(count(stats, feature, w) + alpha) - denominator;
  /** The per-value constant of `logShare`: log of the (complement's) total. */
  const constant = (stats: LabelStats | undefined) =>
    learner === 'complement' ? Math.log(allTotal - total(stats, w) + smoothing) : Math.log(total(stats, w) + smoothing);
  const scored = values.map((value) => {
    const stats = state.labels.get(value);
    const docs = stats ? stats.corpusDocs + w * stats.ticketDocs : 0;
    // The complement learner has no prior: how unlike the other values' examples a mail is decides.
    let logScore = learner === 'complement' ? 0 : Math.log((docs + 1) / (stateDocs + values.length));
    const c = constant(stats);
    for (const feature of known) logScore += logShare(stats, feature, c);
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
    const firstConstant = constant(first);
    const secondConstant = constant(second);
    for (const feature of known) {
      const word = document.words.get(feature);
      if (word === undefined || feature.startsWith('s:')) continue;
      const lift = logShare(first, feature, firstConstant) - logShare(second, feature, secondConstant);
      if (lift > 0.5) {
        reasons.push({
          word,
          seen: (first.corpusCounts.get(feature) ?? 0) + (first.ticketCounts.get(feature) ?? 0),
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
    examples: state.corpusDocs + state.ticketDocs,
    tickets: state.ticketDocs,
    reasons: reasons
      .filter((r) => !seenWords.has(r.word.toLowerCase()) && seenWords.add(r.word.toLowerCase()))
      .slice(0, 3)
      .map(({ word, seen, seenInTickets }) => ({ word, seen, seenInTickets })),
  };
}

function count(stats: LabelStats | undefined, feature: string, ticketWeight: number): number {
  return stats ? (stats.corpusCounts.get(feature) ?? 0) + ticketWeight * (stats.ticketCounts.get(feature) ?? 0) : 0;
}

function total(stats: LabelStats | undefined, ticketWeight: number): number {
  return stats ? stats.corpusTotal + ticketWeight * stats.ticketTotal : 0;
}
