import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMailParser, parseMail, type ParseResult } from '../../src/adapters/mail-parser.js';
import type { InboundMail } from '../../src/domain/inbound-mail.js';
import { corpusFiles, corpusRoot, loadEml, readCorpusFile, splitMbox } from '../fixtures/load-eml.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function parsed(name: string): Promise<InboundMail> {
  const result = await parseMail(loadEml(name));
  if (!result.ok) throw new Error(`${name} rejected: ${result.reason}`);
  return result.mail;
}

async function rejection(bytes: Uint8Array): Promise<string> {
  const result = await parseMail(bytes);
  if (result.ok) throw new Error(`accepted, from ${result.mail.from?.address}`);
  return result.reason;
}

describe('parseMail on reclam fixtures', () => {
  it('decodes a windows-1252 complaint: ’ (0x92), é, €, – in body, subject and names', async () => {
    const mail = await parsed('windows-1252-complaint.eml');
    expect(mail.subject).toBe('Visite médicale annulée sans prévenir – l’employé a attendu 1 h');
    expect(mail.from).toEqual({ address: 'helene.dupre@exemple.fr', name: 'Hélène Dupré' });
    expect(mail.to).toEqual([{ address: 'reclamation@spst.fr', name: 'Service réclamations' }]);
    expect(mail.text).toContain('Notre salarié M. Lefèvre s’est présenté le 9 mars');
    expect(mail.text).toContain('1 250 € de cotisation');
    expect(mail.text).toContain('ce n’est pas la première fois – c’est la troisième');
    expect(mail.contentType).toBe('text/plain');
    expect(mail.html).toBeNull();
    expect(mail.messageId).toBe('000801dcb0f1$3a2b1c40$ae6f54c0@exemple.fr');
    expect(mail.hasOwnMessageId).toBe(true);
    expect(mail.date?.toISOString()).toBe('2026-03-10T08:13:58.000Z');
    expect(mail.returnPath).toBe('helene.dupre@exemple.fr');
    expect(mail.rawSha256).toBe(sha256(loadEml('windows-1252-complaint.eml')));
  });

  it('decodes ISO-8859-1 quoted-printable, an Outlook 0x92 in it, and a raw 8-bit Subject', async () => {
    const mail = await parsed('iso-8859-1-complaint.eml');
    expect(mail.subject).toBe('Délai de rendez-vous beaucoup trop long');
    expect(mail.text).toContain("visite de reprise après mon arrêt maladie. L’employeur me dit que c'est à vous");
    expect(mail.text).toContain("qu'une date me soit proposée rapidement ; ça devient urgent");
  });

  it('converts an HTML-only mail to text and keeps the HTML', async () => {
    const mail = await parsed('html-only.eml');
    expect(mail.subject).toBe("Contestation de l'avis d'aptitude");
    expect(mail.contentType).toBe('text/html');
    expect(mail.html).toContain('<b>5 mars</b>');
    expect(mail.text).toContain("Je conteste l'avis d’aptitude rendu le 5 mars");
    expect(mail.text).not.toMatch(/<\w|&rsquo;|p\{margin/);
  });

  it('converts HTML to text also when it sits beside an attachment (the parser leaves text empty there)', async () => {
    const mail = await parsed('html-and-attachment-no-text.eml');
    expect(mail.text.trim()).toBe("Veuillez trouver l'avis contesté en pièce jointe.");
    expect(mail.attachments.map((a) => a.filename)).toEqual(['avis.pdf']);
  });

  it('keeps every header field in order, so trace fields can be read top-down', async () => {
    const raw = Buffer.from(
      [
        'Received: from mx (localhost [127.0.0.1]) by imap with LMTP',
        'Authentication-Results: mx.spst.fr; dmarc=pass header.from=spst.fr',
        'Received: from out (out [198.51.100.7]) by mx',
        'Authentication-Results: =?utf-8?q?mx.spst.fr=3B_dmarc=3Dpass?=',
        'From: a@spst.fr',
        'Subject: x',
        '',
        'corps',
      ].join('\r\n'),
    );
    const result = await parseMail(raw);
    if (!result.ok) throw new Error(result.reason);
    expect(result.mail.headerFields.slice(0, 4)).toEqual([
      { name: 'received', value: 'from mx (localhost [127.0.0.1]) by imap with LMTP' },
      { name: 'authentication-results', value: 'mx.spst.fr; dmarc=pass header.from=spst.fr' },
      { name: 'received', value: 'from out (out [198.51.100.7]) by mx' },
      { name: 'authentication-results', value: 'mx.spst.fr; dmarc=pass' },
    ]);
    expect(result.mail.headers.get('authentication-results')).toHaveLength(2);
  });

  it('derives a Message-ID from the raw bytes when the mail has none', async () => {
    const bytes = loadEml('no-message-id.eml');
    const mail = await parsed('no-message-id.eml');
    expect(mail.hasOwnMessageId).toBe(false);
    expect(mail.messageId).toBe(`sha256-${sha256(bytes)}@reclam.invalid`);
    expect(mail.rawSha256).toBe(sha256(bytes));
    expect(mail.returnPath).toBeNull();
  });

  it('normalises Message-ID, In-Reply-To and References; keeps repeated headers in order', async () => {
    const mail = await parsed('threading-and-received.eml');
    expect(mail.messageId).toBe('reply-9@exemple.fr');
    expect(mail.inReplyTo).toEqual(['rcl.mg0x1.a1b2c3.rec-2026-0042@spst.fr']);
    expect(mail.references).toEqual(['first@exemple.fr', 'rcl.mg0x1.a1b2c3.rec-2026-0042@spst.fr', 'extra@exemple.fr']);
    expect(mail.headers.get('received')).toEqual([
      'from mx2.exemple.fr by mx.spst.fr; Wed, 18 Mar 2026 10:00:02 +0100',
      'from mx1.exemple.fr by mx2.exemple.fr; Wed, 18 Mar 2026 10:00:01 +0100',
      'from pc.exemple.fr by mx1.exemple.fr; Wed, 18 Mar 2026 10:00:00 +0100',
    ]);
    expect(mail.headers.get('references')).toHaveLength(2);
  });

  it('decodes RFC 2047 words (multi-byte character split across words, folding, Q and B) in headers and names', async () => {
    const mail = await parsed('rfc2047-subject.eml');
    expect(mail.subject).toBe('Réclamation : le médecin n’a pas examiné mon épaule');
    expect(mail.from).toEqual({ address: 'elodie.lefrancois@exemple.fr', name: 'Élodie Lefrançois' });
    expect(mail.to).toEqual([{ address: 'reclamation@spst.fr', name: 'Service Réclamations' }]);
    expect(mail.replyTo).toEqual([{ address: 'elodie@perso.exemple', name: 'Élodie Lefrançois (perso)' }]);
    expect(mail.headers.get('x-origine')).toEqual(['formulaire de contact – site web']);
    expect(mail.messageId).toBe('CAPs3e-x7@mail.exemple.fr');
    // a Date without a zone is read as UTC, never as the server's local time
    expect(mail.date?.toISOString()).toBe('2026-03-17T09:00:00.000Z');
  });

  it('keeps attachments: inline image, RFC 2231 name, unnamed part, message/rfc822, with SHA-256 and size', async () => {
    const mail = await parsed('with-attachment.eml');
    expect(mail.subject).toBe('Pièces jointes à ma réclamation');
    expect(mail.cc).toEqual([
      { address: 'jean.dupont@exemple.fr', name: 'Dupont, Jean' },
      { address: 'rh@exemple.fr', name: '' },
    ]);
    expect(mail.text).toContain('Voici les documents demandés');
    expect(mail.html).toContain('cid:capture@exemple.fr');
    expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['piece-jointe-1', 'image/png'],
      ['convocation annulée.pdf', 'application/pdf'],
      ['piece-jointe-3', 'application/octet-stream'],
      ['piece-jointe-4', 'message/rfc822'],
    ]);
    for (const attachment of mail.attachments) {
      expect(attachment.size).toBe(attachment.content.length);
      expect(attachment.sha256).toBe(sha256(attachment.content));
    }
    expect(Buffer.from(mail.attachments[1]!.content).toString('latin1')).toMatch(/^%PDF-1\.4/);
    expect(Buffer.from(mail.attachments[3]!.content).toString('utf8')).toContain('Message-ID: <annulation-77@spst.fr>');
  });

  it('falls back to Sender when there is no From', async () => {
    const mail = await parsed('sender-only.eml');
    expect(mail.from).toEqual({ address: 'secretariat@garage-morel.example', name: 'Secretariat Garage Morel' });
  });

  it('replaces NUL characters (PostgreSQL text cannot hold U+0000)', async () => {
    const mail = await parsed('nul-bytes.eml');
    expect(mail.text).toBe('Bonjour\uFFFD le monde\n');
  });

  it('reads CR-only line endings, an mbox From line, a junk first line and header lines that lost their folding', async () => {
    const crOnly = await parsed('cr-only-line-endings.eml');
    expect(crOnly.subject).toBe('Fins de ligne CR');
    expect(crOnly.text).toBe('Premiere ligne\nSeconde ligne\n');

    const mbox = await parsed('mbox-from-line.eml');
    expect(mbox.from?.address).toBe('nicolas.blanc@exemple.fr');
    expect([...mbox.headers.keys()]).toEqual(['return-path', 'from', 'to', 'subject', 'date', 'message-id']);

    const junk = await parsed('junk-line-before-headers.eml');
    expect(junk.from?.address).toBe('formulaire@exemple.fr');
    expect(junk.messageId).toBe('20260319093000.ABC123@exemple.fr');

    // `boundary="…"` on an unfolded line of its own (a broken mail fetcher): the text is recovered
    const folding = await parsed('broken-folding.eml');
    expect(folding.contentType).toBe('multipart/alternative');
    expect(folding.text).toBe('Je ne pourrai pas venir le 24.');
  });

  it('keeps an MTA delivery report without a usable From (from: null) for classification', async () => {
    const mail = await parsed('mailer-daemon-without-address.eml');
    expect(mail.from).toBeNull();
    expect(mail.returnPath).toBe('');
    expect(mail.contentType).toBe('multipart/report');
    expect(mail.attachments.map((a) => a.contentType)).toEqual(['message/delivery-status']);
  });

  it('keeps delivery-status and returned messages of a DSN as attachments', async () => {
    const mail = await parsed('dsn-postfix.eml');
    expect(mail.returnPath).toBe('');
    expect(mail.attachments.map((a) => a.contentType)).toEqual(['message/delivery-status', 'message/rfc822']);
    expect(mail.text).toContain('could not\nbe delivered');
  });

  it('rejects what cannot become a ticket, with a short reason', async () => {
    expect(await rejection(new Uint8Array(0))).toBe('empty input');
    expect(await rejection(Buffer.from(' \r\n\r\n'))).toBe('empty input');
    expect(await rejection(loadEml('no-header.eml'))).toBe('no header section');
    expect(await rejection(loadEml('no-sender.eml'))).toBe('no sender address');
    expect(await rejection(loadEml('multipart-no-boundary.eml'))).toBe('multipart without boundary');
    expect(await rejection(loadEml('multipart-boundary-not-in-body.eml'))).toBe(
      'multipart boundary never occurs in the body',
    );
  });

  it('reads a Uint8Array view at an offset of a larger buffer', async () => {
    const bytes = loadEml('windows-1252-complaint.eml');
    const larger = new Uint8Array(bytes.length + 10);
    larger.set(bytes, 5);
    const result = await parseMail(larger.subarray(5, 5 + bytes.length));
    expect(result.ok && result.mail.subject).toBe('Visite médicale annulée sans prévenir – l’employé a attendu 1 h');
  });

  it('is the only module that imports mailparser', () => {
    const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
    const importers = (readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts'))
      .filter((file) =>
        /from\s+['"]mailparser['"]|import\(\s*['"]mailparser['"]/.test(readFileSync(path.join(src, file), 'utf8')),
      );
    expect(importers).toEqual([path.join('adapters', 'mail-parser.ts')]);
  });
});

// ---------------------------------------------------------------------------------------------
// The shared real-world corpus (other licences: read in place, never copied here)

const root = corpusRoot();

/** Files that are not mails: expected outputs of the source projects, and body-only samples. */
function isMessageFile(relative: string): boolean {
  const name = path.basename(relative);
  if (/\.(?:yml|json|list|tnef|license|md|html|tsv)$/.test(name) || ['COPYING', '.gitattributes'].includes(name))
    return false;
  // reply-parser projects ship plain-text bodies (and their expected trimmed forms), no headers
  if (
    /(?:^|\/)(?:crisp-email-reply-parser|email_reply_trimmer|github-email_reply_parser|willdurand-EmailReplyParser)\//.test(
      relative,
    )
  )
    return false;
  if (/_reply_text$/.test(name)) return false; // talon: expected reply text
  if (relative === path.join('html-only', 'nextcloud-mail', 'mime-html.txt')) return false; // a bare HTML body
  if (relative === path.join('misc', 'rt', 'lorem-ipsum')) return false; // a bare text body
  return true;
}

/** Every mail of a corpus file: an mbox holds several. */
function messagesOf(relative: string, bytes: Uint8Array): { label: string; bytes: Uint8Array }[] {
  if (!relative.endsWith('.mbox')) return [{ label: relative, bytes }];
  return splitMbox(bytes).map((message, index) => ({ label: `${relative}#${index + 1}`, bytes: message }));
}

/**
 * Mail files of the corpus that are refused, and why. Pinned so that a change in what goes to
 * quarantine is a visible decision.
 */
const EXPECTED_REJECTIONS: Readonly<Record<string, string>> = {
  // samples of MIME structure, not delivered mail: no From, Sender or Reply-To anywhere
  'attachments/flanker/attached-pdf.eml': 'no sender address',
  'html-only/cpython/msg_40.txt': 'no sender address',
  'html-only/nextcloud-mail/html-with-signature.txt': 'no sender address',
  'misc/mimekit/multipart-related-mhtml.txt': 'no sender address',
  'misc/stalwart-rfc/007.eml': 'no sender address',
  'misc/stalwart-rfc/008.eml': 'no sender address',
  // multipart/report whose MIME structure was stripped: the boundary never occurs
  'bounces/sisimai/rfc3464-04.eml': 'multipart boundary never occurs in the body',
  'bounces/sisimai/rfc3464-06.eml': 'multipart boundary never occurs in the body',
  'malformed/cpython/msg_31.txt': 'multipart boundary never occurs in the body',
  'malformed/cpython/msg_37.txt': 'no sender address',
  'malformed/cpython/msg_41.txt': 'multipart without boundary',
  'malformed/flanker/false-multipart.eml': 'multipart boundary never occurs in the body',
  'malformed/glpi/17-malformed-email.eml': 'no sender address',
  'malformed/mikel-mail/bad_encoded_subject.eml': 'no sender address',
  'malformed/mikel-mail/missing_body.eml': 'multipart boundary never occurs in the body',
  'malformed/redmine/ticket_without_from_header.eml': 'no sender address',
  'malformed/spamscope/mail_malformed_3': 'multipart boundary never occurs in the body',
  'malformed/stalwart-dovecot/000.eml': 'no sender address',
  'malformed/stalwart-dovecot/002.eml': 'no sender address',
  'malformed/stalwart-dovecot/005.eml': 'no sender address',
  'malformed/stalwart-dovecot/010.eml': 'no sender address',
  'malformed/stalwart-dovecot/013.eml': 'no sender address',
  'malformed/stalwart-dovecot/018.eml': 'no sender address',
  'malformed/zammad/mail071.box': 'multipart boundary never occurs in the body', // headers only, body cut off
};

const KNOWN_REASONS =
  /^(?:empty input|no header section|no sender address|multipart without boundary|multipart boundary never occurs in the body|parser error: .+)$/;

if (root === undefined) {
  describe('parseMail on the shared corpus', () => {
    it.skip('skipped: no shared corpus at ../shared/corpus next to the repository', () => {});
  });
} else {
  describe('parseMail on the shared corpus', () => {
    const folders = [
      'attachments',
      'auto-replies',
      'bounces',
      'encodings',
      'french',
      'html-only',
      'malformed',
      'misc',
      'replies-quoted',
    ];
    const results = new Map<string, ParseResult>();
    const files = folders.flatMap((folder) => corpusFiles(root, folder));

    it('parses every corpus file without throwing', { timeout: 120_000 }, async () => {
      for (const relative of files) {
        for (const { label, bytes } of messagesOf(relative, readCorpusFile(root, relative))) {
          results.set(label, await parseMail(bytes));
        }
      }
      expect(results.size).toBeGreaterThanOrEqual(files.length);

      const summary = folders.map((folder) => {
        const entries = [...results].filter(([label]) => label.startsWith(`${folder}/`));
        const mails = entries.filter(([label]) => isMessageFile(label.replace(/#\d+$/, '')));
        const rejected = mails.filter(([, result]) => !result.ok);
        return `${folder}: ${entries.length} entries (files, mbox messages), ${mails.length} mails, ${mails.length - rejected.length} parsed, ${rejected.length} rejected`;
      });
      console.info(`corpus parse summary\n  ${summary.join('\n  ')}`);
    });

    it('refuses body-only samples as having no header section', () => {
      const bodies = [...results].filter(
        ([label]) => !isMessageFile(label) && /\.txt$|_reply_text$|lorem-ipsum$/.test(label),
      );
      expect(bodies.length).toBeGreaterThan(50);
      for (const [label, result] of bodies) {
        if (result.ok) continue; // a body sample whose first lines happen to read as headers
        expect(result.reason, label).toMatch(/^(?:no header section|empty input|no sender address)$/);
      }
    });

    it('rejects exactly the pinned mail files, with a known reason', () => {
      const rejected = Object.fromEntries(
        [...results]
          .filter(([label]) => isMessageFile(label.replace(/#\d+$/, '')))
          .flatMap(([label, result]) => (result.ok ? [] : [[label.split(path.sep).join('/'), result.reason]])),
      );
      for (const reason of Object.values(rejected)) expect(reason).toMatch(KNOWN_REASONS);
      expect(rejected).toEqual(EXPECTED_REJECTIONS);

      const malformed = [...results].filter(([label]) => label.startsWith('malformed/') && isMessageFile(label));
      const byReason = new Map<string, number>();
      for (const [, result] of malformed)
        byReason.set(
          result.ok ? 'parsed' : result.reason,
          (byReason.get(result.ok ? 'parsed' : result.reason) ?? 0) + 1,
        );
      console.info(
        `malformed/: ${malformed.length} mails: ${[...byReason].map(([reason, count]) => `${reason} ${count}`).join(', ')}`,
      );
    });

    it('rejects nothing under french/, encodings/ or html-only/ but sender-less MIME samples', () => {
      const refused = [...results].filter(
        ([label, result]) =>
          /^(?:french|encodings|html-only)\//.test(label) && isMessageFile(label.replace(/#\d+$/, '')) && !result.ok,
      );
      expect(refused.map(([label]) => label).sort()).toEqual([
        'html-only/cpython/msg_40.txt',
        'html-only/nextcloud-mail/html-with-signature.txt',
      ]);
    });

    it('never lets U+0000 through and always fills the required fields', () => {
      for (const [label, result] of results) {
        if (!result.ok) continue;
        const { mail } = result;
        const strings = [
          mail.text,
          mail.html ?? '',
          mail.subject,
          mail.from?.name ?? '',
          ...[...mail.headers.values()].flat(),
        ];
        expect(
          strings.some((value) => value.includes('\u0000')),
          label,
        ).toBe(false);
        expect(mail.messageId, label).not.toMatch(/[<>\s]/);
        expect(mail.from === null || mail.from.address === mail.from.address.toLowerCase(), label).toBe(true);
        expect(mail.contentType, label).toMatch(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$|^application-x-gzip$/);
      }
    });

    it('reads the odd real mails the way a human would', () => {
      const mail = (label: string): InboundMail => {
        const result = results.get(label);
        if (!result?.ok) throw new Error(`${label}: ${result?.reason}`);
        return result.mail;
      };
      // Outlook reply whose fetcher unfolded `boundary=` onto its own line
      expect(mail('replies-quoted/zammad/mail054.box').text).toBe('some text');
      // CR-only line endings read like the CRLF copy of the same DSN
      expect(mail('malformed/sisimai-line-endings/mac-CR-only-rfc3464-01.eml').subject).toBe(
        mail('malformed/sisimai-line-endings/dos-CRLF-rfc3464-01.eml').subject,
      );
      // a "---- Original email message ----" line in front of the headers
      expect(mail('encodings/zammad/mail068.box').from?.address).toBe('xxxxx@xxxxx.cz');
      // a UTF-8 BOM in front of the first header
      expect(mail('bounces/mimekit/feedback-report.txt').from?.address).toBe('abusedesk@example.com');
      // the French Outlook complaint in windows-1258
      expect(mail('french/zammad/mail072.box').subject).toBe('Réclamation commande n° 018255977840');
      // windows-1252 encoded words: the en dash must survive
      expect(mail('encodings/glpi/charset-evidence/02-windows1252-quoted-printable.eml').subject).toBe(
        'Remetente inválido – teste',
      );
      // an undeclared ISO-8859-1 display name
      expect(mail('encodings/rt/new-ticket-from-iso-8859-1').from?.name).toBe('Wilhelmsen Håvard');
      // three Gmail mails in one mbox
      expect(
        [
          'french/suitenumerique-messages/messages.mbox#1',
          'french/suitenumerique-messages/messages.mbox#2',
          'french/suitenumerique-messages/messages.mbox#3',
        ].map((label) => results.get(label)?.ok),
      ).toEqual([true, true, true]);
    });
  });
}

describe('parseMail on large mails', () => {
  const head = (type: string) =>
    `From: jean@exemple.fr\r\nSubject: grand\r\nMessage-ID: <grand@exemple.fr>\r\nMIME-Version: 1.0\r\nContent-Type: ${type}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`;

  it('keeps a 3 MB HTML-only body whole and converts the text of its first 1 000 000 characters', async () => {
    const paragraph = '<p>Le médecin du travail ne répond pas à nos relances.</p>\r\n';
    const html = `<p>Début du message</p>\r\n${paragraph.repeat(Math.ceil(3_000_000 / paragraph.length))}<p>FIN</p>`;
    const result = await parseMail(Buffer.from(head('text/html; charset=utf-8') + html));
    if (!result.ok) throw new Error(result.reason);
    expect(result.mail.html === html.replace(/\r\n/g, '\n')).toBe(true);
    expect(result.mail.text.startsWith('Début du message')).toBe(true);
    expect(result.mail.text).toContain('Le médecin du travail ne répond pas à nos relances.');
    expect(result.mail.text).not.toContain('FIN');
    expect(result.mail.text.length).toBeLessThan(1_000_000);
  });

  it('reads a 20 MB attachment exactly (the source is handed to the parser in pieces)', async () => {
    const content = Buffer.alloc(20 * 1024 * 1024, 'reclam-');
    const raw = Buffer.from(
      `${head('multipart/mixed; boundary="b"')}--b\r\nContent-Type: text/plain\r\n\r\nVoir la pièce jointe.\r\n--b\r\n` +
        `Content-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
        `${content.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n--b--\r\n`,
    );
    const result = await parseMail(raw);
    if (!result.ok) throw new Error(result.reason);
    expect(result.mail.text).toBe('Voir la pièce jointe.');
    expect(result.mail.attachments).toHaveLength(1);
    expect(Buffer.from(result.mail.attachments[0]!.content).equals(content)).toBe(true);
    expect(result.mail.attachments[0]!.sha256).toBe(sha256(content));
  });
});

describe('createMailParser: the size cap (mailbox.maxMessageBytes)', () => {
  const big = (bytes: number) =>
    Buffer.from(
      `From: Jean Dupont <jean@exemple.fr>\r\nSubject: =?utf-8?Q?Pi=C3=A8ce_jointe?=\r\nMessage-ID: <big@exemple.fr>\r\n\r\n${'x'.repeat(bytes)}\r\n`,
    );

  it('refuses a larger mail before parsing it, with sender and subject from its header block', async () => {
    const result = await createMailParser({ maxMessageBytes: 65_536 })(big(100_000));
    expect(result).toEqual({
      ok: false,
      reason: `too large: ${big(100_000).length} bytes, above mailbox.maxMessageBytes (65536)`,
      preview: { from: 'Jean Dupont <jean@exemple.fr>', subject: 'Pièce jointe' },
    });
  });

  it('parses a mail at the cap as usual', async () => {
    const raw = big(1_000);
    const result = await createMailParser({ maxMessageBytes: raw.length })(raw);
    expect(result.ok && result.mail.subject).toBe('Pièce jointe');
  });
});

describe('parseMail: text parts without a declared charset', () => {
  const russian = 'Здравствуйте! Врач не пришёл на приём, и никто нам не позвонил. Это недопустимо.';
  const french = 'Bonjour, le médecin n’est pas venu – très déçu ; 1 250 € de cotisation pour ça.';
  const mail = (contentType: string | null, body: Buffer, cte = '8bit'): Buffer =>
    Buffer.concat([
      Buffer.from(
        `From: a@exemple.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\n${contentType === null ? '' : `Content-Type: ${contentType}\r\n`}Content-Transfer-Encoding: ${cte}\r\n\r\n`,
      ),
      body,
    ]);
  const textOf = async (raw: Buffer): Promise<string> => {
    const result = await parseMail(raw);
    if (!result.ok) throw new Error(result.reason);
    return result.mail.text.trim();
  };
  const encode = (text: string, label: string): Buffer => {
    // test-side encoders: TextDecoder cannot encode, so map through a decoded byte table
    const decoder = new TextDecoder(label);
    const table = new Map<string, number>();
    for (let byte = 0; byte < 256; byte++) table.set(decoder.decode(Uint8Array.of(byte)), byte);
    // Node's windows-1252 decoder drops 0x80–0x9F: the ones used here
    if (label === 'windows-1252')
      for (const [char, byte] of [
        ['€', 0x80],
        ['’', 0x92],
        ['–', 0x96],
      ] as const)
        table.set(char, byte);
    return Buffer.from([...text].map((char) => table.get(char) ?? 0x3f));
  };

  it('detects KOI8-R and windows-1251 (it was a row of U+FFFD)', async () => {
    expect(await textOf(mail('text/plain', encode(russian, 'koi8-r')))).toBe(russian);
    expect(await textOf(mail(null, encode(russian, 'windows-1251')))).toBe(russian);
    // quoted-printable too: the charset is decided on the decoded bytes
    const qp = [...encode(russian, 'koi8-r')]
      .map((b) =>
        b < 0x80 && b !== 0x3d ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join('');
    expect(await textOf(mail('text/plain', Buffer.from(qp), 'quoted-printable'))).toBe(russian);
  });

  it('reads undeclared 8-bit French as windows-1252, and UTF-8 as UTF-8 (even with a broken byte)', async () => {
    expect(await textOf(mail('text/plain', encode(french, 'windows-1252')))).toBe(french);
    expect(await textOf(mail('text/plain; format=flowed', encode(french, 'windows-1252')))).toBe(french);
    expect(await textOf(mail('text/plain', Buffer.from(french)))).toBe(french);
    const broken = Buffer.concat([Buffer.from(french), Buffer.from([0xe9]), Buffer.from(' fin')]);
    expect(await textOf(mail('text/plain', broken))).toBe(`${french}\ufffd fin`);
    // a short French word chardet cannot place stays windows-1252
    expect(await textOf(mail('text/plain', encode('Déçu.', 'windows-1252')))).toBe('Déçu.');
  });

  it('treats charset=us-ascii on 8-bit bytes as undeclared, and keeps a declared charset', async () => {
    expect(await textOf(mail('text/plain; charset=us-ascii', encode(russian, 'koi8-r')))).toBe(russian);
    expect(await textOf(mail('text/plain; charset=iso-8859-5', encode(russian, 'iso-8859-5')))).toBe(russian);
    // declared windows-1252 wins over what a detector would say of these bytes
    expect(await textOf(mail('text/plain; charset=windows-1252', encode(russian, 'koi8-r')))).not.toBe(russian);
  });

  it("uses an HTML part's <meta charset>, and detects inside a multipart mail", async () => {
    const html = Buffer.concat([
      Buffer.from('<html><head><meta charset="koi8-r"></head><body><p>'),
      encode(russian, 'koi8-r'),
      Buffer.from('</p></body></html>'),
    ]);
    const htmlMail = await parseMail(mail('text/html', html));
    expect(htmlMail.ok && htmlMail.mail.html).toContain(russian);
    const multipart = Buffer.concat([
      Buffer.from('--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
      encode(russian, 'koi8-r'),
      Buffer.from('\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n'),
      encode(russian, 'koi8-r'),
      Buffer.from('\r\n--b--\r\n'),
    ]);
    const result = await parseMail(mail('multipart/mixed; boundary="b"', multipart));
    if (!result.ok) throw new Error(result.reason);
    expect(result.mail.text.trim()).toBe(russian);
    // an attachment's bytes are never re-encoded
    expect(Buffer.from(result.mail.attachments[0]!.content).equals(encode(russian, 'koi8-r'))).toBe(true);
  });

  it.skipIf(corpusRoot() === undefined)(
    'reads the corpus mails that declare no charset (or a wrong us-ascii)',
    async () => {
      const root = corpusRoot()!;
      const text = async (relative: string): Promise<string> => {
        const result = await parseMail(readCorpusFile(root, relative));
        if (!result.ok) throw new Error(result.reason);
        return result.mail.text;
      };
      expect((await text('encodings/rt/russian-subject-no-content-type')).trim()).toBe('ТЕСТ');
      expect(
        (await text('malformed/django-mailbox/message_with_invalid_content_for_declared_encoding.eml')).trim(),
      ).toBe('Это сообщение имеет неправильную кодировка.');
    },
  );
});

describe('parseMail: identifiers and part headers from hostile mail', () => {
  const base = (headers: string, body = 'Bonjour\r\n') =>
    Buffer.from(`From: a@exemple.fr\r\nSubject: x\r\n${headers}\r\n${body}`);

  it('drops a Message-ID longer than a header line may be, and keeps the first and last 49 References', async () => {
    const raw = base(
      `Message-ID: <${'x'.repeat(2_000)}@exemple.fr>\r\nIn-Reply-To: <a@x> <${'y'.repeat(1_000)}@x>\r\nReferences: ${Array.from({ length: 500 }, (_, i) => `<r${i}@x>`).join(' ')}\r\n`,
    );
    const result = await parseMail(raw);
    if (!result.ok) throw new Error(result.reason);
    expect(result.mail.hasOwnMessageId).toBe(false);
    expect(result.mail.messageId).toBe(`sha256-${sha256(raw)}@reclam.invalid`);
    expect(result.mail.inReplyTo).toEqual(['a@x']);
    expect(result.mail.references).toEqual(['r0@x', ...Array.from({ length: 49 }, (_, i) => `r${451 + i}@x`)]);
  });

  it('never throws on a part with an empty Content-Type, and lets no NUL through a part header', async () => {
    const multipart = (partType: string) =>
      base(
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        `--b\r\nContent-Type: text/plain\r\n\r\nVoir.\r\n--b\r\nContent-Type: ${partType}\r\nContent-Disposition: attachment; filename="a.pdf"\r\n\r\nDATA\r\n--b--\r\n`,
      );
    for (const [type, expected] of [
      ['', 'application/octet-stream'],
      [';', 'application/octet-stream'],
      ['application/p\u0000df', 'application/p\ufffddf'],
    ] as const) {
      const result = await parseMail(multipart(type));
      expect(result.ok && result.mail.attachments.map((a) => a.contentType), JSON.stringify(type)).toEqual([expected]);
    }
  });
});
