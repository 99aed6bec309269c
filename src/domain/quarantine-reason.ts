// The parser's reasons are short English codes for logs and the quarantine table; the pilot reads
// them in French.

const KNOWN: readonly [RegExp, string][] = [
  [/^empty input$/, 'message vide'],
  [/^no header section$/, 'pas d’en-têtes de message lisibles'],
  [/^no sender address$/, 'aucune adresse d’expéditeur utilisable'],
  [/^multipart without boundary$/, 'structure MIME invalide : parties annoncées sans séparateur'],
  [
    /^multipart boundary never occurs in the body$/,
    'structure MIME invalide : le séparateur des parties est introuvable',
  ],
  [/^parser error: /, 'le message n’a pas pu être lu'],
  [/^database refused the content: /, 'la base de données a refusé son contenu'],
  [/^too large: /, 'message trop volumineux pour être traité automatiquement'],
];

/**
 * The reason of a mail above `mailbox.maxMessageBytes`, refused before it is parsed:
 * `too large: 31568154 bytes, above mailbox.maxMessageBytes (8388608)`.
 */
export function tooLargeReason(size: number, maxMessageBytes: number): string {
  return `too large: ${size} bytes, above mailbox.maxMessageBytes (${maxMessageBytes})`;
}

/** `multipart without boundary` → `structure MIME invalide : … (multipart without boundary)`. */
export function describeQuarantineReason(reason: string): string {
  const french = KNOWN.find(([pattern]) => pattern.test(reason))?.[1];
  return french ? `${french} (${reason})` : reason;
}
