// Qualification of a complaint at reception: category, level, requester type, receivability and
// typology, each with a confidence and the phrases that decided it. Everything that decides these
// goes through `qualify`: a weighted-cue scorer over normalised French text (french-text.ts)
// with the rules of the configuration (qualification-rules.ts), blended with the learned model
// (qualification-model.ts: the shipped corpus and the tickets staff settled), so that the
// acknowledgement can state the right deadline at once.
import { NEGATORS, isFunctionWord, tokenizeFrench, type Token } from './french-text.js';
import type { MailAddress } from './inbound-mail.js';
import {
  logisticScores,
  predictLocal,
  modelDocument,
  predictField,
  type ModelDocument,
  type ModelField,
  type ModelPrediction,
  type QualificationModel,
} from './qualification-model.js';
import {
  NON_RECEIVABLE_KINDS,
  type CueMap,
  type NonReceivableKind,
  type QualificationRules,
} from './qualification-rules.js';

export type { QualificationRules } from './qualification-rules.js';

export type RequesterType = 'adherent' | 'salarie';

export const QUALIFICATION_FIELDS = ['category', 'level', 'requester', 'receivable', 'typology'] as const;
export type QualificationField = (typeof QUALIFICATION_FIELDS)[number];

export interface QualificationInput {
  readonly subject: string;
  /** New text of the mail (quoted history and signature removed when possible). */
  readonly text: string;
  readonly from: MailAddress | null;
}

export interface FieldConfidences {
  readonly category: number;
  readonly level: number;
  readonly requester: number;
  readonly receivable: number;
  readonly typology: number;
}

/** One possible value of a field, with what the rules and the model said of it. */
export interface QualificationCandidate {
  /** As the labels write it: `"facturation"`, `"2"`, `"true"`. */
  readonly value: string;
  /** 0–1, the candidates of a field summing to 1: the blend of rules and model. */
  readonly probability: number;
  /** The rules' score (cue weights summed; for receivability, the margin of « recevable »). */
  readonly rules: number;
  /** The model's probability, or null when the model had no say (not trained, switched off). */
  readonly model: number | null;
}

/** Candidates of each field, most probable first; `typology` lists those of the chosen category. */
export interface QualificationCandidates {
  readonly category: readonly QualificationCandidate[];
  readonly level: readonly QualificationCandidate[];
  readonly requester: readonly QualificationCandidate[];
  readonly receivable: readonly QualificationCandidate[];
  readonly typology: readonly QualificationCandidate[];
}

export interface Qualification {
  readonly category: string | null;
  /** The level the complaint's impact points to. */
  readonly level: number;
  readonly requester: RequesterType | null;
  readonly receivable: boolean;
  readonly typology: string | null;
  /** 0 (a guess) to 1 (certain): the lowest of category, level and receivability. */
  readonly confidence: number;
  /** What decided each field, in words a referent understands. */
  readonly evidence: readonly string[];
  /** 0–1 per field. */
  readonly confidences: FieldConfidences;
  /**
   * Every value weighed for each field, with its probability: e.g. whether a confidential
   * category was a close second (`candidates.category[1]`).
   */
  readonly candidates: QualificationCandidates;
  /** Confidence under the configured threshold: staff must confirm the qualification. */
  readonly lowConfidence: boolean;
  /** Level to apply at reception: `level`, or the procedure's choice when the level (or receivability) is uncertain. */
  readonly acknowledgementLevel: number;
  /** Why it is not receivable, when it is not. */
  readonly nonReceivableKind: NonReceivableKind | null;
  /**
   * Every category with evidence (a rule cue, or the model's probability above 0.2), most likely
   * first: its rules' score and its blended probability (the chosen one's is
   * `confidences.category`). What a close second choice is decided from (reception-confidentiality.ts).
   */
  readonly categoryCandidates: readonly CategoryCandidate[];
}

export interface CategoryCandidate {
  readonly key: string;
  readonly score: number;
  /** 0–1. */
  readonly probability: number;
}

/**
 * How much the model's log-probability (and its logistic regressions' logits) counts against the
 * rules' scores, per field (times `learning.weight`). Chosen by cross-validation on the training
 * part of the corpus (bench/qualification-cv.ts, datasets/qualification/MODEL.md), never on its
 * frozen part.
 */
export const BLEND: {
  readonly share: Readonly<Record<ModelField, number>>;
  /**
   * Part of the rules' « recevable » margin that is only their default (no evidence): the model's
   * prior replaces it.
   */
  readonly receivableDefault: number;
  /** Examples at which the model has half its say (its say is examples / (examples + this)). */
  readonly rampExamples: number;
  /** How much the logistic regression's logits count, for the fields that have one. */
  readonly logistic: Readonly<Record<ModelField, number>>;
  /**
   * How much the local model (`predictLocal`: a nearest-centroid vote over this organisation's
   * settled tickets alone) counts, at full say; its say is tickets / (tickets + `localRampTickets`).
   * Off: on a stream in a style the corpus lacks it did not help (datasets/qualification/MODEL.md).
   */
  readonly local: Readonly<Record<ModelField, number>>;
  readonly localRampTickets: number;
} = {
  share: { category: 0.15, level: 0.15, requester: 0.09, receivable: 0.09, typology: 0.15 },
  logistic: { category: 0.6, level: 0.6, requester: 0, receivable: 0.7, typology: 0 },
  receivableDefault: 5,
  rampExamples: 30,
  local: { category: 0, level: 0, requester: 0, receivable: 0, typology: 0 },
  localRampTickets: 30,
};

/** Rules' score units per unit of log-odds, per field (the softmax temperature of the rules alone). */
const RULE_TEMPERATURE = { category: 2, level: 1.5, requester: 1.5, receivable: 1.5, typology: 1 } as const;

/**
 * What qualification reads of a complaint: what it is about is said at the start, and reading a
 * 3 MB body cost 3 s and 200 MB (tokens, stems) for nothing more.
 */
export const QUALIFY_MAX_SUBJECT_CHARS = 1_000;
export const QUALIFY_MAX_BODY_CHARS = 20_000;

/**
 * Qualifies a complaint (the first {@link QUALIFY_MAX_SUBJECT_CHARS} characters of the subject and
 * {@link QUALIFY_MAX_BODY_CHARS} of the text). Pure: the text, the rules and the model given decide
 * everything (the model is only read). Takes well under a millisecond on a usual mail once the rules are compiled
 * (compilation is cached per rules object).
 */
export function qualify(
  input: QualificationInput,
  rules: QualificationRules,
  model: QualificationModel | null = null,
): Qualification {
  const compiled = compile(rules);
  const subject = input.subject.slice(0, QUALIFY_MAX_SUBJECT_CHARS);
  const subjectTokens = tokenizeFrench(subject);
  const body = newTextOf(input.text.slice(0, QUALIFY_MAX_BODY_CHARS));
  const bodyTokens = tokenizeFrench(body);
  const doc: Doc = {
    subject: indexText(subject, subjectTokens, compiled),
    body: indexText(body, bodyTokens, compiled),
  };
  const learned: Learned | null =
    model && rules.learning.enabled && rules.learning.weight > 0
      ? {
          model,
          document: modelDocument(subjectTokens, bodyTokens, senderKind(input.from, rules), {
            subject: input.subject,
            body,
          }),
          weight: rules.learning.weight,
        }
      : null;
  const evidence: string[] = [];

  // Receivability
  const complaint = scoreCues(doc, compiled.complaint, rules, 0);
  const levelScores = new Map<string, Scored>();
  for (const level of rules.levelNumbers) {
    levelScores.set(
      String(level),
      scoreCues(doc, compiled.levels.get(String(level)) ?? [], rules, rules.levelBias[String(level)] ?? 0),
    );
  }
  // Dysfunction cues (levels 1–2) also show a dissatisfaction with the service.
  const dysfunction = [...levelScores.entries()]
    .filter(([l]) => l === '1' || l === '2')
    .reduce((sum, [, s]) => sum + s.positive, 0);
  const kinds = NON_RECEIVABLE_KINDS.map((kind) => ({
    kind,
    scored: scoreCues(doc, compiled.nonReceivable.get(kind) ?? [], rules, 0),
  }));
  kinds.sort((a, b) => b.scored.score - a.scored.score);
  const strongest = kinds[0]!;
  const forComplaint = complaint.score + 0.5 * dysfunction + RECEIVABLE_MARGIN;
  const against = strongest.scored.score;
  // Signed distance to the rules' boundary: non receivable when against ≥ the minimum and > for
  // (margin < 0); a tie stays receivable.
  const margin =
    against >= NON_RECEIVABLE_MIN ? forComplaint - against : Math.max(NON_RECEIVABLE_MIN, forComplaint) - against;
  const receivableBlend = blend(
    new Map([
      ['true', margin],
      ['false', 0],
    ]),
    RULE_TEMPERATURE.receivable,
    learned,
    'receivable',
    // With the model's say, its prior stands for the rules' « receivable unless shown otherwise ».
    new Map([
      ['true', margin - BLEND.receivableDefault],
      ['false', 0],
    ]),
  );
  const receivable = receivableBlend.candidates[0]!.value === 'true';
  const receivableConfidence = receivableBlend.candidates[0]!.probability;
  const nonReceivableKind = receivable ? null : strongest.kind;
  evidence.push(
    receivable
      ? `recevable (confiance ${percent(receivableConfidence)})` +
          (complaint.score > 0 ? ` : ${describe(complaint)}` : ' : aucun motif de non-recevabilité')
      : `non recevable — ${KIND_LABELS[strongest.kind]} (confiance ${percent(receivableConfidence)}) : ` +
          (strongest.scored.matches.length > 0 ? describe(strongest.scored) : 'aucun indice des règles'),
  );
  if (receivableBlend.evidence) evidence.push(receivableBlend.evidence);

  // Category
  const categoryScores = new Map<string, Scored>();
  for (const category of rules.categoryList) {
    const claimed = { subject: new Set<number>(), body: new Set<number>() };
    const scored = scoreCues(doc, compiled.categories.get(category.key) ?? [], rules, 0, claimed);
    // Typology keywords count for their category where the category's own cues did not already.
    const fromKeywords = scoreCues(doc, compiled.categoryKeywords.get(category.key) ?? [], rules, 0, claimed);
    scored.score += fromKeywords.score;
    scored.positive += fromKeywords.positive;
    scored.matches.push(...fromKeywords.matches);
    categoryScores.set(category.key, scored);
  }
  // A dispute with the employer or a third party is outside the service's activity: « autre ».
  const outside = rules.fallbackCategory !== null ? categoryScores.get(rules.fallbackCategory) : undefined;
  if (!receivable && outside && nonReceivableKind === 'thirdParty' && strongest.scored.score > 0) {
    const boost = OUTSIDE_ACTIVITY_SHARE * strongest.scored.score;
    outside.score += boost;
    outside.positive += boost;
    outside.matches.push({
      label: `hors de l’activité du service (${KIND_LABELS[nonReceivableKind]})`,
      contribution: boost,
    });
  }
  const anyCategoryCue = [...categoryScores.values()].some((s) => s.score > 0);
  const categoryBlend = blend(scoresOf(categoryScores), RULE_TEMPERATURE.category, learned, 'category');
  let category: string | null = null;
  let categoryConfidence = 0;
  if (anyCategoryCue || categoryBlend.model) {
    category = categoryBlend.candidates[0]?.value ?? null;
    categoryConfidence = categoryBlend.candidates[0]?.probability ?? 0;
  } else {
    category = rules.fallbackCategory ?? categoryBlend.candidates[0]?.value ?? null;
  }
  if (category !== null) {
    const scored = categoryScores.get(category);
    evidence.unshift(
      scored && scored.score > 0
        ? `catégorie ${category} (confiance ${percent(categoryConfidence)}) : ${describe(scored)}` +
            runnerUp(categoryScores, category)
        : categoryBlend.model
          ? `catégorie ${category} (confiance ${percent(categoryConfidence)}) : ` +
            'aucun indice des règles, choisie par le modèle'
          : `catégorie ${category} : aucun indice, catégorie par défaut`,
    );
    if (categoryBlend.evidence) evidence.splice(1, 0, categoryBlend.evidence);
  }

  // Level: 1 is a dysfunction that also hit the service rendered: the dysfunction cues of level 2
  // support it too (half), so level 1 wins as soon as the service-impact evidence outweighs half
  // the dysfunction evidence.
  const one = levelScores.get('1');
  const two = levelScores.get('2');
  if (one && two && two.positive > 0 && one.positive > 0) {
    const support = DYSFUNCTION_SUPPORT * two.positive;
    one.score += support;
    one.matches.push({ label: 'dysfonctionnement (indices du niveau 2)', contribution: support });
  }
  const levelBlend = blend(scoresOf(levelScores), RULE_TEMPERATURE.level, learned, 'level');
  const levelPick = levelBlend.candidates[0];
  let level = levelPick ? Number(levelPick.value) : rules.defaultLevel;
  // Chosen by the biases alone (nothing in the text about an impact, no model): a guess.
  const anyLevelEvidence = [...levelScores.values()].some((scored) => scored.matches.length > 0);
  let levelConfidence = anyLevelEvidence || levelBlend.model ? (levelPick?.probability ?? 0) : 0;
  if (!receivable) {
    level = rules.levelNumbers.length > 0 ? Math.max(...rules.levelNumbers) : rules.defaultLevel;
    levelConfidence = receivableConfidence;
    evidence.push(`niveau ${level} : non recevable, sans impact sur le service`);
  } else if (levelPick) {
    const scored = levelScores.get(levelPick.value)!;
    evidence.push(
      `niveau ${level} (confiance ${percent(levelConfidence)}) : ` +
        (scored.matches.length > 0 ? describe(scored) : 'aucun indice d’impact dans les règles') +
        runnerUp(levelScores, levelPick.value, 'niveau '),
    );
    if (levelBlend.evidence) evidence.push(levelBlend.evidence);
  }

  // Requester
  const requesterScores = new Map<string, Scored>([
    ['adherent', scoreCues(doc, compiled.adherent, rules, ADHERENT_PRIOR)],
    ['salarie', scoreCues(doc, compiled.salarie, rules, 0)],
  ]);
  for (const cue of senderCues(input.from, rules)) {
    const target = requesterScores.get(cue.value)!;
    target.score += cue.weight;
    target.positive += cue.weight;
    target.matches.unshift({ label: cue.label, contribution: cue.weight });
  }
  const requesterBlend = blend(scoresOf(requesterScores), RULE_TEMPERATURE.requester, learned, 'requester');
  const requesterPick = requesterBlend.candidates[0]!;
  const requester = requesterPick.value as RequesterType;
  evidence.push(
    `demandeur ${requester === 'salarie' ? 'salarié' : 'adhérent'} ` +
      `(confiance ${percent(requesterPick.probability)}) : ` +
      (describe(requesterScores.get(requester)!) || 'par défaut'),
  );
  if (requesterBlend.evidence) evidence.push(requesterBlend.evidence);

  // Typology, inside the chosen category
  let typology: string | null = null;
  let typologyConfidence = 0;
  let typologyCandidates: readonly QualificationCandidate[] = [];
  const typologies = category !== null ? compiled.typologies.get(category) : undefined;
  if (typologies && typologies.size > 0) {
    const typologyScores = new Map<string, Scored>();
    for (const [key, cues] of typologies) typologyScores.set(key, scoreCues(doc, cues, rules, 0));
    const typologyBlend = blend(scoresOf(typologyScores), RULE_TEMPERATURE.typology, learned, 'typology');
    typologyCandidates = typologyBlend.candidates;
    const pick = typologyBlend.candidates[0];
    const anyCue = [...typologyScores.values()].some((s) => s.score > 0);
    if (pick && (anyCue || typologyBlend.model)) {
      typology = pick.value;
      typologyConfidence = pick.probability;
      const scored = typologyScores.get(typology)!;
      evidence.push(
        `typologie ${typology} (confiance ${percent(typologyConfidence)}) : ` +
          (scored.matches.length > 0 ? describe(scored) : 'choisie par le modèle'),
      );
      if (typologyBlend.evidence) evidence.push(typologyBlend.evidence);
    }
  }

  const confidences: FieldConfidences = {
    category: round(categoryConfidence),
    level: round(levelConfidence),
    requester: round(requesterPick.probability),
    receivable: round(receivableConfidence),
    typology: round(typologyConfidence),
  };
  const confidence = Math.min(confidences.category, confidences.level, confidences.receivable);
  const { threshold, acknowledgementLevel: choice, cautiousFloor } = rules.lowConfidence;
  const lowConfidence = confidence < threshold;
  // The deadline depends on the level only: an uncertain category asks staff to confirm, but
  // the acknowledgement keeps the level found when that one is sure.
  const uncertainLevel = Math.min(confidences.level, confidences.receivable) < threshold;
  let acknowledgementLevel = level;
  if (choice === 'cautious') {
    // The chance of each level, a non-receivable reading counting for the last level.
    const pReceivable = receivableBlend.candidates.find((c) => c.value === 'true')?.probability ?? 1;
    const last = rules.levelNumbers.length > 0 ? Math.max(...rules.levelNumbers) : rules.defaultLevel;
    const chance = (l: number) =>
      pReceivable * (levelBlend.candidates.find((c) => c.value === String(l))?.probability ?? 0) +
      (l === last ? 1 - pReceivable : 0);
    const urgent = rules.levelsByUrgency.find((l) => chance(l) >= cautiousFloor);
    const later = (l: number) => rules.levelsByUrgency.indexOf(l);
    if (urgent !== undefined && later(urgent) < later(level)) acknowledgementLevel = urgent;
    if (acknowledgementLevel !== level)
      evidence.push(
        `niveau appliqué à l’accusé de réception : ${acknowledgementLevel}, ` +
          'le délai le plus court parmi les niveaux encore probables ' +
          `(${percent(chance(acknowledgementLevel))} ≥ ${percent(cautiousFloor)})`,
      );
  } else if (uncertainLevel) {
    acknowledgementLevel = choice === 'most-protective' ? rules.mostProtectiveLevel : rules.defaultLevel;
  }
  if (lowConfidence) {
    evidence.push(
      `confiance faible (${percent(confidence)} < ${percent(threshold)}) : qualification à confirmer` +
        (uncertainLevel && choice !== 'cautious'
          ? ` ; niveau appliqué à l’accusé de réception : ${acknowledgementLevel} ` +
            `(${choice === 'most-protective' ? 'le plus protecteur' : 'niveau par défaut de la procédure'})`
          : ''),
    );
  }
  return {
    category,
    level,
    requester,
    receivable,
    typology,
    confidence,
    evidence,
    confidences,
    candidates: {
      category: categoryBlend.candidates,
      level: levelBlend.candidates,
      requester: requesterBlend.candidates,
      receivable: receivableBlend.candidates,
      typology: typologyCandidates,
    },
    lowConfidence,
    acknowledgementLevel,
    nonReceivableKind,
    // What reception-confidentiality.ts reads: the rules' evidence and the blended probability;
    // a category only the model points to counts as evidence too (fail safe).
    categoryCandidates: categoryBlend.candidates
      .filter((c) => c.rules > 0 || (c.model ?? 0) > 0.2)
      .map((c) => ({ key: c.value, score: Math.max(c.rules, 0.01), probability: c.probability })),
  };
}

/** A mail as the learned model reads it (the same words `qualify` reads: new text only). */
export function modelDocumentOf(input: QualificationInput, rules: QualificationRules): ModelDocument {
  const body = newTextOf(input.text);
  return modelDocument(tokenizeFrench(input.subject), tokenizeFrench(body), senderKind(input.from, rules), {
    subject: input.subject,
    body,
  });
}

/** The model as one `qualify` call reads it: its state, this mail's features, the configured weight. */
interface Learned {
  readonly model: QualificationModel;
  readonly document: ModelDocument;
  readonly weight: number;
}

interface Blend {
  /** Most probable first. */
  readonly candidates: readonly QualificationCandidate[];
  /** The model had a say. */
  readonly model: boolean;
  /** The model's line of evidence, when it had a say. */
  readonly evidence: string | null;
}

/**
 * Rules' scores (divided by their temperature) plus the model's log-probabilities (times its
 * share): a softmax over the field's values gives each candidate's probability.
 */
function blend(
  ruleScores: ReadonlyMap<string, number>,
  temperature: number,
  learned: Learned | null,
  field: ModelField,
  withModel: ReadonlyMap<string, number> = ruleScores,
): Blend {
  const values = [...ruleScores.keys()];
  const prediction = learned ? predictField(learned.model, field, learned.document, values) : null;
  // The model's say grows with what it learned: little after ten tickets, most of it after hundreds.
  const ramp = prediction ? prediction.examples / (prediction.examples + BLEND.rampExamples) : 0;
  if (prediction) ruleScores = new Map([...ruleScores].map(([k, v]) => [k, v + ramp * ((withModel.get(k) ?? v) - v)]));
  const share = learned ? BLEND.share[field] * learned.weight * ramp : 0;
  const modelOf = new Map(prediction?.votes.map((v) => [v.value, v]) ?? []);
  const logistic =
    prediction && learned && BLEND.logistic[field] > 0
      ? logisticScores(learned.model, field, learned.document, values)
      : null;
  const logisticShare = learned ? BLEND.logistic[field] * learned.weight * ramp : 0;
  const local = learned && BLEND.local[field] > 0 ? predictLocal(learned.model, field, learned.document, values) : null;
  const localShare =
    local && learned
      ? (BLEND.local[field] * learned.weight * local.tickets) / (local.tickets + BLEND.localRampTickets)
      : 0;
  const logits = values.map((value) => {
    const vote = modelOf.get(value);
    return (
      (ruleScores.get(value) ?? 0) / temperature +
      (vote ? share * vote.logScore : 0) +
      (logistic ? logisticShare * (logistic.get(value) ?? 0) : 0) +
      (local ? localShare * (local.similarity.get(value) ?? 0) : 0)
    );
  });
  const best = Math.max(...logits);
  const z = logits.reduce((sum, l) => sum + Math.exp(l - best), 0);
  const candidates = values
    .map((value, i) => ({
      value,
      probability: Math.exp(logits[i]! - best) / z,
      rules: round(ruleScores.get(value) ?? 0),
      model: prediction ? (modelOf.get(value)?.probability ?? 0) : null,
      order: i,
    }))
    // Ties keep the order of the procedure (first category, lowest level).
    .sort((a, b) => b.probability - a.probability || a.order - b.order)
    .map(({ order: _order, ...candidate }) => ({ ...candidate, probability: round(candidate.probability, 4) }));
  return {
    candidates,
    model: prediction !== null,
    evidence: prediction ? modelEvidence(field, prediction, logistic) : null,
  };
}

function scoresOf(scored: ReadonlyMap<string, Scored>): Map<string, number> {
  return new Map([...scored].map(([key, s]) => [key, s.score]));
}

/** « appris de 371 exemples, dont 14 réclamations clôturées : facturation 87 % ; « facture » (31 …) ». */
function modelEvidence(
  field: ModelField,
  prediction: ModelPrediction,
  logistic: ReadonlyMap<string, number> | null,
): string {
  const top = prediction.votes[0]!;
  const value = FIELD_VALUE_WORDS[field]?.[top.value] ?? top.value;
  const settled =
    prediction.tickets > 0
      ? `, dont ${prediction.tickets} réclamation${plural(prediction.tickets)} ` +
        `réglée${plural(prediction.tickets)} par l’équipe`
      : '';
  const reasons = prediction.reasons
    .map(
      (r) =>
        `« ${r.word.length > 40 ? `${r.word.slice(0, 39)}…` : r.word} » (${r.seen} exemple${plural(r.seen)}` +
        (r.seenInTickets > 0
          ? `, dont ${r.seenInTickets} réclamation${plural(r.seenInTickets)} ` +
            `semblable${plural(r.seenInTickets)} réglée${plural(r.seenInTickets)}`
          : '') +
        ')',
    )
    .join(', ');
  let second = '';
  if (logistic && logistic.size > 0) {
    const best = Math.max(...logistic.values());
    const z = [...logistic.values()].reduce((sum, v) => sum + Math.exp(v - best), 0);
    const [pick] = [...logistic].sort((a, b) => b[1] - a[1])[0]!;
    second =
      ` ; régression logistique sur les mêmes mots : ${FIELD_VALUE_WORDS[field]?.[pick] ?? pick} ` +
      `à ${percent(Math.exp(logistic.get(pick)! - best) / z)}`;
  }
  return (
    `appris (${FIELD_LABELS[field]}) : ${value} à ${percent(top.probability)} ` +
    `d’après ${prediction.examples} exemple${plural(prediction.examples)}${settled}` +
    `${reasons ? ` ; mots décisifs ${reasons}` : ''}${second}`
  );
}

/** The French plural mark for a count (« 1 exemple », « 2 exemples »). */
function plural(count: number): string {
  return count > 1 ? 's' : '';
}

const FIELD_LABELS: Readonly<Record<ModelField, string>> = {
  category: 'catégorie',
  level: 'niveau',
  requester: 'demandeur',
  receivable: 'recevabilité',
  typology: 'typologie',
};

const FIELD_VALUE_WORDS: Partial<Record<ModelField, Readonly<Record<string, string>>>> = {
  level: { '1': 'niveau 1', '2': 'niveau 2', '3': 'niveau 3' },
  receivable: { true: 'recevable', false: 'non recevable' },
  requester: { adherent: 'adhérent', salarie: 'salarié' },
};

const ADHERENT_PRIOR = 0.5;
const DYSFUNCTION_SUPPORT = 0.5;
const OUTSIDE_ACTIVITY_SHARE = 1;
/** A message is a complaint unless a non-receivable motive clearly outweighs the dissatisfaction. */
const RECEIVABLE_MARGIN = 0.5;
const NON_RECEIVABLE_MIN = 2;

const KIND_LABELS: Readonly<Record<NonReceivableKind, string>> = {
  request: 'simple demande (rendez-vous, document, information)',
  thanks: 'remerciements',
  commercial: 'sollicitation commerciale ou hameçonnage',
  thirdParty: 'litige avec l’employeur ou un tiers',
};

// ---------------------------------------------------------------------------------------------
// New text of a mail
// ---------------------------------------------------------------------------------------------

const CUT_MARKERS: readonly RegExp[] = [
  new RegExp(
    String.raw`^[ \t]*-{2,}[ \t]*(message d'origine|message d’origine|original message|message transféré|` +
      'message transfere|forwarded message)',
    'im',
  ),
  /^[ \t]*(le|on)\b[^\n]{4,200}(a écrit|a ecrit|wrote)[ \t]*:?[ \t]*$/im,
  /^[ \t]*(de|from)[ \t]*:[^\n]*\n[ \t]*(envoyé|envoye|sent|date|à|a|to)[ \t]*:/im,
  /^[ \t]*>/m,
  /^[ \t]*_{5,}/m,
  new RegExp(
    String.raw`^[ \t]*(ce (message|courriel|mail|e-mail)|les informations contenues|avertissement|disclaimer|` +
      String.raw`confidentialit[ée][ \t]*:|this (e-?mail|message)|le présent (message|courriel)|` +
      String.raw`pensez à l'environnement|p[ \t]+avant d'imprimer)`,
    'im',
  ),
  /^[ \t]*envoyé depuis mon/im,
];

/** The text the complainant wrote: quoted history, disclaimers and "sent from" lines cut. */
export function newTextOf(text: string): string {
  let end = text.length;
  for (const marker of CUT_MARKERS) {
    const match = marker.exec(text);
    // Never cut everything: a mail that starts with a quote keeps its text.
    if (match && match.index > 0 && match.index < end) end = match.index;
  }
  return text.slice(0, end);
}

// ---------------------------------------------------------------------------------------------
// Compiled rules
// ---------------------------------------------------------------------------------------------

interface CompiledCue {
  readonly phrase: string;
  readonly weight: number;
  /** Atom keys per word of the phrase: `s:<stem>` or `p:<prefix>`. */
  readonly slots: readonly (readonly string[])[];
  /** The phrase itself holds a negation ("pas eu lieu"): never cancelled by one. */
  readonly hasNegator: boolean;
  /** Negation before it cancels it (not for topic cues: "pas de facture" is still about invoices). */
  readonly negatable: boolean;
}

interface Compiled {
  readonly categories: Map<string, CompiledCue[]>;
  /** Typology keywords, counted for their category after its own cues. */
  readonly categoryKeywords: Map<string, CompiledCue[]>;
  readonly levels: Map<string, CompiledCue[]>;
  readonly complaint: CompiledCue[];
  readonly nonReceivable: Map<NonReceivableKind, CompiledCue[]>;
  readonly adherent: CompiledCue[];
  readonly salarie: CompiledCue[];
  readonly typologies: Map<string, Map<string, CompiledCue[]>>;
  /** Prefix atoms by their first three letters. */
  readonly prefixes: Map<string, string[]>;
  /** Stem atoms, and their one-letter deletions (for typos): deletion → stems. */
  readonly stems: Set<string>;
  readonly deletions: Map<string, string[]>;
}

const COMPILED = new WeakMap<QualificationRules, Compiled>();

function compile(rules: QualificationRules): Compiled {
  const cached = COMPILED.get(rules);
  if (cached) return cached;
  const prefixes = new Map<string, string[]>();
  const stems = new Set<string>();
  const cues = (map: CueMap | undefined, negatable: boolean): CompiledCue[] =>
    Object.entries(map ?? {})
      .filter(([, weight]) => weight !== 0 && Number.isFinite(weight))
      .map(([phrase, weight]) => compileCue(phrase, weight, negatable, prefixes, stems))
      .filter((cue): cue is CompiledCue => cue !== null)
      .sort(bySpecificity);

  const categories = new Map<string, CompiledCue[]>();
  const categoryKeywords = new Map<string, CompiledCue[]>();
  const typologies = new Map<string, Map<string, CompiledCue[]>>();
  for (const category of rules.categoryList) {
    const own = cues(rules.categories[category.key], false);
    // Typology keywords also point to their category: a little when the category has its own
    // cues, more when it has none (a procedure's own categories, e.g. training bodies').
    const keywordWeight = own.length > 0 ? 0.5 : 1.5;
    const keywords: CompiledCue[] = [];
    const byTypology = new Map<string, CompiledCue[]>();
    for (const typology of category.typologies) {
      const keywordCues = typology.keywords
        .map((k) => compileCue(k, 1, false, prefixes, stems))
        .filter((c): c is CompiledCue => c !== null);
      byTypology.set(typology.key, [...keywordCues].sort(bySpecificity));
      for (const cue of keywordCues)
        if (!own.some((o) => o.phrase === cue.phrase)) keywords.push({ ...cue, weight: keywordWeight });
    }
    categories.set(category.key, own.sort(bySpecificity));
    categoryKeywords.set(category.key, keywords.sort(bySpecificity));
    typologies.set(category.key, byTypology);
  }
  const levels = new Map<string, CompiledCue[]>();
  for (const [level, map] of Object.entries(rules.levels)) levels.set(level, cues(map, true));
  const nonReceivable = new Map<NonReceivableKind, CompiledCue[]>();
  for (const kind of NON_RECEIVABLE_KINDS) nonReceivable.set(kind, cues(rules.receivable[kind], true));

  const compiled: Compiled = {
    categories,
    categoryKeywords,
    levels,
    complaint: cues(rules.receivable.complaint, true),
    nonReceivable,
    adherent: cues(rules.requester.adherent, false),
    salarie: cues(rules.requester.salarie, false),
    typologies,
    prefixes,
    stems,
    deletions: deletionIndex(stems),
  };
  COMPILED.set(rules, compiled);
  return compiled;
}

/** Longer phrases first (they claim their words), then stronger weights. */
function bySpecificity(a: CompiledCue, b: CompiledCue): number {
  return b.slots.length - a.slots.length || Math.abs(b.weight) - Math.abs(a.weight);
}

function compileCue(
  phrase: string,
  weight: number,
  negatable: boolean,
  prefixes: Map<string, string[]>,
  stems: Set<string>,
): CompiledCue | null {
  const slots: string[][] = [];
  let hasNegator = false;
  const addStem = (token: Token): string => {
    if (NEGATORS.has(token.surface)) hasNegator = true;
    stems.add(token.stem);
    return `s:${token.stem}`;
  };
  const addPrefix = (word: string): string | null => {
    const prefix = tokenizeFrench(word)
      .map((t) => t.surface)
      .join('');
    if (prefix.length < 3) return null;
    const head = prefix.slice(0, 3);
    const list = prefixes.get(head) ?? [];
    if (!list.includes(prefix)) list.push(prefix);
    prefixes.set(head, list);
    return `p:${prefix}`;
  };
  if (!/[|*]/.test(phrase)) {
    // Plain phrase: tokenised exactly like a complaint, so compounds and elisions agree.
    for (const token of tokenizeFrench(phrase)) slots.push([addStem(token)]);
  } else {
    for (const part of phrase.trim().split(/\s+/)) {
      const atoms: string[] = [];
      const alternatives = part.split('|').filter((a) => a !== '');
      if (alternatives.length === 1 && !part.endsWith('*')) {
        for (const token of tokenizeFrench(part)) slots.push([addStem(token)]);
        continue;
      }
      for (const alternative of alternatives) {
        if (alternative.endsWith('*')) {
          const atom = addPrefix(alternative.slice(0, -1));
          if (atom) atoms.push(atom);
        } else {
          const tokens = tokenizeFrench(alternative);
          const last = tokens[tokens.length - 1];
          if (last) atoms.push(addStem(last));
        }
      }
      if (atoms.length > 0) slots.push(atoms);
    }
  }
  if (slots.length === 0) return null;
  return { phrase, weight, slots, hasNegator, negatable };
}

function deletionIndex(stems: ReadonlySet<string>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const stem of stems) {
    if (stem.length < 6 || !/^[a-z]+$/.test(stem)) continue;
    for (const variant of deletions(stem)) {
      const list = index.get(variant) ?? [];
      list.push(stem);
      index.set(variant, list);
    }
  }
  return index;
}

/** The word with one letter removed, except the first (typos rarely touch the first letter). */
function deletions(word: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

interface IndexedText {
  readonly text: string;
  readonly tokens: readonly Token[];
  /** Positions of each atom key, ascending. */
  readonly positions: Map<string, number[]>;
  /** contentBefore[i]: content (non-function) words among tokens[0..i-1]. */
  readonly contentBefore: Int32Array;
  readonly slotCache: Map<readonly string[], readonly number[]>;
}

interface Doc {
  readonly subject: IndexedText;
  readonly body: IndexedText;
}

function indexText(text: string, tokens: readonly Token[], compiled: Compiled): IndexedText {
  const positions = new Map<string, number[]>();
  const add = (key: string, i: number) => {
    const list = positions.get(key);
    if (list === undefined) positions.set(key, [i]);
    else if (list[list.length - 1] !== i) list.push(i);
  };
  const contentBefore = new Int32Array(tokens.length + 1);
  tokens.forEach((token, i) => {
    contentBefore[i + 1] = contentBefore[i]! + (isFunctionWord(token.surface) ? 0 : 1);
    add(`s:${token.stem}`, i);
    for (const prefix of compiled.prefixes.get(token.surface.slice(0, 3)) ?? []) {
      if (token.surface.startsWith(prefix)) add(`p:${prefix}`, i);
    }
    if (!compiled.stems.has(token.stem)) for (const stem of typoMatches(token.stem, compiled)) add(`s:${stem}`, i);
  });
  return { text, tokens, positions, contentBefore, slotCache: new Map() };
}

/** Rule stems within one typo of `stem`: a letter missing, a letter too many, or (long words) one wrong. */
function typoMatches(stem: string, compiled: Compiled): string[] {
  if (stem.length < 5 || !/^[a-z]+$/.test(stem)) return [];
  const found = new Set<string>();
  for (const target of compiled.deletions.get(stem) ?? []) if (target.length >= 6) found.add(target); // letter missing
  if (stem.length >= 7) {
    for (const variant of deletions(stem)) {
      if (compiled.stems.has(variant) && variant.length >= 6) found.add(variant); // letter too many
      // one wrong
      if (stem.length >= 8)
        for (const target of compiled.deletions.get(variant) ?? []) if (target.length >= 8) found.add(target);
    }
  }
  return [...found];
}

interface Match {
  readonly label: string;
  readonly contribution: number;
}

interface Scored {
  score: number;
  /** Sum of positive contributions only. */
  positive: number;
  readonly matches: Match[];
}

/**
 * Scores one group of cues (one category, one level…). Longer phrases go first and claim the
 * words they matched, so "salle d'attente" is not also counted as "attente" in the same group.
 */
function scoreCues(
  doc: Doc,
  cues: readonly CompiledCue[],
  rules: QualificationRules,
  bias: number,
  claimed = { subject: new Set<number>(), body: new Set<number>() },
): Scored {
  const scored: Scored = { score: bias, positive: 0, matches: [] };
  for (const cue of cues) {
    const inBody = findMatches(doc.body, cue, rules, claimed.body);
    const inSubject = findMatches(doc.subject, cue, rules, claimed.subject);
    if (inBody.length === 0 && inSubject.length === 0) continue;
    const repeat = inBody.length > 0 ? 1 + 0.5 * (Math.min(inBody.length, 3) - 1) : 0;
    const contribution = cue.weight * (repeat + (inSubject.length > 0 ? rules.subjectWeight : 0));
    scored.score += contribution;
    if (contribution > 0) scored.positive += contribution;
    const first = inSubject[0] ?? inBody[0]!;
    const where = inSubject.length > 0 ? doc.subject : doc.body;
    const snippet = where.text
      .slice(where.tokens[first[0]!]!.start, where.tokens[first[first.length - 1]!]!.end)
      .replace(/\s+/g, ' ')
      .trim();
    const count = inBody.length + inSubject.length;
    scored.matches.push({
      label:
        `« ${snippet.length > 60 ? `${snippet.slice(0, 57)}…` : snippet} »` +
        `${inSubject.length > 0 ? ' (objet)' : ''}${count > 1 ? ` ×${count}` : ''}`,
      contribution,
    });
  }
  scored.matches.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return scored;
}

/** Matches of `cue` in `text` avoiding `claimed` positions, which it extends; each match lists its word positions. */
function findMatches(text: IndexedText, cue: CompiledCue, rules: QualificationRules, claimed: Set<number>): number[][] {
  const firsts = positionsOf(text, cue.slots[0]!);
  if (firsts.length === 0) return [];
  const found: number[][] = [];
  let after = -1;
  for (const start of firsts) {
    if (start <= after || claimed.has(start)) continue;
    const matched = [start];
    let current = start;
    for (let k = 1; k < cue.slots.length; k++) {
      const next = nextPosition(text, positionsOf(text, cue.slots[k]!), current, rules.phraseWindow);
      if (next < 0 || claimed.has(next)) break;
      matched.push(next);
      current = next;
    }
    if (matched.length < cue.slots.length) continue;
    if (cue.negatable && !cue.hasNegator && negated(text, start, rules.negationWindow)) continue;
    for (const position of matched) claimed.add(position);
    found.push(matched);
    after = current;
  }
  return found;
}

const NONE: readonly number[] = [];

/** Ascending positions of a word of a phrase (any of its alternatives), cached per text. */
function positionsOf(text: IndexedText, atoms: readonly string[]): readonly number[] {
  if (atoms.length === 1) return text.positions.get(atoms[0]!) ?? NONE;
  const cached = text.slotCache.get(atoms);
  if (cached) return cached;
  let merged: number[] | null = null;
  for (const atom of atoms) {
    const found = text.positions.get(atom);
    if (found) merged = merged ? [...merged, ...found] : [...found];
  }
  const result = merged ? merged.sort((a, b) => a - b) : NONE;
  text.slotCache.set(atoms, result);
  return result;
}

/** First position after `from`, in the same clause, with fewer than `window` content words in between. */
function nextPosition(text: IndexedText, candidates: readonly number[], from: number, window: number): number {
  const clause = text.tokens[from]!.clause;
  for (const q of candidates) {
    if (q <= from) continue;
    if (text.tokens[q]!.clause !== clause) return -1;
    if (q - from > window + 4) return -1;
    const between = text.contentBefore[q]! - text.contentBefore[from + 1]!;
    if (between <= window - 1) return q;
    return -1;
  }
  return -1;
}

function negated(text: IndexedText, start: number, window: number): boolean {
  const clause = text.tokens[start]!.clause;
  let content = 0;
  for (let i = start - 1; i >= 0 && i >= start - window - 3; i--) {
    const token = text.tokens[i]!;
    if (token.clause !== clause) return false;
    if (NEGATORS.has(token.surface)) return true;
    if (!isFunctionWord(token.surface) && ++content >= window) return false;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Sender
// ---------------------------------------------------------------------------------------------

function senderCues(
  from: MailAddress | null,
  rules: QualificationRules,
): { value: RequesterType; weight: number; label: string }[] {
  if (!from?.address.includes('@')) return [];
  const [local, domain] = from.address.toLowerCase().split('@') as [string, string];
  const cues: { value: RequesterType; weight: number; label: string }[] = [];
  const words = new Set(tokenizeFrench(`${from.name} ${local.replace(/[._+-]/g, ' ')}`).map((t) => t.surface));
  const companyWord = rules.requester.companyNameWords.find((w) => words.has(w));
  if (rules.requester.personalDomains.some((pattern) => domainMatches(domain, pattern))) {
    cues.push({
      value: 'salarie',
      weight: rules.requester.personalDomainWeight,
      label: `messagerie personnelle (${domain})`,
    });
  } else if (rules.requester.companyMailboxes.includes(local)) {
    cues.push({
      value: 'adherent',
      weight: rules.requester.companyDomainWeight + 1,
      label: `boîte de l’entreprise (${local}@${domain})`,
    });
  } else {
    cues.push({
      value: 'adherent',
      weight: rules.requester.companyDomainWeight,
      label: `domaine d’entreprise (${domain})`,
    });
  }
  // A company's name as the sender ("Boulangerie Morin <boulangerie.morin@orange.fr>").
  if (companyWord && !rules.requester.companyMailboxes.includes(local)) {
    cues.push({
      value: 'adherent',
      weight: rules.requester.personalDomainWeight + 0.5,
      label: `expéditeur au nom d’une entreprise (« ${companyWord} »)`,
    });
  }
  return cues;
}

/** `personal` for a mailbox provider's address, `company` for any other, null without an address. */
function senderKind(from: MailAddress | null, rules: QualificationRules): string | null {
  if (!from?.address.includes('@')) return null;
  const domain = from.address.toLowerCase().split('@')[1]!;
  return rules.requester.personalDomains.some((pattern) => domainMatches(domain, pattern)) ? 'personal' : 'company';
}

/** `hotmail.*` matches hotmail.fr and hotmail.co.uk; `gmail.com` matches gmail.com only. */
function domainMatches(domain: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (p.endsWith('.*')) return domain.startsWith(p.slice(0, -1));
  return domain === p;
}

// ---------------------------------------------------------------------------------------------
// Decision and words
// ---------------------------------------------------------------------------------------------

function runnerUp(scores: ReadonlyMap<string, Scored>, chosen: string, prefix = ''): string {
  let second: [string, Scored] | null = null;
  for (const entry of scores) if (entry[0] !== chosen && (!second || entry[1].score > second[1].score)) second = entry;
  if (!second || second[1].positive <= 0) return '';
  const against = formatNumber(scores.get(chosen)!.score);
  return ` ; ensuite ${prefix}${second[0]} (${formatNumber(second[1].score)} contre ${against})`;
}

function describe(scored: Scored): string {
  const shown = scored.matches
    .slice(0, 5)
    .map((m) => `${m.label} ${m.contribution >= 0 ? '+' : '−'}${formatNumber(Math.abs(m.contribution))}`);
  const more = scored.matches.length - shown.length;
  return shown.join(', ') + (more > 0 ? `, et ${more} autre${more > 1 ? 's' : ''}` : '');
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function percent(x: number): string {
  return `${Math.round(x * 100)} %`;
}

function formatNumber(x: number): string {
  return (Math.round(x * 10) / 10).toString().replace('.', ',');
}
