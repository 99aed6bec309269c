// The complainant's answer to « Cette réponse règle-t-elle votre réclamation ? Répondez OUI ou NON ».
import { foldForMatching } from './french-text.js';

const YES = new Set(['oui', 'yes', 'ok', 'o', 'ouais', 'parfait', 'resolu', 'regle']);
const NO = new Set(['non', 'no', 'n', 'pas', 'toujours']);

/** `yes`/`no` from the first word of the new text, or null when it is not a clear answer. */
export function parseYesNo(text: string): 'yes' | 'no' | null {
  const first = foldForMatching(text)
    .trim()
    .split(/[^a-z]+/)
    .find((w) => w.length > 0);
  if (first === undefined) return null;
  if (YES.has(first)) return 'yes';
  if (NO.has(first)) return 'no';
  return null;
}
