// Who is who in the procedure, and who may see what (SPEC §1, §4).
import type { Settings } from './settings.js';

export const ROLES = ['pilot', 'direction', 'doctor', 'referent'] as const;
export type Role = (typeof ROLES)[number];

/** A person of the procedure (`people` in the configuration). */
export interface Person {
  /** Lower-cased address. */
  readonly email: string;
  readonly name?: string | undefined;
  readonly roles: readonly Role[];
}

export function findPerson(config: Pick<Settings, 'people'>, address: string | null | undefined): Person | undefined {
  if (!address) return undefined;
  const wanted = address.toLowerCase();
  return config.people.find((p) => p.email === wanted);
}

export function peopleWithRole(config: Pick<Settings, 'people'>, role: Role): Person[] {
  return config.people.filter((p) => p.roles.includes(role));
}

export function hasRole(person: Person | undefined, role: Role): boolean {
  return person?.roles.includes(role) ?? false;
}

/** Whether `category` is confidential (medical): then only doctors see its content. */
export function isConfidentialCategory(config: Pick<Settings, 'categories'>, category: string | null): boolean {
  if (category === null) return false;
  return config.categories.find((c) => c.key === category)?.confidential ?? false;
}

/**
 * Whether `person` may see the content (subject, text, attachments, complainant identity) of a
 * ticket: everyone for ordinary tickets, doctors only for confidential ones.
 */
export function maySeeContent(ticket: { readonly confidential: boolean }, person: Person | undefined): boolean {
  return !ticket.confidential || hasRole(person, 'doctor');
}

/** The people who handle a ticket: its assignee, else the referents routing named, else the pilots. */
export function handlersOf(
  config: Pick<Settings, 'people'>,
  ticket: { readonly assigneeEmail: string | null; readonly routedTo: readonly string[] },
): Person[] {
  const emails = ticket.assigneeEmail
    ? [ticket.assigneeEmail]
    : ticket.routedTo.length > 0
      ? ticket.routedTo
      : peopleWithRole(config, 'pilot').map((p) => p.email);
  return emails.map((email) => findPerson(config, email)).filter((p): p is Person => p !== undefined);
}
