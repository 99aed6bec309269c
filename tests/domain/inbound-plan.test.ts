// What each received mail does, decided from the mail and its loaded context alone.
import { describe, expect, it } from 'vitest';
import {
  planInbound,
  reusedMessageId,
  type InboundContext,
  type ParsedInbound,
  type RecordedMail,
  type ThreadTicket,
} from '../../src/domain/inbound-plan.js';
import type { InboundMail } from '../../src/domain/inbound-mail.js';
import { testConfig } from '../support/test-config.js';

const config = testConfig();
const now = new Date('2026-11-23T08:00:00Z');
const options = { config, now, ownMessageIdDomain: 'spst-test.fr' };
const source = { kind: 'file' as const, name: 't' };

function mail(overrides: Partial<InboundMail> = {}): InboundMail {
  return {
    messageId: 'm1@example.test',
    hasOwnMessageId: true,
    inReplyTo: [],
    references: [],
    from: { address: 'jean@example.test', name: 'Jean' },
    to: [{ address: 'reclamation@spst-test.fr', name: '' }],
    cc: [],
    replyTo: [],
    subject: 'Attente',
    date: new Date('2026-11-23T07:00:00Z'),
    headers: new Map(),
    headerFields: [],
    returnPath: null,
    contentType: 'text/plain',
    text: "Deux heures d'attente à l'accueil.",
    html: null,
    attachments: [],
    rawSha256: 'a'.repeat(64),
    ...overrides,
  };
}

const ticket: ThreadTicket = {
  id: 7,
  reference: 'REC-2026-0001',
  status: 'in_progress',
  complainantEmail: 'jean@example.test',
  participants: [],
};

function context(overrides: Partial<InboundContext<ThreadTicket>> = {}): InboundContext<ThreadTicket> {
  return { byMessageId: new Map(), tickets: new Map([[ticket.reference, ticket]]), recorded: new Map(), ...overrides };
}

const ok = (m: InboundMail): ParsedInbound => ({ ok: true, mail: m, source });
const recorded = (m: InboundMail): RecordedMail => ({
  rawSha256: m.rawSha256,
  fromAddress: m.from?.address ?? null,
  subject: m.subject,
  text: m.text,
});

describe('planInbound', () => {
  it('opens a complaint with the sender as complainant, and a list in From as no address at all', () => {
    const [plain] = planInbound([ok(mail())], context(), options);
    expect(plain!.action).toMatchObject({
      kind: 'complaint',
      input: { complainant: { address: 'jean@example.test' } },
    });
    const injected = mail({ from: { address: 'a@evil.example,v@other.example', name: 'a' } });
    const [plan] = planInbound([ok(injected)], context(), options);
    expect(plan!.action).toMatchObject({
      kind: 'complaint',
      input: { complainant: { address: null }, unusableAddress: true },
    });
  });

  it('tells a duplicate from another mail under the same Message-ID', () => {
    const first = mail();
    const same = mail({ rawSha256: 'b'.repeat(64) }); // other trace headers, same mail
    const other = mail({ rawSha256: 'c'.repeat(64), text: 'Autre chose.' });
    const ctx = context({ recorded: new Map([[first.messageId, recorded(first)]]) });
    expect(planInbound([ok(same)], ctx, options)[0]!.action).toEqual({ kind: 'duplicate' });
    const [reused] = planInbound([ok(other)], ctx, options);
    expect(reused!.action).toMatchObject({
      kind: 'complaint',
      stored: { messageId: reusedMessageId(other), reusedMessageId: first.messageId },
    });
    const both = context({
      recorded: new Map([
        [first.messageId, recorded(first)],
        [reusedMessageId(other), recorded(other)],
      ]),
    });
    expect(planInbound([ok(other)], both, options)[0]!.action).toEqual({ kind: 'duplicate' });
  });

  it('stops at the first mail that must be written alone, and says why', () => {
    const complaint = mail({ messageId: 'c1@example.test' });
    const reply = mail({ messageId: 'c2@example.test', inReplyTo: ['c1@example.test'], subject: 'Re: Attente' });
    const after = mail({ messageId: 'c3@example.test' });
    const plans = planInbound([ok(complaint), ok(reply), ok(after)], context(), options);
    expect(plans.map((p) => p.alone)).toEqual([null, 'threads onto a mail of the same batch']);
    const unknown = mail({ messageId: 'c4@example.test', subject: 'RE: [REC-2026-0099] Attente' });
    expect(planInbound([ok(unknown)], context(), options)[0]!.alone).toBe('unknown ticket reference');
    const staff = mail({ messageId: 'c5@example.test', from: { address: 'pilote@spst-test.fr', name: '' } });
    expect(planInbound([ok(staff)], context(), options)[0]).toMatchObject({
      alone: 'staff mail',
      action: { kind: 'staff' },
    });
    const broken: ParsedInbound = { ok: false, reason: 'no sender address', preview: {}, source };
    expect(planInbound([broken, ok(after)], context(), options)).toEqual([
      { action: { kind: 'quarantine', reason: 'no sender address', preview: {} }, alone: 'unparseable' },
    ]);
  });

  it('reads OUI from the complainant of a ticket in verification, on its own', () => {
    const verifying = { ...ticket, status: 'verifying' as const };
    const ctx = context({ tickets: new Map([[verifying.reference, verifying]]) });
    const answer = mail({ subject: 'RE: [REC-2026-0001] Attente', text: 'OUI, merci.' });
    expect(planInbound([ok(answer)], ctx, options)[0]).toMatchObject({
      alone: 'may answer the effectiveness question',
      action: { kind: 'verification-answer', effective: true },
    });
    const followUp = mail({
      subject: 'RE: [REC-2026-0001] Attente',
      text: 'Voici une précision sur le dossier : le bureau 12.',
    });
    expect(planInbound([ok(followUp)], ctx, options)[0]!.action).toMatchObject({
      kind: 'follow-up',
      via: 'subject-tag',
    });
  });

  it('keeps a stranger using a subject tag out of the ticket, as a linked new complaint', () => {
    const stranger = mail({ from: { address: 'x@other.example', name: '' }, subject: 'RE: [REC-2026-0001] Attente' });
    expect(planInbound([ok(stranger)], context(), options)[0]!.action).toMatchObject({
      kind: 'complaint',
      input: { linkedTicketReference: 'REC-2026-0001' },
    });
  });

  it('attaches a bounce of our mail to its ticket, without answering', () => {
    const bounce = mail({
      from: { address: 'mailer-daemon@mx.example', name: '' },
      returnPath: '',
      subject: 'Undelivered Mail Returned to Sender',
      inReplyTo: ['rcl.1@spst-test.fr'],
      text: 'delivery failed',
    });
    const ctx = context({
      byMessageId: new Map([['rcl.1@spst-test.fr', { reference: ticket.reference, ours: true }]]),
    });
    expect(planInbound([ok(bounce)], ctx, options)[0]!.action).toMatchObject({ kind: 'suppressed', ticket: { id: 7 } });
  });
});
