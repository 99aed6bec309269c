// The life cycle of a ticket (SPEC §2): its states and the changes allowed between them. Each
// change returns the columns it sets and the audit events it leaves, or the reason, in French,
// why it cannot happen now. Pure: the staff commands, the complainant's OUI/NON and the
// follow-through call it and write what it returns.
import { EVENT_TYPES, type EventType } from './event-types.js';
import type { TicketStatus } from './ticket.js';

/** States in which a ticket is still being handled. */
export const OPEN_STATUSES: readonly TicketStatus[] = ['received', 'in_progress', 'answered', 'verifying'];

export function isOpen(status: TicketStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** What the life cycle reads of a ticket. */
export interface LifeCycleFacts {
  readonly status: TicketStatus;
  readonly assigneeEmail: string | null;
  readonly answeredAt: Date | null;
  readonly effective: boolean | null;
  readonly registeredLetter: boolean;
  readonly registeredLetterTracking: string | null;
  readonly receivable: boolean;
}

/** The columns a change sets. */
export interface LifeCyclePatch {
  readonly status?: TicketStatus;
  readonly assigneeEmail?: string;
  readonly answeredAt?: Date;
  readonly verificationAskedAt?: Date;
  readonly effective?: boolean | null;
  readonly closedAt?: Date | null;
  readonly receivable?: boolean;
  readonly registeredLetterTracking?: string;
}

/** An event the change leaves; the caller adds the ticket, actor, instant and message. */
export interface LifeCycleEvent {
  readonly type: EventType;
  readonly data: Record<string, unknown>;
}

export type LifeCycleChange =
  /** #prendre, #assigner. */
  | { readonly kind: 'assign'; readonly assignee: string }
  /** #repondre (by mail: `answeredBy` becomes the assignee if none) or #lrar (registered letter). */
  | {
      readonly kind: 'answer';
      readonly via: 'mail' | 'lrar';
      readonly verification: boolean;
      readonly answeredBy: string;
      readonly tracking?: string;
      readonly length?: number;
    }
  /** #irrecevable. */
  | { readonly kind: 'reject'; readonly reason: string }
  /**
   * #efficace / #inefficace (staff), OUI / NON (the complainant), or no answer for
   * `effectiveness.silenceMeansYesAfter` (the follow-through: effective, and closed).
   */
  | {
      readonly kind: 'effectiveness';
      readonly effective: boolean;
      readonly source: 'staff' | 'complainant' | 'silence';
      /** The complainant's OUI closes the ticket (configuration `effectiveness.closeOnYes`). */
      readonly closeOnYes?: boolean;
    }
  /** #clore; `effectivenessRequired`: configuration `effectiveness.enabled` and `requiredBeforeClose`. */
  | { readonly kind: 'close'; readonly effectivenessRequired: boolean }
  /** #rouvrir. */
  | { readonly kind: 'reopen' };

export type LifeCycleOutcome =
  | { readonly ok: true; readonly patch: LifeCyclePatch; readonly events: readonly LifeCycleEvent[] }
  | { readonly ok: false; readonly refusal: string };

const refused = (refusal: string): LifeCycleOutcome => ({ ok: false, refusal });

/** Why a change is refused on a closed or rejected ticket, or null when it is open. */
export function notOpenRefusal(ticket: Pick<LifeCycleFacts, 'status'>): string | null {
  if (isOpen(ticket.status)) return null;
  const state = ticket.status === 'closed' ? 'clôturée' : 'non recevable';
  return `la réclamation est ${state} : rouvrez-la d’abord avec #rouvrir`;
}

const NOT_ANSWERED = 'la réclamation n’a pas encore reçu de réponse (#repondre ou #lrar)';

/** Applies `change` to `ticket` at `now`: what it sets and records, or why it is refused. */
export function changeTicket(ticket: LifeCycleFacts, change: LifeCycleChange, now: Date): LifeCycleOutcome {
  switch (change.kind) {
    case 'assign': {
      const closed = notOpenRefusal(ticket);
      if (closed) return refused(closed);
      return {
        ok: true,
        patch: { assigneeEmail: change.assignee, ...(ticket.status === 'received' ? { status: 'in_progress' } : {}) },
        events: [{ type: EVENT_TYPES.assigned, data: { assignee: change.assignee, previous: ticket.assigneeEmail } }],
      };
    }
    case 'answer': {
      const closed = notOpenRefusal(ticket);
      if (closed) return refused(closed);
      const status: TicketStatus = change.verification ? 'verifying' : 'answered';
      const answeredAt = ticket.answeredAt ?? now;
      if (change.via === 'lrar') {
        return {
          ok: true,
          patch: {
            registeredLetterTracking: change.tracking ?? '',
            answeredAt,
            status,
            ...(change.verification ? { verificationAskedAt: now } : {}),
          },
          events: [{ type: EVENT_TYPES.answered, data: { via: 'lrar', tracking: change.tracking ?? '' } }],
        };
      }
      if (ticket.registeredLetter)
        return refused(
          'réclamation reçue par lettre recommandée : la réponse doit être faite par lettre recommandée ; ' +
            'enregistrez-la avec #lrar NUMÉRO',
        );
      return {
        ok: true,
        patch: {
          status,
          answeredAt,
          ...(change.verification ? { verificationAskedAt: now, effective: null } : {}),
          ...(ticket.assigneeEmail ? {} : { assigneeEmail: change.answeredBy }),
        },
        events: [
          { type: EVENT_TYPES.answered, data: { via: 'mail', length: change.length ?? 0 } },
          ...(change.verification ? [{ type: EVENT_TYPES.verifying, data: {} }] : []),
        ],
      };
    }
    case 'reject': {
      if (ticket.status !== 'received' && ticket.status !== 'in_progress')
        return refused('seule une réclamation reçue ou en cours peut être déclarée non recevable');
      return {
        ok: true,
        patch: { status: 'rejected', receivable: false },
        events: [
          { type: EVENT_TYPES.rejected, data: { reason: change.reason } },
          { type: EVENT_TYPES.requalified, data: { field: 'receivable', from: ticket.receivable, to: false } },
        ],
      };
    }
    case 'effectiveness': {
      const event: LifeCycleEvent = {
        type: EVENT_TYPES.effectiveness,
        data: { effective: change.effective, source: change.source },
      };
      if (change.source === 'silence') {
        if (ticket.status !== 'verifying' || ticket.effective !== null)
          return refused('la vérification de l’efficacité n’est plus en attente');
        return {
          ok: true,
          patch: { effective: true, status: 'closed', closedAt: now },
          events: [
            { type: EVENT_TYPES.effectiveness, data: { effective: true, source: 'silence' } },
            { type: EVENT_TYPES.closed, data: { after: 'no answer: silence means yes' } },
          ],
        };
      }
      if (change.source === 'complainant') {
        const close = change.effective && change.closeOnYes === true;
        const status: TicketStatus = close ? 'closed' : change.effective ? ticket.status : 'in_progress';
        return {
          ok: true,
          patch: { effective: change.effective, status, ...(close ? { closedAt: now } : {}) },
          events: close ? [event, { type: EVENT_TYPES.closed, data: { after: 'complainant said yes' } }] : [event],
        };
      }
      if (!ticket.answeredAt) return refused(NOT_ANSWERED);
      return {
        ok: true,
        patch: change.effective
          ? { effective: true }
          : { effective: false, status: ticket.status === 'closed' ? 'closed' : 'in_progress' },
        events: [event],
      };
    }
    case 'close': {
      const closed = notOpenRefusal(ticket);
      if (closed) return refused(closed);
      if (ticket.registeredLetter && !ticket.registeredLetterTracking)
        return refused(
          'réclamation reçue par lettre recommandée : enregistrez d’abord la réponse recommandée (#lrar NUMÉRO)',
        );
      if (!ticket.answeredAt) return refused(NOT_ANSWERED);
      if (change.effectivenessRequired && ticket.effective !== true)
        return refused(
          'l’efficacité de la solution n’est pas vérifiée : attendez le OUI du réclamant ou enregistrez #efficace',
        );
      return { ok: true, patch: { status: 'closed', closedAt: now }, events: [{ type: EVENT_TYPES.closed, data: {} }] };
    }
    case 'reopen': {
      if (ticket.status !== 'closed' && ticket.status !== 'rejected')
        return refused('la réclamation n’est ni clôturée ni non recevable');
      return {
        ok: true,
        patch: { status: 'in_progress', closedAt: null, receivable: true, effective: null },
        events: [{ type: EVENT_TYPES.reopened, data: { from: ticket.status } }],
      };
    }
  }
}
