import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { extractNewText, htmlToText, readHeaderBlock } from '../../src/domain/reply-text.js';
import { corpusFiles, corpusRoot, readCorpusFile, splitMbox } from '../fixtures/load-eml.js';

const fixtureDir = path.resolve(import.meta.dirname, '../fixtures/replies');

function fixture(name: string): string {
  return readFileSync(path.join(fixtureDir, name), 'utf8');
}

/** A fixture as a mail: `.html` files are HTML-only mails, the others text-only. */
function replyOf(name: string): { text: string; html: string | null } {
  return name.endsWith('.html') ? { text: '', html: fixture(name) } : { text: fixture(name), html: null };
}

describe('extractNewText on replies from the usual clients', () => {
  it('Outlook desktop FR (text): drops the "De : / Envoyé : / À : / Objet :" block and the disclaimer, keeps the sign-off', () => {
    const result = extractNewText(replyOf('outlook-desktop-fr.txt'));
    expect(result.quoted).toBe(true);
    expect(result.text).toBe(
      [
        '#prendre',
        '#niveau 2',
        '',
        'Bonjour Madame Garnier,',
        '',
        'Je vous confirme que votre réclamation a bien été prise en compte. Le centre de Tours a revu',
        "l'organisation de l'accueil du matin pour que l'attente ne dépasse plus vingt minutes.",
        '',
        'Cordialement,',
        '',
        'Dr Claire Martin',
        'Médecin du travail – Centre de Tours',
        'SPST Val-de-Loire',
        'Tél. : 02 47 00 00 00',
      ].join('\n'),
    );
    expect(result.core).toBe(
      [
        '#prendre',
        '#niveau 2',
        '',
        'Bonjour Madame Garnier,',
        '',
        'Je vous confirme que votre réclamation a bien été prise en compte. Le centre de Tours a revu',
        "l'organisation de l'accueil du matin pour que l'attente ne dépasse plus vingt minutes.",
      ].join('\n'),
    );
  });

  it('Outlook desktop FR (HTML): cuts at the border-top header div, decodes entities, MsoNormal lines stay single-spaced', () => {
    const result = extractNewText(replyOf('outlook-desktop-fr.html'));
    expect(result.quoted).toBe(true);
    expect(result.text).toBe(
      [
        '#repondre',
        '#clore',
        '',
        'Bonjour Madame Garnier,',
        '',
        'Nous avons revu l’organisation de l’accueil & des convocations du centre de Tours\u00a0: l’attente ne devrait plus dépasser vingt minutes.',
        '',
        'Cordialement,',
        '',
        'Dr Claire Martin',
        'Médecin du travail – Centre de Tours',
        'Tél. : 02 47 00 00 00',
      ].join('\n'),
    );
    expect(result.core).not.toContain('Cordialement');
    expect(result.core).toContain('vingt minutes.');
  });

  it('Outlook web FR (HTML): cuts at #appendonsend / #divRplyFwdMsg', () => {
    const result = extractNewText(replyOf('outlook-web-fr.html'));
    expect(result).toEqual({
      text: "#note rappelée ce matin, elle confirme l'attente\n#action réorganiser les convocations du lundi\n\nBien à vous,\nMarc Lefebvre\nAssistant qualité",
      core: "#note rappelée ce matin, elle confirme l'attente\n#action réorganiser les convocations du lundi",
      quoted: true,
    });
  });

  it('Outlook web EN (text): "________________________________" + From/Sent/To/Subject, English disclaimer', () => {
    const result = extractNewText(replyOf('outlook-web-en.txt'));
    expect(result.quoted).toBe(true);
    expect(result.text).toBe(
      '#assign marie.durand@spst-vdl.fr\n#category accueil\n\nMarie, could you take this one? The Tours centre is yours.\n\nBest regards,\nPaul Bernard\nQuality pilot | SPST Val-de-Loire\n+33 2 47 00 00 01',
    );
    expect(result.core).toBe(
      '#assign marie.durand@spst-vdl.fr\n#category accueil\n\nMarie, could you take this one? The Tours centre is yours.',
    );
  });

  it('Outlook "-----Message d\'origine-----" with an [mailto:] sender', () => {
    const result = extractNewText(replyOf('outlook-message-d-origine.txt'));
    expect(result).toEqual({
      text: '#irrecevable demande de devis, pas une réclamation\n\nCordialement\nSophie Roux',
      core: '#irrecevable demande de devis, pas une réclamation',
      quoted: true,
    });
  });

  it('Outlook mobile FR: the "Obtenir Outlook pour iOS" footer and the header block go', () => {
    expect(extractNewText(replyOf('outlook-mobile-fr.txt'))).toEqual({
      text: '#prendre',
      core: '#prendre',
      quoted: true,
    });
  });

  it('Gmail FR (text): the "Le lun. 23 nov. 2026 à 10:04, … <" / "…> a écrit :" header wrapped over two lines', () => {
    const result = extractNewText(replyOf('gmail-fr.txt'));
    expect(result.quoted).toBe(true);
    expect(result.text).toBe(
      "#typologie attente-accueil\n#echeance 15/12/2026 revoir le planning du lundi\n\nC'est noté, je m'en occupe avec l'équipe d'accueil.\n\nBien cordialement,\nHélène Petit\nResponsable de centre",
    );
    expect(result.core).toBe(
      "#typologie attente-accueil\n#echeance 15/12/2026 revoir le planning du lundi\n\nC'est noté, je m'en occupe avec l'équipe d'accueil.",
    );
  });

  it('Gmail FR (HTML): div.gmail_quote goes, an indentation blockquote (border:none) stays', () => {
    const result = extractNewText(replyOf('gmail-fr.html'));
    expect(result.quoted).toBe(true);
    expect(result.text).toBe(
      '#repondre\n\nBonjour Madame Garnier,\n\nVotre rendez-vous est déplacé au jeudi 3 décembre à 9 h.\n\nBien cordialement,\nHélène Petit\n\nCentre de Tours – 12 rue Nationale',
    );
    expect(result.text).not.toContain('a écrit');
    expect(result.core).toBe(
      '#repondre\n\nBonjour Madame Garnier,\n\nVotre rendez-vous est déplacé au jeudi 3 décembre à 9 h.',
    );
  });

  it('Gmail EN (text and HTML): "On Mon, Nov 23, 2026 at 10:04 AM … wrote:"', () => {
    // "Thanks" closing the mail is a sign-off: gone from core.
    expect(extractNewText(replyOf('gmail-en.txt'))).toEqual({
      text: '#status\n\nThanks',
      core: '#status',
      quoted: true,
    });
    const html = extractNewText(replyOf('gmail-en.html'));
    expect(html.text).toBe(
      '#level 3\n#note the employer threatens to leave the service\n\nEscalating: this one is serious.\n\nKind regards,\nPaul\n\nPaul Bernard | Quality pilot',
    );
    expect(html.core).toBe(
      '#level 3\n#note the employer threatens to leave the service\n\nEscalating: this one is serious.',
    );
    expect(html.quoted).toBe(true);
  });

  it('Apple Mail FR (HTML blockquote type=cite, and text): attribution, quote and "Envoyé de mon iPhone" go', () => {
    const expected = '#efficace\n#clore\n\nLe salarié a été revu dans les délais, l’action est efficace.\n\nDr Martin';
    expect(extractNewText(replyOf('apple-mail-fr.html'))).toEqual({ text: expected, core: expected, quoted: true });
    expect(extractNewText(replyOf('apple-mail-fr.txt'))).toEqual({ text: expected, core: expected, quoted: true });
  });

  it('Thunderbird FR (text): "Le 23/11/2026 à 10:04, … a écrit :" and a "-- " signature', () => {
    const result = extractNewText(replyOf('thunderbird-fr.txt'));
    expect(result.quoted).toBe(true);
    expect(result.text).toBe(
      "#cause planning des convocations non mis à jour après l'absence d'une assistante\n#pourquoi l'absence n'a pas été signalée au secrétariat\n\n--\nAntoine Moreau\nPilote AMC – SPST Val-de-Loire",
    );
    expect(result.core).toBe(
      "#cause planning des convocations non mis à jour après l'absence d'une assistante\n#pourquoi l'absence n'a pas été signalée au secrétariat",
    );
  });

  it('Thunderbird FR (HTML): div.moz-cite-prefix wrapped over two lines and the blockquote go; paragraphs are set off', () => {
    const result = extractNewText(replyOf('thunderbird-fr.html'));
    expect(result.text).toBe(
      "#rouvrir\n#note le réclamant signale que l'attente a repris\n\nMerci de regarder à nouveau.\n\n--\nAntoine Moreau\nPilote AMC",
    );
    expect(result.core).toBe(
      "#rouvrir\n#note le réclamant signale que l'attente a repris\n\nMerci de regarder à nouveau.",
    );
    expect(result.quoted).toBe(true);
  });

  it('iPhone Mail FR: "Envoyé de mon iPhone" and the ">"-quoted attribution go', () => {
    expect(extractNewText(replyOf('iphone-fr.txt'))).toEqual({
      text: '#prendre\n\nJe regarde ça demain matin.',
      core: '#prendre\n\nJe regarde ça demain matin.',
      quoted: true,
    });
  });

  it('an HTML-only Outlook mail through the parser: its double-spaced converted text is replaced by the HTML reading', async () => {
    const parsed = await parseMail(readFileSync(path.join(fixtureDir, 'outlook-html-only-fr.eml')));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.mail.text).toContain('#prendre\n\n#niveau 1');
    const result = extractNewText(parsed.mail);
    expect(result.text).toBe(
      '#prendre\n#niveau 1\n\nJe rappelle l’entreprise cet après-midi.\n\nCordialement,\nDr Claire Martin',
    );
    expect(result.core).toBe('#prendre\n#niveau 1\n\nJe rappelle l’entreprise cet après-midi.');
    expect(result.quoted).toBe(true);
  });
});

describe('extractNewText on other layouts', () => {
  it('normalises CRLF and trims surrounding blank lines; nothing quoted', () => {
    expect(
      extractNewText({ text: "\r\n\r\n#clore\r\n\r\nC'est fait.   \r\n\r\n\r\nMerci\r\n\r\n", html: null }),
    ).toEqual({
      text: "#clore\n\nC'est fait.\n\nMerci",
      core: "#clore\n\nC'est fait.",
      quoted: false,
    });
  });

  it('"Merci !" alone is the message, not a sign-off', () => {
    expect(extractNewText({ text: 'Merci !', html: null }).core).toBe('Merci !');
  });

  it('Gmail FR header wrapped over three lines', () => {
    const text =
      'Bien reçu.\n\nLe lun. 23 nov. 2026 à 10:04, "Réclamations SPST"\n<reclamation@spst.fr>\na écrit :\n\n> Texte';
    expect(extractNewText({ text, html: null })).toMatchObject({ text: 'Bien reçu.', quoted: true });
  });

  it('Thunderbird EN, Lotus Notes FR, Zimbra "----- Mail original -----", Outlook EN "-----Original Message-----"', () => {
    const cases = [
      'OK for me.\n\nOn 23/11/2026 10:04, Jean Dupont wrote:\n> Old text',
      'OK pour moi.\n\n"Jean Dupont" <jean.dupont@exemple.fr> a écrit sur 23/11/2026 10:04:49 :\n\nAncien texte',
      'OK pour moi.\n\n----- Mail original -----\nDe: "Jean Dupont" <jean.dupont@exemple.fr>\nÀ: reclamation@spst.fr\nEnvoyé: Lundi 23 Novembre 2026 10:04:00\nObjet: Ancien\n\nAncien texte',
      'OK for me.\n\n-----Original Message-----\nFrom: Jean Dupont\nSent: Monday, November 23, 2026 10:04 AM\nSubject: Old\n\nOld text',
      'OK pour moi.\n\nLe 23 nov. 2026 à 10:04, Jean Dupont <jean.dupont@exemple.fr> a écrit :\n\nAncien texte sans chevrons',
    ];
    for (const text of cases) {
      const result = extractNewText({ text, html: null });
      expect(result.text, text).toMatch(/^OK (?:for me|pour moi)\.$/);
      expect(result.quoted).toBe(true);
    }
  });

  it('keeps inline and bottom-posted answers between quoted blocks', () => {
    const text =
      'Le 23/11/2026 à 10:04, Jean Dupont a écrit :\n> Pouvez-vous me rappeler ?\n\nOui, demain matin.\n\n> Et pour la facture ?\n\nElle est annulée.';
    expect(extractNewText({ text, html: null })).toEqual({
      text: 'Oui, demain matin.\n\nElle est annulée.',
      core: 'Oui, demain matin.\n\nElle est annulée.',
      quoted: true,
    });
  });

  it('does not take prose for a quote header', () => {
    const texts = [
      "Bonjour,\n\nLe technicien m'a écrit :\nVotre visite est annulée.\n\nJe conteste cette décision.",
      "Bonjour,\n\nLe 3 mars 2026, l'employeur a écrit :\n« visite inutile »\nJe conteste.",
      'On the surface this looks like a header.\nOn the other hand, it is not.',
      // A letter's own header: no date, so not a client's quoted header block.
      'Madame, Monsieur,\n\nDe : Jean Dupont\nÀ : SPST Val-de-Loire\nObjet : réclamation\n\nJe vous écris au sujet de ma visite.',
    ];
    for (const text of texts) expect(extractNewText({ text, html: null })).toEqual({ text, core: text, quoted: false });
  });

  it('uses email-reply-parser for quote headers of other languages', () => {
    const polish =
      'Dziękuję.\n\nW dniu 23.11.2026 o 10:04, Jan Kowalski <jan@example.pl> pisze:\nTreść poprzedniej wiadomości';
    expect(extractNewText({ text: polish, html: null })).toEqual({
      text: 'Dziękuję.',
      core: 'Dziękuję.',
      quoted: true,
    });
  });

  it('removes mobile footers and eco footers anywhere, and a confidentiality footer with what follows', () => {
    const text = [
      'Je rappelle demain.',
      '',
      'Envoyé depuis Outlook pour Android',
      'Sent from my iPhone',
      'Obtenir Outlook pour iOS<https://aka.ms/o0ukef>',
      '',
      'Pensez à l’environnement avant d’imprimer ce courriel.',
      '',
      'Ce courriel et toutes les pièces jointes sont confidentiels et destinés exclusivement aux personnes auxquelles ils sont adressés.',
      'Toute diffusion non autorisée est interdite.',
    ].join('\n');
    expect(extractNewText({ text, html: null })).toEqual({
      text: 'Je rappelle demain.',
      core: 'Je rappelle demain.',
      quoted: false,
    });
  });

  it('keeps a response that talks about confidentiality, messages or printing', () => {
    const text = [
      '#repondre',
      '',
      'Madame,',
      '',
      'Ce message est destiné à vous informer du nouveau rendez-vous.',
      '',
      'Les informations contenues dans ce message vous permettront de préparer la visite.',
      '',
      "Votre dossier médical est confidentiel : il ne peut être transmis qu'à son destinataire, le médecin du travail.",
      '',
      'Pensez à apporter votre carte vitale et à imprimer la convocation.',
      '',
      'Cordialement,',
      'Dr Martin',
    ].join('\n');
    expect(extractNewText({ text, html: null }).text).toBe(text);
  });

  it('never treats the first paragraph as a disclaimer', () => {
    const text = 'Ce message est confidentiel et destiné au seul médecin : merci de ne pas le transférer.\n\nDr Martin';
    expect(extractNewText({ text, html: null }).text).toBe(text);
  });

  it('core drops a "-- " signature and a sign-off block, not a long paragraph after a sign-off', () => {
    expect(extractNewText({ text: 'Réponse.\n\n-- \nJean Dupont\n06 12 34 56 78', html: null }).core).toBe('Réponse.');
    expect(extractNewText({ text: 'Réponse.\n\nBien à vous, Jean Dupont', html: null }).core).toBe('Réponse.');
    const long = `Réponse.\n\nMerci,\n\n${'Une longue phrase qui continue le message et ne ressemble pas du tout à une signature de mail. '.repeat(2)}`;
    expect(extractNewText({ text: long, html: null }).core).toBe(long.trim());
  });

  it('falls back to the HTML part when the text part hides the quote and both show the same mail', () => {
    const mail = {
      text: 'Réponse courte.\n\nAncien message sans marque.',
      html: '<div>Réponse courte.</div><div class="gmail_quote"><div>Ancien message sans marque.</div></div>',
    };
    expect(extractNewText(mail)).toEqual({ text: 'Réponse courte.', core: 'Réponse courte.', quoted: true });
    const other = { text: 'Texte du message.', html: '<div>Autre chose.</div><blockquote>Cité</blockquote>' };
    expect(extractNewText(other)).toEqual({ text: 'Texte du message.', core: 'Texte du message.', quoted: false });
  });

  it('returns empty text for an empty mail', () => {
    expect(extractNewText({ text: '', html: null })).toEqual({ text: '', core: '', quoted: false });
    expect(extractNewText({ text: '  \n', html: '<html><body><br></body></html>' })).toEqual({
      text: '',
      core: '',
      quoted: false,
    });
  });
});

describe('htmlToText', () => {
  it('turns blocks and <br> into lines, decodes entities, drops style, script and head', () => {
    const html =
      '<html><head><title>T</title><style>p{color:red}</style></head><body><script>alert(1)</script><div>Un &amp; deux &lt;trois&gt; &eacute;t&eacute;&nbsp;!</div><div>ligne<br>suivante</div><ul><li>a</li><li>b</li></ul><table><tr><td>Nom</td><td>Dupont</td></tr></table><pre>  garde\n  les espaces</pre></body></html>';
    expect(htmlToText(html, { dropQuotes: false })).toEqual({
      text: 'Un & deux <trois> été\u00a0!\nligne\nsuivante\n- a\n- b\nNom\tDupont\n  garde\n  les espaces',
      quoted: false,
    });
  });

  it('survives unclosed and misnested markup', () => {
    const html = '<div><p>Premier<div><b>gras <i>italique</b> fin</i><blockquote type="cite">Cité<div>encore';
    expect(htmlToText(html, { dropQuotes: true })).toEqual({ text: 'Premier\n\ngras italique fin', quoted: true });
    expect(htmlToText(html, { dropQuotes: false }).text).toBe('Premier\n\ngras italique fin\nCité\nencore');
  });

  it('cuts at Hotmail hr#stopSpelling and Outlook for Mac #OLK_SRC_BODY_SECTION', () => {
    expect(htmlToText('<div>Réponse<hr id="stopSpelling">Date: hier<br>Ancien</div>', { dropQuotes: true })).toEqual({
      text: 'Réponse',
      quoted: true,
    });
    expect(
      htmlToText('<div>Réponse</div><span id="OLK_SRC_BODY_SECTION"><div>De : Jean</div></span><div>Ancien</div>', {
        dropQuotes: true,
      }),
    ).toEqual({
      text: 'Réponse',
      quoted: true,
    });
  });
});

describe('readHeaderBlock', () => {
  it('reads a block with a wrapped value and two fields on one line', () => {
    const lines = [
      'De : Jean Dupont',
      '<jean.dupont@exemple.fr>',
      'Date : 23/06/24  10:46  (GMT+01:00)',
      'À : accueil@spst.fr Objet : Ma visite',
      '',
      'Texte',
    ];
    expect(readHeaderBlock(lines, 0)).toEqual({
      fields: [
        { key: 'from', value: 'Jean Dupont <jean.dupont@exemple.fr>' },
        { key: 'date', value: '23/06/24  10:46  (GMT+01:00)' },
        { key: 'to', value: 'accueil@spst.fr' },
        { key: 'subject', value: 'Ma visite' },
      ],
      end: 4,
    });
    expect(readHeaderBlock(['De : Jean Dupont', 'Objet : Réclamation'], 0)).toBeNull();
    expect(readHeaderBlock(['De : Jean Dupont', 'Objet : Réclamation'], 0, { lenient: true })).not.toBeNull();
  });
});

// Real-world mails of the shared corpus (other licences: read in place, never copied here).
const root = corpusRoot();

/** Parsed corpus file(s): messages through the parser, `.html` as HTML-only, other `.txt` as bodies. */
async function corpusMails(root: string, file: string): Promise<{ text: string; html: string | null }[]> {
  const bytes = readCorpusFile(root, file);
  if (file.endsWith('.html')) return [{ text: '', html: Buffer.from(bytes).toString('utf8') }];
  if (/\.(?:eml|box|mbox)$/.test(file) || file.startsWith('replies-quoted/cpython/')) {
    const raws = file.endsWith('.mbox') ? splitMbox(bytes) : [bytes];
    const mails = [];
    for (const raw of raws) {
      const parsed = await parseMail(raw);
      if (parsed.ok) mails.push(parsed.mail);
    }
    return mails;
  }
  return [{ text: Buffer.from(bytes).toString('utf8'), html: null }];
}

/** Inputs of the two folders: expected-output files of the upstream suites are left out. */
function corpusInputs(root: string): string[] {
  return [...corpusFiles(root, 'replies-quoted'), ...corpusFiles(root, 'french')].filter(
    (file) =>
      !/\.(?:yml|license)$/.test(file) &&
      !/email_reply_trimmer\/(?:trimmed|elided|embedded|before)\//.test(file) &&
      !/standard_replies\/\w+_reply_text$/.test(file),
  );
}

/** For each file whose quoted part we looked at: what must be gone, what must stay. */
const CHECKED: ReadonlyArray<{ file: string; gone: readonly string[]; kept?: readonly string[]; quoted?: boolean }> = [
  {
    file: 'french/crisp-email-reply-parser/email_10.txt',
    gone: ['Company Questions', 'Etiam non sagittis'],
    kept: ['Fusce bibendum', 'nec nec nibh.'],
  },
  {
    file: 'french/crisp-email-reply-parser/email_11.txt',
    gone: ['Company Questions', 'Etiam non sagittis'],
    kept: ['Fusce bibendum'],
  },
  {
    file: 'french/crisp-email-reply-parser/email_customer_quote_header_3.txt',
    gone: ['Someone Somewhere', 'ici dans la description'],
    kept: ["je n'ai pas eu de retour"],
  },
  {
    file: 'french/crisp-email-reply-parser/email_fr_multiline.txt',
    gone: ['John - Acme', 'a écrit', 'Etiam non sagittis'],
    kept: ['Fusce bibendum'],
  },
  {
    file: 'french/crisp-email-reply-parser/email_french_2.txt',
    gone: ['Chris - Crisp', '> A'],
    kept: ['Fusce bibendum'],
  },
  {
    file: 'french/crisp-email-reply-parser/email_french_dash_separator.txt',
    gone: ["Message d'origine", 'Abc vous a envoyé'],
    kept: ['Fusce bibendum'],
  },
  {
    file: 'french/crisp-email-reply-parser/email_ios_outlook_fr.txt',
    gone: ['Envoyé à partir de Outlook', 'The Hiring Engine', 'Etiam non sagittis'],
    kept: ['Fusce bibendum'],
  },
  {
    file: 'french/crisp-email-reply-parser/email_tricky_5_mixed_languages.txt',
    gone: ['Pierre Dubois', 'Hans Mueller', 'Thanks for the info'],
    kept: ['Fusce bibendum'],
  },
  {
    file: 'french/willdurand-EmailReplyParser/email_zimbra_free_fr.txt',
    gone: ['Toby Flenderson', 'BONJOUR TEST'],
    kept: ['Michael Scott'],
  },
  { file: 'french/willdurand-EmailReplyParser/email_issue_77.txt', gone: ['a écrit'], kept: ['Text paragraph 2'] },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_german_outlook.txt',
    gone: ['Ursprüngliche Nachricht', 'original message content'],
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_gmail_split_line_from.txt',
    gone: ['The Hiring Engine', 'wrote:', 'tracking.fake.company'],
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_ios_outlook.txt',
    gone: ['Get Outlook for iOS', 'The Hiring Engine', 'Chauffeur'],
  },
  { file: 'replies-quoted/crisp-email-reply-parser/email_msn.txt', gone: ['From: The Hiring Engine', 'Hi Kevin'] },
  { file: 'replies-quoted/crisp-email-reply-parser/email_original_message.txt', gone: ['original message', 'Hi John'] },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_outlook_split_line_from.txt',
    gone: ['Human Resources', "Here's a new person"],
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_reply_header.txt',
    gone: ['mrmister', 'Hey, Stranger'],
    kept: ['This is the latest reply.', 'On the other hand, it could happen TWICE!'],
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_tricky_14_long_quote_header.txt',
    gone: ['John William Smith', 'very long quote header'],
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_tricky_15_original_message_variations.txt',
    gone: ['Original Message', 'original message content'],
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_tricky_17_forward_header.txt',
    gone: ['Forwarded message', 'forwarded content'],
    kept: ['See the forwarded message below.'],
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_tricky_18_inline_reply.txt',
    gone: ['Jane Doe', 'option A?'],
    kept: ['I think option A is great.', 'Option B has some drawbacks.'],
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_tricky_9_nested_quotes.txt',
    gone: ['Jane Doe', 'Bob Smith', 'option A.'],
    kept: ['I agree with the points below.'],
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_tricky_1_on_false_positive.txt',
    gone: [],
    kept: ['On the surface', 'On a separate note'],
    quoted: false,
  },
  {
    file: 'replies-quoted/crisp-email-reply-parser/email_not_a_signature.txt',
    gone: [],
    kept: ['Registration Jun 27, 2018 github.com'],
    quoted: false,
  },
  {
    file: 'replies-quoted/github-email_reply_parser/email_1_2.txt',
    gone: ['Abhishek Kona wrote', 'What is the best way'],
    kept: ['You can list the keys', 'would do it.'],
  },
  {
    file: 'replies-quoted/github-email_reply_parser/email_1_3.txt',
    gone: ['Russell Brown wrote', 'You can list the keys'],
    kept: ['Having the function would be great.'],
  },
  { file: 'replies-quoted/github-email_reply_parser/email_1_4.txt', gone: ['defunkt', 'Loader seems'] },
  { file: 'replies-quoted/github-email_reply_parser/email_1_6.txt', gone: ['Corey Donohoe', 'caching related'] },
  {
    file: 'replies-quoted/github-email_reply_parser/email_1_7.txt',
    gone: ['Chris Wanstrath', 'Steps 0-2'],
    kept: [':+1:'],
  },
  {
    file: 'replies-quoted/github-email_reply_parser/email_1_8.txt',
    gone: ['Example Dev', 'okay.  Well', 'Tim Haines'],
    kept: ['I will reply under this one', 'and under this.'],
  },
  { file: 'replies-quoted/github-email_reply_parser/email_2_1.txt', gone: ['Google Apps Sync', 'Dear Google'] },
  { file: 'replies-quoted/github-email_reply_parser/email_2_2.txt', gone: ['CRM Comments', 'new comment'] },
  { file: 'replies-quoted/github-email_reply_parser/email_2_3.txt', gone: ['CRM Comments', 'new comment'] },
  {
    file: 'replies-quoted/github-email_reply_parser/email_one_is_not_on.txt',
    gone: ['Dave Tapley', 'better query'],
    kept: ['One outstanding question I had:'],
  },
  {
    file: 'replies-quoted/github-email_reply_parser/greedy_on.txt',
    gone: ['George Plymale', 'odd issue'],
    kept: ['On your remote host you can run:'],
  },
  {
    file: 'replies-quoted/github-email_reply_parser/pathological.txt',
    gone: ['John Sullivan', 'ATGGAGAGAATAAAGGAATTAAG'],
  },
  {
    file: 'replies-quoted/email_reply_trimmer/emails/embedded_email_10.txt',
    gone: ['Sent from Outlook Mobile', 'Arpit Jalan', 'Meta Discourse update'],
    kept: ['Thank you.'],
  },
  {
    file: 'replies-quoted/email_reply_trimmer/emails/signatures.txt',
    gone: ['Envoyé depuis mon iPhone', 'Sent from my iPhone', 'Get Outlook for iOS', 'Sent from Yahoo Mail on Android'],
    quoted: false,
  },
  {
    file: 'replies-quoted/talon/standard_replies/sparrow.eml',
    gone: ['On Tuesday, April 3, 2012', 'bob wrote'],
    kept: ['Hello'],
  },
  {
    file: 'replies-quoted/talon/reply-quotations-share-block.eml',
    gone: ['New Booking Inquiry', 'xxx@example.com'],
    kept: ['Joe XXX'],
  },
  {
    file: 'replies-quoted/talon/reply-separated-by-hr.html',
    gone: ['bob@example.com', 'Subject'],
    kept: ['Hi\nthere\nBob'],
  },
  { file: 'replies-quoted/talon/OLK_SRC_BODY_SECTION.html', gone: ['bob@example.com', 'Hi'], kept: ['Reply'] },
  { file: 'replies-quoted/zammad/mail005.box', gone: ['Hallo Marc', 'Martin Edenhofer'], kept: ['Grüße aus Bonn'] },
  { file: 'replies-quoted/zammad/mail007.box', gone: ['anbei wie gestern', 'Amtsgericht'], kept: ['Mfg eike'] },
  { file: 'replies-quoted/zammad/mail036.box', gone: ['Zugangsdaten', 'Martin Edenhofer'] },
  {
    file: 'replies-quoted/redmine/issue_update_with_quoted_reply_above.eml',
    gone: ['Reply above', 'JSON api'],
    kept: ['An update to the issue by the sender.'],
  },
  {
    file: 'replies-quoted/redmine/issue_update_with_multiple_quoted_reply_above.eml',
    gone: ['Reply above', 'JSON api'],
    kept: ['An update to the issue by the sender.'],
  },
  {
    file: 'replies-quoted/redmine/ticket_reply_from_mail.eml',
    gone: ['Jon Smith', 'after the delimiter'],
    kept: ['This paragraph is before delimiter'],
  },
  {
    file: 'replies-quoted/django-helpdesk/forwarded-message.eml',
    gone: ['Original Message', 'The GitHub Team'],
    kept: ['This is email body'],
  },
];

/** Replies whose whole expected new text is known. */
const EXACT: ReadonlyArray<{ file: string; text: string }> = [
  ...['email_headers_1', 'embedded_email_1', 'embedded_email_10', 'forwarded_apple', 'forwarded_gmail'].map((name) => ({
    file: `replies-quoted/email_reply_trimmer/emails/${name}.txt`,
    expected: `replies-quoted/email_reply_trimmer/trimmed/${name}.txt`,
  })),
  ...['embedded_email_french_1', 'embedded_email_french_2'].map((name) => ({
    file: `french/email_reply_trimmer/emails/${name}.txt`,
    expected: `french/email_reply_trimmer/trimmed/${name}.txt`,
  })),
].map(({ file, expected }) => ({
  file,
  text: root === undefined ? '' : Buffer.from(readCorpusFile(root, expected)).toString('utf8').trim(),
}));

const HELLO_REPLIES = ['android', 'apple_mail', 'gmail', 'hotmail', 'iphone', 'outlook', 'thunderbird'].map(
  (name) => `replies-quoted/talon/standard_replies/${name}.eml`,
);
const TALON_HTML = ['gmail', 'hotmail', 'ms_outlook_2003', 'ms_outlook_2007', 'ms_outlook_2010', 'thunderbird'].map(
  (name) => `replies-quoted/talon/html_replies/${name}.html`,
);

/** Mails without new text (`file#n` is the n-th mail of an mbox): a forward with nothing written above it, attachments only, a forward as attachment. */
const NO_NEW_TEXT = new Set([
  'replies-quoted/email_reply_trimmer/emails/forwarded_message.txt#1',
  'replies-quoted/cpython/msg_46.txt#1',
  'french/suitenumerique-messages/message.eml#1',
  'french/suitenumerique-messages/messages.mbox#3',
]);

describe.skipIf(root === undefined)('extractNewText on the shared corpus (replies-quoted/, french/)', () => {
  it.each(CHECKED.map((entry) => [entry.file, entry] as const))('%s: the quoted part is gone', async (file, entry) => {
    const [mail] = await corpusMails(root!, file);
    const result = extractNewText(mail!);
    for (const text of entry.gone)
      expect(result.text, `${file} still holds ${JSON.stringify(text)}`).not.toContain(text);
    for (const text of entry.kept ?? []) expect(result.text, `${file} lost ${JSON.stringify(text)}`).toContain(text);
    expect(result.quoted).toBe(entry.quoted ?? true);
    expect(result.text).not.toBe('');
  });

  it.each(EXACT.map((entry) => [entry.file, entry.text] as const))(
    '%s: gives the upstream trimmed reply',
    async (file, text) => {
      const [mail] = await corpusMails(root!, file);
      expect(extractNewText(mail!).text).toBe(text);
    },
  );

  it.each(HELLO_REPLIES)('%s: the reply is "Hello"', async (file) => {
    const [mail] = await corpusMails(root!, file);
    expect(extractNewText(mail!)).toMatchObject({ text: 'Hello', quoted: true });
  });

  it.each(TALON_HTML)('%s: the reply is "Hi. I am fine." with its sign-off', async (file) => {
    const [mail] = await corpusMails(root!, file);
    const result = extractNewText(mail!);
    expect(result.core).toBe('Hi. I am fine.');
    expect(result.text).toMatch(/^Hi\. I am fine\.\n\n?Thanks,\nAlex$/);
    expect(result.quoted).toBe(true);
  });

  // Its speed (ms per mail over this corpus) is measured by `npm run bench`, not here.
  it('gives new text for every input that has some', async () => {
    const inputs = corpusInputs(root!);
    expect(inputs.length).toBeGreaterThan(80);
    const empty: string[] = [];
    let mails = 0;
    for (const file of inputs) {
      for (const [index, mail] of (await corpusMails(root!, file)).entries()) {
        mails += 1;
        const result = extractNewText(mail);
        const name = `${file}#${index + 1}`;
        if ((result.text === '') !== NO_NEW_TEXT.has(name)) empty.push(name);
      }
    }
    expect(mails).toBeGreaterThan(80);
    expect(empty, 'mails whose emptiness is not the expected one').toEqual([]);
  });

  it('a Gmail "Re:" of the French mbox keeps only "Yes !"', async () => {
    const [reply] = await corpusMails(root!, 'french/suitenumerique-messages/messages.mbox');
    expect(extractNewText(reply!)).toEqual({ text: 'Yes !', core: 'Yes !', quoted: true });
  });
});
