// The maths and the words of the indicators the procedures promise (SPEC §5): rates, means,
// medians, comparisons with the previous period and the same period last year, age buckets of
// the backlog, and French formatting. Figures themselves are counted in SQL (src/db/indicators.ts);
// the indicators the digest shows, and how each is computed from them, are in indicator-table.ts.
import type { TicketFigures } from '../db/indicators.js';
import { businessDaysBetween, type HolidayOptions } from './french-holidays.js';
import { localDateOf } from './zoned-time.js';

/**
 * The definitions every figure follows, in French, as the digest's footer and the spreadsheet's
 * « Définitions » sheet state them. Keep them in step with src/db/indicators.ts.
 *
 * - A ticket belongs to a period by its reception time in the organisation's time zone.
 * - Answered: `answered_at` set (first answer), at or before the moment the figures are computed.
 * - Response rate: answered receivable tickets / receivable tickets received.
 * - On time: answered at or before `deadline_at`, among answered tickets.
 * - Time to answer: `answered_at − received_at` in days (decimal), over answered tickets.
 * - Closed in the period: a closure (`ticket.closed` event, else `closed_at`) within the period,
 *   whenever the ticket was received; time to close = that closure − `received_at`, in days.
 * - Take in hand: the first `ticket.assigned` after reception, at or before the moment the
 *   figures are computed, among tickets received in the period; its delay in whole business days
 *   (`takeInHandBusinessDays`), mean and median.
 * - Effectiveness: `ticket.effectiveness` events within the period; the OUI share among the OUI and
 *   NON given (by the complainant, or recorded by staff after a call); checks closed by silence
 *   (`source: 'silence'`) counted apart, in neither.
 * - Reopenings: `ticket.reopened` events within the period.
 * - Escalations: `ticket.escalated` events (to the direction, either round) within the period.
 * - By typology: the ticket's current typology; for readers who are not doctors, confidential
 *   tickets on one row of their own.
 * - Backlog: tickets neither closed nor rejected at the period's end, aged from reception:
 *   0–7, 8–15, 16–30, more than 30 days (completed days). Overdue: in the backlog with a
 *   deadline before the period's end.
 * - Non receivable: `receivable` false.
 * - Comparisons: the previous period and the same period a year earlier (for a year, the two
 *   previous years), each measured at the same distance after its end as the period shown.
 * - Medical (confidential) tickets count in every figure; only their subject, text and
 *   complainant are hidden from recipients who are not doctors.
 */
export const INDICATOR_DEFINITIONS: readonly string[] = [
  'Une réclamation appartient à la période de sa réception (heure du fuseau de l’organisme).',
  'Reçues : toutes les réclamations reçues dans la période, recevables ou non ; non recevables : déclarées non ' +
    'recevables.',
  'Taux de réponse : réclamations recevables répondues / réclamations recevables reçues. Répondue : une première ' +
    'réponse a été enregistrée (#repondre ou #lrar).',
  'Dans les délais : réponse enregistrée au plus tard à l’échéance, parmi les réclamations répondues.',
  'Délai de réponse : de la réception à la première réponse, en jours (moyenne et médiane, parmi les répondues).',
  'Clôturées : réclamations clôturées pendant la période, quelle que soit leur date de réception ; délai de ' +
    'clôture : de la réception à cette clôture, en jours.',
  'Prise en charge : première attribution de la réclamation (#prendre, #assigner) après sa réception, parmi les ' +
    'réclamations reçues dans la période ; délai en jours ouvrés (du lundi au vendredi, hors jours fériés) : 0 = ' +
    'le jour même, 1 = le jour ouvré suivant ; une réclamation reçue un samedi et prise le lundi compte 0.',
  'Efficacité : part des OUI parmi les réponses OUI ou NON à la vérification d’efficacité enregistrées pendant la ' +
    'période (réponse du réclamant, ou #efficace / #inefficace après un appel) ; les vérifications closes faute de ' +
    'réponse (le silence valant accord, selon la procédure) sont comptées à part.',
  'Réouvertures : réouvertures (#rouvrir) enregistrées pendant la période.',
  'Signalements à la direction : réclamations en retard signalées à la direction pendant la période (premier ' +
    'signalement, puis second si le délai laissé à la direction passe) ; la liste dit à qui et pour quand.',
  'Par typologie : la typologie actuelle de chaque réclamation (sous-catégorie, sert au suivi des récurrences) ; ' +
    'hors médecins, les réclamations médicales sont regroupées sur une ligne.',
  'En cours : réclamations ni clôturées ni non recevables à la fin de la période, par ancienneté depuis la ' +
    'réception (0–7, 8–15, 16–30, plus de 30 jours révolus) ; en retard : en cours avec une échéance dépassée à la ' +
    'fin de la période.',
  'Comparaisons : la période précédente et la même période un an plus tôt (pour une année : les deux années ' +
    'précédentes), calculées avec le même recul après leur fin que la période présentée.',
  'Les réclamations médicales comptent dans tous les chiffres ; leur objet, leur contenu et l’identité du ' +
    'réclamant ne sont montrés qu’aux médecins.',
];

/** The figures of a group without any ticket: zero counts, no mean nor median. */
export const EMPTY_FIGURES: TicketFigures = {
  received: 0,
  nonReceivable: 0,
  receivable: 0,
  answered: 0,
  answeredReceivable: 0,
  onTime: 0,
  meanAnswerDays: null,
  medianAnswerDays: null,
  closed: 0,
  meanCloseDays: null,
  medianCloseDays: null,
  reopenings: 0,
  escalations: 0,
  effectiveYes: 0,
  effectiveNo: 0,
  effectivenessSilences: 0,
  takenInHand: 0,
  meanTakeInHandDays: null,
  medianTakeInHandDays: null,
};

/**
 * The take-in-hand delay of one ticket, in whole business days (the unit the procedures use:
 * « prise en compte sous 48 h ouvrées », « dans l'urgence »): from the local day of its reception
 * to the local day of its first assignment, as `businessDaysBetween` counts them — taken in hand
 * the day it came is 0, the next business day 1, a Saturday reception taken on Monday 0. The SQL of
 * src/db/indicators.ts counts the same way.
 */
export function takeInHandBusinessDays(
  receivedAt: Date,
  assignedAt: Date,
  calendar: HolidayOptions & { readonly timeZone: string },
): number {
  return businessDaysBetween(
    localDateOf(receivedAt, calendar.timeZone),
    localDateOf(assignedAt, calendar.timeZone),
    calendar,
  );
}

/** Arithmetic mean; null for no values. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Median (the mean of the two middle values for an even count, as SQL `percentile_cont(0.5)`); null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `numerator / denominator` in [0, 1]; null when the denominator is 0 (no rate, rather than 0 %). */
export function rate(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** Milliseconds to days (decimal). */
export function msToDays(ms: number): number {
  return ms / 86_400_000;
}

export type FigureUnit = 'count' | 'rate' | 'days';

export interface Comparison {
  /**
   * current − reference, in the figure's own unit (rates: in fractions, 0.05 = 5 points); null when either is missing.
   */
  readonly difference: number | null;
  /** (current − reference) / reference for counts; null for rates, days, or a zero reference. */
  readonly relative: number | null;
}

/**
 * A figure rounded as it is shown (counts whole, rates to 0.1 point, days to 0.1 day), so that a
 * comparison between shown figures reads right: 8,3 j against 7,3 j is +1,0 j, not +0,9 j.
 */
export function roundAsShown(value: number | null, unit: FigureUnit): number | null {
  if (value === null) return null;
  if (unit === 'count') return Math.round(value);
  if (unit === 'rate') return Math.round(value * 1000) / 1000;
  return Math.round(value * 10) / 10;
}

/** How a figure moved against a reference figure. */
export function compare(current: number | null, reference: number | null, unit: FigureUnit): Comparison {
  if (current === null || reference === null) return { difference: null, relative: null };
  const difference = current - reference;
  const relative = unit === 'count' && reference !== 0 ? difference / reference : null;
  return { difference, relative };
}

export const AGE_BUCKETS = ['0-7', '8-15', '16-30', '31+'] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];

export const AGE_BUCKET_LABELS: Record<AgeBucket, string> = {
  '0-7': '0 à 7 j',
  '8-15': '8 à 15 j',
  '16-30': '16 à 30 j',
  '31+': 'plus de 30 j',
};

/** The backlog bucket of a ticket `ageDays` old (completed days since reception). */
export function ageBucket(ageDays: number): AgeBucket {
  const days = Math.floor(ageDays);
  if (days <= 7) return '0-7';
  if (days <= 15) return '8-15';
  if (days <= 30) return '16-30';
  return '31+';
}

/** U+202F, the narrow no-break space French typography puts before % and between thousands. */
const NNBSP = '\u202f';
const DASH = '—';

function frenchNumber(value: number, decimals: number): string {
  const fixed = Math.abs(value).toFixed(decimals);
  const [whole, fraction] = fixed.split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, NNBSP);
  const sign = value < 0 && Number(fixed) !== 0 ? '−' : '';
  return `${sign}${grouped}${fraction ? `,${fraction}` : ''}`;
}

/** `1234` → « 1 234 »; null → « — ». */
export function formatCount(value: number | null): string {
  return value === null ? DASH : frenchNumber(value, 0);
}

/** `0.8734` → « 87,3 % »; null → « — ». */
export function formatRate(value: number | null): string {
  return value === null ? DASH : `${frenchNumber(value * 100, 1)}${NNBSP}%`;
}

/** `6.25` → « 6,3 j »; null → « — ». */
export function formatDays(value: number | null): string {
  return value === null ? DASH : `${frenchNumber(value, 1)}${NNBSP}j`;
}

export function formatFigure(value: number | null, unit: FigureUnit): string {
  return unit === 'count' ? formatCount(value) : unit === 'rate' ? formatRate(value) : formatDays(value);
}

function signed(text: string, value: number): string {
  if (text.startsWith('−')) return text;
  return value === 0 || /^0(,0+)?(\s|$)/.test(text) ? `±${text}` : `+${text}`;
}

/**
 * A comparison in French: counts « +12 (+8 %) », rates in percentage points « −3,5 pts », days
 * « +1,2 j »; « — » when there is nothing to compare with.
 */
export function formatComparison(comparison: Comparison, unit: FigureUnit): string {
  const { difference, relative } = comparison;
  if (difference === null) return DASH;
  if (unit === 'count') {
    const main = signed(frenchNumber(difference, 0), difference);
    return relative === null ? main : `${main} (${signed(frenchNumber(relative * 100, 0), relative)}${NNBSP}%)`;
  }
  if (unit === 'rate') {
    const points = Math.abs(difference * 100) >= 2 ? 'pts' : 'pt';
    return `${signed(frenchNumber(difference * 100, 1), difference)}${NNBSP}${points}`;
  }
  return `${signed(frenchNumber(difference, 1), difference)}${NNBSP}j`;
}
