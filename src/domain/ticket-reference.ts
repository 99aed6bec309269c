// Ticket references `PREFIX-YYYY-NNNN`: the sequence restarts every year and has at least 4 digits.

/** `REC`, 2026, 42 → `REC-2026-0042`. */
export function formatTicketReference(prefix: string, year: number, sequence: number): string {
  return `${prefix}-${year}-${String(sequence).padStart(4, '0')}`;
}

/** The parts of a reference, or null when it is not one. */
export function parseTicketReference(text: string): { prefix: string; year: number; sequence: number } | null {
  const match = /^([A-Z][A-Z0-9]{1,9})-(\d{4})-(\d{4,})$/.exec(text.trim().toUpperCase());
  if (!match) return null;
  return { prefix: match[1]!, year: Number(match[2]), sequence: Number(match[3]) };
}

/** The subject tag every mail about a ticket carries: `[REC-2026-0042]`. */
export function subjectTag(reference: string): string {
  return `[${reference}]`;
}
