// The mail templates: wording (snapshots), escaping of complainant text, confidentiality of
// medical complaints, per-organisation overrides, and failure on a field the data lacks.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPageRenderer,
  createTemplateRenderer,
  TemplateError,
  type RenderedMail,
} from '../../src/adapters/template-renderer.js';
import { TEMPLATES_DIR, WEB_TEMPLATES_DIR } from '../../src/paths.js';

const organisation = { name: 'SPST Santé au Travail de l’Essonne' };

const ackData = {
  organisation,
  reference: 'REC-2026-0042',
  originalSubject: 'Visite d’embauche annulée',
  complainantName: 'Hélène Dupré',
  receivedAt: 'jeudi 3 décembre 2026 à 14 h 05',
  deadline: {
    sentence: 'au plus tard le jeudi 17 décembre 2026 — niveau 1 : 10 jours calendaires',
    date: 'jeudi 17 décembre 2026',
    rule: '10 jours calendaires',
    level: 1,
    levelLabel: 'Impact sur l’organisation et le service rendu',
  },
  mailboxAddress: 'reclamation@spst-exemple.fr',
};

const forwardData = {
  organisation,
  reference: 'REC-2026-0042',
  recipientName: 'Paule Pilote',
  confidential: false,
  complainant: { name: 'Hélène Dupré', email: 'helene.dupre@entreprise-exemple.fr' },
  originalSubject: 'RE: [REC-2026-0042] Visite d’embauche annulée',
  receivedAt: 'vendredi 4 décembre 2026 à 9 h 12',
  text: 'Bonjour,\n\nLe rendez-vous du 2 décembre a aussi été annulé, sans nouvelle date.\n\nCordialement,\nHélène Dupré',
  attachments: [
    { filename: 'courrier-annulation.pdf', size: '182 Ko' },
    { filename: 'capture d’écran.png', size: '1,2 Mo' },
  ],
  ticketUrl: undefined,
};

const renderer = createTemplateRenderer({ templatesDir: TEMPLATES_DIR });

function plain(mail: RenderedMail): string {
  return `Subject: ${mail.subject}\n\n${mail.text}`;
}

const tempDirs: string[] = [];
function overrideDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'reclam-templates-'));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('ack', () => {
  it('acknowledges with the reference and the deadline sentence', () => {
    expect(plain(renderer.render('ack', ackData))).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Accusé de réception de votre réclamation : Visite d’embauche annulée

      Bonjour Hélène Dupré,

      Nous avons bien reçu votre réclamation le jeudi 3 décembre 2026 à 14 h 05 (objet : « Visite d’embauche annulée »).
      Elle est enregistrée sous la référence REC-2026-0042.

      Une réponse vous sera apportée au plus tard le jeudi 17 décembre 2026 — niveau 1 : 10 jours calendaires.

      Pour compléter votre réclamation, il vous suffit de répondre à ce message en conservant la référence REC-2026-0042 dans l’objet.

      Nous vous prions d’agréer nos salutations distinguées.

      Le service qualité — SPST Santé au Travail de l’Essonne

      -- 
      Ce message est envoyé automatiquement par notre outil de suivi des réclamations.
      "
    `);
  });

  it('greets without a name and leaves an empty subject out', () => {
    const mail = renderer.render('ack', { ...ackData, complainantName: '', originalSubject: '' });
    expect(mail.subject).toBe('[REC-2026-0042] Accusé de réception de votre réclamation');
    expect(mail.text.startsWith('Bonjour,\n')).toBe(true);
    expect(mail.html).toContain('Bonjour,</p>');
  });

  it('shortens a long subject with an ellipsis and keeps it on one line', () => {
    const originalSubject =
      'Rendez-vous\r\nannulé deux fois sans prévenir pour la visite d’information et de prévention de M. Lefèvre';
    const { subject } = renderer.render('ack', { ...ackData, originalSubject });
    expect(subject).toMatchInlineSnapshot(
      `"[REC-2026-0042] Accusé de réception de votre réclamation : Rendez-vous annulé deux fois sans prévenir pour la visite…"`,
    );
    expect(subject).not.toMatch(/[\r\n]/);
    const shortened = subject.slice('[REC-2026-0042] Accusé de réception de votre réclamation : '.length);
    expect(shortened.endsWith('…')).toBe(true);
    expect(Array.from(shortened).length).toBeLessThanOrEqual(60);
  });
});

describe('follow-up-forward', () => {
  it('forwards the new message with its attachments', () => {
    expect(plain(renderer.render('follow-up-forward', forwardData))).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Nouveau message du réclamant

      Bonjour Paule Pilote,

      Hélène Dupré <helene.dupre@entreprise-exemple.fr> a envoyé un nouveau message le vendredi 4 décembre 2026 à 9 h 12 pour la réclamation REC-2026-0042.

      Objet : RE: [REC-2026-0042] Visite d’embauche annulée

      --- Message du réclamant ---
      Bonjour,

      Le rendez-vous du 2 décembre a aussi été annulé, sans nouvelle date.

      Cordialement,
      Hélène Dupré
      --- Fin du message ---

      Pièces jointes :
      - courrier-annulation.pdf (182 Ko)
      - capture d’écran.png (1,2 Mo)

      Le message d’origine complet est conservé dans le dossier.

      Répondez à ce message avec #aide pour obtenir la liste des commandes.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('escapes complainant text in HTML and keeps its line breaks', () => {
    const mail = renderer.render('follow-up-forward', {
      ...forwardData,
      originalSubject: 'Plainte <script>alert("x")</script> & suite',
      text: 'Ligne 1 <b>gras</b> & Cie\nLigne 2',
      attachments: [{ filename: '<img src=x onerror=alert(1)>.pdf', size: '1 Ko' }],
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>gras');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('Plainte &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; suite');
    expect(mail.html).toContain('Ligne 1 &lt;b&gt;gras&lt;/b&gt; &amp; Cie<br>\nLigne 2');
    // The plain-text part is not HTML: it keeps the characters as written.
    expect(mail.text).toContain('Ligne 1 <b>gras</b> & Cie\nLigne 2');
  });

  it('says nothing of a confidential complaint but its reference and date', () => {
    const mail = renderer.render('follow-up-forward', { ...forwardData, confidential: true });
    const sensitive = [
      'Hélène',
      'Dupré',
      'helene.dupre',
      'entreprise-exemple',
      'Visite d’embauche',
      'rendez-vous du 2 décembre',
      'Cordialement',
      'courrier-annulation',
      'capture d’écran',
      '182 Ko',
    ];
    for (const part of [mail.subject, mail.text, mail.html]) {
      for (const secret of sensitive) expect(part).not.toContain(secret);
      expect(part).toContain('REC-2026-0042');
    }
    expect(mail.text).toContain('vendredi 4 décembre 2026 à 9 h 12');
    expect(mail.text).toContain('réservé aux médecins');
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Nouveau message du réclamant

      Bonjour Paule Pilote,

      Un nouveau message du réclamant a été reçu le vendredi 4 décembre 2026 à 9 h 12 pour la réclamation REC-2026-0042.

      Cette réclamation est confidentielle : son contenu est réservé aux médecins du service. L’expéditeur, l’objet, le texte et les pièces jointes ne vous sont donc pas transmis.

      Le message est conservé intégralement dans le dossier.

      Répondez à ce message avec #aide pour obtenir la liste des commandes.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('refuses to guess when the confidentiality flag is missing', () => {
    const { confidential: _omitted, ...withoutFlag } = forwardData;
    expect(() => renderer.render('follow-up-forward', withoutFlag)).toThrow(/flag: expected true or false/);
  });
});

describe('pilot-alert', () => {
  it('reports a quarantined message', () => {
    const mail = renderer.render('pilot-alert', {
      organisation,
      alert: 'quarantine',
      details: {
        reason: 'en-têtes MIME illisibles',
        from: 'Jean Martin <jean.martin@exemple.fr>',
        subject: 'Plainte suite à la visite d’hier',
        receivedAt: 'jeudi 3 décembre 2026 à 14 h 05',
        folder: 'Quarantaine',
      },
    });
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [reclam] Message mis en quarantaine

      Bonjour,

      Un message reçu sur l’adresse des réclamations n’a pas pu être traité automatiquement. Il a été mis de côté, sans être perdu.

      Reçu le : jeudi 3 décembre 2026 à 14 h 05
      Expéditeur : Jean Martin <jean.martin@exemple.fr>
      Objet : Plainte suite à la visite d’hier
      Motif : en-têtes MIME illisibles

      Ce qui a été conservé : le message d’origine, intact, dans le dossier « Quarantaine » de la boîte des réclamations. Aucune réclamation n’a été enregistrée et aucun accusé de réception n’a été envoyé.

      À faire : ouvrez ce dossier et lisez le message. S’il s’agit d’une réclamation, transférez-le à l’adresse des réclamations pour l’enregistrer ; dans tous les cas, supprimez-le ensuite de la quarantaine.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('does not name a mailbox folder for a message fed from a file', () => {
    const mail = renderer.render('pilot-alert', {
      organisation,
      alert: 'quarantine',
      details: { reason: 'fichier illisible', receivedAt: 'jeudi 3 décembre 2026 à 14 h 05', folder: undefined },
    });
    expect(mail.text).toContain('dans la quarantaine de reclam');
    expect(mail.text).not.toContain('dossier «');
    expect(mail.html).toContain('dans la quarantaine de reclam');
  });

  it('reports a mail too large to be processed, kept whole in the quarantine folder', () => {
    const mail = renderer.render('pilot-alert', {
      organisation,
      alert: 'oversize',
      details: {
        from: 'Jean Martin <jean.martin@exemple.fr>',
        subject: 'Dossier complet',
        receivedAt: 'jeudi 3 décembre 2026 à 14 h 05',
        size: '30,1 Mo',
        limit: '8,0 Mo',
        folder: 'Quarantaine',
        file: undefined,
      },
    });
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [reclam] Message trop volumineux mis en quarantaine

      Bonjour,

      Un message reçu sur l’adresse des réclamations dépasse la taille que reclam traite automatiquement. Il n’a pas été lu, mais il a été mis de côté, sans être perdu.

      Reçu le : jeudi 3 décembre 2026 à 14 h 05
      Expéditeur : Jean Martin <jean.martin@exemple.fr>
      Objet : Dossier complet
      Taille : 30,1 Mo (limite : 8,0 Mo, réglage mailbox.maxMessageBytes)

      Ce qui a été conservé : le message entier, intact, dans le dossier « Quarantaine » de la boîte des réclamations ; ses en-têtes dans la quarantaine de reclam. Aucune réclamation n’a été enregistrée et aucun accusé de réception n’a été envoyé.

      À faire : lisez le message. S’il s’agit d’une réclamation, enregistrez-la en transférant son texte à l’adresse des réclamations sans les pièces jointes trop lourdes, ou demandez à l’administrateur de relever la limite et de réimporter le message avec « reclam ingest ».

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
    expect(mail.html).toContain(
      '<code style="font-family:Consolas, Menlo, \'Courier New\', monospace; font-size:14px;">mailbox.maxMessageBytes</code>',
    );
  });

  it('reports a mail too large to be processed, fed from a file', () => {
    const mail = renderer.render('pilot-alert', {
      organisation,
      alert: 'oversize',
      details: {
        receivedAt: 'jeudi 3 décembre 2026 à 14 h 05',
        size: '30,1 Mo',
        limit: '8,0 Mo',
        folder: undefined,
        file: 'export.mbox#2',
      },
    });
    expect(mail.text).toContain('le message entier dans le fichier importé « export.mbox#2 »');
    expect(mail.html).toContain('fichier importé «&nbsp;export.mbox#2&nbsp;»');
  });

  it('reports a permanent delivery failure with the ticket reference', () => {
    const mail = renderer.render('pilot-alert', {
      organisation,
      alert: 'outbox-dead',
      reference: 'REC-2026-0042',
      details: {
        to: 'helene.dupre@entreprise-exemple.fr',
        subject: '[REC-2026-0042] Accusé de réception de votre réclamation',
        attempts: 8,
        error: '550 5.1.1 User unknown',
      },
    });
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [reclam] Échec définitif d'envoi [REC-2026-0042]

      Bonjour,

      Un message automatique n’a pas pu être remis (réclamation REC-2026-0042). Il ne sera plus réessayé.

      Destinataire : helene.dupre@entreprise-exemple.fr
      Objet : [REC-2026-0042] Accusé de réception de votre réclamation
      Tentatives : 8
      Erreur : 550 5.1.1 User unknown

      Ce qui a été conservé : le message non remis reste enregistré dans la file d’envoi de reclam.

      À faire : vérifiez l’adresse du destinataire avec la commande « reclam show REC-2026-0042 ». Si elle est erronée, prévenez la personne par un autre moyen (téléphone, courrier) ; si le serveur d’envoi est en cause, prévenez l’administrateur de reclam.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('reports a permanent delivery failure without a ticket', () => {
    const mail = renderer.render('pilot-alert', {
      organisation,
      alert: 'outbox-dead',
      details: { to: 'direction@spst-exemple.fr', attempts: 5, error: 'connexion refusée' },
    });
    expect(mail.subject).toBe("[reclam] Échec définitif d'envoi");
    expect(mail.text).not.toContain('reclam show');
  });

  it('reports an exhausted sending budget', () => {
    const mail = renderer.render('pilot-alert', {
      organisation,
      alert: 'budget-exceeded',
      reference: 'REC-2026-0042',
      details: { address: 'absences@entreprise-exemple.fr', window: '10 messages en 3 h' },
    });
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [reclam] Limite d'envois automatiques atteinte

      Bonjour,

      La limite d’envois automatiques vers une adresse est atteinte (réclamation REC-2026-0042). Les envois automatiques à cette adresse sont suspendus tant que la limite est dépassée ; cette alerte n’est envoyée qu’une fois.

      Adresse : absences@entreprise-exemple.fr
      Limite : 10 messages en 3 h

      Ce qui a été conservé : les messages reçus de cette adresse continuent d’être enregistrés ; seules les réponses automatiques sont suspendues.

      À faire : vérifiez l’adresse et le dossier avec la commande « reclam show REC-2026-0042 ». S’il s’agit d’un répondeur automatique qui répond en boucle, aucune action n’est nécessaire ; s’il s’agit d’une personne, contactez-la directement.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('throws on an alert it does not know', () => {
    expect(() => renderer.render('pilot-alert', { organisation, alert: 'disk-full', details: {} })).toThrow(
      /unknown alert disk-full/,
    );
  });
});

describe('HTML', () => {
  const cases: [string, Parameters<typeof renderer.render>][] = [
    ['ack', ['ack', ackData]],
    ['follow-up-forward', ['follow-up-forward', forwardData]],
    ['pilot-alert', ['pilot-alert', { organisation, alert: 'quarantine', details: {} }]],
  ];
  it.each(cases)('%s is a self-contained French mail page', (_name, args) => {
    const { html } = renderer.render(...args);
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="fr"/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('max-width:600px');
    expect(html).toContain('SPST Santé au Travail de l’Essonne');
    expect(html).not.toMatch(/<img|<link|url\(|(?:src|href)="https?:/);
    expect(html).not.toMatch(/\{\{|undefined|\[object Object\]/);
  });
});

describe('renderer', () => {
  it('lets an organisation replace one file and keeps the other defaults', () => {
    const dir = overrideDir({ 'ack.subject.hbs': 'Votre réclamation {{reference}} est bien arrivée\n' });
    const custom = createTemplateRenderer({ templatesDir: TEMPLATES_DIR, overrideDir: dir });
    const mail = custom.render('ack', ackData);
    expect(mail.subject).toBe('Votre réclamation REC-2026-0042 est bien arrivée');
    expect(mail.text).toBe(renderer.render('ack', ackData).text);
    expect(mail.html).toBe(renderer.render('ack', ackData).html);
  });

  it('throws when a template uses a field the data lacks', () => {
    const dir = overrideDir({ 'ack.text.hbs': 'Bonjour {{complainantNmae}},\n' });
    const custom = createTemplateRenderer({ templatesDir: TEMPLATES_DIR, overrideDir: dir });
    expect(() => custom.render('ack', ackData)).toThrow(TemplateError);
    expect(() => custom.render('ack', ackData)).toThrow(/ack\.text\.hbs: "complainantNmae" not defined/);
  });

  it('throws when the data lacks a field the default templates use', () => {
    const { deadline: _omitted, ...withoutDeadline } = ackData;
    expect(() => renderer.render('ack', withoutDeadline)).toThrow(TemplateError);
  });

  it('does not mistake a missing field for an empty one', () => {
    const { text: _omitted, ...withoutText } = forwardData;
    expect(() => renderer.render('follow-up-forward', withoutText)).toThrow(TemplateError);
  });

  it('reads nothing before the first render, then compiles each template once', () => {
    const dir = overrideDir({});
    const lazy = createTemplateRenderer({ templatesDir: join(dir, 'absent'), overrideDir: dir });
    expect(() => lazy.render('ack', ackData)).toThrow(expect.objectContaining({ code: 'TEMPLATE_NOT_FOUND' }));

    writeFileSync(join(dir, 'ack.subject.hbs'), 'Première version {{reference}}');
    const cached = createTemplateRenderer({ templatesDir: TEMPLATES_DIR, overrideDir: dir });
    expect(cached.render('ack', ackData).subject).toBe('Première version REC-2026-0042');
    writeFileSync(join(dir, 'ack.subject.hbs'), 'Seconde version {{reference}}');
    expect(cached.render('ack', ackData).subject).toBe('Première version REC-2026-0042');
  });
});

describe('subjects quoted in mail bodies', () => {
  it('are shortened wherever a template quotes one (a 140 KB subject made a 299 KB acknowledgement)', () => {
    const files = readdirSync(TEMPLATES_DIR).filter((f) => /\.(?:text|html)\.hbs$/.test(f));
    const quoted: string[] = [];
    for (const file of files) {
      const source = readFileSync(join(TEMPLATES_DIR, file), 'utf8');
      // every use of a subject that is not a mere test (#if, filled) must go through shorten
      for (const match of source.matchAll(
        /(?:\{\{|\()([^{}()]*\b(?:originalSubject|view\.subject|details\.subject)\b[^{}()]*)/g,
      )) {
        const expression = match[1]!.trim();
        if (/^(?:#if|filled|\/if)\b/.test(expression)) continue;
        quoted.push(`${file}: ${expression}`);
      }
    }
    expect(quoted.length).toBeGreaterThan(15);
    for (const use of quoted) expect(use).toMatch(/: shorten (?:originalSubject|view\.subject|details\.subject) 200$/);
  });

  it('keeps an acknowledgement small whatever the subject', () => {
    const subject = 'Plainte '.repeat(18_000);
    const mail = renderer.render('ack', { ...ackData, originalSubject: subject });
    expect(mail.text.length).toBeLessThan(3_000);
    expect(mail.html.length).toBeLessThan(8_000);
    expect(mail.text).toContain('(objet : « Plainte Plainte');
    expect(mail.text).toContain('Plainte… »)');
  });
});

describe('web desk pages', () => {
  const pages = createPageRenderer({ templatesDir: WEB_TEMPLATES_DIR });
  const frame = { organisation: { name: 'SPST Test' }, viewer: null, pilot: false, current: '' };

  it('renders a page inside the shared layout, complainant text escaped', () => {
    const html = pages.page('message', { ...frame, title: 'Erreur', text: '<script>alert(1)</script> & co' });
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="fr">/);
    expect(html).toContain('<title>Erreur — SPST Test</title>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
    expect(html).not.toContain('<script>');
    expect(html).toContain('href="/connexion"');
  });

  it('throws when the data lacks a field, and lets an organisation replace one page', () => {
    expect(() => pages.page('message', { ...frame, title: 'Erreur' })).toThrow(/"text" not defined/);
    const dir = overrideDir({ 'message.hbs': '{{#> layout}}<p class="own">{{text}}</p>{{/layout}}\n' });
    const custom = createPageRenderer({ templatesDir: WEB_TEMPLATES_DIR, overrideDir: dir });
    expect(custom.page('message', { ...frame, title: 'T', text: 'x' })).toContain('<p class="own">x</p>');
  });
});
