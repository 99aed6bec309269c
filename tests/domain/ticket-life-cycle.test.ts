import { describe, expect, it } from 'vitest';
import { changeTicket, isOpen, type LifeCycleFacts } from '../../src/domain/ticket-life-cycle.js';
import type { TicketStatus } from '../../src/domain/ticket.js';

const now = new Date('2026-11-23T10:00:00Z');
const answeredAt = new Date('2026-11-20T10:00:00Z');
const ticket = (overrides: Partial<LifeCycleFacts> = {}): LifeCycleFacts => ({
  status: 'received',
  assigneeEmail: null,
  answeredAt: null,
  effective: null,
  registeredLetter: false,
  registeredLetterTracking: null,
  receivable: true,
  ...overrides,
});

describe('the ticket life cycle', () => {
  it('knows which states are open', () => {
    const open = (['received', 'in_progress', 'answered', 'verifying', 'closed', 'rejected'] as TicketStatus[]).filter(
      isOpen,
    );
    expect(open).toEqual(['received', 'in_progress', 'answered', 'verifying']);
  });

  it('starts work on a received ticket when someone takes it, and keeps the state afterwards', () => {
    expect(changeTicket(ticket(), { kind: 'assign', assignee: 'a@x.fr' }, now)).toEqual({
      ok: true,
      patch: { assigneeEmail: 'a@x.fr', status: 'in_progress' },
      events: [{ type: 'ticket.assigned', data: { assignee: 'a@x.fr', previous: null } }],
    });
    const verifying = changeTicket(
      ticket({ status: 'verifying', assigneeEmail: 'b@x.fr' }),
      { kind: 'assign', assignee: 'a@x.fr' },
      now,
    );
    expect(verifying).toMatchObject({ ok: true, patch: { assigneeEmail: 'a@x.fr' } });
    expect(verifying.ok && verifying.patch.status).toBeUndefined();
  });

  it('refuses every change but reopening on a closed or rejected ticket', () => {
    for (const status of ['closed', 'rejected'] as const) {
      for (const kind of ['assign', 'answer', 'close'] as const) {
        const change =
          kind === 'assign'
            ? ({ kind, assignee: 'a@x.fr' } as const)
            : kind === 'answer'
              ? ({ kind, via: 'mail', verification: true, answeredBy: 'a@x.fr' } as const)
              : ({ kind, effectivenessRequired: false } as const);
        expect(changeTicket(ticket({ status }), change, now)).toMatchObject({
          ok: false,
          refusal: expect.stringContaining('#rouvrir'),
        });
      }
      expect(changeTicket(ticket({ status }), { kind: 'reopen' }, now)).toEqual({
        ok: true,
        patch: { status: 'in_progress', closedAt: null, receivable: true, effective: null },
        events: [{ type: 'ticket.reopened', data: { from: status } }],
      });
    }
    expect(changeTicket(ticket({ status: 'in_progress' }), { kind: 'reopen' }, now)).toMatchObject({ ok: false });
  });

  it('answers by mail into verification, or only by registered letter when the complaint came so', () => {
    expect(
      changeTicket(
        ticket({ status: 'in_progress' }),
        { kind: 'answer', via: 'mail', verification: true, answeredBy: 'a@x.fr', length: 12 },
        now,
      ),
    ).toEqual({
      ok: true,
      patch: {
        status: 'verifying',
        answeredAt: now,
        verificationAskedAt: now,
        effective: null,
        assigneeEmail: 'a@x.fr',
      },
      events: [
        { type: 'ticket.answered', data: { via: 'mail', length: 12 } },
        { type: 'ticket.verifying', data: {} },
      ],
    });
    const letter = ticket({ status: 'in_progress', registeredLetter: true });
    expect(
      changeTicket(letter, { kind: 'answer', via: 'mail', verification: false, answeredBy: 'a@x.fr' }, now),
    ).toMatchObject({
      ok: false,
      refusal: expect.stringContaining('#lrar'),
    });
    expect(
      changeTicket(
        letter,
        { kind: 'answer', via: 'lrar', verification: false, answeredBy: 'a@x.fr', tracking: '1A2345678' },
        now,
      ),
    ).toMatchObject({
      ok: true,
      patch: { status: 'answered', registeredLetterTracking: '1A2345678', answeredAt: now },
    });
  });

  it('rejects only a received or in-progress ticket', () => {
    expect(changeTicket(ticket(), { kind: 'reject', reason: 'demande de rendez-vous' }, now)).toMatchObject({
      ok: true,
      patch: { status: 'rejected', receivable: false },
    });
    expect(changeTicket(ticket({ status: 'verifying' }), { kind: 'reject', reason: 'x' }, now)).toMatchObject({
      ok: false,
    });
  });

  it('closes on the complainant’s OUI when configured, sends NON back to work, and checks staff answers', () => {
    const verifying = ticket({ status: 'verifying', answeredAt });
    expect(
      changeTicket(verifying, { kind: 'effectiveness', effective: true, source: 'complainant', closeOnYes: true }, now),
    ).toEqual({
      ok: true,
      patch: { effective: true, status: 'closed', closedAt: now },
      events: [
        { type: 'ticket.effectiveness', data: { effective: true, source: 'complainant' } },
        { type: 'ticket.closed', data: { after: 'complainant said yes' } },
      ],
    });
    expect(
      changeTicket(
        verifying,
        { kind: 'effectiveness', effective: true, source: 'complainant', closeOnYes: false },
        now,
      ),
    ).toMatchObject({ ok: true, patch: { effective: true, status: 'verifying' } });
    expect(
      changeTicket(verifying, { kind: 'effectiveness', effective: false, source: 'complainant' }, now),
    ).toMatchObject({
      ok: true,
      patch: { effective: false, status: 'in_progress' },
    });
    expect(changeTicket(ticket(), { kind: 'effectiveness', effective: true, source: 'staff' }, now)).toMatchObject({
      ok: false,
      refusal: expect.stringContaining('pas encore reçu de réponse'),
    });
  });

  it('closes only an answered ticket, checked when the procedure requires it, with its registered letter', () => {
    const answered = ticket({ status: 'answered', answeredAt });
    expect(changeTicket(ticket(), { kind: 'close', effectivenessRequired: false }, now)).toMatchObject({ ok: false });
    expect(changeTicket(answered, { kind: 'close', effectivenessRequired: true }, now)).toMatchObject({
      ok: false,
      refusal: expect.stringContaining('efficacité'),
    });
    expect(changeTicket({ ...answered, effective: true }, { kind: 'close', effectivenessRequired: true }, now)).toEqual(
      {
        ok: true,
        patch: { status: 'closed', closedAt: now },
        events: [{ type: 'ticket.closed', data: {} }],
      },
    );
    expect(
      changeTicket({ ...answered, registeredLetter: true }, { kind: 'close', effectivenessRequired: false }, now),
    ).toMatchObject({ ok: false, refusal: expect.stringContaining('lettre recommandée') });
  });
});
