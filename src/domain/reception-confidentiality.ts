// Fail-safe confidentiality at reception (SPEC §4): a complaint the qualifier hesitates to call
// medical is treated as medical until a doctor decides. While a confidential category is a close
// candidate of the automatic qualification, the ticket is confidential (only reference, dates,
// level and state reach non-doctors) and the doctors who are referents of that category are
// notified too, so that someone who may see it can act; `#categorie` by a doctor then sets the
// visibility from the category chosen.
import type { Settings } from './settings.js';
import { findPerson, hasRole, isConfidentialCategory, type Person, peopleWithRole } from './people.js';
import type { CategoryCandidate, Qualification } from './qualification.js';
import { routeTicket, type Routing, type RoutingFacts } from './routing.js';

/**
 * A candidate is close when it is at least this share as likely as the chosen category (same
 * softmax as the choice, temperature 2): a score gap of 2·ln 3 ≈ 2.2 points, i.e. one strong cue
 * (the built-in ones weigh 1.5 to 3) could have tipped it.
 */
export const CLOSE_CANDIDATE_RATIO = 1 / 3;

/**
 * Or when the text holds this much evidence for it, however much more it holds for another
 * category: the weight of one of the strongest built-in cues (« aptitude », « secret médical »,
 * « médecin absent »). A complaint about an invoice and about the doctor's behaviour still tells
 * medical things: whoever reads it must be allowed to.
 */
export const STRONG_CANDIDATE_SCORE = 3;

/**
 * The confidential categories that are close candidates of `qualification` (not the chosen one):
 * some evidence for them (score > 0) and either a probability of at least CLOSE_CANDIDATE_RATIO ×
 * the chosen category's or a score of at least STRONG_CANDIDATE_SCORE. Most likely first.
 */
export function closeConfidentialCandidates(
  qualification: Pick<Qualification, 'category' | 'categoryCandidates'>,
  confidentialKeys: readonly string[],
): string[] {
  const candidates: readonly CategoryCandidate[] = qualification.categoryCandidates ?? [];
  const chosen = candidates.find((c) => c.key === qualification.category);
  // No evidence for the chosen category (a fallback): every candidate with evidence is close.
  const bar = chosen ? chosen.probability * CLOSE_CANDIDATE_RATIO : 0;
  return candidates
    .filter((c) => c.key !== qualification.category && confidentialKeys.includes(c.key))
    .filter((c) => c.score > 0 && (c.probability >= bar || c.score >= STRONG_CANDIDATE_SCORE))
    .map((c) => c.key);
}

export interface ReceptionDecision {
  /** The ticket's `confidential` at reception. */
  readonly confidential: boolean;
  /**
   * `category`: the chosen category is confidential; `close-candidate`: only a close candidate is
   * (confidential until a doctor sets the category); null: not confidential.
   */
  readonly because: 'category' | 'close-candidate' | null;
  /** The confidential categories that were close candidates (for `close-candidate`). */
  readonly candidates: readonly string[];
  /** Who handles and who is told: the usual routing, plus the doctors of the candidates. */
  readonly routing: Routing;
}

/**
 * Decides a new ticket's confidentiality and routing from its qualification. The usual routing
 * (`routeTicket`) is kept; for a close confidential candidate, the doctors among its referents
 * (all doctors when it names none) become referents too and every notification says why.
 */
export function decideReception(
  qualification: Pick<Qualification, 'category' | 'categoryCandidates'>,
  facts: RoutingFacts,
  config: Pick<Settings, 'routing' | 'categories' | 'people'>,
): ReceptionDecision {
  const routing = routeTicket(facts, config);
  if (isConfidentialCategory(config, qualification.category))
    return { confidential: true, because: 'category', candidates: [], routing };
  const confidentialKeys = config.categories.filter((c) => c.confidential).map((c) => c.key);
  const candidates = closeConfidentialCandidates(qualification, confidentialKeys);
  if (candidates.length === 0) return { confidential: false, because: null, candidates: [], routing };

  const labels = candidates.map((key) => config.categories.find((c) => c.key === key)!.label);
  const chosen = config.categories.find((c) => c.key === qualification.category)?.label ?? 'à qualifier';
  const why =
    `la qualification automatique hésite entre ${chosen} et ${labels.join(', ')} : par précaution, son ` +
    `contenu est réservé aux médecins tant qu’un médecin n’a pas fixé la catégorie (#categorie)`;
  const doctors: { email: string; label: string }[] = [];
  for (const key of candidates) {
    const category = config.categories.find((c) => c.key === key)!;
    const named = category.referents.filter((email) => hasRole(findPerson(config, email), 'doctor'));
    const emails = named.length > 0 ? named : peopleWithRole(config, 'doctor').map((p) => p.email);
    for (const email of emails)
      if (!doctors.some((d) => d.email === email)) doctors.push({ email, label: category.label });
  }
  const referents = [
    ...routing.referents,
    ...doctors.map((d) => d.email).filter((e) => !routing.referents.includes(e)),
  ];
  const notify = [
    ...routing.notify.map((n) => ({ email: n.email, reason: `${n.reason} ; ${why}` })),
    ...doctors
      .filter((d) => !routing.notify.some((n) => n.email === d.email))
      .map((d) => ({ email: d.email, reason: `médecin référent de la catégorie ${d.label} ; ${why}` })),
  ];
  return { confidential: true, because: 'close-candidate', candidates, routing: { referents, notify } };
}

/**
 * Whether a mail that is on no ticket (quarantined, too large to read, an intake confirmation that
 * could not be delivered) may be described to `reader` by its sender and subject. Its subject is
 * all the qualifier has: a doctor always may; anyone else only when that subject neither names nor
 * comes close to a confidential category (the same rule as at reception: when in doubt, masked).
 */
export function mayDescribeUnfiledMail(
  subjectQualification: Pick<Qualification, 'category' | 'categoryCandidates'>,
  reader: Person | undefined,
  config: Pick<Settings, 'categories'>,
): boolean {
  if (hasRole(reader, 'doctor')) return true;
  if (isConfidentialCategory(config, subjectQualification.category)) return false;
  const confidentialKeys = config.categories.filter((c) => c.confidential).map((c) => c.key);
  return closeConfidentialCandidates(subjectQualification, confidentialKeys).length === 0;
}
