// Qualification of a complaint at reception: category, level, requester type, receivability and
// typology, each explained. Everything that decides these goes through `qualify`, so automatic
// qualification can replace the defaults without touching the ingest path.
import type { MailAddress } from './inbound-mail.js';

export type RequesterType = 'adherent' | 'salarie';

export interface QualificationInput {
  readonly subject: string;
  /** New text of the mail (quoted history and signature removed when possible). */
  readonly text: string;
  readonly from: MailAddress | null;
}

export interface QualificationRules {
  readonly defaultLevel: number;
}

export interface Qualification {
  readonly category: string | null;
  readonly level: number;
  readonly requester: RequesterType | null;
  readonly receivable: boolean;
  readonly typology: string | null;
  /** 0 (a guess) to 1 (certain). */
  readonly confidence: number;
  /** What decided each field, in words a referent understands. */
  readonly evidence: readonly string[];
}

/**
 * Qualifies a complaint. Until automatic qualification exists this applies the procedure's
 * configured default level and leaves category and requester to staff, with zero confidence.
 */
export function qualify(_input: QualificationInput, rules: QualificationRules): Qualification {
  return {
    category: null,
    level: rules.defaultLevel,
    requester: null,
    receivable: true,
    typology: null,
    confidence: 0,
    evidence: [`niveau ${rules.defaultLevel} : niveau par défaut de la procédure`],
  };
}
