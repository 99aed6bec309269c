// The procedure as the domain reads it: the parts of the configuration its rules need, as plain
// shapes. src/config validates the file into a Config that fits these (checked where it is
// defined); the domain never sees the file, the schema or its defaults.
import type { Duration } from './duration.js';
import type { Person } from './people.js';
import type { QualificationOverrides } from './qualification-overrides.js';
import type { Channel, RequesterType } from './ticket.js';

export interface OrganisationSettings {
  readonly name: string;
  /** IANA zone of the organisation: deadlines and periods are counted in it. */
  readonly timezone: string;
  readonly ticketPrefix: string;
  /** Good Friday and 26 December are public holidays (Alsace-Moselle). */
  readonly alsaceMoselle: boolean;
}

export interface TypologySettings {
  readonly key: string;
  readonly label: string;
  readonly keywords: readonly string[];
}

export interface CategorySettings {
  readonly key: string;
  readonly label: string;
  /** Medical: only doctors see its content. */
  readonly confidential: boolean;
  readonly referents: readonly string[];
  readonly typologies: readonly TypologySettings[];
}

export interface LevelSettings {
  readonly level: number;
  readonly label: string;
  /** Durations parsed from the configuration (`2h`, `10d`, `5bd`): src/domain/duration.ts. */
  readonly ackWithin: Duration;
  readonly resolveWithin: Duration;
  /** Lead of the handler's reminder before a deadline; absent: none. */
  readonly remindBefore?: Duration | undefined;
}

/** When a routing rule applies: every field given must match. */
export interface RoutingCondition {
  readonly category?: string | undefined;
  readonly requester?: RequesterType | undefined;
  readonly level?: number | undefined;
  readonly channel?: Channel | undefined;
}

export interface RoutingRuleSettings {
  readonly when: RoutingCondition;
  readonly assign: readonly string[];
}

export interface Settings {
  readonly organisation: OrganisationSettings;
  readonly mailbox: { readonly address: string };
  readonly people: readonly Person[];
  readonly categories: readonly CategorySettings[];
  readonly levels: readonly LevelSettings[];
  readonly defaultLevel: number;
  readonly routing: readonly RoutingRuleSettings[];
  readonly qualification?: QualificationOverrides | undefined;
}
