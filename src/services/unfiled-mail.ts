// How a pilot alert describes a mail that is on no ticket (quarantined, too large, an undelivered
// intake confirmation): by its sender and subject, unless that subject may be medical and the
// reader is not a doctor (src/domain/reception-confidentiality.ts, mayDescribeUnfiledMail).
import type { Person } from '../domain/people.js';
import { qualify } from '../domain/qualification.js';
import { resolveQualificationRules } from '../domain/qualification-rules.js';
import { mayDescribeUnfiledMail } from '../domain/reception-confidentiality.js';
import type { Db } from '../db/database.js';
import type { Deps } from './deps.js';

export interface UnfiledMailPreview {
  readonly from?: string | undefined;
  readonly subject?: string | undefined;
}

/**
 * The preview for each reader, in order: as given, or `{ masked: true }` (the templates say why).
 * The subject is qualified once, with the rules and the learned model when there is one.
 */
export async function previewsFor(
  tx: Db,
  deps: Pick<Deps, 'config' | 'qualificationModel'>,
  preview: UnfiledMailPreview,
  readers: readonly Person[],
): Promise<(UnfiledMailPreview | { readonly masked: true })[]> {
  if (!preview.subject) return readers.map(() => preview);
  const model = deps.qualificationModel ? await deps.qualificationModel.current(tx) : null;
  const qualification = qualify(
    { subject: preview.subject, text: '', from: null },
    resolveQualificationRules(deps.config),
    model,
  );
  return readers.map((reader) =>
    mayDescribeUnfiledMail(qualification, reader, deps.config) ? preview : { masked: true as const },
  );
}
