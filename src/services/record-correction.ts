// A referent re-qualified a ticket (#categorie, #niveau, #demandeur, #typologie, #irrecevable):
// remember the correction with the complaint's normalised terms, so that the qualifier scores
// similar complaints closer to what staff decided (bounded and explained: domain/qualification.ts).
import type { Db } from '../db/database.js';
import { insertQualificationFeedback, type QualificationFeedbackRow } from '../db/qualification-feedback.js';
import { contentTerms } from '../domain/french-text.js';
import { QUALIFICATION_FIELDS, type QualificationField } from '../domain/qualification.js';
import type { Deps } from './deps.js';

export interface CorrectionInput {
  readonly ticketId: number | null;
  readonly field: QualificationField;
  /** The value before the correction (null when there was none). Levels and booleans as text: "2", "false". */
  readonly from: string | number | boolean | null;
  readonly to: string | number | boolean;
  /** Who corrected (staff e-mail). */
  readonly actor: string;
  /** The complaint's subject and new text, what similar complaints are recognised by. */
  readonly text: string;
}

/** Most terms kept per correction: the table and the similarity computation stay small. */
export const MAX_TERMS_PER_CORRECTION = 300;

/**
 * Records one correction inside the caller's transaction. Returns null, recording nothing, when
 * the value did not change or the field is not a qualification field.
 */
export async function recordCorrection(
  tx: Db,
  deps: Pick<Deps, 'clock'>,
  input: CorrectionInput,
): Promise<QualificationFeedbackRow | null> {
  if (!(QUALIFICATION_FIELDS as readonly string[]).includes(input.field)) return null;
  const from = input.from === null ? null : String(input.from);
  const to = String(input.to);
  if (from === to) return null;
  return insertQualificationFeedback(tx, {
    ticketId: input.ticketId,
    field: input.field,
    fromValue: from,
    toValue: to,
    terms: contentTerms(input.text, MAX_TERMS_PER_CORRECTION),
    actor: input.actor,
    createdAt: deps.clock.now(),
  });
}
