import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { parseForwarded, parseHeaderDate } from '../../src/domain/forwarded-mail.js';
import { parseCommandBlock } from '../../src/domain/staff-command.js';
import { corpusRoot, readCorpusFile } from '../fixtures/load-eml.js';

const fixtureDir = path.resolve(import.meta.dirname, '../fixtures/replies');

function fixture(name: string): string {
  return readFileSync(path.join(fixtureDir, name), 'utf8');
}

describe('parseForwarded on forwards from the usual clients', () => {
  it('Gmail FR (text): "---------- Forwarded message ---------" with De : / Date: / Subject: / To:', () => {
    const forwarded = parseForwarded(fixture('forward-gmail-fr.txt'));
    expect(forwarded).toEqual({
      from: { name: 'Jeanne Garnier', address: 'jeanne.garnier@boulangerie-garnier.fr' },
      date: { text: 'lun. 23 nov. 2026 à 10:04', iso: '2026-11-23T10:04' },
      subject: 'Attente inadmissible au centre de Tours',
      body: "Madame, Monsieur,\n\nNous avons attendu plus d'une heure et demie pour la visite d'embauche de notre apprenti.\n\nCordialement,\nJeanne Garnier\nBoulangerie Garnier",
      preface: "#nouvelle\n#canal telephone\n\nElle a aussi appelé l'accueil ce matin, très mécontente.",
    });
    expect(parseCommandBlock(forwarded!.preface).commands.map((command) => [command.name, command.args])).toEqual([
      ['nouvelle', ''],
      ['canal', 'telephone'],
    ]);
  });

  it('Gmail EN (HTML only): the gmail_quote forward is read from the HTML', () => {
    expect(parseForwarded('', fixture('forward-gmail-en.html'))).toEqual({
      from: { name: 'Jeanne Garnier', address: 'jeanne.garnier@boulangerie-garnier.fr' },
      date: { text: 'Mon, Nov 23, 2026 at 10:04\u202fAM', iso: '2026-11-23T10:04' },
      subject: 'Waiting time at the Tours centre',
      body: 'Hello,\n\nWe waited for more than an hour and a half.\n\nJeanne',
      preface: '#new\n#company Garnier Bakery\n\nForwarding as discussed.',
    });
  });

  it('Outlook FR: a header block without separator, "Lemoine, Patrick [mailto:…]", Cc line', () => {
    expect(parseForwarded(fixture('forward-outlook-fr.txt'))).toEqual({
      from: { name: 'Lemoine, Patrick', address: 'p.lemoine@transports-lemoine.fr' },
      date: { text: 'lundi 23 novembre 2026 10:04', iso: '2026-11-23T10:04' },
      subject: 'Convocations envoyées en retard',
      body: 'Bonjour,\n\nPour la troisième fois, nos salariés ont reçu leur convocation la veille de la visite.\n\nPatrick Lemoine\nTransports Lemoine',
      preface:
        '#canal courrier\n#entreprise Transports Lemoine\n\nReçu aussi par courrier ce jour.\n\nSophie Roux\nSecrétariat médical',
    });
  });

  it('Outlook EN: "-----Original Message-----" with a quoted "Dupont, Jean" and a PM time', () => {
    expect(parseForwarded(fixture('forward-outlook-en.txt'))).toEqual({
      from: { name: 'Dupont, Jean', address: 'jean.dupont@exemple.fr' },
      date: { text: 'Monday, November 23, 2026 10:04 PM', iso: '2026-11-23T22:04' },
      subject: 'Medical file request',
      body: 'Good evening,\nI asked for my medical file three weeks ago and still have no answer.',
      preface: 'FYI, see below.',
    });
  });

  it('Thunderbird FR: "-------- Message transféré --------" with Sujet : / Date : / De : / Pour : and tabs', () => {
    expect(parseForwarded(fixture('forward-thunderbird-fr.txt'))).toEqual({
      from: { name: 'Karim Benali', address: 'karim.benali@exemple.fr' },
      date: { text: 'Mon, 23 Nov 2026 10:04:00 +0100', iso: '2026-11-23T09:04:00.000Z' },
      subject: 'Réclamation : visite annulée sans prévenir',
      body: 'Bonjour,\n\nMa visite de reprise a été annulée le matin même, sans que personne ne me prévienne.\n\nKarim Benali',
      preface: '#nouvelle',
    });
  });

  it('Apple Mail FR: "Début du message réexpédié :" with a UTC+1 date', () => {
    expect(parseForwarded(fixture('forward-apple-fr.txt'))).toEqual({
      from: { name: 'Karim Benali', address: 'karim.benali@exemple.fr' },
      date: { text: '23 novembre 2026 à 10:04:32 UTC+1', iso: '2026-11-23T09:04:32.000Z' },
      subject: 'Visite annulée',
      body: 'Bonjour,\n\nMa visite a été annulée sans prévenir.',
      preface: '#nouvelle\n#de Karim Benali <karim.benali@exemple.fr>\n\nEnvoyé de mon iPad',
    });
  });

  it('Apple Mail EN quoted with ">", Outlook web with "________________________________", CRLF', () => {
    const apple =
      '#nouvelle\r\n\r\n> Begin forwarded message:\r\n>\r\n> From: Jean Dupont <jean@x.fr>\r\n> Subject: Delay\r\n> Date: November 23, 2026 at 10:04:00 AM GMT+1\r\n> To: accueil@spst.fr\r\n>\r\n> Old text\r\n> second line\r\n';
    expect(parseForwarded(apple)).toEqual({
      from: { name: 'Jean Dupont', address: 'jean@x.fr' },
      date: { text: 'November 23, 2026 at 10:04:00 AM GMT+1', iso: '2026-11-23T09:04:00.000Z' },
      subject: 'Delay',
      body: 'Old text\nsecond line',
      preface: '#nouvelle',
    });
    const outlookWeb =
      'Pour info.\n\n________________________________\nDe : Jean Dupont <jean@x.fr>\nEnvoyé : mardi 24 novembre 2026 08:15\nÀ : Accueil\nObjet : TR: Retard\n\nTexte';
    expect(parseForwarded(outlookWeb)).toMatchObject({
      from: { name: 'Jean Dupont', address: 'jean@x.fr' },
      date: { iso: '2026-11-24T08:15' },
      subject: 'TR: Retard',
      body: 'Texte',
      preface: 'Pour info.',
    });
  });

  it('an Outlook sender without address in the text is completed from the HTML', () => {
    const text =
      'Voir ci-dessous.\n\nDe : Jean Dupont\nEnvoyé : lundi 23 novembre 2026 10:04\nÀ : Accueil\nObjet : Retard\n\nTexte';
    const html =
      '<div>Voir ci-dessous.</div><div id="divRplyFwdMsg"><b>De :</b> Jean Dupont &lt;<a href="mailto:jean@x.fr">jean@x.fr</a>&gt;<br><b>Envoyé :</b> lundi 23 novembre 2026 10:04<br><b>À :</b> Accueil<br><b>Objet :</b> Retard</div><div><br></div><div>Texte</div>';
    expect(parseForwarded(text)?.from).toEqual({ name: 'Jean Dupont', address: '' });
    expect(parseForwarded(text, html)?.from).toEqual({ name: 'Jean Dupont', address: 'jean@x.fr' });
  });

  it('uses the topmost forward of a forward of a forward', () => {
    const text =
      '---------- Forwarded message ---------\nFrom: B <b@x.fr>\nDate: Tue, Nov 24, 2026 at 9:00 AM\nSubject: Fwd: A\n\n---------- Forwarded message ---------\nFrom: A <a@x.fr>\nDate: Mon, Nov 23, 2026 at 9:00 AM\nSubject: A\n\nTexte de A';
    expect(parseForwarded(text)).toMatchObject({
      from: { address: 'b@x.fr' },
      subject: 'Fwd: A',
      body: expect.stringContaining('Texte de A'),
    });
  });

  it('is null when nothing is forwarded', () => {
    expect(parseForwarded('Bonjour,\n\nJe me plains.\n\nJean')).toBeNull();
    expect(parseForwarded('Merci.\n\nLe 23/11/2026 à 10:04, Jean Dupont a écrit :\n> Texte')).toBeNull();
    expect(parseForwarded('')).toBeNull();
    expect(parseForwarded('', '<div>Rien</div>')).toBeNull();
  });

  it('an HTML-only forward mail through the parser', async () => {
    const raw = `From: Paul <p.bernard@spst-vdl.fr>\r\nTo: reclamation@spst-vdl.fr\r\nSubject: Fwd: Waiting time\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${fixture('forward-gmail-en.html')}`;
    const parsed = await parseMail(Buffer.from(raw, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parseForwarded(parsed.mail.text, parsed.mail.html)).toMatchObject({
      from: { name: 'Jeanne Garnier', address: 'jeanne.garnier@boulangerie-garnier.fr' },
      subject: 'Waiting time at the Tours centre',
      body: expect.stringContaining('We waited for more than an hour and a half.'),
    });
  });
});

describe('parseHeaderDate', () => {
  it.each([
    ['lundi 23 novembre 2026 10:04', '2026-11-23T10:04'],
    ['lun. 23 nov. 2026 à 10:04', '2026-11-23T10:04'],
    ['23 nov. 2026 à 10:04', '2026-11-23T10:04'],
    ['23/11/2026 10:04', '2026-11-23T10:04'],
    ['23/11/2026 à 10 h 04', '2026-11-23T10:04'],
    ['Mercredi 30 novembre 2016 10h30', '2016-11-30T10:30'],
    ['jeudi 1er octobre 2026 08:00', '2026-10-01T08:00'],
    ['mardi 11 août 2026 17:45:12', '2026-08-11T17:45'],
    ['2026-11-23 22:04', '2026-11-23T22:04'],
    ['Mon, Nov 23, 2026 at 10:04 AM', '2026-11-23T10:04'],
    ['Monday, November 23, 2026 12:04 AM', '2026-11-23T00:04'],
    ['Thursday, September 26, 2019 11:35:12 PM', '2019-09-26T23:35'],
    ['Mon, 23 Nov 2026 10:04:00 +0100', '2026-11-23T09:04:00.000Z'],
    ['Mon, 23 Nov 2026 10:04:00 -0500 (EST)', '2026-11-23T15:04:00.000Z'],
    ['Sun, 29 Mar 2026 01:30:00 GMT', '2026-03-29T01:30:00.000Z'],
    ['23 novembre 2026 à 10:04:32 UTC+1', '2026-11-23T09:04:32.000Z'],
    ['23/06/24  10:46  (GMT+01:00)', '2024-06-23T09:46:00.000Z'],
    ['01 January 2019 at 12:00:00 EET', '2019-01-01T10:00:00.000Z'],
    ['Sat, 31 Oct 2026 23:30:00 -0100', '2026-11-01T00:30:00.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(parseHeaderDate(text)).toBe(iso);
  });

  it('is null without a time or a valid date', () => {
    for (const text of [
      'lundi 23 novembre 2026',
      'hier à 10:04',
      '31/02/2026 10:04',
      '23/11/2026 25:04',
      '13:04 PM 23/11/2026',
      '',
    ]) {
      expect(parseHeaderDate(text), text).toBeNull();
    }
  });
});

const root = corpusRoot();

describe.skipIf(root === undefined)('parseForwarded on the shared corpus', () => {
  const text = (file: string): string => Buffer.from(readCorpusFile(root!, file)).toString('utf8');

  it.each(['forwarded_gmail', 'forwarded_apple', 'forwarded_message'])(
    'email_reply_trimmer %s: preface and forwarded text as upstream expects',
    (name) => {
      const forwarded = parseForwarded(text(`replies-quoted/email_reply_trimmer/emails/${name}.txt`));
      expect(forwarded).not.toBeNull();
      expect(forwarded!.preface).toBe(text(`replies-quoted/email_reply_trimmer/before/${name}.txt`).trim());
      // embedded/ holds the forwarded header block and text; our body is the text after the block.
      const embedded = text(`replies-quoted/email_reply_trimmer/embedded/${name}.txt`).replace(/^> ?/gm, '');
      expect(embedded).toContain(forwarded!.body.split('\n')[0]);
      expect(forwarded!.body.length).toBeGreaterThan(10);
    },
  );

  it('email_reply_trimmer forwarded_gmail: sender, date and subject', () => {
    expect(parseForwarded(text('replies-quoted/email_reply_trimmer/emails/forwarded_gmail.txt'))).toMatchObject({
      from: { name: 'Foo Discourse', address: 'foo@discourse.org' },
      date: { text: 'Tue, Jan 01, 2019 at 12:00 PM', iso: '2019-01-01T12:00' },
      subject: 'This email is going to be forwarded',
    });
  });

  it('crisp email_tricky_17_forward_header and django-helpdesk forwarded-message.eml', async () => {
    expect(parseForwarded(text('replies-quoted/crisp-email-reply-parser/email_tricky_17_forward_header.txt'))).toEqual({
      from: { name: 'John Smith', address: 'john@example.com' },
      date: { text: 'Mon, Dec 15, 2024 at 3:00 PM', iso: '2024-12-15T15:00' },
      subject: 'Important update',
      body: 'This is the forwarded content that should be treated as quoted text.',
      preface: 'See the forwarded message below.',
    });
    const parsed = await parseMail(readCorpusFile(root!, 'replies-quoted/django-helpdesk/forwarded-message.eml'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parseForwarded(parsed.mail.text, parsed.mail.html)).toMatchObject({
      from: { name: 'GitHub', address: 'noreply@github.com' },
      date: { text: 'Tuesday, 6 April 2021 9:09 AM', iso: '2021-04-06T09:09' },
      subject: '[GitHub API] Update notice for access token [SEC=UNOFFICIAL]',
      preface: 'This is email body',
    });
  });
});
