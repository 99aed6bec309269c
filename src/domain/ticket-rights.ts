// Who may act on a ticket by mail (SPEC §1–§4). A signed reply address proves who wrote, not that
// the person still has the ticket: it keeps working after a reassignment, so the right to act is
// decided again for every command mail, from the ticket as it is now.
import type { Settings } from './settings.js';
import { hasRole, type Person } from './people.js';

/** What is needed of a ticket. */
export interface TicketHolders {
  readonly category: string | null;
  readonly confidential: boolean;
  readonly assigneeEmail: string | null;
  /** The referents routing named at reception. */
  readonly routedTo: readonly string[];
}

export type ActingRight =
  | {
      readonly allowed: true;
      /** Why, in English, for the log. */
      readonly as: 'doctor' | 'pilot' | 'assignee' | 'category referent' | 'routed referent' | 'direction';
    }
  | {
      readonly allowed: false;
      /** Why not, in French, for the receipt. */
      readonly reason: string;
    };

/**
 * Whether `person` may act on `ticket` now. A confidential (medical) ticket: doctors only. Any
 * other: the pilot (owner of the procedure), the direction (escalations), the current assignee,
 * the referents of its category and those routing named. Anyone else — typically a referent the
 * ticket was taken from — may not, whatever the reply address they answer with.
 */
export function mayActOn(
  person: Person,
  ticket: TicketHolders,
  config: Pick<Settings, 'categories' | 'people'>,
): ActingRight {
  if (ticket.confidential) {
    return hasRole(person, 'doctor')
      ? { allowed: true, as: 'doctor' }
      : { allowed: false, reason: 'réclamation médicale : seuls les médecins peuvent agir sur elle' };
  }
  if (hasRole(person, 'pilot')) return { allowed: true, as: 'pilot' };
  if (ticket.assigneeEmail === person.email) return { allowed: true, as: 'assignee' };
  const category = config.categories.find((c) => c.key === ticket.category);
  if (category?.referents.includes(person.email)) return { allowed: true, as: 'category referent' };
  if (ticket.routedTo.includes(person.email)) return { allowed: true, as: 'routed referent' };
  if (hasRole(person, 'direction')) return { allowed: true, as: 'direction' };
  const assignee = ticket.assigneeEmail ? config.people.find((p) => p.email === ticket.assigneeEmail) : undefined;
  const holder = ticket.assigneeEmail ? ` (responsable : ${assignee?.name ?? ticket.assigneeEmail})` : '';
  const categoryText = category ? ` ${category.label}` : '';
  return {
    allowed: false,
    reason:
      `la réclamation ne vous est pas (ou plus) confiée${holder} et vous n’êtes pas référent de sa ` +
      `catégorie${categoryText} : vos commandes n’ont pas été appliquées ; pour agir, demandez au pilote de vous ` +
      `la confier (#assigner)`,
  };
}
