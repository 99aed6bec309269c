// What is decided about a complaint before its ticket exists, whichever way it came (a mail to
// reclamation@, #nouvelle, a forward): its qualification, the level the acknowledgement promises,
// the deadline and who handles it. Pure, so that a batch of mails is planned outside its
// transaction.
import type { LevelSettings, Settings } from './settings.js';
import { computeDeadline } from './deadline.js';
import { type Duration, formatDuration } from './duration.js';
import { qualify, type Qualification } from './qualification.js';
import type { QualificationModel } from './qualification-model.js';
import { resolveQualificationRules } from './qualification-rules.js';
import { decideReception } from './reception-confidentiality.js';
import type { Routing } from './routing.js';
import type { Channel, TicketStatus } from './ticket.js';
import { localDateOf } from './zoned-time.js';

export interface OpenTicketInput {
  readonly complainant: {
    /** A single valid address, or null (none given, or none usable). */
    readonly address: string | null;
    readonly name: string;
    readonly phone?: string;
    readonly company?: string;
  };
  readonly channel: Channel;
  readonly subject: string;
  /** The complaint's own words (quoted history and signature removed): qualification and notifications. */
  readonly summary: string;
  readonly receivedAt: Date;
  /** The recorded inbound message the ticket starts from, if any. */
  readonly messageRowId: number | null;
  /** The complainant's Message-ID, so the acknowledgement threads under their mail. */
  readonly complainantMessageId: string | null;
  readonly registeredLetter: boolean;
  /** People in copy, who may write into the ticket too. */
  readonly participants: readonly string[];
  /** The complainant, or the staff member who logged the complaint. */
  readonly actor: string;
  /** What came attached (the content too when the mail brought it: notifications may carry it). */
  readonly attachments: readonly {
    readonly filename: string;
    readonly size: number;
    readonly contentType?: string;
    readonly content?: Uint8Array;
  }[];
  /** A ticket whose subject tag a stranger used: recorded as a link. */
  readonly linkedTicketReference?: string | null;
  /** The sender gave an address we must not write to (several addresses, bad syntax): the pilot is told. */
  readonly unusableAddress?: boolean;
}

/** The columns of a new ticket, without its reference. */
export interface TicketDraft {
  readonly status: TicketStatus;
  readonly channel: Channel;
  readonly subject: string;
  readonly complainantEmail: string | null;
  readonly complainantName: string;
  readonly complainantPhone: string | null;
  readonly complainantCompany: string | null;
  readonly summary: string;
  readonly participants: string[];
  readonly category: string | null;
  readonly level: number;
  readonly requester: string | null;
  readonly typology: string | null;
  readonly receivable: boolean;
  readonly confidential: boolean;
  readonly qualification: Record<string, unknown>;
  readonly receivedAt: Date;
  readonly deadlineRule: string;
  readonly deadlineAt: Date;
  readonly registeredLetter: boolean;
  readonly routedTo: string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface TicketPlan {
  readonly values: TicketDraft;
  /** The reception year in the organisation's zone: the reference's sequence. */
  readonly year: number;
  readonly qualification: Qualification;
  readonly level: LevelSettings;
  readonly rule: Duration;
  readonly deadlineAt: Date;
  readonly routing: Routing;
}

/**
 * Qualifies the complaint (rules, and the learned model when given: it is only read), picks its
 * level, deadline and routing at `now`.
 */
export function planTicket(
  config: Settings,
  input: OpenTicketInput,
  model: QualificationModel | null,
  now: Date,
): TicketPlan {
  const timeZone = config.organisation.timezone;
  const qualification = qualify(
    {
      subject: input.subject,
      text: input.summary,
      from: input.complainant.address ? { address: input.complainant.address, name: input.complainant.name } : null,
    },
    resolveQualificationRules(config),
    model,
  );
  // The acknowledged level: the qualified one, or the procedure's choice when qualification is unsure.
  const level =
    config.levels.find((l) => l.level === qualification.acknowledgementLevel) ??
    config.levels.find((l) => l.level === config.defaultLevel)!;
  const deadlineAt = computeDeadline(input.receivedAt, level.resolveWithin, {
    timeZone,
    alsaceMoselle: config.organisation.alsaceMoselle,
  });
  // Confidentiality and routing together: a close medical candidate keeps the ticket confidential
  // and brings in its doctors (domain/reception-confidentiality.ts).
  const { confidential, routing } = decideReception(
    qualification,
    {
      category: qualification.category,
      requester: qualification.requester,
      level: level.level,
      channel: input.channel,
    },
    config,
  );
  const values: TicketDraft = {
    status: 'received',
    channel: input.channel,
    subject: input.subject,
    complainantEmail: input.complainant.address,
    complainantName: input.complainant.name,
    complainantPhone: input.complainant.phone || null,
    complainantCompany: input.complainant.company || null,
    summary: input.summary,
    participants: [...input.participants],
    category: qualification.category,
    level: level.level,
    requester: qualification.requester,
    typology: qualification.typology,
    receivable: qualification.receivable,
    confidential,
    qualification: { ...qualification, evidence: [...qualification.evidence] },
    receivedAt: input.receivedAt,
    deadlineRule: formatDuration(level.resolveWithin),
    deadlineAt,
    registeredLetter: input.registeredLetter,
    routedTo: [...routing.referents],
    createdAt: now,
    updatedAt: now,
  };
  return {
    values,
    year: Number(localDateOf(input.receivedAt, timeZone).slice(0, 4)),
    qualification,
    level,
    rule: level.resolveWithin,
    deadlineAt,
    routing,
  };
}

/** Whether staff should be asked to check the qualification (the qualifier was unsure). */
export function isLowConfidence(qualification: Qualification): boolean {
  const flagged = (qualification as { lowConfidence?: unknown }).lowConfidence;
  return typeof flagged === 'boolean' ? flagged : qualification.confidence < 0.5;
}
