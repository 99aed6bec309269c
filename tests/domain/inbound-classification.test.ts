import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mail-parser.js';
import {
  classifyInbound,
  isOwnMessageId,
  referencedMessageIds,
  subjectTicketReferences,
  type Classification,
  type ClassificationContext,
} from '../../src/domain/inbound-classification.js';
import type { InboundMail } from '../../src/domain/inbound-mail.js';
import { corpusFiles, corpusRoot, loadEml, readCorpusFile, splitMbox } from '../fixtures/load-eml.js';

// Message-IDs of mails "we sent" about REC-2026-0042, as the caller would have looked them up.
const OUR_ACK = 'rcl.mg0x1.a1b2c3.rec-2026-0042@spst.fr';
const OUR_FOLLOW_UP = 'rcl.mg0x2.99aa00.rec-2026-0042@spst.fr';
const OUR_STAFF_NOTICE = 'rcl.mg0x3.c0ffee.rec-2026-0042@spst.fr';

const context: ClassificationContext = {
  mailboxAddress: 'reclamation@spst.fr',
  ownMessageIdDomain: 'spst.fr',
  ticketPrefix: 'REC',
  ticketByMessageId: new Map([
    [OUR_ACK, 'REC-2026-0042'],
    [OUR_FOLLOW_UP, 'REC-2026-0042'],
    [OUR_STAFF_NOTICE, 'REC-2026-0042'],
  ]),
  participantsByTicket: new Map([['REC-2026-0042', new Set(['jp.garnier@exemple.fr', 'alain.simon@spst.fr'])]]),
};

const mails = new Map<string, InboundMail>();

async function load(name: string): Promise<InboundMail> {
  const result = await parseMail(loadEml(name));
  if (!result.ok) throw new Error(`${name} rejected: ${result.reason}`);
  return result.mail;
}

beforeAll(async () => {
  const names = [
    'ooo-exchange-fr.eml',
    'vacation-gmail.eml',
    'dsn-postfix.eml',
    'ndr-exchange-fr.eml',
    'read-receipt.eml',
    'newsletter-list-id.eml',
    'complaint-absence-subject.eml',
    'complaint-reponse-subject.eml',
    'reply-in-reply-to.eml',
    'reply-references-only.eml',
    'tag-from-participant.eml',
    'tag-from-stranger.eml',
    'own-mail-loop.eml',
    'own-mail-rewritten-from.eml',
    'staff-reply-own-domain.eml',
    'mailer-daemon-without-address.eml',
    'windows-1252-complaint.eml',
  ];
  for (const name of names) mails.set(name, await load(name));
});

function fixture(name: string): InboundMail {
  const mail = mails.get(name);
  if (mail === undefined) throw new Error(`fixture ${name} not loaded`);
  return mail;
}

/** A copy of a parsed mail with some headers replaced (value) or removed (null), and other fields changed. */
function variant(
  mail: InboundMail,
  headers: Record<string, string | null>,
  fields: Partial<InboundMail> = {},
): InboundMail {
  const map = new Map(mail.headers);
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) map.delete(name.toLowerCase());
    else map.set(name.toLowerCase(), [value]);
  }
  return { ...mail, ...fields, headers: map };
}

const classify = (mail: InboundMail): Classification => classifyInbound(mail, context);

describe('classifyInbound: automatic replies', () => {
  it('recognises a French Exchange out-of-office, by its headers and by its subject alone', () => {
    const ooo = fixture('ooo-exchange-fr.eml');
    expect(classify(ooo)).toEqual({ kind: 'auto-reply', reason: 'X-MS-Exchange-Inbox-Rules-Loop header' });
    // threaded onto our acknowledgement, it still must not become a follow-up
    const bare = variant(
      ooo,
      { 'X-MS-Exchange-Inbox-Rules-Loop': null, 'X-Auto-Response-Suppress': null },
      { returnPath: null },
    );
    expect(classify(bare)).toEqual({ kind: 'auto-reply', reason: 'Subject: "Réponse automatique :"' });
  });

  it('recognises a Gmail vacation responder by Auto-Submitted', () => {
    expect(classify(fixture('vacation-gmail.eml'))).toEqual({
      kind: 'auto-reply',
      reason: 'Auto-Submitted: auto-replied',
    });
    expect(classify(variant(fixture('vacation-gmail.eml'), { 'Auto-Submitted': 'no' })).kind).not.toBe('auto-reply');
  });

  it('counts a read receipt (multipart/report; report-type=disposition-notification) as an automatic reply', () => {
    expect(classify(fixture('read-receipt.eml'))).toEqual({
      kind: 'auto-reply',
      reason: 'multipart/report; report-type=disposition-notification (read receipt)',
    });
  });

  it('counts list and bulk mail as automatic', () => {
    const newsletter = fixture('newsletter-list-id.eml');
    expect(classify(newsletter)).toEqual({
      kind: 'auto-reply',
      reason: 'List-Id: La lettre RH <lettre-rh.exemple-presta.fr>',
    });
    expect(classify(variant(newsletter, { 'List-Id': null }))).toEqual({
      kind: 'auto-reply',
      reason: 'List-Unsubscribe header',
    });
    const complaint = fixture('windows-1252-complaint.eml');
    expect(classify(variant(complaint, { Precedence: 'bulk' }))).toEqual({
      kind: 'auto-reply',
      reason: 'Precedence: bulk',
    });
    expect(classify(variant(complaint, { Precedence: 'first-class' })).kind).toBe('new');
    expect(classify(variant(complaint, { 'X-Autoreply': 'yes' }))).toEqual({
      kind: 'auto-reply',
      reason: 'X-Autoreply: yes',
    });
    expect(classify(variant(complaint, { 'X-Autorespond': 'Vacation' }))).toEqual({
      kind: 'auto-reply',
      reason: 'X-Autorespond: Vacation',
    });
    expect(classify(variant(complaint, { 'X-MS-Exchange-Generated-Message-Source': 'Mailbox Rules Agent' }))).toEqual({
      kind: 'auto-reply',
      reason: 'X-MS-Exchange-Generated-Message-Source header',
    });
  });

  it('does not take real complaints for automatic replies ("Absence du médecin", "Réponse à votre courrier")', () => {
    // one hint (X-Auto-Response-Suppress, which Outlook sets on ordinary mail) is not enough
    expect(classify(fixture('complaint-absence-subject.eml'))).toEqual({ kind: 'new', linkedTicketReference: null });
    expect(classify(fixture('complaint-reponse-subject.eml'))).toEqual({ kind: 'new', linkedTicketReference: null });
  });

  it('matches automatic subjects as whole prefixes, never as substrings', () => {
    const complaint = fixture('windows-1252-complaint.eml');
    const reply = (subject: string): InboundMail => ({ ...complaint, subject, inReplyTo: ['unknown@exemple.fr'] });
    const fresh = (subject: string): InboundMail => ({ ...complaint, subject });
    const kind = (mail: InboundMail): string => classify(mail).kind;

    for (const subject of [
      'Réponse automatique : Votre réclamation',
      'Automatic reply: Votre réclamation',
      'Auto reply: Votre réclamation',
      'Autoreply: x',
      'Out of Office: Votre réclamation',
      "Message d'absence",
      'Abwesenheitsnotiz: Ihre Nachricht',
    ]) {
      expect(kind(fresh(subject)), subject).toBe('auto-reply');
    }
    // "Absence", "Absent(e)" and receipt prefixes also start real mails: only on a reply
    expect(kind(reply('Absence : [REC-2026-0042] Votre réclamation'))).toBe('auto-reply');
    expect(kind(reply('Absent(e)'))).toBe('auto-reply');
    expect(kind(reply('Accusé de réception : Votre réclamation'))).toBe('auto-reply');
    expect(kind(reply('Lu : Votre réclamation'))).toBe('auto-reply');
    for (const subject of [
      'Absence',
      'Absence : médecin du travail jamais venu',
      'Absence du médecin',
      'Absentéisme et visite de reprise',
      'Accusé de réception de mon courrier recommandé',
      'Réponse à votre courrier',
      'Re: Réponse automatique : Votre réclamation',
      'Lu : votre courrier',
      'Ma demande de rendez-vous est restée sans réponse automatique ni humaine',
    ]) {
      expect(kind(fresh(subject)), subject).toBe('new');
    }
  });

  it('needs two weak hints (X-Auto-Response-Suppress, Feedback-ID, Return-Path <>)', () => {
    const complaint = fixture('windows-1252-complaint.eml');
    expect(classify(variant(complaint, { 'Feedback-ID': '1.eu-west-3.abc:AmazonSES' })).kind).toBe('new');
    expect(classify(variant(complaint, { 'X-Auto-Response-Suppress': 'All', 'Feedback-ID': 'campaign:1' }))).toEqual({
      kind: 'auto-reply',
      reason: 'X-Auto-Response-Suppress: All, Feedback-ID header',
    });
    expect(classify(variant(complaint, { 'X-Auto-Response-Suppress': 'OOF' }, { returnPath: '' }))).toEqual({
      kind: 'auto-reply',
      reason: 'X-Auto-Response-Suppress: OOF, Return-Path: <>',
    });
  });
});

describe('classifyInbound: bounces', () => {
  it('reads a Postfix DSN: original Message-ID from the returned mail, failed recipient from the report', () => {
    expect(classify(fixture('dsn-postfix.eml'))).toEqual({
      kind: 'bounce',
      reason: 'multipart/report; report-type=delivery-status',
      originalMessageId: 'rcl.mg0xa.f00ba4.rec-2026-0043@spst.fr',
      failedRecipient: 'jp.garnier@exemple.fr',
    });
  });

  it('reports a delay warning as a bounce without a failed recipient', () => {
    const dsn = fixture('dsn-postfix.eml');
    const delayed = {
      ...dsn,
      attachments: dsn.attachments.map((part) =>
        part.contentType === 'message/delivery-status'
          ? {
              ...part,
              content: new TextEncoder().encode(
                Buffer.from(part.content).toString('utf8').replace('Action: failed', 'Action: delayed'),
              ),
            }
          : part,
      ),
    };
    expect(classify(delayed)).toMatchObject({
      kind: 'bounce',
      reason: 'multipart/report; report-type=delivery-status (Action: delayed)',
      failedRecipient: null,
    });
  });

  it('reads a French Exchange "Non remis" NDR, and recognises it by its subject alone', () => {
    const ndr = fixture('ndr-exchange-fr.eml');
    expect(classify(ndr)).toEqual({
      kind: 'bounce',
      reason: 'multipart/report; report-type=delivery-status',
      originalMessageId: 'rcl.mg0xb.beef01.rec-2026-0044@spst.fr',
      failedRecipient: 'm.lambert@exemple.fr',
    });
    const plain = variant(
      ndr,
      { 'Content-Type': 'text/plain; charset=iso-8859-1' },
      { contentType: 'text/plain', attachments: [], from: { address: 'exploitation@exemple.fr', name: '' } },
    );
    expect(classify(plain)).toMatchObject({
      kind: 'bounce',
      reason: 'Subject: "Non remis :"',
      originalMessageId: 'rcl.mg0xb.beef01.rec-2026-0044@spst.fr',
      failedRecipient: 'm.lambert@exemple.fr',
    });
  });

  it('recognises bounces by MAILER-DAEMON/postmaster senders, X-Failed-Recipients and classic subjects', () => {
    const complaint = fixture('windows-1252-complaint.eml');
    expect(classify({ ...complaint, from: { address: 'mailer-daemon@mx.exemple.fr', name: '' } })).toMatchObject({
      kind: 'bounce',
      reason: 'From: mailer-daemon@mx.exemple.fr',
    });
    expect(classify({ ...complaint, returnPath: 'mailer-daemon@mx.exemple.fr' })).toMatchObject({ kind: 'bounce' });
    expect(classify(variant(complaint, { 'X-Failed-Recipients': 'a@exemple.fr' }))).toMatchObject({
      kind: 'bounce',
      reason: 'X-Failed-Recipients header',
      failedRecipient: 'a@exemple.fr',
    });
    for (const subject of [
      'Undelivered Mail Returned to Sender',
      'Delivery Status Notification (Failure)',
      'Mail delivery failed: returning message to sender',
      'Échec de la remise : x',
    ]) {
      expect(classify({ ...complaint, subject }).kind, subject).toBe('bounce');
    }
    expect(classify({ ...complaint, subject: 'Colis non remis par votre coursier' }).kind).toBe('new');
  });

  it('treats a null Return-Path alone as a report, but an automatic reply with one as an automatic reply', () => {
    const complaint = fixture('windows-1252-complaint.eml');
    expect(classify({ ...complaint, returnPath: '' })).toMatchObject({ kind: 'bounce', reason: 'Return-Path: <>' });
    // Exchange sends its out-of-office with MAIL FROM:<>: it is not a delivery failure
    expect(classify(fixture('ooo-exchange-fr.eml')).kind).toBe('auto-reply');
    expect(classify(fixture('mailer-daemon-without-address.eml'))).toMatchObject({
      kind: 'bounce',
      failedRecipient: 'ancien.salarie@exemple.fr',
    });
  });
});

describe('classifyInbound: own mail (loop protection)', () => {
  it('recognises our mailbox and its plus-addresses as sender', () => {
    expect(classify(fixture('own-mail-loop.eml'))).toEqual({
      kind: 'own',
      reason: 'From: reclamation@spst.fr is our mailbox',
    });
    const plus = { ...fixture('tag-from-participant.eml'), from: { address: 'reclamation+t4k8z1@spst.fr', name: '' } };
    expect(classify(plus).kind).toBe('own');
    const lookalike = { ...fixture('tag-from-participant.eml'), from: { address: 'reclamation-rh@spst.fr', name: '' } };
    expect(classify(lookalike).kind).not.toBe('own');
  });

  it('recognises our mail relayed under another From by X-Reclam-* with our Message-ID', () => {
    expect(classify(fixture('own-mail-rewritten-from.eml'))).toEqual({
      kind: 'own',
      reason: 'X-Reclam-Ticket header with our Message-ID <rcl.mg0x4.d00d.rec-2026-0042@spst.fr>',
    });
    expect(
      classify(
        variant(fixture('own-mail-rewritten-from.eml'), { 'X-Reclam-Ticket': null, 'Auto-Submitted': 'auto-replied' }),
      ).kind,
    ).toBe('own');
  });

  it('does not swallow a staff reply whose mail client made a Message-ID in our domain', () => {
    expect(classify(fixture('staff-reply-own-domain.eml'))).toEqual({
      kind: 'follow-up',
      ticketReference: 'REC-2026-0042',
      via: 'message-id',
    });
  });

  it('decides own before bounce and automatic reply', () => {
    const own = fixture('own-mail-loop.eml');
    expect(classify({ ...own, returnPath: '', subject: 'Undelivered Mail Returned to Sender' }).kind).toBe('own');
  });
});

describe('classifyInbound: threading', () => {
  it('threads a reply by In-Reply-To', () => {
    expect(classify(fixture('reply-in-reply-to.eml'))).toEqual({
      kind: 'follow-up',
      ticketReference: 'REC-2026-0042',
      via: 'message-id',
    });
  });

  it('threads a reply by References only', () => {
    expect(classify(fixture('reply-references-only.eml'))).toEqual({
      kind: 'follow-up',
      ticketReference: 'REC-2026-0042',
      via: 'message-id',
    });
  });

  it('threads by subject tag only for a participant of the ticket', () => {
    expect(classify(fixture('tag-from-participant.eml'))).toEqual({
      kind: 'follow-up',
      ticketReference: 'REC-2026-0042',
      via: 'subject-tag',
    });
    expect(classify(fixture('tag-from-stranger.eml'))).toEqual({ kind: 'new', linkedTicketReference: 'REC-2026-0042' });
    const unknownTicket = { ...fixture('tag-from-stranger.eml'), subject: 'Re: [REC-2025-9999] ancienne réclamation' };
    expect(classify(unknownTicket)).toEqual({ kind: 'new', linkedTicketReference: null });
  });

  it('checks automatic replies and bounces before threading', () => {
    const ooo = fixture('ooo-exchange-fr.eml');
    expect(ooo.inReplyTo).toEqual([OUR_ACK]);
    expect(classify(ooo).kind).toBe('auto-reply');
    expect(classify(fixture('ndr-exchange-fr.eml')).kind).toBe('bounce');
  });
});

describe('classifyInbound: notifications marked only by a vendor header', () => {
  it.each([
    ['X-JIRA-FingerPrint', '978a1eb52201518931e77cb5725717ff', 'X-JIRA-FingerPrint header (Jira notification)'],
    ['X-GitHub-Reason', 'mention', 'X-GitHub-Reason header (GitHub notification)'],
    ['X-GitLab-Project', 'reclam', 'X-GitLab-Project header (GitLab notification)'],
    ['X-GitLab-NotificationReason', 'assigned', 'X-GitLab-NotificationReason header (GitLab notification)'],
    ['X-Bugzilla-Reason', 'AssignedTo', 'X-Bugzilla-Reason header (Bugzilla notification)'],
    ['X-Bugzilla-Type', 'changed', 'X-Bugzilla-Type header (Bugzilla notification)'],
    ['X-Redmine-Host', 'redmine.exemple.fr', 'X-Redmine-Host header (Redmine notification)'],
    ['X-Jenkins-Job', 'build-nightly', 'X-Jenkins-Job header (Jenkins notification)'],
    ['X-Cron-Env', '<SHELL=/bin/sh>', 'X-Cron-Env header (cron job output)'],
  ])('%s marks an automatic mail', (name, value, reason) => {
    expect(classify(variant(fixture('windows-1252-complaint.eml'), { [name]: value }))).toEqual({
      kind: 'auto-reply',
      reason,
    });
  });

  it.each([
    ['X-Mailgun-Sid', 'WyJlYjg3MCJd'],
    ['X-Mailgun-Tag', 'contact-form'],
    ['X-MC-Unique', 'abc-123'],
    ['X-MC-User', 'a1b2c3'],
    ['Feedback-ID', '1.eu-west-3.abc:AmazonSES'],
  ])("%s alone does not: people's mail carries it too", (name, value) => {
    expect(classify(variant(fixture('windows-1252-complaint.eml'), { [name]: value })).kind).toBe('new');
  });
});

/** The windows-1252 complaint with another body (and subject, and threading). */
function withBody(text: string, fields: Partial<InboundMail> = {}): InboundMail {
  return { ...fixture('windows-1252-complaint.eml'), text, html: null, ...fields };
}

describe('classifyInbound: out-of-office bodies without any header', () => {
  const OUT_OF_OFFICE: readonly string[] = [
    "Bonjour,\n\nJe suis absente du bureau jusqu'au lundi 12 mars inclus. Pour toute urgence, merci de contacter Marie Durand au 01 23 45 67 89.\n\nCordialement,\nSophie Martin",
    'Je suis actuellement en congés et serai de retour le 3 avril. Votre message sera traité à mon retour.',
    "Bonjour, je suis en déplacement du 5 au 9 juin avec un accès limité à ma messagerie. En cas d'urgence, vous pouvez joindre le standard.",
    'Madame, Monsieur,\nje serai absent du 24/12 au 02/01. Je prendrai connaissance de votre message dès mon retour.',
    "Ceci est une réponse automatique. Je suis absent jusqu'au 15 juillet.",
    "Message d'absence : je suis en formation aujourd'hui.",
    'Je suis absent(e) jusqu’au 3 mai. Les messages reçus pendant mon absence ne seront pas lus ; merci de renvoyer votre demande à accueil@exemple.fr.',
    'Hello,\n\nI am out of the office until Monday 12 March with limited access to email. For urgent matters please contact support@example.com.',
    "I'm currently on annual leave, returning on 3 April. I will respond to your email upon my return.",
    'Thank you for your email. I am away from the office until 10 June and will reply when I return.',
    'This is an automatic reply: I will be out of office from 1 to 15 August.',
    'Bonjour,\n\nJe suis absente jusqu’au 20 août.\nPour toute demande, vous pouvez contacter le secrétariat.\n\n> Le 3 août 2026, reclamation@spst.fr a écrit :\n> Accusé de réception',
  ];
  const NOT_OUT_OF_OFFICE: readonly string[] = [
    "Bonjour, je suis absent de mon poste depuis que le médecin m'a déclaré inapte le 3 mars. Merci de me rappeler.",
    "Je suis en arrêt maladie jusqu'au 15 mars et le médecin du travail refuse la visite de pré-reprise. Vous pouvez contacter mon employeur.",
    'Je serai absente du 3 au 10 mars : pouvez-vous décaler la visite médicale prévue le 5 ? Merci de me rappeler à mon retour.',
    'Je serai en congés du 1er au 15 août, pour toute urgence contactez ma collègue. Merci de reporter la visite de mon salarié.',
    "Le médecin était absent jusqu'au dernier moment et personne ne nous a prévenus. Pour toute urgence, on nous dit d'appeler le standard, qui ne répond jamais.",
    'Merci de me rappeler au 06 12 34 56 78, je suis absent du bureau le matin.',
    "Bonjour,\nnous avons attendu une heure. Je suis absente jusqu'au 20 mars mais je tiens à ce que cette réclamation soit traitée : le médecin n'est jamais venu, nos salariés sont repartis sans visite, c'est la troisième fois, et personne ne nous a prévenus. Vous pouvez contacter notre directeur pour les détails. " +
      'Nous attendons une réponse écrite. '.repeat(30),
    'I am out of the office until Monday: could you move my appointment to next week? Please contact me when you can.',
    "Je suis en congés depuis hier et j'apprends que la visite de mon salarié a été annulée sans prévenir.",
  ];

  it.each(OUT_OF_OFFICE)('recognises %j', (text) => {
    expect(classify(withBody(text, { subject: 'Votre réclamation' }))).toMatchObject({ kind: 'auto-reply' });
    // threaded onto our acknowledgement, it still is no follow-up
    expect(classify(withBody(text, { inReplyTo: [OUR_ACK] })).kind).toBe('auto-reply');
  });

  it.each(NOT_OUT_OF_OFFICE)('leaves %j alone', (text) => {
    expect(classify(withBody(text)).kind).toBe('new');
  });
});

describe('classifyInbound: thanks-only bodies', () => {
  const THANKS: readonly [string, string][] = [
    ['Merci', ''],
    ['Merci beaucoup !', 'Re: [REC-2026-0099] Accusé de réception de votre réclamation'],
    ['Bonjour,\n\nMerci pour votre réponse.\n\nCordialement,\nJean Dupont', 'RE: Votre réclamation'],
    ['Merci beaucoup pour votre retour rapide. Bonne journée.', 'Re: Réponse à votre réclamation'],
    ['Un grand merci pour votre aide !\nJ. Dupont', 'Merci'],
    ['Bien reçu, merci.', 'TR: Accusé de réception'],
    ['Je vous remercie pour votre réponse.\nBien à vous,\nMarie-Claire Lefèvre\nService RH', 'Re: Réponse'],
    ['Thank you very much for your help!\nBest regards,\nJohn', 'Re: Your complaint'],
    ['Thanks!', ''],
    [
      'Merci de votre réponse rapide.\n\n> Le 3 mars 2026, reclamation@spst.fr a écrit :\n> Nous avons bien reçu…',
      'Re: Accusé',
    ],
  ];
  const NOT_THANKS: readonly [string, string][] = [
    ['Merci de me rappeler au 06 12 34 56 78.', ''],
    ['Merci de me rappeler', 'Re: Accusé de réception'],
    ['Merci d’avance.', ''],
    ["Bonjour,\nle médecin n'est pas venu et nos salariés sont repartis sans visite.\nMerci d'avance.", ''],
    ['Merci pour votre réponse, mais le problème persiste.', 'Re: Réponse'],
    ['Merci pour votre réponse. Pouvez-vous me préciser la date ?', 'Re: Réponse'],
    ['Merci pour votre réponse. Toujours rien reçu', 'Re: Réponse'],
    ['Merci beaucoup pour rien.', 'Re: Réponse'],
    ['Merci.', 'Facture de cotisation erronée'],
    ['Je vous remercie de bien vouloir me rappeler.', ''],
    ['Thanks, but nothing has changed.', 'Re: Your complaint'],
  ];

  it.each(THANKS)('records %j (subject %j) without a ticket', (text, subject) => {
    expect(classify(withBody(text, { subject }))).toEqual({
      kind: 'auto-reply',
      reason: 'Body: thanks only, nothing asked (recorded, no ticket)',
    });
  });

  it.each(NOT_THANKS)('leaves %j (subject %j) a complaint', (text, subject) => {
    expect(classify(withBody(text, { subject })).kind).toBe('new');
  });

  it('keeps a thanks that follows up on a ticket with it, and a thanks with an attachment a complaint', () => {
    expect(classify(withBody('Merci beaucoup !', { subject: 'Re: Accusé', inReplyTo: [OUR_ACK] }))).toEqual({
      kind: 'follow-up',
      ticketReference: 'REC-2026-0042',
      via: 'message-id',
    });
    const participant = fixture('tag-from-participant.eml');
    expect(classify({ ...participant, text: 'Merci !', html: null }).kind).toBe('follow-up');
    const complaint = fixture('windows-1252-complaint.eml');
    expect(
      classify({
        ...complaint,
        subject: '',
        text: 'Merci',
        attachments: [
          { filename: 'a.pdf', contentType: 'application/pdf', size: 1, sha256: '0', content: new Uint8Array(1) },
        ],
      }).kind,
    ).toBe('new');
  });
});

describe('helpers', () => {
  it('referencedMessageIds: In-Reply-To then References, each once, without brackets', () => {
    const mail = {
      ...fixture('reply-in-reply-to.eml'),
      inReplyTo: ['<b@x>', 'a@x'],
      references: ['c@x', 'a@x', ' <b@x> '],
    };
    expect(referencedMessageIds(mail)).toEqual(['b@x', 'a@x', 'c@x']);
  });

  it('subjectTicketReferences: bracketed tags with at least 4 sequence digits', () => {
    expect(subjectTicketReferences('Re: [REC-2026-0042] Votre réclamation', 'REC')).toEqual(['REC-2026-0042']);
    expect(subjectTicketReferences('TR: [rec-2026-12345] et [REC-2026-0042] et [REC-2026-0042]', 'REC')).toEqual([
      'REC-2026-12345',
      'REC-2026-0042',
    ]);
    expect(subjectTicketReferences('[ REC-2026-0042 ]', 'REC')).toEqual(['REC-2026-0042']);
    expect(subjectTicketReferences('[REC-2026-042] REC-2026-0042 [ABC-2026-0042] [REC-26-0042]', 'REC')).toEqual([]);
    expect(subjectTicketReferences('[A.B-2026-0001]', 'A.B')).toEqual(['A.B-2026-0001']);
    expect(subjectTicketReferences('[AXB-2026-0001]', 'A.B')).toEqual([]);
  });

  it('subjectTicketReferences: the first 10 tags only, even from a subject of 60 000 (it took minutes)', () => {
    const subject = Array.from({ length: 60_000 }, (_, i) => `[REC-2026-${String(i).padStart(5, '0')}]`).join(' ');
    expect(subjectTicketReferences(subject, 'REC')).toEqual(
      Array.from({ length: 10 }, (_, i) => `REC-2026-${String(i).padStart(5, '0')}`),
    );
  });

  it('isOwnMessageId: <something>@<our domain>', () => {
    expect(isOwnMessageId('<rcl.x.y@spst.fr>', 'spst.fr')).toBe(true);
    expect(isOwnMessageId('rcl.x.y@SPST.FR', 'spst.fr')).toBe(true);
    expect(isOwnMessageId('x@mail.spst.fr', 'spst.fr')).toBe(false);
    expect(isOwnMessageId('x@spst.fr.example', 'spst.fr')).toBe(false);
    expect(isOwnMessageId('@spst.fr', 'spst.fr')).toBe(false);
    expect(isOwnMessageId('x@spst.fr', '')).toBe(false);
  });

  it('keeps the domain module pure: it imports only the InboundMail type module', () => {
    const source = readFileSync(
      path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/domain/inbound-classification.ts'),
      'utf8',
    );
    const imports = [...source.matchAll(/^import\s.*?from\s+'([^']+)'/gm)].map((match) => match[1]);
    expect(imports).toEqual(['./inbound-mail.js']);
    expect(source).not.toMatch(/Date\.now|new Date\(|process\.|node:/);
  });
});

// ---------------------------------------------------------------------------------------------
// The shared real-world corpus

const root = corpusRoot();

/** Expected outputs and body-only samples in the corpus folders used here. */
const notMail = (relative: string): boolean =>
  /\.(?:yml|json|md|license)$/.test(relative) ||
  /\/(?:crisp-email-reply-parser|email_reply_trimmer|willdurand-EmailReplyParser)\//.test(relative);

/** auto-replies/ files that are not classified auto-reply or bounce, and why that is accepted. */
const AUTO_REPLY_EXCEPTIONS: Readonly<Record<string, { kind: Classification['kind']; why: string }>> = {};

/** bounces/ files not classified bounce, and why. */
const BOUNCE_EXCEPTIONS: Readonly<Record<string, { kind: Classification['kind'] | 'rejected'; why: string }>> = {
  'bounces/mimekit/disposition-notification.txt': {
    kind: 'auto-reply',
    why: 'a read receipt (MDN), which the mail contract counts as an automatic reply',
  },
  'bounces/sisimai/rfc3464-04.eml': {
    kind: 'rejected',
    why: 'multipart/report whose boundary lines were stripped: quarantined by the parser',
  },
  'bounces/sisimai/rfc3464-06.eml': {
    kind: 'rejected',
    why: 'multipart/report whose boundary lines were stripped: quarantined by the parser',
  },
};

/** Ordinary mails of french/ and encodings/ that really are automatic. */
const ORDINARY_EXCEPTIONS: Readonly<Record<string, { kind: Classification['kind']; why: string }>> = {
  'encodings/cpython/msg_32.txt': { kind: 'auto-reply', why: 'a freebsd-isp mailing-list post: Precedence: bulk' },
  'encodings/cpython/msg_33.txt': { kind: 'auto-reply', why: 'a freebsd-isp mailing-list post: Precedence: bulk' },
  'encodings/flanker/from-encoding.eml': { kind: 'auto-reply', why: 'an Apache new-httpd list post: Precedence: bulk' },
  'encodings/django-mailbox/message_with_utf8_char.eml': {
    kind: 'auto-reply',
    why: 'relayed by a forwarder that added Precedence: bulk',
  },
};

const corpusContext: ClassificationContext = {
  mailboxAddress: 'reclamation@spst.fr',
  ownMessageIdDomain: 'spst.fr',
  ticketPrefix: 'REC',
  ticketByMessageId: new Map(),
  participantsByTicket: new Map(),
};

async function classifyCorpus(
  relative: string,
): Promise<{ label: string; kind: Classification['kind'] | 'rejected'; detail: string }[]> {
  const bytes = readCorpusFile(root!, relative);
  const messages = relative.endsWith('.mbox')
    ? splitMbox(bytes).map((message, index) => ({ label: `${relative}#${index + 1}`, bytes: message }))
    : [{ label: relative, bytes }];
  const out = [];
  for (const { label, bytes: message } of messages) {
    const result = await parseMail(message);
    if (!result.ok) {
      out.push({ label, kind: 'rejected' as const, detail: result.reason });
      continue;
    }
    const classification = classifyInbound(result.mail, corpusContext);
    out.push({ label, kind: classification.kind, detail: 'reason' in classification ? classification.reason : '' });
  }
  return out;
}

if (root === undefined) {
  describe('classifyInbound on the shared corpus', () => {
    it.skip('skipped: no shared corpus at ../shared/corpus next to the repository', () => {});
  });
} else {
  describe('classifyInbound on the shared corpus', () => {
    it('classifies every auto-replies/ mail as automatic reply or bounce', async () => {
      const files = corpusFiles(root, 'auto-replies').filter((file) => !notMail(file));
      expect(files.length).toBeGreaterThan(10);
      for (const file of files) {
        for (const { label, kind, detail } of await classifyCorpus(file)) {
          const exception = AUTO_REPLY_EXCEPTIONS[label];
          if (exception) expect(kind, `${label}: ${exception.why}`).toBe(exception.kind);
          else expect(['auto-reply', 'bounce'], `${label}: ${kind} ${detail}`).toContain(kind);
        }
      }
    });

    it('classifies every bounces/ mail as bounce', async () => {
      const files = corpusFiles(root, 'bounces').filter((file) => !notMail(file));
      expect(files.length).toBeGreaterThan(40);
      for (const file of files) {
        for (const { label, kind, detail } of await classifyCorpus(file)) {
          const exception = BOUNCE_EXCEPTIONS[label];
          expect(kind, `${label}: ${exception?.why ?? detail}`).toBe(exception?.kind ?? 'bounce');
        }
      }
    });

    it('leaves ordinary french/ and encodings/ mails alone', async () => {
      const files = [...corpusFiles(root, 'french'), ...corpusFiles(root, 'encodings')].filter(
        (file) => !notMail(file),
      );
      let checked = 0;
      for (const file of files) {
        for (const { label, kind, detail } of await classifyCorpus(file)) {
          if (kind === 'rejected') continue; // body-only samples; the parser test pins rejections
          checked++;
          const exception = ORDINARY_EXCEPTIONS[label];
          expect(kind, `${label}: ${exception?.why ?? detail}`).toBe(exception?.kind ?? 'new');
        }
      }
      expect(checked).toBeGreaterThan(40);
    });

    it('takes no mail people wrote (replies-quoted/, attachments/, french/, html-only/) for an out-of-office or thanks-only body', async () => {
      const files = ['replies-quoted', 'attachments', 'french', 'html-only', 'encodings']
        .flatMap((folder) => corpusFiles(root, folder))
        .filter((file) => !notMail(file));
      let checked = 0;
      for (const file of files) {
        for (const { label, kind, detail } of await classifyCorpus(file)) {
          if (kind === 'rejected') continue;
          checked++;
          expect(detail.startsWith('Body:'), `${label}: ${kind} ${detail}`).toBe(false);
        }
      }
      expect(checked).toBeGreaterThan(100);
    });

    it('leaves the negative controls of bounce detection alone', async () => {
      for (const file of [
        'misc/sisimai/is-not-bounce-01.eml',
        'misc/sisimai/is-not-bounce-02-forward-as-attachment.eml',
      ]) {
        expect(
          (await classifyCorpus(file)).map((entry) => entry.kind),
          file,
        ).toEqual(['new']);
      }
    });
  });
}
