// The French words for the values the code stores in English or as keys — ticket states, channels,
// requester types — and for what is missing or hidden (no category yet, no level, nobody assigned,
// a medical ticket's content): one table each, so staff mails, the CLI, the digest and the
// spreadsheets name a thing the same way. Lower case, as inside a sentence; `capitalized` for the
// start of a cell or a line.
import { foldForMatching } from './french-text.js';
import type { Role } from './people.js';
import type { Settings } from './settings.js';

/** Each ticket state; `short` where a table column needs a shorter word than a sentence does. */
export const STATUS_LABELS: Readonly<Record<string, { readonly label: string; readonly short?: string }>> = {
  received: { label: 'reçue' },
  in_progress: { label: 'en cours' },
  answered: { label: 'répondue' },
  verifying: { label: 'vérification d’efficacité', short: 'vérification' },
  closed: { label: 'clôturée' },
  rejected: { label: 'non recevable' },
};

export const CHANNEL_LABELS: Readonly<Record<string, string>> = {
  email: 'courriel',
  telephone: 'téléphone',
  courrier: 'courrier',
  lrar: 'lettre recommandée',
  presentiel: 'en présentiel',
  portail: 'portail',
  autre: 'autre',
};

export const REQUESTER_LABELS: Readonly<Record<string, string>> = {
  adherent: 'adhérent',
  salarie: 'salarié suivi',
};

/** A ticket whose category is not set yet. */
export const UNQUALIFIED = 'à qualifier';
/** A figure grouped by level for tickets without one. */
export const NO_LEVEL = 'sans niveau';
/** A requester type or channel that was not recorded. */
export const NOT_SET = 'non renseigné';
/** A ticket nobody follows yet. */
export const UNASSIGNED = 'non attribuée';
/** A ticket whose subject is empty. */
export const NO_SUBJECT = '(sans objet)';
/** What a reader who is not a doctor sees instead of a medical ticket's content (SPEC §4). */
export const CONFIDENTIAL_PLACEHOLDER = 'Confidentiel (réservé aux médecins)';

/** The state's word; `short` for a table column. An unknown state shows as stored. */
/** The French name of an outgoing mail's kind, for the pilot. */
const MAIL_KIND_LABELS: Readonly<Record<string, string>> = {
  ack: 'accusé de réception',
  response: 'réponse au réclamant',
  rejection: 'avis de non-recevabilité',
  closure: 'avis de clôture',
  'level-change': 'nouveau délai de traitement',
  'new-ticket': 'avis de nouvelle réclamation',
  'command-result': 'compte rendu des commandes',
  'forged-alert': 'alerte : commande non authentifiée',
  'pilot-alert': 'alerte au pilote',
  'intake-confirmation': 'demande de confirmation d’enregistrement',
  'follow-up-forward': 'message du réclamant transmis',
  'verification-result': 'résultat de la vérification d’efficacité',
  digest: 'bilan',
  'web-link': 'lien de connexion au bureau web',
  'interim-update': 'point d’étape au réclamant',
  reminder: 'rappel de suivi',
};

/** Each role of `people` (config), as staff call it. */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  pilot: 'pilote',
  direction: 'direction',
  doctor: 'médecin',
  referent: 'référent',
};

/** Each kind of inbound mail (messages.kind). */
export const INBOUND_KIND_LABELS: Readonly<Record<string, string>> = {
  complaint: 'réclamation',
  'follow-up': 'message du réclamant',
  'auto-reply': 'réponse automatique',
  bounce: 'avis de non-distribution',
  own: 'notre propre message',
  staff: 'message de l’équipe',
};

/** Where an outgoing mail stands (outbox.status). */
export const OUTBOX_STATUS_LABELS: Readonly<Record<string, string>> = {
  pending: 'en attente',
  sending: 'en cours d’envoi',
  sent: 'envoyé',
  dead: 'abandonné',
};

/** The ticket fields a requalification changes (ticket.requalified data.field). */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  category: 'catégorie',
  level: 'niveau',
  requester: 'demandeur',
  channel: 'canal',
  typology: 'typologie',
  receivable: 'recevabilité',
};

/** Folded for comparison: lower case, no accents, one kind of apostrophe and spaces for `_`. */
function fold(text: string): string {
  return foldForMatching(text)
    .replace(/[_\s]+/g, ' ')
    .trim();
}

/**
 * A state a person typed — its French word (« vérification », « en cours », « clôturée », accents
 * optional) or its code (`verifying`, `in_progress`) — as its code; null when it names none.
 */
export function parseStatus(text: string): string | null {
  const wanted = fold(text);
  for (const [code, entry] of Object.entries(STATUS_LABELS)) {
    const names = [code, entry.label, entry.short].filter((n): n is string => n !== undefined).map(fold);
    // Plural forms too: « reçues », « clôturées ».
    if (names.some((n) => n === wanted || `${n}s` === wanted)) return code;
  }
  return null;
}

/** « reçue (received), en cours (in_progress), … »: the states a filter accepts. */
export function statusChoices(): string {
  return Object.entries(STATUS_LABELS)
    .map(([code, entry]) => `${entry.short ?? entry.label} (${code})`)
    .join(', ');
}

/** The French name of an outgoing mail's kind (`ack`, `response`…), for the pilot; the code when unknown. */
export function mailKindLabel(kind: string): string {
  return MAIL_KIND_LABELS[kind] ?? kind;
}

export function statusLabel(status: string, form: 'label' | 'short' = 'label'): string {
  const entry = STATUS_LABELS[status];
  if (!entry) return status;
  return form === 'short' ? (entry.short ?? entry.label) : entry.label;
}

/** The channel's word; an unknown channel shows as stored. */
export function channelLabel(channel: string): string {
  return CHANNEL_LABELS[channel] ?? channel;
}

/** The requester type's words; an unknown type shows as stored. */
export function requesterLabel(requester: string): string {
  return REQUESTER_LABELS[requester] ?? requester;
}

/** « niveau 2 »; `NO_LEVEL` for none. */
export function levelLabel(level: number | string | null): string {
  return level === null ? NO_LEVEL : `niveau ${level}`;
}

/** The configured label of a category; an unknown key shows as stored, none as `UNQUALIFIED`. */
export function categoryLabel(config: Pick<Settings, 'categories'>, key: string | null): string {
  if (key === null) return UNQUALIFIED;
  return config.categories.find((c) => c.key === key)?.label ?? key;
}

/** `à qualifier` → `À qualifier`. */
export function capitalized(text: string): string {
  return text.charAt(0).toLocaleUpperCase('fr-FR') + text.slice(1);
}

/** What each audit event is called in a ticket's history (the web desk); an unknown type shows as stored. */
export const EVENT_LABELS: Readonly<Record<string, string>> = {
  'ticket.received': 'réclamation reçue',
  'ticket.linked': 'liée à une autre réclamation',
  'ack.queued': 'accusé de réception envoyé',
  'ack.withheld': 'accusé de réception retenu',
  'ticket.follow-up': 'nouveau message du réclamant',
  'ticket.staff-message': 'message d’un membre de l’équipe',
  'command.applied': 'commande appliquée',
  'command.refused': 'commande refusée',
  'command.forged': 'commande non authentifiée, ignorée',
  'intake.confirmed': 'enregistrement confirmé',
  'ticket.assigned': 'attribuée',
  'ticket.requalified': 'requalifiée',
  'ticket.deadline-changed': 'échéance modifiée',
  'ticket.answered': 'réponse envoyée',
  'ticket.rejected': 'déclarée non recevable',
  'ticket.verifying': 'vérification d’efficacité demandée',
  'ticket.effectiveness': 'efficacité enregistrée',
  'ticket.closed': 'clôturée',
  'ticket.reopened': 'rouverte',
  'ticket.note': 'note interne',
  'ticket.action': 'action corrective',
  'ticket.cause': 'cause',
  'ticket.why': 'pourquoi',
  'ticket.milestone': 'échéance intermédiaire',
  'ticket.informed': 'point d’étape envoyé au réclamant',
  'ticket.escalated': 'signalée à la direction',
  'mail.auto-reply': 'réponse automatique reçue',
  'mail.bounce': 'message non distribué',
  'mail.budget-exceeded': 'envois automatiques suspendus',
  'outbox.dead': 'envoi de courriel en échec',
  'ticket.anonymised': 'anonymisée (données personnelles)',
  'personal-data.erased': 'données personnelles effacées',
  'intake.proposed': 'enregistrement proposé à l’expéditeur',
  'intake.cancelled': 'enregistrement annulé',
  'mail.own': 'notre propre message reçu',
  'mail.quarantined': 'message mis en quarantaine',
  'mail.message-id-reused': 'identifiant de message déjà vu',
  'mail.address-refused': 'adresse de destinataire refusée',
  'mailbox.resync': 'boîte resynchronisée',
  'outbox.recovered': 'envois rétablis',
  'reminder.sent': 'relance envoyée',
  'analysis.ticket-attached': 'rattachée à une analyse de récurrence',
};

export function eventLabel(type: string): string {
  return EVENT_LABELS[type] ?? type;
}
