// The qualification rules: which French words and phrases point to which category, level,
// requester type and receivability, with their weights. The built-in set below is the default of
// every configuration; an organisation adds, re-weights (0 switches a cue off) or replaces cues
// in the `qualification` section of reclam.yaml (docs/configuration.md). Written from the
// procedures' own definitions (CIAMT PRD-AME-004, SAN.T.BTP guide: level 1 = the service owed
// was not delivered or delivered wrongly, 2 = a dysfunction after which the service was still
// delivered, 3 = no dysfunction) and the ordinary vocabulary of complaints to an SPST.
//
// Phrase syntax (matching ignores case and accents, and compares light stems, so plurals,
// feminines and participles match: "visite annulée" finds "visites annulées"):
//   - words in order, at most one other word between two of them (articles, prepositions and
//     auxiliaries in the text are not counted), in the same clause: "médecin absent" finds "le
//     médecin était absent", not "le médecin, absent…" nor "le médecin a vu mon collègue absent";
//   - `a|b` either word in that place: "visite|rendez-vous annulé";
//   - `mot*` any word starting so: "factur*" (facture, facturation, facturé);
//   - a cue is ignored when a negation (pas, jamais, aucun, rien, sans, non) precedes it closely in
//     the same clause, unless the cue itself contains one ("pas eu lieu").
import { approximateHours, type Duration } from './duration.js';
import {
  type AcknowledgementLevelChoice,
  DEFAULT_LEARNING,
  DEFAULT_LOW_CONFIDENCE,
  type QualificationOverrides,
} from './qualification-overrides.js';
import type { Settings } from './settings.js';
import { normaliseFrench, tokenizeFrench } from './french-text.js';

/** Phrase → weight. Positive weights vote for the value, negative against it. */
export type CueMap = Readonly<Record<string, number>>;

export const NON_RECEIVABLE_KINDS = ['request', 'thanks', 'commercial', 'thirdParty'] as const;
export type NonReceivableKind = (typeof NON_RECEIVABLE_KINDS)[number];

/** The tunable part of the rules (the shape of the `qualification` section, fully resolved). */
export interface QualificationRuleSet {
  /** Cues per category key. */
  readonly categories: Readonly<Record<string, CueMap>>;
  /** Cues per level number ("1", "2", "3"). */
  readonly levels: Readonly<Record<string, CueMap>>;
  /** Score every level starts with: the level chosen when nothing is said. */
  readonly levelBias: Readonly<Record<string, number>>;
  readonly receivable: {
    /** Dissatisfaction with the service's own activity. */
    readonly complaint: CueMap;
  } & Readonly<Record<NonReceivableKind, CueMap>>;
  readonly requester: {
    readonly adherent: CueMap;
    readonly salarie: CueMap;
    /** Personal mailbox providers (`gmail.com`, `hotmail.*`): a point for `salarie`. */
    readonly personalDomains: readonly string[];
    /** Weight of a personal mailbox for `salarie`, and of any other domain for `adherent`. */
    readonly personalDomainWeight: number;
    readonly companyDomainWeight: number;
    /** Local parts of company mailboxes (`rh`, `contact`, `direction`): a point for `adherent`. */
    readonly companyMailboxes: readonly string[];
    /** Words that make a sender's display name or address a company's (`sarl`, `garage`, `boulangerie`). */
    readonly companyNameWords: readonly string[];
  };
  /** Multiplier of cues found in the subject. */
  readonly subjectWeight: number;
  /** Most content words allowed between two words of a phrase, plus one (2: at most one between). */
  readonly phraseWindow: number;
  /** How many words before a cue a negation cancels it. */
  readonly negationWindow: number;
  readonly lowConfidence: {
    /** Below this confidence (0–1) on category, level or receivability, staff are asked to qualify. */
    readonly threshold: number;
    /**
     * Level applied (and announced in the acknowledgement): `default` / `most-protective` when
     * confidence is low; `cautious`: always the level with the shortest deadline among those still
     * at least `cautiousFloor` likely (the qualified level when it is sure).
     */
    readonly acknowledgementLevel: AcknowledgementLevelChoice;
    /** With `cautious`: the probability (0–1) from which a level with a shorter deadline is promised. */
    readonly cautiousFloor: number;
  };
  readonly learning: {
    /** The learned model beside the rules (qualification-model.ts). */
    readonly enabled: boolean;
    /** Multiplier of the model's say against the rules' (0: rules only). */
    readonly weight: number;
    /** Start from the shipped corpus (datasets/qualification/) when its categories are the configured ones. */
    readonly corpus: boolean;
    /** Most recent settled tickets read when the model is built at start. */
    readonly maxTickets: number;
    /** Weight of one settled ticket of the organisation against one corpus example. */
    readonly ticketWeight: number;
  };
}

/** A category as the qualifier knows it: its key and typologies (from `categories` in the config). */
export interface QualificationCategory {
  readonly key: string;
  readonly typologies: readonly { readonly key: string; readonly keywords: readonly string[] }[];
}

/** Everything `qualify` needs: the rule set plus the procedure's categories and levels. */
export interface QualificationRules extends QualificationRuleSet {
  readonly defaultLevel: number;
  /** Levels defined by the procedure, e.g. [1, 2, 3]. */
  readonly levelNumbers: readonly number[];
  /** Level with the shortest resolution deadline. */
  readonly mostProtectiveLevel: number;
  /** The levels, shortest resolution deadline first. */
  readonly levelsByUrgency: readonly number[];
  readonly categoryList: readonly QualificationCategory[];
  /** Category chosen when no cue matches (`autre` when it exists), else null. */
  readonly fallbackCategory: string | null;
}

// ---------------------------------------------------------------------------------------------
// Built-in French rules
// ---------------------------------------------------------------------------------------------

const CATEGORY_CUES: Readonly<Record<string, CueMap>> = {
  generale: {
    accueil: 2,
    'salle attente': 2.5,
    'temps attente': 2.5,
    attente: 1.5,
    attendu: 1,
    patienter: 1,
    'heure|heures attente': 1.5,
    'secretaire|secretaires|hotesse|standardiste': 1.5,
    standard: 2,
    telephone: 1.5,
    'telephonique|telephoniques': 1.5,
    injoignable: 3,
    joindre: 1.5,
    repondeur: 2,
    'personne repond': 2,
    'sonne vide': 2,
    'ne repond|repondent': 1,
    locaux: 1.5,
    parking: 2.5,
    stationnement: 2.5,
    'place|places stationner': 1,
    ascenseur: 2,
    'acces handicap*': 2,
    'fauteuil roulant': 2,
    toilettes: 2,
    proprete: 2,
    sale: 1,
    chauffage: 2,
    climatisation: 2,
    temperature: 1,
    chaises: 1.5,
    signaletique: 2,
    comportement: 1.5,
    attitude: 2,
    'impoli*': 2.5,
    desagreable: 1.5,
    aimable: 1,
    'agressi*': 1.5,
    'mepris*': 2,
    'irrespect*': 2,
    'interlocut*': 2,
    'relation adherent|adherents': 2,
    'horaires ouverture': 2,
    'porte fermee': 1,
    'voix haute': 2,
    discretion: 1.5,
    'centre|site ferme': 1.5,
    retard: 1.5,
    'mail|mails|courriel|courriels|appel|appels|message|messages sans|aucune|pas reponse': 2,
    'accueil vide': 1,
    'horaires|horaire': 1.5,
    'gentillesse|bienveillance|patience|ecoute|chaleureu*': 1,
  },
  medicale: {
    medecin: 1.5,
    docteur: 1.5,
    'infirmier*': 1.5,
    'medecin travail': 0.5,
    'infirmiere|infirmier': 0.5,
    consultation: 1,
    'visite medicale': 1,
    'visite reprise': 1.5,
    prereprise: 1.5,
    'aptitude|inaptitude': 3,
    'apte|inapte': 2.5,
    'restriction*': 2,
    reserves: 1,
    reclassement: 1.5,
    'dossier medical': 3,
    'secret medical': 3,
    'compte rendu': 1,
    examen: 1.5,
    'examine|examinee|ausculte': 2,
    'spirometri*': 2.5,
    'audiogramme|audiometri*': 2.5,
    'prise sang': 2,
    'vaccin*': 2,
    tension: 1.5,
    ordonnance: 2,
    'certificat medical': 2,
    diagnostic: 2,
    sante: 1,
    malade: 1,
    'douleur*': 1.5,
    'chirurgi*': 2,
    specialiste: 1,
    'ophtalmo*': 2,
    'medecin traitant': 1.5,
    soins: 1,
    fumeur: 1.5,
    'diabet*': 1.5,
    'medicament*': 1.5,
    teleconsultation: 2,
    'medecin absent|malade': 3,
    'absence medecin': 3,
    // A doctor or nurse absent, late, unavailable or behaving badly is a medical complaint (the
    // procedures' definition of the category: doctor or nurse availability and behaviour).
    'docteur|infirmier|infirmiere|praticien absent|absente|malade|indisponible': 3,
    'medecin indisponible|empeche|empechee|excuse|excusee|parti|partie': 3,
    'absence|indisponibilite|retard docteur|infirmier|infirmiere|praticien': 3,
    'indisponibilite|retard medecin': 3,
    'medecin|docteur|infirmier|infirmiere pas la|present|presente': 3,
    'medecin|docteur|infirmier|infirmiere jamais venu|venue|arrive|arrivee|la': 3,
    'pas|aucun|sans medecin|docteur|infirmier|infirmiere': 2.5,
    'medecin|docteur|infirmier|infirmiere retard|retarde|retardee': 3,
    'medecin|docteur|infirmier|infirmiere arrive|arrivee|venu|venue tard|retard': 3,
    'medecin|docteur|infirmier|infirmiere heure|heures|minutes retard': 3,
    'medecin|docteur|infirmier|infirmiere arrive|arrivee heure|heures|minutes retard': 3,
    'medecin|docteur|infirmier|infirmiere injoignable|inaccessible|joignable': 2.5,
    'medecin|docteur|infirmier|infirmiere desagreable|impoli|impolie|agressif|agressive|meprisant|meprisante|condescendant|condescendante|irrespectueux|irrespectueuse|brutal|brutale': 3,
    'comportement|attitude|ton medecin|docteur|infirmier|infirmiere': 3,
    'suivi individuel': 1,
    avis: 0.5,
    'hernie|operation|opere': 1,
    'arret maladie': 0.5,
    psychiatre: 1.5,
    'cardiaque|cardiologue': 1.5,
    'enceinte|grossesse': 1.5,
    'resultats examen|examens|analyses': 1.5,
    antecedents: 2,
  },
  administrative: {
    'convocation|convocations': 2,
    'convoque|convoquee|convoques|convoquees': 0.5,
    rendezvous: 1,
    planning: 1.5,
    'creneau|creneaux': 2,
    report: 1.5,
    'reprogramm*': 1.5,
    'annul*': 0.5,
    attestation: 2.5,
    certificat: 1.5,
    'document|documents': 1,
    adhesion: 2,
    'bulletin adhesion': 1,
    'inscription|inscrit|inscrite': 2,
    'liste salaries|personnel': 2,
    'effectif|effectifs': 1.5,
    declaration: 1.5,
    coordonnees: 2,
    adresse: 1.5,
    'raison sociale': 3,
    siret: 1,
    kbis: 2.5,
    fusion: 1.5,
    'changement nom': 1.5,
    'mise jour': 1.5,
    portail: 1,
    'portail adherent|adherents|salarie|salaries|employeur|ligne|web|internet|numerique': 2.5,
    'identifiant*': 2.5,
    'mot passe': 2.5,
    connexion: 2,
    connecter: 1.5,
    'espace adherent|salarie|employeur': 2,
    plateforme: 1.5,
    bug: 1.5,
    courrier: 1,
    envoi: 1,
    domicile: 1,
    'dossier adherent': 2.5,
    secretariat: 1,
    'type visite': 1.5,
    'visite periodique': 1,
    'visite embauche': 1.5,
    'visite information': 1.5,
    'date|dates': 0.5,
    'programmer|programme': 1,
  },
  facturation: {
    'factur*': 3,
    'un|le|cet|votre avoir': 2.5,
    cotisation: 3,
    cotisations: 1,
    'tarif*': 2.5,
    prix: 2,
    montant: 1.5,
    euros: 1,
    cout: 1.5,
    frais: 2,
    'rembours*': 2.5,
    doublon: 2,
    'paiement|payer|paye|payee|payees': 1.5,
    'reglement|regle|reglee': 1,
    cheque: 1.5,
    virement: 1.5,
    prelevement: 1,
    'encaiss*': 1.5,
    'relance|relances': 1,
    'penalite*': 2.5,
    'mise demeure': 2,
    'appel cotisation': 1.5,
    'par salarie': 1,
    'per capita': 2,
    'une remise': 2,
    'remise sur|commerciale|exceptionnelle': 2,
    reduction: 1.5,
    'geste commercial': 2,
    echeancier: 2.5,
    'delai paiement': 2,
    hausse: 1.5,
    augmentation: 1.5,
    devis: 1,
    'impaye*': 2,
    'comptab*': 1.5,
    lettrage: 2,
    'mandat sepa': 2.5,
    'sepa|rib': 2.5,
    banque: 1,
    'non honore': 1.5,
    'absence non excusee': 1.5,
    'trop percu': 2,
    ligne: 0.5,
  },
  prevention: {
    'etude poste': 3,
    'etude|etudes': 0.5,
    'ergonom*': 3,
    'amenagement poste': 1,
    'fiche entreprise': 3,
    duerp: 3,
    'document unique': 3,
    'evaluation risque|risques': 2,
    'mesure|mesures': 1.5,
    'metrologi*': 3,
    prelevements: 1,
    bruit: 2,
    'poussiere*': 2,
    exposition: 1.5,
    'technicien|technicienne': 1.5,
    iprp: 3,
    'psychologue*': 2.5,
    'soutien psychologique': 2,
    'risques psychosociaux': 2.5,
    rps: 2.5,
    sensibilisation: 2.5,
    formation: 1.5,
    atelier: 0.5,
    'action collective': 2,
    'preconisation*': 2,
    'recommandation*': 1.5,
    'plan prevention': 2,
    prevention: 1.5,
    tms: 2.5,
    'musculo*': 2,
    amiante: 2.5,
    'chimique|chimiques': 2,
    'solvant*': 2,
    'assistante|assistant prevention': 2.5,
    'intervention|interventions': 1,
    rapport: 1,
    'diapositive*': 1.5,
    chantier: 1,
    'visite site|entreprise|locaux': 1,
    'agression|braquage|traumati*': 1,
    'vapeur*': 1,
    ventilation: 1.5,
    eclairage: 1.5,
    'postes travail': 1,
  },
  autre: {
    rgpd: 3,
    'donnees personnelles': 3,
    'protection donnees': 3,
    cnil: 3,
    'assemblee generale': 2.5,
    'election*': 2,
    'conseil administration': 2,
    statuts: 1.5,
    gouvernance: 2,
    'site internet|web': 2,
    newsletter: 2,
    communication: 1.5,
    'enquete|enquetes': 2,
    questionnaire: 2,
    sondage: 2,
    'interprete*': 2.5,
    traduction: 2,
    langue: 1,
    'grev*': 2.5,
    'cyberattaque|cyber': 3,
    piratage: 2.5,
    'fuite donnees': 2,
    incident: 1,
    'dommage*': 2,
    'degat*': 2,
    'raye|rayure*': 2,
    vehicule: 1.5,
    voiture: 1.5,
    assurance: 1,
    'photo*': 2,
    'reseaux sociaux': 2,
    'publie|publiee|publication': 1.5,
    publicite: 1.5,
    'desinscri*': 2,
    spam: 2,
    partenariat: 1.5,
    offre: 1,
    presse: 1.5,
    'heures supplementaires|sup': 2,
    'salaire|salaires|prudhom*|licenci*': 1.5,
    'inspection|inspecteur travail': 2,
    'amende|amendes': 2,
    cpam: 1.5,
    'securite sociale': 1.5,
    'mutuelle|indemnites': 1.5,
    'transport|transports|bus|train|sncf': 1.5,
    ag: 2.5,
    'endommag*|abime|abimee|casse|cassee': 2,
    'camion|utilitaire': 1,
    'francais|anglais|langue|langues|traduit|traduire|allophone*|etranger|etrangere|etrangers': 2,
    'votre site': 2,
    logiciel: 0.5,
    consentement: 1.5,
    autorisation: 0.5,
    'prospect*': 1,
    'page|pages': 1,
    'information|informations': 0.3,
  },
};

const LEVEL_CUES: Readonly<Record<string, CueMap>> = {
  // Level 1: the service owed was not delivered, or delivered wrongly (procedure's example:
  // « Un médecin est absent le jour de sa vacation, les salariés repartent sans avoir eu leur visite »).
  '1': {
    'sans visite': 3,
    'sans avoir eu': 2.5,
    'sans etre recu|recue|recus': 3,
    'reparti|repartis|repartie|repartir|repartent sans': 3,
    'pour rien': 2.5,
    'toujours pas eu': 2,
    'pas eu visite|rendezvous': 3,
    'jamais eu visite': 3,
    'aucune visite': 2.5,
    'visite|visites impossible*': 3,
    'impossible programmer|prendre|obtenir|avoir': 2,
    'pas pu etre recu|recue|vu|vue': 2.5,
    'pas pu avoir': 2,
    'peuvent|peut pas': 1,
    'bloque|bloquee|bloques|bloquant': 2,
    'medecin absent|malade': 3,
    'absence medecin': 2.5,
    'personne venu|venue': 2,
    'jamais venu|venue|venus': 3,
    'pas venu|venue|venus': 2.5,
    'pas eu lieu': 3,
    'jamais eu lieu': 3,
    'pas realise|realisee|realisees|faite|faites|effectuee': 2.5,
    'jamais realise|realisee|fait|faite': 3,
    'visite|visites|rendezvous annul*': 1.5,
    'refus*': 2.5,
    'revenir autre jour': 2,
    'pas examine|examinee|ausculte': 3,
    'sans examiner|examen': 2.5,
    'bacle|baclee': 2.5,
    'avis|rapport|fiche|mesures|resultats|etude|preconisations|conclusions erron*|faux|fausse|fausses|incorrect*|contradictoire*|incoherent*|inexploitable*|inutilisable*': 2.5,
    'erreur|erreurs|erron* avis|rapport|fiche|mesures|resultats|conclusions': 2,
    'contradictoire*|incoherent*': 1.5,
    'interrompu*': 2,
    'nouvelle visite|consultation': 1.5,
    'nouveau|autre rendezvous': 1.5,
    'autre medecin': 1.5,
    'revu|revue par': 1.5,
    'jamais vu|vue|eu|rencontre medecin|visite|infirmier*|infirmiere': 3,
    'impossibilite|impossible': 0.5,
    'jamais contacte|contactee|rappele|rappelee|recontacte|recontactee': 2.5,
    'aucune suite': 1.5,
    'vie privee': 2,
    'quand meme recu|recue|recus|vu|vue|fait|faite': -3,
    'porte|portes fermee|fermees|close|closes': 2.5,
    'centre|cabinet etait|est ferme|fermee': 2.5,
    'reconvo*|reprogrammer': 1.5,
    'pas|jamais|aucun|aucune eu|vu|vue|examine|examinee|ausculte|realise|realisee|effectue|effectuee|convoque|convoquee|convoques|rappele|rappelee|recontacte|recontactee|organise|organisee': 2,
    'sans voir|examiner|examen|ausculter|nouvelle|proposition': 2,
    'sans etre vu|vue|examine|examinee': 2.5,
    'aucun|aucune|pas|sans examen|vaccin|vaccination|rappel|intervention|proposition|etude|echange|entretien': 1.5,
    'vu|vue|recu|recue|recus|examine|examinee normalement': -3,
    'bien ete fait|faite|faits|faites|realise|realisee': -2,
    'annule|annulee|annulees jour|matin meme': 2,
    'annule|annulee|annulees derniere minute': 1.5,
    'faute avis|visite|suivi|rendezvous': 2,
    'rien pu faire': 2,
    'pas pu faire|realiser|examiner': 2,
    'vraie visite': 1.5,
    'immobilis*': 1.5,
    'autre entreprise|societe|patient': 1.5,
    'sans mon|son accord|consentement': 1.5,
    'parle|appele|informe|prevenu mon|son employeur|patron|chef|responsable': 1.5,
    'au courant': 1,
    'fait deplacement': 1.5,
    'autre dossier': 2.5,
    'mauvais dossier': 2.5,
    'apte|inapte tort': 2,
    refaire: 1.5,
    'refaites|refaits|refait': 1.5,
    'secret medical': 1.5,
    'divulg*': 3,
    'transmis|transmise|communique|communiquee employeur': 2,
    'violation secret': 2,
    'jamais convoque|convoquee|convoques': 3,
    'aucun suivi': 1.5,
    'pas suivi': 1.5,
    'sans suivi': 2,
    malaise: 1.5,
    'en danger': 2,
    'sans suite': 1.5,
    'licencie|licenciement base': 1,
    'mes|nos frais': 1.5,
    'en liberal': 1.5,
    ailleurs: 0.5,
    'non activee|active': 2,
    'pas activee|active': 2,
    'trouve|trouver porte close': 2,
    'pas recevoir': 1.5,
    'ne peuvent pas aller|travailler|reprendre': 1.5,
    'aucune|sans valeur': 1.5,
    'delai ecoule|depasse': 1,
    // Delivered after all: not level 1.
    'bien passe|passee|deroule|deroulee': -3,
    'finalement eu lieu': -3,
    'finalement recu|recue|vu|faite': -2.5,
    'a eu lieu': -2,
    'ont eu lieu': -2,
    'ete faite|faites|realisee|realisees|effectuee|effectuees': -1.5,
    'deroulent|deroule normalement': -3,
    'faite|fait correctement': -3,
    'ete recu|recue|recus': -1,
    'enfin eu lieu': -3,
  },
  // Level 2: a dysfunction of the organisation, the service still delivered (example: « Une
  // secrétaire est absente et doit être remplacée le jour même »).
  '2': {
    retard: 2,
    attente: 1,
    attendu: 1.5,
    attendre: 1,
    'report|reporte|reportee|reportes': 2,
    'deplace|deplacee|deplaces': 1.5,
    'decale|decalee': 1,
    'derniere minute': 1.5,
    veille: 1,
    'sans prevenir': 1.5,
    'pas prevenu|prevenue|prevenus': 1.5,
    'personne prevenu|prevenue|informe|informes': 1.5,
    'sans etre prevenu|prevenus': 1.5,
    'aucune information': 1,
    'relance|relances|relance': 2,
    'plusieurs reprises': 1.5,
    fois: 1,
    'toujours pas': 1.5,
    'toujours rien': 1.5,
    malgre: 1,
    'pas reponse': 2,
    'aucune reponse': 2,
    'sans reponse': 2,
    injoignable: 2,
    'ne repond|repondent': 1.5,
    repondeur: 1.5,
    'erreur|erreurs': 2,
    'errone|erronee|erronees': 2,
    tort: 1.5,
    doublon: 2,
    'double factur*|paiement': 1,
    'mauvais|mauvaise': 1,
    'incorrect*': 1.5,
    'oubli*': 1.5,
    'perdu|perdus|perdue': 1.5,
    'manquant*': 1.5,
    'pas recu|recue|recus': 1.5,
    'jamais recu|recue': 1.5,
    'rien recu': 1.5,
    panne: 1.5,
    bug: 2,
    'impossible connecter': 2,
    'ne fonctionne|marche pas|plus': 2,
    'pas jour': 1.5,
    continuent: 1,
    'absent|absente': 1,
    'remplace|remplacee': 1,
    vide: 1,
    'desorganis*': 2,
    'perturb*': 1,
    confusion: 1,
    'sans passation': 1.5,
    'sans autorisation|accord|consentement': 2,
    'pas normal': 1,
    'sans explication': 1,
    'delai|delais': 1,
    semaines: 0.5,
    'salle attente': 0.2,
    'sauf erreur': -2,
    'pas|non pris compte': 2,
    'trop tard': 2,
    'tardivement|tardif*': 2,
    'recu|recue|recues apres|veille': 1.5,
    'refournir|redonner|renvoyer|redemander': 1.5,
    'de nouveau': 1,
    enfin: 1,
    'jours|semaines|mois apres': 1.5,
    'impossible telecharger|connecter|acceder|imprimer|joindre|ouvrir': 2,
    verifier: 1,
    'un|le avoir': 1.5,
    'incomplet|incomplete|incomplets': 2,
    'mentionne|indique pas': 1.5,
    'deux|double convocation|convocations|factures|prelevements': 1.5,
    decouvert: 1.5,
    'frais bancaires': 1.5,
    'etait prevu|prevue': 1,
    'en trop': 2,
    'deux|trois fois': 1,
    'deja signale|demande|envoye|transmis|prevenu': 1.5,
    'avions signale|prevenu|informe|demande|envoye|transmis|ecrit': 1.5,
    'a voix haute': 1.5,
    'change|changement': 0.5,
    'reprise historique': 0.5,
    'non excusee': 1,
    'non honore': 1,
    'a votre initiative': 1.5,
    encore: 0.3,
    'inadmissible|inacceptable': 0.5,
    'annul*': 0.5,
    'corriger|rectifier': 1,
    'regulariser|regularisation': 1,
    'pas mis jour': 1.5,
    'retire|retirer': 0.5,
  },
  // Level 3: no dysfunction (example: « Un adhérent demande à bénéficier d'une remise sur le
  // prix de sa cotisation »): requests for a discount or a payment term, disagreement with a fee,
  // a policy or a medical judgement, suggestions, comfort, staff manner.
  '3': {
    'une remise': 3,
    'remise sur|commerciale|exceptionnelle': 3,
    'tarif reduit': 3,
    reduction: 2,
    'geste commercial': 3,
    'titre commercial': 2,
    echeancier: 2.5,
    'delai|delais paiement': 2.5,
    'etaler|etalement': 2,
    renoncer: 1.5,
    augmentation: 2,
    hausse: 2,
    justification: 1,
    'trop cher': 2,
    'couteu*|onereu*': 1.5,
    'peu logique': 2,
    'pas accord': 2,
    desaccord: 2,
    'contest*': 1,
    revoir: 1,
    'irrealiste*': 2,
    'horaires|horaire': 1,
    'realiste|realistes': 1,
    'suggestion*': 2,
    'suggere*': 1.5,
    'serait utile': 2,
    'il faudrait': 0.5,
    'pourrait on': 1.5,
    'serait il possible': 1.5,
    'est il possible': 1,
    'est ce possible': 1.5,
    'prefererais|preferer|preference': 2,
    'decevant*': 1.5,
    'ennuye*': 1,
    interactif: 1.5,
    sechement: 2,
    'pas dit bonjour': 2,
    'regarde|regardait ecran': 2,
    'humanite|empathie|courtoisie|politesse': 1.5,
    'comportement|attitude|mepris*|desagreable|impoli*|agressi*|irrespect*|aimable': 1.5,
    'glacial*|chauffage|climatisation|temperature|inconfortable*|bruyant*|proprete|sale': 1.5,
    'trop loin': 1.5,
    'eloigne*': 1.5,
    confort: 2,
    'inconfortable*': 2,
    chaises: 1.5,
    froid: 1,
    ambiance: 1,
    'obsolete*': 1.5,
    'sur fond': 1.5,
    correctement: 1.5,
    'ne dis pas': 1.5,
    'prochaine fois': 1.5,
    avenir: 1,
    'imposes|imposees|impose': 1.5,
    systematiquement: 1,
    'choisir nous memes': 1.5,
    'reconnaissons|reconnais': 1.5,
    premiere: 0.5,
    'justifie|justifiee': 1,
    'votee|vote': 1,
    'supprimes|supprimer': 0.5,
    ton: 1,
    format: 1,
    'cher|chere': 1,
    moyens: 0.5,
    politique: 1,
    'regle|regles': 0.5,
  },
};

const RECEIVABLE_CUES: QualificationRuleSet['receivable'] = {
  complaint: {
    'inadmissible|inacceptable': 2,
    'scandaleu*': 1.5,
    'pas normal': 1.5,
    'mecontent*': 2,
    'insatisf*': 2,
    'decu|decue|decus': 1.5,
    'deplor*': 1.5,
    'regrett*': 1,
    reclamation: 1,
    plainte: 1.5,
    'erreur|erreurs': 1.5,
    retard: 1,
    tort: 1.5,
    'toujours pas': 1.5,
    'aucune|sans|pas reponse': 1.5,
    'relance|relances': 1.5,
    'annul*': 1,
    'report|reporte|reportee': 1,
    'votre|vos service|services|centre|secretariat|medecin|medecins|equipe|equipes|personnel|technicien|ergonome|infirmiere|psychologue|accueil|facture|factures|convocation|convocations|site|portail|cotisation|rapport|preconisations|sensibilisation|appel': 1.5,
    'corriger|rectifi*|regularis*': 1.5,
    'pour rien': 1.5,
    'sans visite': 1.5,
    'pas eu lieu': 1.5,
    'desagreable|impoli*': 1.5,
    doublon: 1.5,
    'une remise': 1.5,
    'remise sur|commerciale': 1.5,
    reduction: 1.5,
    'tarif reduit': 1.5,
    'geste commercial': 1.5,
    'rien|pas|jamais|toujours recu|recue': 1.5,
    'personne repond': 1.5,
    'ne repond|repondent': 1,
    'augmentation|hausse': 1.5,
    'difficile accepter': 1.5,
    'pas accord': 1.5,
    'desaccord|conteste*': 1.5,
    revoir: 1,
    inutile: 1,
    'decevant*': 1.5,
    'humiliant*': 1.5,
    injoignable: 1.5,
    'bacle*': 1.5,
    'attendu|attente': 1,
    'pas prevenu|prevenue|prevenus': 1,
    'choque*': 0.5,
    'sauf erreur': -1.5,
    'insuffisant*': 1.5,
    'pas assez': 1.5,
    'trop peu': 1.5,
  },
  request: {
    'souhaite|souhaitons|souhaiterais|souhaiterions|voudrais|voudrions|aimerais|aimerions savoir|connaitre|obtenir|prendre|recevoir|avoir|passer|inscrire': 2,
    'pourriez|pouvez|pourriez vous indiquer|envoyer|transmettre|communiquer|dire|confirmer|expliquer|renseigner|adresser|faire|mettre': 2,
    'nouvelle|nouvelles adresse|coordonnees': 1.5,
    'changement adresse|coordonnees': 1.5,
    'est ce que je|on peux|pourrais|peut': 2,
    'peux|pourrais|pourrions venir|passer|decaler|changer': 1.5,
    duplicata: 2,
    copie: 1.5,
    'decaler|deplacer|changer|modifier|avancer|reporter rendezvous|visite|convocation': 2,
    'le|la decaler|deplacer|avancer|reporter': 2,
    'merci envoyer|transmettre|communiquer|adresser': 1.5,
    'faire parvenir': 1.5,
    'demande rendezvous|attestation|document|renseignement|renseignements|information|informations|copie': 2,
    'prendre rendezvous': 2,
    'comment faire|obtenir|proceder': 2,
    'quelle procedure|demarche': 2,
    'quelles demarches': 2,
    'renseignement|renseignements': 1.5,
    'savoir si': 1.5,
    besoin: 1,
    'merci indiquer|envoyer|transmettre': 1.5,
    'ou trouver': 1.5,
    'question|questions': 1,
    'quelle date': 1,
  },
  thanks: {
    'tiens|tenais|voulais|voulions|souhaite|souhaitais|souhaitons|tenons remercier': 3,
    'merci a|au|aux': 2,
    'gentillesse|bienveillance|patience|douceur': 1,
    'remercie pour|chaleureusement': 2.5,
    'merci pour votre|vos|la|le|les': 2,
    'grand merci': 2.5,
    bravo: 2.5,
    'felicit*': 2.5,
    'tres satisfait|satisfaite|contents': 2.5,
    'ravi|ravie|ravis': 2,
    'excellent*': 1.5,
    professionnalisme: 2,
    'grace a vous': 2,
    remerciements: 1,
    'qualite accueil|ecoute': 1.5,
  },
  commercial: {
    'nous|vous proposons': 2,
    'notre|nos solution|solutions': 2,
    'notre offre': 2,
    'offre speciale|exceptionnelle|promotionnelle': 2,
    promotion: 2,
    partenariat: 2,
    'demonstration|demo': 1.5,
    'devis gratuit': 2.5,
    'webinaire|webinar': 2,
    'cliquez|cliquer': 2.5,
    'lien ci-dessous|securise': 2.5,
    'ne repondez pas': 1.5,
    poursuites: 1.5,
    'suspension services|compte': 2.5,
    'sous 24|48 heures|h': 1,
    'http*|www': 1,
    'compte sera suspendu|desactive|bloque|supprime': 3,
    'verifier|confirmer vos identifiants|informations|coordonnees': 2.5,
    'mot passe expir*': 2.5,
    referencement: 2,
    seo: 2,
    visibilite: 1.5,
    'prospect*': 1.5,
    'desabonner|desinscrire|desinscription': 1.5,
    'gagnez|gratuit|gratuitement|offert|offerte': 1.5,
    'tarifs preferentiels': 2,
    'sans engagement': 2.5,
    'essai gratuit': 2.5,
    'cle main': 2,
    'innovant*': 1.5,
    leader: 1.5,
    'accompagnons|accompagner entreprises': 1.5,
    'echange 15 minutes': 2,
    'votre entreprise': 0.5,
    'decouvrez|decouvrir': 1.5,
    catalogue: 1.5,
    'nos services': 1,
    'commercial|commerciale': 1,
  },
  thirdParty: {
    'mon|son employeur': 1,
    'mon patron': 1,
    'heures supplementaires|sup': 3,
    'salaire|salaires': 2,
    'fiche|bulletin paie|salaire': 2.5,
    'prudhom*': 3,
    'licenci*': 1,
    'conges payes': 2,
    cpam: 3,
    'securite sociale': 2.5,
    'indemnites journalieres': 2.5,
    'inspection|inspecteur travail': 2,
    mutuelle: 2,
    retraite: 1.5,
    'france travail': 2.5,
    'pole emploi': 2.5,
    caf: 1.5,
    'transport|transports commun': 1.5,
    'bus|train|sncf|ter|tramway|metro': 1.5,
    'ophtalmo*|dentiste|kine*': 1.5,
    specialiste: 1,
    'clinique|hopital': 1.5,
    'autre service sante': 2.5,
    'ancien service': 2,
    'contre lui|elle|employeur': 2,
    'obliger payer': 2,
    "l'obliger": 1.5,
    'vous pouvez obliger': 2,
    'ne paye|paie|payer pas': 2,
    'loyer|proprietaire': 2,
    'amende|amendes': 1.5,
    banque: 1.5,
    'avocat adverse': 1,
    'mon ancien employeur': 2,
  },
};

const REQUESTER_CUES = {
  adherent: {
    'nos|mes salarie|salaries|salariee|salariees|employes|employe|equipes|equipe|collaborateurs|collaboratrices|agents|ouvriers|apprentis|techniciens|gars|caissieres|vendeurs|chauffeurs': 3,
    'notre salarie|salariee|employe|employee|cariste|collaborateur|collaboratrice|apprenti|technicien|personnel': 3,
    'mon|ma salarie|salariee|employe|employee|macon|apprenti|apprentie|ouvrier|collaborateur|collaboratrice': 3,
    'notre|nos entreprise|societe|etablissement|etablissements|association|structure|cabinet|agence|magasin|magasins|usine|site|sites|locaux|atelier|boutique|commerce|restaurant|pharmacie|entrepot|chantier|chantiers|pme|tpe|groupe|filiale|creche|ehpad|fonderie|agence|activite|personnel|planning|paie|compte|adhesion|contrat': 2.5,
    'je suis une entreprise|societe|association|pme|tpe': 2.5,
    'nous sommes une|un': 1.5,
    'en tant adherent': 2.5,
    'nous sommes adherents|adherent': 2.5,
    'adherent depuis': 2.5,
    adherents: 1,
    siret: 2,
    'nous avons embauche|recrute': 2,
    'nouveaux|nouvelles embauches|embauche|recrues': 2,
    'mes|nos clients': 1.5,
    expertcomptable: 2.5,
    'cabinet comptable': 2.5,
    'drh|rh': 2,
    'ressources humaines': 2,
    'gerant|gerante|cogerant': 2.5,
    'directeur|directrice': 1,
    pdg: 2.5,
    'president|presidente': 1.5,
    'tresorier|tresoriere': 1.5,
    'responsable qse|hse|securite|paie|administrative|plateau|agence|site|production': 1.5,
    'dirigeant|dirigeante': 2,
    'chef entreprise': 2,
    'assistante direction': 1.5,
    'nous|on doit': 0.5,
    'mon entreprise': 0.5,
    'convoque|convoquee|convoques le': 1,
    'nos frais': 1,
    'employeur que je suis': 2,
    'notre cliente|client la societe': 2,
    'mon|ma|mes espace|portail|compte salarie': -3,
    'conseil|represente la|le societe|entreprise': 2.5,
  },
  salarie: {
    'mon|ma|mes employeur|patron|patronne|chef|cheffe|responsable|manager|hierarchie|superieur|directeur|directrice|entreprise|direction': 2.5,
    'ma|mon visite|rendezvous|convocation|convocations|dossier|arret|reprise|poste|sante|etat|resultats|examen|contrat|travail|horaires|collegue|collegues|medecin traitant|traitement|inaptitude|aptitude|avis|licenciement|salaire': 1.5,
    'mon dossier medical': 2,
    'je suis salarie|salariee|employe|employee|operateur|operatrice|ouvrier|ouvriere|apprenti|apprentie|chauffeur|caissiere|caissier|interimaire|cariste|vendeur|vendeuse|agent|magasinier|soudeur|aidesoignante|aidesoignant|infirmiere|technicien|technicienne|secretaire|comptable|cuisinier|serveur|serveuse|livreur': 3,
    'mon|ma|mes espace|portail|compte salarie|personnel': 2.5,
    'je travaille': 2,
    "j'ai été convoqué|convoquee": 2,
    'je suis venu|venue': 1.5,
    'je suis en arret': 2,
    'je suis arret': 2,
    'mon medecin': 1,
    'mon|ma client|cliente': 1.5,
    'son employeur': 2.5,
    'represente|conseil m|mme|monsieur|madame': 1.5,
    'salarie|salariee de la|le societe|entreprise': 2,
    'ma sante': 1.5,
    'je me suis senti|sentie': 1.5,
    'chez moi': 1.5,
    'mon domicile': 2,
  },
} as const;

const COMPANY_NAME_WORDS = [
  'sarl',
  'sas',
  'sasu',
  'eurl',
  'sa',
  'sci',
  'scop',
  'snc',
  'ets',
  'etablissements',
  'societe',
  'entreprise',
  'entreprises',
  'groupe',
  'cabinet',
  'garage',
  'boulangerie',
  'patisserie',
  'boucherie',
  'pharmacie',
  'restaurant',
  'hotel',
  'transports',
  'transport',
  'btp',
  'industrie',
  'industries',
  'services',
  'association',
  'mairie',
  'commune',
  'clinique',
  'ehpad',
  'laboratoire',
  'agence',
  'atelier',
  'menuiserie',
  'plomberie',
  'maconnerie',
  'electricite',
  'coiffure',
  'comptabilite',
  'compta',
  'rh',
  'drh',
  'direction',
  'contact',
  'secretariat',
  'accueil',
  'service',
  'facturation',
  'sarl',
  'holding',
  'auto',
  'batiment',
  'travaux',
  'nettoyage',
  'logistique',
];

const PERSONAL_DOMAINS = [
  'gmail.com',
  'googlemail.com',
  'hotmail.*',
  'outlook.*',
  'live.*',
  'msn.com',
  'yahoo.*',
  'ymail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.*',
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'sfr.fr',
  'neuf.fr',
  'laposte.net',
  'bbox.fr',
  'numericable.fr',
  'club-internet.fr',
  'aliceadsl.fr',
  'protonmail.*',
  'proton.me',
  'gmx.*',
  'tutanota.com',
  'webmail.*',
  'courriel.*',
  'mail.*',
];

const COMPANY_MAILBOXES = [
  'rh',
  'drh',
  'contact',
  'direction',
  'compta',
  'comptabilite',
  'paie',
  'accueil',
  'secretariat',
  'gerant',
  'gerance',
  'president',
  'admin',
  'administration',
  'info',
  'infos',
  'service.rh',
  'ressources.humaines',
  'personnel',
  'qse',
  'hse',
  'securite',
  'dirigeant',
  'office',
  'bureau',
  'agence',
  'recrutement',
  'factures',
  'facturation',
];

/** The built-in French rules, default of every configuration. */
export const DEFAULT_QUALIFICATION_RULES: QualificationRuleSet = {
  categories: CATEGORY_CUES,
  levels: LEVEL_CUES,
  levelBias: { '1': 0, '2': 0.5, '3': 1.5 },
  receivable: RECEIVABLE_CUES,
  requester: {
    adherent: REQUESTER_CUES.adherent,
    salarie: REQUESTER_CUES.salarie,
    personalDomains: PERSONAL_DOMAINS,
    personalDomainWeight: 2,
    companyDomainWeight: 1,
    companyMailboxes: COMPANY_MAILBOXES,
    companyNameWords: COMPANY_NAME_WORDS,
  },
  subjectWeight: 1.5,
  phraseWindow: 2,
  negationWindow: 3,
  lowConfidence: DEFAULT_LOW_CONFIDENCE,
  learning: DEFAULT_LEARNING,
};

/** The six SPST categories with the usual typologies, used when no configuration is given (CLI). */
export const DEFAULT_CATEGORIES: readonly QualificationCategory[] = [
  {
    key: 'generale',
    typologies: [
      { key: 'accueil', keywords: ['accueil', 'attitude', 'désagréable', 'impoli'] },
      { key: 'attente', keywords: ['attente', 'retard', "salle d'attente"] },
      { key: 'joignabilite', keywords: ['injoignable', 'standard', 'pas de réponse', 'répondeur'] },
      { key: 'locaux', keywords: ['locaux', 'parking', 'ascenseur', 'accès'] },
    ],
  },
  {
    key: 'medicale',
    typologies: [
      { key: 'visite-non-realisee', keywords: ['médecin absent', 'visite annulée', 'sans visite'] },
      { key: 'avis-aptitude', keywords: ['aptitude', 'inaptitude', 'restrictions'] },
      { key: 'dossier-medical', keywords: ['dossier médical', 'secret médical', 'confidentialité'] },
    ],
  },
  {
    key: 'administrative',
    typologies: [
      { key: 'convocation', keywords: ['convocation', 'rendez-vous', 'rdv', 'reporté'] },
      { key: 'documents', keywords: ['attestation', 'certificat', 'document'] },
      { key: 'dossier-adherent', keywords: ['adhésion', 'coordonnées', 'liste des salariés', 'effectif'] },
      { key: 'portail', keywords: ['portail', 'identifiant', 'mot de passe', 'connexion'] },
    ],
  },
  {
    key: 'facturation',
    typologies: [
      { key: 'erreur-facture', keywords: ['facture', 'erreur', 'doublon', 'avoir'] },
      { key: 'cotisation', keywords: ['cotisation', 'tarif', 'augmentation', 'remise'] },
    ],
  },
  {
    key: 'prevention',
    typologies: [
      { key: 'etude-poste', keywords: ['étude de poste', 'ergonome', 'aménagement'] },
      { key: 'fiche-entreprise', keywords: ["fiche d'entreprise", 'DUERP', 'document unique'] },
      { key: 'metrologie', keywords: ['mesures', 'métrologie', 'bruit', 'exposition'] },
    ],
  },
  {
    key: 'autre',
    typologies: [{ key: 'donnees-personnelles', keywords: ['RGPD', 'données personnelles', 'désinscription'] }],
  },
];

// ---------------------------------------------------------------------------------------------
// Resolution: defaults + the configuration's `qualification` section
// ---------------------------------------------------------------------------------------------

const EMPTY_RULES: QualificationRuleSet = {
  ...DEFAULT_QUALIFICATION_RULES,
  categories: {},
  levels: {},
  levelBias: {},
  receivable: { complaint: {}, request: {}, thanks: {}, commercial: {}, thirdParty: {} },
  requester: {
    ...DEFAULT_QUALIFICATION_RULES.requester,
    adherent: {},
    salarie: {},
    personalDomains: [],
    companyMailboxes: [],
    companyNameWords: [],
  },
};

/** Defaults with the overrides applied: cues are added or re-weighted (0 removes one); lists are extended. */
export function mergeQualificationRules(overrides: QualificationOverrides | undefined): QualificationRuleSet {
  const base = overrides?.useDefaults === false ? EMPTY_RULES : DEFAULT_QUALIFICATION_RULES;
  if (!overrides) return base;
  const requester = overrides.requester ?? {};
  return {
    categories: mergeGroups(base.categories, overrides.categories),
    levels: mergeGroups(base.levels, overrides.levels),
    levelBias: { ...base.levelBias, ...(overrides.levelBias ?? {}) },
    receivable: {
      complaint: mergeCues(base.receivable.complaint, overrides.receivable?.complaint),
      request: mergeCues(base.receivable.request, overrides.receivable?.request),
      thanks: mergeCues(base.receivable.thanks, overrides.receivable?.thanks),
      commercial: mergeCues(base.receivable.commercial, overrides.receivable?.commercial),
      thirdParty: mergeCues(base.receivable.thirdParty, overrides.receivable?.thirdParty),
    },
    requester: {
      adherent: mergeCues(base.requester.adherent, requester.adherent),
      salarie: mergeCues(base.requester.salarie, requester.salarie),
      personalDomains: [...new Set([...base.requester.personalDomains, ...(requester.personalDomains ?? [])])],
      companyMailboxes: [...new Set([...base.requester.companyMailboxes, ...(requester.companyMailboxes ?? [])])],
      companyNameWords: [...new Set([...base.requester.companyNameWords, ...(requester.companyNameWords ?? [])])],
      personalDomainWeight: requester.personalDomainWeight ?? base.requester.personalDomainWeight,
      companyDomainWeight: requester.companyDomainWeight ?? base.requester.companyDomainWeight,
    },
    subjectWeight: overrides.subjectWeight ?? base.subjectWeight,
    phraseWindow: overrides.phraseWindow ?? base.phraseWindow,
    negationWindow: overrides.negationWindow ?? base.negationWindow,
    lowConfidence: { ...base.lowConfidence, ...definedOnly(overrides.lowConfidence) },
    learning: { ...base.learning, ...definedOnly(overrides.learning) },
  };
}

function mergeGroups(
  base: Readonly<Record<string, CueMap>>,
  extra: Readonly<Record<string, CueMap>> | undefined,
): Record<string, CueMap> {
  const out: Record<string, CueMap> = { ...base };
  for (const [key, cues] of Object.entries(extra ?? {})) out[key] = mergeCues(base[key], cues);
  return out;
}

/**
 * Override cues replace the cue they match however it is written ("Rendez-vous" re-weights
 * `rendezvous`, "visite annulée" re-weights `visite annulee`); weight 0 removes it.
 */
function mergeCues(base: CueMap | undefined, extra: CueMap | undefined): CueMap {
  const out: Record<string, number> = { ...(base ?? {}) };
  const byCanonical = new Map(Object.keys(out).map((phrase) => [canonicalCue(phrase), phrase]));
  for (const [phrase, weight] of Object.entries(extra ?? {})) {
    const canonical = canonicalCue(phrase);
    const existing = byCanonical.get(canonical);
    if (existing !== undefined) delete out[existing];
    if (weight === 0) {
      byCanonical.delete(canonical);
    } else {
      out[phrase] = weight;
      byCanonical.set(canonical, phrase);
    }
  }
  return out;
}

/** A phrase as the matcher sees it: stems (or prefixes) per word, alternatives sorted. */
export function canonicalCue(phrase: string): string {
  return phrase
    .trim()
    .split(/\s+/)
    .map((part) =>
      part
        .split('|')
        .filter((a) => a !== '')
        .map((alternative) =>
          alternative.endsWith('*')
            ? `${normaliseFrench(alternative).replace(/[^a-z0-9*]/g, '')}`
            : tokenizeFrench(alternative)
                .map((t) => t.stem)
                .join(' '),
        )
        .sort()
        .join('|'),
    )
    .join(' ');
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const RESOLVED = new WeakMap<object, QualificationRules>();

/**
 * The rules `qualify` applies for a configuration: built-in defaults, the `qualification`
 * section, and the procedure's categories (with their typologies) and levels. Memoised per
 * configuration object, so the ingest path pays for it once.
 */
export function resolveQualificationRules(
  config: Pick<Settings, 'categories' | 'levels' | 'defaultLevel'> & {
    readonly qualification?: QualificationOverrides | undefined;
  },
): QualificationRules {
  const cached = RESOLVED.get(config);
  if (cached) return cached;
  const rules = buildQualificationRules(mergeQualificationRules(config.qualification), {
    categories: config.categories.map((c) => ({
      key: c.key,
      typologies: c.typologies.map((t) => ({ key: t.key, keywords: t.keywords })),
    })),
    levels: config.levels.map((l) => ({ level: l.level, resolveWithin: l.resolveWithin })),
    defaultLevel: config.defaultLevel,
  });
  RESOLVED.set(config, rules);
  return rules;
}

/** Rules for a procedure given as plain data (the CLI without configuration uses the SPST defaults). */
export function buildQualificationRules(
  set: QualificationRuleSet,
  procedure: {
    readonly categories: readonly QualificationCategory[];
    readonly levels: readonly { readonly level: number; readonly resolveWithin: Duration }[];
    readonly defaultLevel: number;
  },
): QualificationRules {
  const levelNumbers = procedure.levels.map((l) => l.level).sort((a, b) => a - b);
  let mostProtectiveLevel = procedure.defaultLevel;
  let shortest = Number.POSITIVE_INFINITY;
  for (const l of procedure.levels) {
    const hours = approximateHours(l.resolveWithin);
    if (hours < shortest || (hours === shortest && l.level < mostProtectiveLevel)) {
      shortest = hours;
      mostProtectiveLevel = l.level;
    }
  }
  const keys = procedure.categories.map((c) => c.key);
  return {
    ...set,
    defaultLevel: procedure.defaultLevel,
    levelNumbers,
    mostProtectiveLevel,
    levelsByUrgency: [...procedure.levels]
      .sort((a, b) => approximateHours(a.resolveWithin) - approximateHours(b.resolveWithin) || a.level - b.level)
      .map((l) => l.level),
    categoryList: procedure.categories,
    fallbackCategory: keys.includes('autre') ? 'autre' : null,
  };
}

/** The SPST defaults as a procedure: six categories, levels 1–3 (10d, 15d, 30d), default 3. */
export const DEFAULT_PROCEDURE = {
  categories: DEFAULT_CATEGORIES,
  levels: [
    { level: 1, resolveWithin: { amount: 10, unit: 'd' } },
    { level: 2, resolveWithin: { amount: 15, unit: 'd' } },
    { level: 3, resolveWithin: { amount: 30, unit: 'd' } },
  ],
  defaultLevel: 3,
} as const;
