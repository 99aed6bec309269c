// Who handles a new ticket (SPEC §1, §3): the first routing rule of the configuration that matches
// wins; otherwise the category's referents; otherwise the pilot. The pilot is told of every ticket.
import type { RoutingCondition, Settings } from './settings.js';
import { peopleWithRole } from './people.js';

export interface RoutingFacts {
  readonly category: string | null;
  readonly requester: string | null;
  readonly level: number;
  readonly channel: string;
}

export interface Notified {
  readonly email: string;
  /** Why this person is told, in French, for the notification. */
  readonly reason: string;
}

export interface Routing {
  /** Referents in charge (may be empty: then the pilot handles it). */
  readonly referents: readonly string[];
  /** Everyone to notify of the new ticket: the referents, then the pilots. */
  readonly notify: readonly Notified[];
}

const REQUESTER_LABELS: Record<string, string> = {
  adherent: 'réclamation d’un adhérent',
  salarie: 'réclamation d’un salarié suivi',
};

export function routeTicket(facts: RoutingFacts, config: Pick<Settings, 'routing' | 'categories' | 'people'>): Routing {
  const index = config.routing.findIndex((rule) => matches(rule.when, facts));
  let referents: string[] = [];
  let reason = '';
  if (index >= 0) {
    const rule = config.routing[index]!;
    referents = [...rule.assign];
    reason = `règle d’aiguillage n° ${index + 1}${describeRule(rule.when, config)}`;
  } else {
    const category = config.categories.find((c) => c.key === facts.category);
    if (category && category.referents.length > 0) {
      referents = [...category.referents];
      reason = `référent de la catégorie ${category.label}`;
    }
  }
  const notify: Notified[] = referents.map((email) => ({ email, reason }));
  for (const pilot of peopleWithRole(config, 'pilot')) {
    if (!referents.includes(pilot.email)) notify.push({ email: pilot.email, reason: 'pilote du processus' });
  }
  return { referents, notify };
}

function matches(when: RoutingCondition, facts: RoutingFacts): boolean {
  return (
    (when.category === undefined || when.category === facts.category) &&
    (when.requester === undefined || when.requester === facts.requester) &&
    (when.level === undefined || when.level === facts.level) &&
    (when.channel === undefined || when.channel === facts.channel)
  );
}

function describeRule(when: RoutingCondition, config: Pick<Settings, 'categories'>): string {
  const parts: string[] = [];
  if (when.requester) parts.push(REQUESTER_LABELS[when.requester] ?? when.requester);
  if (when.category)
    parts.push(`catégorie ${config.categories.find((c) => c.key === when.category)?.label ?? when.category}`);
  if (when.level !== undefined) parts.push(`niveau ${when.level}`);
  if (when.channel) parts.push(`canal ${when.channel}`);
  return parts.length ? ` : ${parts.join(', ')}` : '';
}
