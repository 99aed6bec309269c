// The mails of the staff workflow (new ticket, command results, forged commands, effectiveness
// check) and the complainant's mails that follow a command (response, rejection, level change,
// closure): wording (snapshots), confidentiality of medical complaints, escaping, strictness.
import { describe, expect, it } from 'vitest';
import { createTemplateRenderer, TemplateError, type RenderedMail } from '../../src/adapters/template-renderer.js';
import { TEMPLATES_DIR } from '../../src/paths.js';

const renderer = createTemplateRenderer({ templatesDir: TEMPLATES_DIR });

function plain(mail: RenderedMail): string {
  return `Subject: ${mail.subject}\n\n${mail.text}`;
}

const organisation = { name: 'SPST Santé au Travail de l’Essonne' };
const replyMarker = '––– Répondez au-dessus de cette ligne –––';
const personalAddress = 'reclamation+c.martin.k7f3q@spst-exemple.fr';

const commands = [
  { usage: '#prendre', description: 'vous attribue la réclamation' },
  { usage: '#niveau <1-3>', description: 'change le niveau d’importance et recalcule l’échéance' },
  { usage: '#repondre', description: 'le texte sous la commande est envoyé au réclamant comme réponse' },
];

/** A ticket as a doctor (or anyone, for a non-confidential ticket) sees it. */
const view = {
  reference: 'REC-2026-0042',
  visible: true,
  confidential: false,
  receivedAt: 'lundi 23 novembre 2026 à 8 h 47',
  channelLabel: 'courriel',
  level: 2,
  levelLabel: 'Impact sur l’organisation seulement',
  deadline: {
    sentence:
      'au plus tard le mardi 8 décembre 2026 — niveau 2 (Impact sur l’organisation seulement) : 15 jours calendaires',
    short: 'mardi 8 décembre 2026',
  },
  status: 'received',
  statusLabel: 'reçue',
  categoryLabel: 'Générale',
  assignee: '',
  complainant: {
    name: 'Hélène Dupré',
    email: 'helene.dupre@boulangerie-dupre.fr',
    phone: '06 12 34 56 78',
    company: 'Boulangerie Dupré SARL',
  },
  subject: 'Visite d’embauche annulée deux fois',
  summary:
    'Bonjour,\n\nLa visite de notre apprenti prévue le 17 novembre a été annulée la veille, puis de nouveau le 20, sans nouvelle date.\n\nMerci de nous rappeler.\nHélène Dupré',
  attachments: [
    { filename: 'courriel-annulation.pdf', size: '182 Ko' },
    { filename: 'capture d’écran.png', size: '1,2 Mo' },
  ],
};

/**
 * A confidential ticket shown to a non-doctor. The real view carries no identifying field; this
 * one keeps them all, as a faulty caller would, to prove the templates never read them.
 */
const hiddenView = {
  ...view,
  reference: 'REC-2026-0043',
  visible: false,
  confidential: true,
  categoryLabel: 'Médicale',
  status: 'in_progress',
  statusLabel: 'en cours',
  assignee: 'Dr Claire Martin',
};
const SENSITIVE = [
  'Visite d’embauche',
  'apprenti',
  'nouvelle date',
  'Hélène',
  'Dupré',
  'helene.dupre',
  'boulangerie',
  '06 12 34 56 78',
  'courriel-annulation',
  'capture d’écran',
  '182 Ko',
  'Secret',
];

function expectNothingSensitive(mail: RenderedMail): void {
  for (const part of [mail.subject, mail.text, mail.html]) {
    for (const secret of SENSITIVE) expect(part).not.toContain(secret);
  }
}

const newTicketData = {
  organisation,
  recipientName: 'Paule Pilote',
  view,
  reason: 'référent de la catégorie Générale',
  lowConfidence: false,
  qualificationEvidence: [] as string[],
  commands,
  replyMarker,
};

const commandResultData = {
  organisation,
  recipientName: 'Dr Claire Martin',
  reference: 'REC-2026-0042' as string | null,
  view: { ...view, status: 'in_progress', statusLabel: 'en cours', assignee: 'Dr Claire Martin' } as typeof view | null,
  results: [
    { line: '#prendre', ok: true, message: 'vous êtes maintenant responsable de la réclamation' },
    {
      line: '#niveau 1',
      ok: true,
      message: 'niveau 1, échéance jeudi 3 décembre 2026 ; le réclamant est informé du nouveau délai',
    },
    { line: '#clore', ok: false, message: 'la réclamation n’a pas encore reçu de réponse (#repondre ou #lrar)' },
  ],
  unknown: [{ line: '#prenre', suggestion: '#prendre' }],
  showHelp: false,
  commands,
  status: null as null | { history: { at: string; label: string }[] },
  personalAddress,
};

const history = [
  { at: 'lundi 23 novembre 2026 à 8 h 47', label: 'réclamation reçue (courriel)' },
  { at: 'lundi 23 novembre 2026 à 10 h 15', label: 'prise en charge par Dr Claire Martin' },
];

const forgedData = {
  organisation,
  recipientName: 'Dr Claire Martin',
  reference: 'REC-2026-0042' as string | null,
  claimedFrom: 'claire.martin@spst-exemple.fr',
  receivedAt: 'mardi 24 novembre 2026 à 18 h 31',
  reason: 'le message ne portait pas de signature valide (il ne répondait pas à une notification de reclam)',
  commands: ['#clore', '#note appel du réclamant, visite replanifiée'],
};

const intakeData = {
  organisation,
  recipientName: 'Accueil Évry',
  sentAt: 'lundi 23 novembre 2026 à 09 h 00',
  complainant: {
    display: 'Jeanne Morel <jeanne.morel@exemple.fr>',
    email: 'jeanne.morel@exemple.fr',
    unusable: false,
    phone: '',
    company: '',
  },
  channel: 'courriel',
  receivedAt: 'lundi 16 novembre 2026 à 10 h 12',
  subject: 'Visite annulée',
  firstLines: ['Bonjour, ma visite de reprise a été annulée la veille sans explication.', 'Jeanne Morel'],
  more: false,
  attachments: [{ filename: 'convocation.pdf', size: '12 Ko' }],
};

const complainantData = {
  organisation,
  reference: 'REC-2026-0042',
  complainantName: 'Hélène Dupré',
  originalSubject: 'Visite d’embauche annulée deux fois',
};

const responseData = {
  ...complainantData,
  body: 'Madame,\n\nLa visite de votre apprenti est reprogrammée le lundi 30 novembre à 9 h, au centre d’Évry.\n\nVeuillez agréer, Madame, nos salutations distinguées.\n\nDr Claire Martin\nMédecin du travail',
  verification: true,
};

const rejectionData = {
  ...complainantData,
  reason: 'votre message est une demande de rendez-vous ; nous l’avons transmise au secrétariat médical',
};

const levelChangeData = {
  ...complainantData,
  deadline: {
    sentence: 'au plus tard le jeudi 3 décembre 2026 — niveau 1 (Impact sur le service rendu) : 10 jours calendaires',
  },
};

const interimData = {
  ...complainantData,
  text: 'Nous avons relancé le centre d’Évry.\nUne nouvelle date vous sera proposée d’ici vendredi.',
};

const verificationData = {
  organisation,
  recipientName: 'Dr Claire Martin',
  view: { ...view, status: 'in_progress', statusLabel: 'en cours', assignee: 'Dr Claire Martin' },
  effective: false,
  closed: false,
  text: 'NON\n\nLa visite a bien eu lieu, mais l’attestation n’a pas été envoyée.',
};

describe('new-ticket', () => {
  it('gives the whole complaint and the commands, below the reply marker', () => {
    const mail = renderer.render('new-ticket', newTicketData);
    expect(mail.text.startsWith(`${replyMarker}\n`)).toBe(true);
    expect(mail.html.indexOf(replyMarker)).toBeLessThan(mail.html.indexOf('Bonjour Paule Pilote'));
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Nouvelle réclamation — niveau 2 — Générale : Visite d’embauche annulée deux fois

      ––– Répondez au-dessus de cette ligne –––

      Bonjour Paule Pilote,

      Une nouvelle réclamation vous est transmise (référent de la catégorie Générale).

      Référence : REC-2026-0042
      Reçue le : lundi 23 novembre 2026 à 8 h 47
      Canal : courriel
      Niveau : 2 — Impact sur l’organisation seulement
      Échéance : au plus tard le mardi 8 décembre 2026 — niveau 2 (Impact sur l’organisation seulement) : 15 jours calendaires
      Catégorie : Générale
      État : reçue
      Responsable : non désigné

      Réclamant : Hélène Dupré
      Courriel : helene.dupre@boulangerie-dupre.fr
      Téléphone : 06 12 34 56 78
      Entreprise : Boulangerie Dupré SARL
      Objet : Visite d’embauche annulée deux fois

      --- Texte de la réclamation ---
      Bonjour,

      La visite de notre apprenti prévue le 17 novembre a été annulée la veille, puis de nouveau le 20, sans nouvelle date.

      Merci de nous rappeler.
      Hélène Dupré
      --- Fin du texte ---

      Pièces jointes :
      - courriel-annulation.pdf (182 Ko)
      - capture d’écran.png (1,2 Mo)

      Pour agir, répondez à ce message en écrivant une ou plusieurs commandes en tête de votre réponse :
      #prendre — vous attribue la réclamation
      #niveau <1-3> — change le niveau d’importance et recalcule l’échéance
      #repondre — le texte sous la commande est envoyé au réclamant comme réponse

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('asks to qualify, with the evidence, when the automatic qualification is unsure', () => {
    const mail = renderer.render('new-ticket', {
      ...newTicketData,
      view: { ...view, categoryLabel: 'à qualifier', subject: '', attachments: [] },
      reason: 'pilote du processus',
      lowConfidence: true,
      qualificationEvidence: ['aucun mot-clé de catégorie reconnu', 'expéditeur inconnu : demandeur supposé adhérent'],
    });
    expect(mail.subject).toBe('[REC-2026-0042] Nouvelle réclamation — niveau 2 — à qualifier');
    expect(mail.text).toContain(
      'Merci de qualifier cette réclamation (#categorie, #niveau, #demandeur) : la qualification automatique est incertaine.\n' +
        'Indices relevés :\n- aucun mot-clé de catégorie reconnu\n- expéditeur inconnu : demandeur supposé adhérent\n',
    );
    expect(mail.text).toContain('Objet : (sans objet)');
    expect(mail.text).not.toContain('Pièces jointes');
    expect(mail.html).toContain('Merci de qualifier cette réclamation');
  });

  it('leaves out the complainant details that were not given', () => {
    const mail = renderer.render('new-ticket', {
      ...newTicketData,
      view: {
        ...view,
        channelLabel: 'téléphone',
        complainant: { name: 'Jean Petit', email: '', phone: '01 60 00 00 00', company: '' },
      },
    });
    expect(mail.text).toContain('Réclamant : Jean Petit\nTéléphone : 01 60 00 00 00\nObjet :');
    expect(mail.html).not.toContain('mailto:');
  });

  it('flags a confidential ticket to a doctor who may see it', () => {
    const mail = renderer.render('new-ticket', {
      ...newTicketData,
      view: { ...view, confidential: true, categoryLabel: 'Médicale' },
    });
    expect(mail.text).toContain('Réclamation confidentielle : son contenu est réservé aux médecins du service.');
    expect(mail.text).toContain('Hélène Dupré');
  });

  it('shows a non-doctor only the reference, dates, level and state of a confidential ticket', () => {
    const mail = renderer.render('new-ticket', {
      ...newTicketData,
      view: hiddenView,
      lowConfidence: true,
      qualificationEvidence: ['Secret : mot-clé « arrêt maladie »'],
    });
    expectNothingSensitive(mail);
    expect(mail.html).toContain('#prendre');
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0043] Nouvelle réclamation — niveau 2 — Médicale

      ––– Répondez au-dessus de cette ligne –––

      Bonjour Paule Pilote,

      Une nouvelle réclamation vous est transmise (référent de la catégorie Générale).

      Référence : REC-2026-0043
      Reçue le : lundi 23 novembre 2026 à 8 h 47
      Niveau : 2 — Impact sur l’organisation seulement
      Échéance : au plus tard le mardi 8 décembre 2026 — niveau 2 (Impact sur l’organisation seulement) : 15 jours calendaires
      Catégorie : Médicale
      État : en cours

      Cette réclamation est confidentielle : son contenu est réservé aux médecins du service. Le réclamant, l’objet, le texte et les pièces jointes ne vous sont donc pas transmis.

      La qualification automatique de cette réclamation est incertaine : un médecin devra la vérifier.

      Seules les commandes d’un médecin peuvent être appliquées à cette réclamation.

      Pour agir, répondez à ce message en écrivant une ou plusieurs commandes en tête de votre réponse :
      #prendre — vous attribue la réclamation
      #niveau <1-3> — change le niveau d’importance et recalcule l’échéance
      #repondre — le texte sous la commande est envoyé au réclamant comme réponse

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });
});

describe('command-result', () => {
  it('reports each command, refused and unknown ones included', () => {
    expect(plain(renderer.render('command-result', commandResultData))).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Commandes : 2 appliquées, 1 refusée, 1 inconnue

      Bonjour Dr Claire Martin,

      Voici le résultat des commandes de votre message pour la réclamation REC-2026-0042 :

      ✔ #prendre — vous êtes maintenant responsable de la réclamation
      ✔ #niveau 1 — niveau 1, échéance jeudi 3 décembre 2026 ; le réclamant est informé du nouveau délai
      ✘ #clore — la réclamation n’a pas encore reçu de réponse (#repondre ou #lrar)
      ✘ #prenre — commande inconnue. Vouliez-vous dire #prendre ?

      Pour enregistrer une réclamation reçue par téléphone, par courrier ou en personne, écrivez à votre adresse personnelle reclamation+c.martin.k7f3q@spst-exemple.fr en commençant par #nouvelle et #de Nom <adresse>.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('sums the outcome up in the subject', () => {
    const ok = (line: string) => ({ line, ok: true, message: 'fait' });
    const ko = (line: string) => ({ line, ok: false, message: 'refusé' });
    const subject = (over: Partial<typeof commandResultData>) =>
      renderer.render('command-result', { ...commandResultData, unknown: [], ...over }).subject;
    expect(subject({ results: [ok('#prendre'), ok('#niveau 1')] })).toBe(
      '[REC-2026-0042] Commandes : toutes appliquées',
    );
    expect(subject({ results: [ok('#prendre')] })).toBe('[REC-2026-0042] Commande appliquée');
    expect(subject({ results: [ko('#clore')] })).toBe('[REC-2026-0042] Commande refusée');
    expect(subject({ results: [], unknown: [{ line: '#fermer', suggestion: '' }] })).toBe(
      '[REC-2026-0042] Commande inconnue',
    );
    expect(subject({ results: [ok('#prendre'), ok('#note x'), ko('#clore')] })).toBe(
      '[REC-2026-0042] Commandes : 2 appliquées, 1 refusée',
    );
    expect(subject({ results: [ko('#clore'), ko('#niveau 9')] })).toBe(
      '[REC-2026-0042] Commandes : aucune appliquée, 2 refusées',
    );
    expect(
      subject({
        results: [ok('#prendre')],
        unknown: [
          { line: '#x', suggestion: '' },
          { line: '#y', suggestion: '' },
        ],
      }),
    ).toBe('[REC-2026-0042] Commandes : 1 appliquée, 2 inconnues');
    // #aide and #statut alone, whether or not the caller lists them among the results.
    expect(subject({ results: [ok('#aide')], showHelp: true })).toBe('[REC-2026-0042] Aide — commandes disponibles');
    expect(subject({ results: [], showHelp: true, reference: null, view: null })).toBe(
      '[reclam] Aide — commandes disponibles',
    );
    expect(subject({ results: [ok('#statut')], status: { history } })).toBe('[REC-2026-0042] Statut de la réclamation');
    expect(subject({ results: [], status: { history } })).toBe('[REC-2026-0042] Statut de la réclamation');
    // Help sent because a command failed does not hide the failure.
    expect(subject({ results: [ko('#niveau 9')], showHelp: true })).toBe('[REC-2026-0042] Commande refusée');
    expect(subject({ results: [], reference: null, view: null })).toBe('[reclam] Aucune commande trouvée');
  });

  it('gives the command list for #aide', () => {
    const mail = renderer.render('command-result', {
      ...commandResultData,
      reference: null,
      view: null,
      results: [{ line: '#aide', ok: true, message: 'liste des commandes ci-dessous' }],
      unknown: [],
      showHelp: true,
    });
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [reclam] Aide — commandes disponibles

      Bonjour Dr Claire Martin,

      Voici le résultat des commandes de votre message :

      ✔ #aide — liste des commandes ci-dessous

      Commandes disponibles, à écrire en tête de votre réponse, une par ligne :
      #prendre — vous attribue la réclamation
      #niveau <1-3> — change le niveau d’importance et recalcule l’échéance
      #repondre — le texte sous la commande est envoyé au réclamant comme réponse

      Pour enregistrer une réclamation reçue par téléphone, par courrier ou en personne, écrivez à votre adresse personnelle reclamation+c.martin.k7f3q@spst-exemple.fr en commençant par #nouvelle et #de Nom <adresse>.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('suggests #aide for an unknown command without a close match', () => {
    const mail = renderer.render('command-result', {
      ...commandResultData,
      results: [],
      unknown: [{ line: '#fermer', suggestion: '' }],
    });
    expect(mail.text).toContain('✘ #fermer — commande inconnue. Envoyez #aide pour obtenir la liste des commandes.\n');
  });

  it('gives the ticket summary and its history for #statut', () => {
    const mail = renderer.render('command-result', {
      ...commandResultData,
      results: [{ line: '#statut', ok: true, message: 'résumé et historique ci-dessous' }],
      unknown: [],
      status: { history },
    });
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Statut de la réclamation

      Bonjour Dr Claire Martin,

      Voici le résultat des commandes de votre message pour la réclamation REC-2026-0042 :

      ✔ #statut — résumé et historique ci-dessous

      État de la réclamation REC-2026-0042 :

      Reçue le : lundi 23 novembre 2026 à 8 h 47
      Canal : courriel
      Niveau : 2 — Impact sur l’organisation seulement
      Échéance : au plus tard le mardi 8 décembre 2026 — niveau 2 (Impact sur l’organisation seulement) : 15 jours calendaires
      Catégorie : Générale
      État : en cours
      Responsable : Dr Claire Martin
      Réclamant : Hélène Dupré <helene.dupre@boulangerie-dupre.fr>
      Téléphone : 06 12 34 56 78
      Entreprise : Boulangerie Dupré SARL
      Objet : Visite d’embauche annulée deux fois
      Texte : « Bonjour, La visite de notre apprenti prévue le 17 novembre a été annulée la veille, puis de nouveau le 20, sans nouvelle date. Merci de nous rappeler. Hélène Dupré »
      Pièces jointes : courriel-annulation.pdf (182 Ko), capture d’écran.png (1,2 Mo)

      Historique :
      - lundi 23 novembre 2026 à 8 h 47 — réclamation reçue (courriel)
      - lundi 23 novembre 2026 à 10 h 15 — prise en charge par Dr Claire Martin

      Pour enregistrer une réclamation reçue par téléphone, par courrier ou en personne, écrivez à votre adresse personnelle reclamation+c.martin.k7f3q@spst-exemple.fr en commençant par #nouvelle et #de Nom <adresse>.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('keeps #statut of a confidential ticket to reference, dates, level and state for a non-doctor', () => {
    const mail = renderer.render('command-result', {
      ...commandResultData,
      recipientName: 'Paule Pilote',
      reference: 'REC-2026-0043',
      view: hiddenView,
      results: [
        { line: '#statut', ok: true, message: 'résumé et historique ci-dessous' },
        { line: '#prendre', ok: false, message: 'réclamation médicale : seuls les médecins peuvent agir sur elle' },
      ],
      unknown: [],
      showHelp: true,
      status: { history: [{ at: 'lundi 23 novembre 2026 à 9 h 02', label: 'réclamation reçue (téléphone)' }] },
    });
    expectNothingSensitive(mail);
    expect(mail.text).toContain('seules les commandes d’un médecin peuvent lui être appliquées');
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0043] Commandes : 1 appliquée, 1 refusée

      Bonjour Paule Pilote,

      Voici le résultat des commandes de votre message pour la réclamation REC-2026-0043 :

      ✔ #statut — résumé et historique ci-dessous
      ✘ #prendre — réclamation médicale : seuls les médecins peuvent agir sur elle

      Commandes disponibles, à écrire en tête de votre réponse, une par ligne :
      #prendre — vous attribue la réclamation
      #niveau <1-3> — change le niveau d’importance et recalcule l’échéance
      #repondre — le texte sous la commande est envoyé au réclamant comme réponse

      Cette réclamation est confidentielle : seules les commandes d’un médecin peuvent lui être appliquées.

      État de la réclamation REC-2026-0043 :

      Reçue le : lundi 23 novembre 2026 à 8 h 47
      Niveau : 2 — Impact sur l’organisation seulement
      Échéance : au plus tard le mardi 8 décembre 2026 — niveau 2 (Impact sur l’organisation seulement) : 15 jours calendaires
      Catégorie : Médicale
      État : en cours

      Cette réclamation est confidentielle : son contenu est réservé aux médecins du service. Le réclamant, l’objet, le texte et les pièces jointes ne vous sont donc pas transmis.

      Historique :
      - lundi 23 novembre 2026 à 9 h 02 — réclamation reçue (téléphone)

      Pour enregistrer une réclamation reçue par téléphone, par courrier ou en personne, écrivez à votre adresse personnelle reclamation+c.martin.k7f3q@spst-exemple.fr en commençant par #nouvelle et #de Nom <adresse>.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('refuses a status without the ticket it describes', () => {
    expect(() => renderer.render('command-result', { ...commandResultData, view: null, status: { history } })).toThrow(
      /status without view/,
    );
  });
});

describe('intake-confirmation', () => {
  it('says what was understood and that nothing is recorded without a reply', () => {
    expect(plain(renderer.render('intake-confirmation', intakeData))).toMatchInlineSnapshot(`
      "Subject: [reclam] À confirmer : réclamation de Jeanne Morel <jeanne.morel@exemple.fr>

      Bonjour Accueil Évry,

      Un message envoyé le lundi 23 novembre 2026 à 09 h 00 avec votre adresse comme expéditeur demande d’enregistrer une réclamation. Rien n’est encore enregistré : voici ce que reclam en a compris.

      Réclamant : Jeanne Morel <jeanne.morel@exemple.fr>
      Canal : courriel
      Reçue le : lundi 16 novembre 2026 à 10 h 12
      Objet : Visite annulée

      Premières lignes :
        Bonjour, ma visite de reprise a été annulée la veille sans explication.
        Jeanne Morel

      Pièces jointes :
        - convocation.pdf (12 Ko)

      Pour l’enregistrer, répondez simplement à ce message (par exemple « OUI ») : la réclamation sera enregistrée avec sa date et son texte d’origine, et le réclamant recevra son accusé de réception. Pour ne rien enregistrer, répondez « NON ». Cette demande est valable 7 jours.

      Si ce message ne vient pas de vous, ne répondez pas : rien ne sera enregistré. Par précaution, transférez-le au pilote du processus réclamations.

      Pour ne plus passer par cette confirmation, écrivez ou transférez les réclamations à votre adresse personnelle, rappelée au bas de chaque réponse de reclam à vos commandes.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });
});

describe('forged-alert', () => {
  it('tells the real person, calmly, that nothing was executed', () => {
    expect(plain(renderer.render('forged-alert', forgedData))).toMatchInlineSnapshot(`
      "Subject: [reclam] Commandes refusées envoyées en votre nom [REC-2026-0042]

      Bonjour Dr Claire Martin,

      Un message reçu le mardi 24 novembre 2026 à 18 h 31, avec votre adresse claire.martin@spst-exemple.fr comme expéditeur, contenait des commandes reclam pour la réclamation REC-2026-0042. Par sécurité, ces commandes n’ont pas été exécutées.

      Motif : le message ne portait pas de signature valide (il ne répondait pas à une notification de reclam)

      Commandes reçues :
        #clore
        #note appel du réclamant, visite replanifiée

      Si ce message vient de vous, c’est le plus souvent sans gravité. Pour que vos commandes soient appliquées, répondez directement à la notification de reclam que vous avez reçue (votre réponse porte alors une signature personnelle) ; pour enregistrer une nouvelle réclamation, écrivez à votre adresse personnelle, rappelée au bas de chaque réponse de reclam à vos commandes.

      Si ce message ne vient pas de vous, rien n’a été modifié. Par précaution, transférez ce message au pilote du processus réclamations ou au service informatique.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('has no ticket tag when the commands named no ticket', () => {
    const mail = renderer.render('forged-alert', {
      ...forgedData,
      reference: null,
      commands: ['#nouvelle', '#de Jean Petit <jean@exemple.fr>'],
    });
    expect(mail.subject).toBe('[reclam] Commandes refusées envoyées en votre nom');
    expect(mail.text).not.toContain('pour la réclamation');
  });
});

describe('response', () => {
  it('sends the referent’s text as written and asks whether it settles the complaint', () => {
    expect(plain(renderer.render('response', responseData))).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Réponse à votre réclamation : Visite d’embauche annulée deux fois

      Voici la réponse du service à votre réclamation REC-2026-0042 (objet : « Visite d’embauche annulée deux fois ») :

      Madame,

      La visite de votre apprenti est reprogrammée le lundi 30 novembre à 9 h, au centre d’Évry.

      Veuillez agréer, Madame, nos salutations distinguées.

      Dr Claire Martin
      Médecin du travail

      Cette réponse règle-t-elle votre réclamation ? Répondez simplement à ce message par OUI ou par NON.

      -- 
      Ce message vous est transmis par notre outil de suivi des réclamations.
      "
    `);
  });

  it('asks nothing when no effectiveness check follows, and leaves an empty subject out', () => {
    const mail = renderer.render('response', { ...responseData, verification: false, originalSubject: '' });
    expect(mail.subject).toBe('[REC-2026-0042] Réponse à votre réclamation');
    expect(mail.text).not.toContain('OUI');
    expect(mail.html).not.toContain('OUI');
    expect(mail.text).toContain('Pour toute question sur cette réponse');
  });
});

describe('rejection', () => {
  it('explains kindly why the message is not treated as a complaint', () => {
    expect(plain(renderer.render('rejection', rejectionData))).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Suite donnée à votre message

      Bonjour Hélène Dupré,

      Nous avons bien reçu votre message « Visite d’embauche annulée deux fois », enregistré sous la référence REC-2026-0042.

      Après examen, il n’est pas traité comme une réclamation portant sur le service rendu.

      Motif : votre message est une demande de rendez-vous ; nous l’avons transmise au secrétariat médical

      Si vous n’êtes pas d’accord, ou si nous avons mal compris votre demande, il vous suffit de répondre à ce message en conservant la référence REC-2026-0042 dans l’objet : nous l’examinerons de nouveau.

      Nous vous prions d’agréer nos salutations distinguées.

      Le service qualité — SPST Santé au Travail de l’Essonne

      -- 
      Ce message est envoyé automatiquement par notre outil de suivi des réclamations.
      "
    `);
  });
});

describe('level-change', () => {
  it('gives the new deadline', () => {
    expect(plain(renderer.render('level-change', levelChangeData))).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Nouveau délai de traitement de votre réclamation

      Bonjour Hélène Dupré,

      L’examen de votre réclamation REC-2026-0042 (objet : « Visite d’embauche annulée deux fois ») a conduit à revoir son niveau d’importance, et donc son délai de traitement.

      Une réponse vous sera désormais apportée au plus tard le jeudi 3 décembre 2026 — niveau 1 (Impact sur le service rendu) : 10 jours calendaires.

      Pour compléter votre réclamation, il vous suffit de répondre à ce message en conservant la référence REC-2026-0042 dans l’objet.

      Nous vous prions d’agréer nos salutations distinguées.

      Le service qualité — SPST Santé au Travail de l’Essonne

      -- 
      Ce message est envoyé automatiquement par notre outil de suivi des réclamations.
      "
    `);
  });
});

describe('interim-update', () => {
  it('carries the referent’s news and says the complaint is still being handled', () => {
    expect(plain(renderer.render('interim-update', interimData))).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Point d’étape sur votre réclamation : Visite d’embauche annulée deux fois

      Bonjour Hélène Dupré,

      Voici des nouvelles du traitement de votre réclamation REC-2026-0042 (objet : « Visite d’embauche annulée deux fois ») :

      Nous avons relancé le centre d’Évry.
      Une nouvelle date vous sera proposée d’ici vendredi.

      Ce message ne clôt pas votre réclamation : son traitement se poursuit et nous reviendrons vers vous.

      Pour toute question, il vous suffit de répondre à ce message en conservant la référence REC-2026-0042 dans l’objet.

      Nous vous prions d’agréer nos salutations distinguées.

      Le service qualité — SPST Santé au Travail de l’Essonne

      -- 
      Ce message vous est transmis par notre outil de suivi des réclamations.
      "
    `);
  });
});

describe('closure', () => {
  it('thanks the complainant and says how to come back', () => {
    expect(plain(renderer.render('closure', { ...complainantData, complainantName: '' }))).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Clôture de votre réclamation

      Bonjour,

      Votre réclamation REC-2026-0042 (objet : « Visite d’embauche annulée deux fois ») est désormais clôturée.

      Nous vous remercions de nous l’avoir adressée : vos remarques nous aident à améliorer notre service.

      Si le problème se reproduit, il vous suffit de répondre à ce message en conservant la référence REC-2026-0042 dans l’objet.

      Nous vous prions d’agréer nos salutations distinguées.

      Le service qualité — SPST Santé au Travail de l’Essonne

      -- 
      Ce message est envoyé automatiquement par notre outil de suivi des réclamations.
      "
    `);
  });
});

describe('verification-result', () => {
  it('sends the ticket back to work on NON, with the complainant’s words', () => {
    expect(plain(renderer.render('verification-result', verificationData))).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0042] Efficacité : le réclamant répond NON

      Bonjour Dr Claire Martin,

      Le réclamant a répondu NON à la question « Cette réponse règle-t-elle votre réclamation ? » pour la réclamation REC-2026-0042.

      La solution apportée n’a pas réglé le problème : la réclamation est de nouveau à l’état « en cours ». Merci de reprendre son traitement (#action, #cause, #note), puis d’envoyer une nouvelle réponse avec #repondre ; la question sera de nouveau posée au réclamant, jusqu’à ce que sa réclamation soit résolue.

      --- Message du réclamant ---
      NON

      La visite a bien eu lieu, mais l’attestation n’a pas été envoyée.
      --- Fin du message ---

      Référence : REC-2026-0042
      Objet : Visite d’embauche annulée deux fois
      Réclamant : Hélène Dupré <helene.dupre@boulangerie-dupre.fr>
      Téléphone : 06 12 34 56 78
      Niveau : 2 — Impact sur l’organisation seulement
      Échéance : au plus tard le mardi 8 décembre 2026 — niveau 2 (Impact sur l’organisation seulement) : 15 jours calendaires
      État : en cours
      Responsable : Dr Claire Martin

      Répondez à ce message avec #aide pour obtenir la liste des commandes.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });

  it('says the ticket was closed on OUI, or how to close it', () => {
    const closed = renderer.render('verification-result', {
      ...verificationData,
      view: { ...verificationData.view, status: 'closed', statusLabel: 'clôturée' },
      effective: true,
      closed: true,
      text: 'OUI, merci.',
    });
    expect(closed.subject).toBe('[REC-2026-0042] Efficacité : le réclamant répond OUI');
    expect(closed.text).toContain('La solution est jugée efficace : la réclamation a donc été clôturée.');
    const open = renderer.render('verification-result', {
      ...verificationData,
      effective: true,
      closed: false,
      text: 'OUI',
    });
    expect(open.text).toContain('vous pouvez clore la réclamation en répondant à ce message avec #clore.');
  });

  it('says how to reopen when the answer NON comes after the ticket was closed', () => {
    const mail = renderer.render('verification-result', {
      ...verificationData,
      view: { ...verificationData.view, status: 'closed', statusLabel: 'clôturée' },
      closed: true,
    });
    expect(mail.text).toContain(
      'mais la réclamation est déjà clôturée : rouvrez-la avec #rouvrir pour reprendre son traitement.',
    );
    expect(mail.html).toContain('#rouvrir');
  });

  it('never shows a non-doctor the complainant’s answer to a confidential ticket', () => {
    const mail = renderer.render('verification-result', {
      ...verificationData,
      recipientName: 'Paule Pilote',
      view: hiddenView,
      text: 'NON. Secret : mon dossier médical n’a pas été transmis.',
    });
    expectNothingSensitive(mail);
    expect(plain(mail)).toMatchInlineSnapshot(`
      "Subject: [REC-2026-0043] Efficacité : le réclamant répond NON

      Bonjour Paule Pilote,

      Le réclamant a répondu NON à la question « Cette réponse règle-t-elle votre réclamation ? » pour la réclamation REC-2026-0043.

      La solution apportée n’a pas réglé le problème : la réclamation est de nouveau à l’état « en cours ». Un médecin doit reprendre son traitement, puis envoyer une nouvelle réponse ; la question sera de nouveau posée au réclamant, jusqu’à ce que sa réclamation soit résolue.

      Référence : REC-2026-0043
      Reçue le : lundi 23 novembre 2026 à 8 h 47
      Niveau : 2 — Impact sur l’organisation seulement
      Échéance : au plus tard le mardi 8 décembre 2026 — niveau 2 (Impact sur l’organisation seulement) : 15 jours calendaires
      État : en cours

      Cette réclamation est confidentielle : son contenu est réservé aux médecins du service. Le réclamant, l’objet et le texte de sa réponse ne vous sont donc pas transmis. Seules les commandes d’un médecin peuvent lui être appliquées.

      Répondez à ce message avec #aide pour obtenir la liste des commandes.

      -- 
      Message envoyé automatiquement par reclam, l’outil de suivi des réclamations de SPST Santé au Travail de l’Essonne.
      "
    `);
  });
});

describe('escaping', () => {
  const hostile = '<script>alert("x")</script> & <b>gras</b>';
  const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;';
  const cases: [string, object][] = [
    [
      'new-ticket',
      {
        ...newTicketData,
        view: {
          ...view,
          subject: hostile,
          summary: `${hostile}\nLigne 2`,
          complainant: { name: hostile, email: 'x@exemple.fr', phone: hostile, company: hostile },
          attachments: [{ filename: `${hostile}.pdf`, size: '1 Ko' }],
        },
        lowConfidence: true,
        qualificationEvidence: [hostile],
      },
    ],
    [
      'command-result',
      {
        ...commandResultData,
        results: [{ line: `#note ${hostile}`, ok: true, message: hostile }],
        unknown: [{ line: `#${hostile}`, suggestion: '' }],
        view: { ...view, subject: hostile, summary: hostile },
        status: { history: [{ at: 'hier', label: hostile }] },
      },
    ],
    ['forged-alert', { ...forgedData, claimedFrom: hostile, commands: [`#note ${hostile}`] }],
    [
      'intake-confirmation',
      {
        ...intakeData,
        complainant: { ...intakeData.complainant, display: hostile, phone: hostile, company: hostile },
        subject: hostile,
        firstLines: [hostile],
        attachments: [{ filename: `${hostile}.pdf`, size: '1 Ko' }],
      },
    ],
    ['response', { ...responseData, originalSubject: hostile, body: `${hostile}\nLigne 2` }],
    ['rejection', { ...rejectionData, complainantName: hostile, originalSubject: hostile, reason: hostile }],
    ['level-change', { ...levelChangeData, complainantName: hostile, originalSubject: hostile }],
    ['closure', { ...complainantData, complainantName: hostile, originalSubject: hostile }],
    ['interim-update', { ...interimData, complainantName: hostile, originalSubject: hostile, text: hostile }],
    ['verification-result', { ...verificationData, view: { ...view, subject: hostile }, text: `${hostile}\nLigne 2` }],
  ];
  it.each(cases)('%s escapes complainant and staff text in HTML, and keeps it as written in text', (name, data) => {
    const mail = renderer.render(name, data);
    expect(mail.html).not.toMatch(/<script|<b>gras/);
    expect(mail.html).toContain(escaped);
    expect(mail.text).toContain(hostile);
  });

  it('keeps the line breaks of a long text in HTML', () => {
    const { html } = renderer.render('response', { ...responseData, body: 'Madame,\n\nLigne <1>\nLigne 2' });
    expect(html).toContain('Madame,<br>\n<br>\nLigne &lt;1&gt;<br>\nLigne 2');
  });
});

describe('HTML', () => {
  const cases: [string, object][] = [
    ['new-ticket', newTicketData],
    ['new-ticket', { ...newTicketData, view: hiddenView, lowConfidence: true }],
    ['command-result', { ...commandResultData, showHelp: true, status: { history } }],
    ['command-result', { ...commandResultData, view: hiddenView, showHelp: true, status: { history } }],
    ['forged-alert', forgedData],
    ['intake-confirmation', intakeData],
    ['intake-confirmation', { ...intakeData, complainant: { ...intakeData.complainant, unusable: true }, more: true }],
    ['response', responseData],
    ['rejection', rejectionData],
    ['level-change', levelChangeData],
    ['closure', complainantData],
    ['interim-update', interimData],
    ['verification-result', verificationData],
    ['verification-result', { ...verificationData, view: hiddenView, effective: true }],
  ];
  it.each(cases)('%s is a self-contained French mail page', (name, data) => {
    const { html, text } = renderer.render(name, data);
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="fr"/);
    expect(html).toContain('max-width:600px');
    expect(html).toContain('SPST Santé au Travail de l’Essonne');
    expect(html).not.toMatch(/<img|<link|url\(|(?:src|href)="https?:/);
    expect(html).not.toMatch(/\{\{|undefined|\[object Object\]/);
    // The plain text ends with the signature delimiter and the automatic-message footer.
    expect(text).toMatch(/\n-- \n[^\n]+\n$/);
    expect(text).not.toMatch(/undefined|\[object Object\]|\n{3}/);
  });
});

describe('strictness', () => {
  function without(data: object, path: string): object {
    const copy = structuredClone(data) as Record<string, unknown>;
    const keys = path.split('.');
    let target = copy;
    for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
    delete target[keys.at(-1)!];
    return copy;
  }
  const cases: [string, object, string][] = [
    ['new-ticket', newTicketData, 'replyMarker'],
    ['new-ticket', newTicketData, 'reason'],
    ['new-ticket', newTicketData, 'lowConfidence'],
    ['new-ticket', newTicketData, 'commands'],
    ['new-ticket', newTicketData, 'view.visible'],
    ['new-ticket', newTicketData, 'view.deadline'],
    ['new-ticket', newTicketData, 'view.complainant'],
    ['new-ticket', newTicketData, 'view.summary'],
    ['new-ticket', newTicketData, 'view.attachments'],
    ['new-ticket', { ...newTicketData, lowConfidence: true }, 'qualificationEvidence'],
    ['command-result', commandResultData, 'reference'],
    ['command-result', commandResultData, 'results'],
    ['command-result', commandResultData, 'unknown'],
    ['command-result', commandResultData, 'showHelp'],
    ['command-result', commandResultData, 'status'],
    ['command-result', commandResultData, 'personalAddress'],
    ['command-result', { ...commandResultData, showHelp: true }, 'commands'],
    ['command-result', { ...commandResultData, status: { history } }, 'status.history'],
    ['command-result', { ...commandResultData, status: { history } }, 'view.statusLabel'],
    ['forged-alert', forgedData, 'claimedFrom'],
    ['forged-alert', forgedData, 'reason'],
    ['forged-alert', forgedData, 'commands'],
    ['forged-alert', forgedData, 'reference'],
    ['response', responseData, 'body'],
    ['response', responseData, 'verification'],
    ['response', responseData, 'reference'],
    ['rejection', rejectionData, 'reason'],
    ['rejection', rejectionData, 'complainantName'],
    ['level-change', levelChangeData, 'deadline'],
    ['level-change', levelChangeData, 'originalSubject'],
    ['closure', complainantData, 'reference'],
    ['closure', complainantData, 'organisation'],
    ['interim-update', interimData, 'text'],
    ['interim-update', interimData, 'reference'],
    ['verification-result', verificationData, 'effective'],
    ['verification-result', verificationData, 'closed'],
    ['verification-result', verificationData, 'text'],
    ['verification-result', verificationData, 'view.visible'],
  ];
  it.each(cases)('%s throws without %s', (name, data, path) => {
    expect(() => renderer.render(name, without(data, path))).toThrow(TemplateError);
  });

  it('throws on a command result without its outcome', () => {
    const data = { ...commandResultData, results: [{ line: '#prendre', message: 'fait' }] };
    expect(() => renderer.render('command-result', data)).toThrow(/count: an item has no "ok"/);
  });
});
