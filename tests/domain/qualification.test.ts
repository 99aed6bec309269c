import { describe, expect, it } from 'vitest';
import { qualify, newTextOf, type QualificationInput } from '../../src/domain/qualification.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
  mergeQualificationRules,
  resolveQualificationRules,
} from '../../src/domain/qualification-rules.js';
import type { QualificationOverrides } from '../../src/domain/qualification-overrides.js';
import { loadConfig } from '../../src/config/load-config.js';
import { testConfigYaml } from '../support/test-config.js';

const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
const withOverrides = (overrides: QualificationOverrides) =>
  buildQualificationRules(mergeQualificationRules(overrides), DEFAULT_PROCEDURE);

const mail = (
  subject: string,
  text: string,
  from = 'rh@entreprise-exemple.example',
  name = '',
): QualificationInput => ({
  subject,
  text,
  from: { address: from, name },
});
const q = (subject: string, text: string, from?: string, name?: string) =>
  qualify(mail(subject, text, from, name), rules);

describe('qualify: the procedures’ own level examples', () => {
  it('level 1: a doctor absent on the day, employees leave without their visit (CIAMT PRD-AME-004)', () => {
    const result = q(
      'Vacation du 12 mars',
      'Le médecin était absent le jour de sa vacation, nos salariés sont repartis sans avoir eu leur visite.',
    );
    expect(result).toMatchObject({ level: 1, category: 'medicale', requester: 'adherent', receivable: true });
    expect(result.evidence.find((e) => e.startsWith('niveau 1'))).toMatch(/médecin était absent|repartis sans/);
  });

  it('level 2: a secretary absent, replaced the same day, the visits done late', () => {
    const result = q(
      'Accueil',
      'La secrétaire était absente ce matin ; une collègue l’a remplacée dans la journée et les visites ont été faites avec une heure de retard.',
    );
    expect(result.level).toBe(2);
  });

  it('level 3: a member asks for a discount on its fee', () => {
    const result = q('Cotisation 2026', 'Nous souhaiterions bénéficier d’une remise sur le prix de notre cotisation.');
    expect(result).toMatchObject({ level: 3, category: 'facturation', receivable: true });
  });

  it('level 1 also for a deliverable that is wrong and blocks someone', () => {
    const result = q(
      'Avis erroné',
      'L’avis d’inaptitude de Mme Roux est erroné : il porte le poste d’une autre salariée et nous ne pouvons pas engager le reclassement.',
    );
    expect(result.level).toBe(1);
  });

  it('level 2, not 1, when the service was delivered after all', () => {
    const result = q(
      'Trois reports',
      'Le rendez-vous de notre salarié a été reporté trois fois. Il a finalement eu lieu le 3 juillet et s’est bien passé.',
    );
    expect(result.level).toBe(2);
  });
});

describe('qualify: French text handling', () => {
  it('reads accents or none, capitals, elision and plurals alike', () => {
    const accented = q('Visites annulées', 'Les visites de nos salariés ont été annulées sans nouvelle date.');
    const plain = q('VISITE ANNULEE', 'LA VISITE DE NOTRE SALARIE A ETE ANNULEE SANS NOUVELLE DATE.');
    expect(plain.level).toBe(accented.level);
    expect(plain.category).toBe(accented.category);
  });

  it('reads text-speak and typos', () => {
    const result = q(
      'visite annulé',
      'bjr jsuis venu pr ma visite ce matin et le medcin etait malade, personne ma prevenu. jai posé une demi journée pr rien',
      'jordan.m@gmail.com',
    );
    expect(result).toMatchObject({ level: 1, category: 'medicale', requester: 'salarie' });
  });

  it('matches a phrase spread over two lines of a hard-wrapped mail, and a word cut by a hyphen at a line end', () => {
    const result = q(
      'Visite',
      'Bonjour, ce matin le médecin\nétait absent et nous sommes repartis sans\navoir eu notre visite. Merci de nous reconvo-\nquer.',
    );
    expect(result.level).toBe(1);
    expect(result.evidence.join(' ')).toMatch(/médecin\s+était absent/);
  });

  it('ignores a cue under negation ("pas de retard"), but not a cue that holds the negation itself', () => {
    const noDelay = q(
      'Remarque',
      'Il n’y a pas eu de retard, la visite a eu lieu à l’heure. Les chaises de la salle sont inconfortables.',
      'a.b@gmail.com',
    );
    expect(noDelay.level).toBe(3);
    const notHeld = q('Visite', 'La visite prévue hier n’a pas eu lieu et personne ne nous a prévenus.');
    expect(notHeld.level).toBe(1);
  });

  it('leaves quoted history and disclaimers out', () => {
    const text =
      'Merci de corriger l’adresse de notre établissement sur les convocations.\n\n-----Message d’origine-----\nDe : Service\nEnvoyé : lundi\nObjet : Cotisation\nVotre facture de cotisation est impayée, remise refusée.';
    expect(newTextOf(text)).not.toMatch(/facture/);
    expect(q('Adresse', text).category).toBe('administrative');
    const disclaimer =
      'Le technicien n’est jamais venu faire les mesures de bruit.\nCe message et ses pièces jointes sont confidentiels. Le médecin, la facture et la cotisation ne sont pas concernés.';
    expect(q('Mesures', disclaimer).category).toBe('prevention');
  });
});

describe('qualify: receivability', () => {
  it('a plain request for an appointment or a document is not a complaint', () => {
    const appointment = q(
      'Rendez-vous',
      'Bonjour, je souhaiterais prendre rendez-vous avec le médecin du travail. Quelles sont vos disponibilités ?',
      'paul.m@orange.fr',
    );
    expect(appointment).toMatchObject({ receivable: false, nonReceivableKind: 'request', level: 3 });
    const document = q(
      'Attestation',
      'Pourriez-vous nous envoyer un duplicata de l’attestation de suivi de notre salarié ? Merci.',
    );
    expect(document).toMatchObject({ receivable: false, nonReceivableKind: 'request' });
  });

  it('thanks are not a complaint', () => {
    expect(
      q(
        'Merci',
        'Je tenais à remercier l’infirmière pour son écoute lors de ma visite. Bravo à toute l’équipe.',
        'a@laposte.net',
      ),
    ).toMatchObject({
      receivable: false,
      nonReceivableKind: 'thanks',
    });
  });

  it('a commercial solicitation or a phishing mail is not a complaint', () => {
    expect(
      q(
        'Partenariat',
        'Nous proposons aux services de santé au travail une solution innovante, sans engagement. Découvrez notre offre lors d’une démonstration.',
        'contact@solutions.example',
      ).nonReceivableKind,
    ).toBe('commercial');
    expect(
      q(
        'Compte',
        'Votre compte sera suspendu : cliquez sur le lien ci-dessous et confirmez vos identifiants sous 24 heures.',
        'noreply@secure.example',
      ).nonReceivableKind,
    ).toBe('commercial');
  });

  it('a dispute with the employer or a third party is not a complaint, and goes to « autre »', () => {
    const pay = q(
      'Heures sup',
      'Mon employeur ne me paye pas mes heures supplémentaires depuis six mois. Vous pouvez l’obliger à payer ?',
      'c.l@gmail.com',
    );
    expect(pay).toMatchObject({
      receivable: false,
      nonReceivableKind: 'thirdParty',
      category: 'autre',
      requester: 'salarie',
      level: 3,
    });
    expect(
      q('Indemnités', 'La CPAM ne me verse pas mes indemnités journalières depuis deux mois.', 'l@free.fr').receivable,
    ).toBe(false);
  });

  it('a request inside a real complaint stays a complaint', () => {
    const result = q(
      'Visite annulée deux fois',
      'Ma visite a été annulée deux fois la veille. C’est inadmissible. Pourriez-vous me proposer un rendez-vous rapidement ?',
      'n.b@gmail.com',
    );
    expect(result.receivable).toBe(true);
  });
});

describe('qualify: requester', () => {
  it('a personal webmail and first-person words ("mon employeur", "ma visite") → salarié', () => {
    expect(q('Visite', 'Mon employeur m’a dit que ma visite était reportée.', 'kevin78@hotmail.fr').requester).toBe(
      'salarie',
    );
  });

  it('a company domain, a company mailbox, "nos salariés", a role in the signature → adhérent', () => {
    expect(q('Visites', 'Nos salariés attendent leur convocation.', 'rh@transports-x.example').requester).toBe(
      'adherent',
    );
    expect(
      q('Facture', 'Merci de corriger la facture.\nJ. Martin\nGérant', 'j.martin@martin-sarl.example').requester,
    ).toBe('adherent');
  });

  it('a company writing from a personal webmail is recognised by its name', () => {
    const result = q('Facture', 'J’ai payé la facture deux fois.', 'boulangerie.morin@orange.fr', 'Boulangerie Morin');
    expect(result.requester).toBe('adherent');
    expect(result.evidence.join(' ')).toMatch(/boulangerie/);
  });

  it('a lawyer acting for an employee → salarié; for the company → adhérent', () => {
    expect(
      q(
        'Visite de reprise',
        'Je représente M. Perrin, salarié de la société Logis. Son employeur n’a reçu aucun avis.',
        'j.caron@caron-avocats.example',
      ).requester,
    ).toBe('salarie');
    expect(
      q(
        'Visite de reprise',
        'Je vous écris en qualité de conseil de la société Translog, adhérente de votre service.',
        'j.a@avocats.example',
      ).requester,
    ).toBe('adherent');
  });
});

describe('qualify: result shape, confidence and the acknowledgement level', () => {
  it('gives every field a confidence and explains every field', () => {
    const result = q(
      'Facture en double',
      'Vous nous avez facturé deux fois la visite de M. Durand. Merci d’établir un avoir.',
    );
    expect(result.category).toBe('facturation');
    expect(result.typology).toBe('erreur-facture');
    for (const value of Object.values(result.confidences)) expect(value).toBeGreaterThanOrEqual(0);
    expect(result.evidence.some((e) => e.startsWith('catégorie facturation'))).toBe(true);
    expect(result.evidence.some((e) => e.startsWith('niveau 2'))).toBe(true);
    expect(result.evidence.some((e) => e.startsWith('demandeur adhérent'))).toBe(true);
    expect(result.evidence.some((e) => e.startsWith('typologie erreur-facture'))).toBe(true);
  });

  it('flags a mail it cannot read as low confidence and applies the procedure’s choice of level', () => {
    const vague = mail('Question', 'Bonjour, je reviens vers vous au sujet de ce que nous avons évoqué.');
    const byDefault = qualify(vague, withOverrides({ lowConfidence: { acknowledgementLevel: 'default' } }));
    expect(byDefault.lowConfidence).toBe(true);
    expect(byDefault.acknowledgementLevel).toBe(3);
    const protective = qualify(vague, withOverrides({ lowConfidence: { acknowledgementLevel: 'most-protective' } }));
    expect(protective.acknowledgementLevel).toBe(1);
    expect(protective.evidence.at(-1)).toMatch(/le plus protecteur/);
  });

  it('cautious (the default): promises the shortest deadline among the levels still likely, the qualified one when sure', () => {
    const vague = mail('Question', 'Bonjour, je reviens vers vous au sujet de ce que nous avons évoqué.');
    const result = qualify(vague, rules);
    // Level 3 at 53 %, 2 at 27 %, 1 at 20 %, receivable at 58 % (the rest counts for level 3):
    // level 1 is 11 % likely, level 2 16 %.
    expect(result.level).toBe(3);
    expect(result.acknowledgementLevel).toBe(2);
    expect(result.evidence.join('\n')).toMatch(
      /niveau appliqué à l’accusé de réception : 2, le délai le plus court parmi les niveaux encore probables/,
    );
    const strict = qualify(vague, withOverrides({ lowConfidence: { cautiousFloor: 0.01 } }));
    expect(strict.acknowledgementLevel).toBe(1);
    const loose = qualify(vague, withOverrides({ lowConfidence: { cautiousFloor: 0.99 } }));
    expect(loose.acknowledgementLevel).toBe(3);
    const sure = q('Médecin absent', 'Le médecin était absent, nos salariés sont repartis sans avoir eu leur visite.');
    expect(sure.acknowledgementLevel).toBe(1);
  });

  it('applies its own level at reception when confident', () => {
    const result = q(
      'Médecin absent',
      'Le médecin était absent, nos six salariés sont repartis sans avoir eu leur visite, pour rien.',
    );
    expect(result.lowConfidence).toBe(false);
    expect(result.acknowledgementLevel).toBe(1);
  });

  it('only chooses among the procedure’s categories and levels', () => {
    const config = loadConfig(testConfigYaml(), {}, 'test').config; // generale + medicale only
    const result = qualify(mail('Facture', 'La facture de cotisation est fausse.'), resolveQualificationRules(config));
    expect(['generale', 'medicale']).toContain(result.category);
    const oneLevel = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, {
      ...DEFAULT_PROCEDURE,
      levels: [{ level: 1, resolveWithin: { amount: 48, unit: 'h' } }],
      defaultLevel: 1,
    });
    expect(qualify(mail('Remise', 'Nous souhaiterions une remise.'), oneLevel).level).toBe(1);
  });
});

describe('qualify: rules from the configuration', () => {
  it('adds a cue, re-weights one and switches one off (weight 0)', () => {
    const text = mail('Navette', 'La navette entre nos deux sites ne passe plus devant votre centre.');
    expect(qualify(text, rules).category).not.toBe('generale');
    const tuned = withOverrides({ categories: { generale: { navette: 4 } } });
    const result = qualify(text, tuned);
    expect(result.category).toBe('generale');
    expect(result.evidence[0]).toMatch(/« navette »/i);
    const lettrage = mail('Lettrage', 'Votre lettrage est à revoir.');
    expect(qualify(lettrage, rules).category).toBe('facturation');
    const off = withOverrides({ categories: { facturation: { lettrage: 0 } } });
    expect(qualify(lettrage, off).category).toBe('autre'); // no cue left: the fallback category
  });

  it('reads the qualification section of reclam.yaml (and defaults without it)', () => {
    const yaml = `${testConfigYaml()}\nqualification:\n  categories:\n    medicale: { "visite de reprise": 3 }\n  lowConfidence: { threshold: 0.9, acknowledgementLevel: most-protective }\n  learning: { maxTickets: 5, ticketWeight: 2, corpus: false }\n`;
    const { config, warnings } = loadConfig(yaml, {}, 'test');
    expect(warnings).toEqual([]);
    expect(config.qualification.lowConfidence).toEqual({
      threshold: 0.9,
      acknowledgementLevel: 'most-protective',
      cautiousFloor: 0.12,
    });
    expect(config.qualification.learning).toEqual({
      enabled: true,
      weight: 1,
      corpus: false,
      maxTickets: 5,
      ticketWeight: 2,
    });
    const resolved = resolveQualificationRules(config);
    expect(resolved.mostProtectiveLevel).toBe(1);
    expect(resolved.categories.medicale?.['visite de reprise']).toBe(3);
    expect(loadConfig(testConfigYaml(), {}, 'test').config.qualification.lowConfidence.acknowledgementLevel).toBe(
      'cautious',
    );
  });

  it('rejects a cue for a category or level the procedure does not have', () => {
    const yaml = `${testConfigYaml()}\nqualification:\n  categories:\n    inconnue: { mot: 1 }\n  levels:\n    "7": { mot: 1 }\n`;
    expect(() => loadConfig(yaml, {}, 'test')).toThrow(
      /qualification\.categories\.inconnue: unknown category inconnue[\s\S]*qualification\.levels\.7/,
    );
  });
});

describe('mergeQualificationRules', () => {
  it('re-weights a built-in cue however it is written, and removes it with weight 0', () => {
    const merged = mergeQualificationRules({
      categories: { administrative: { 'Rendez-vous': 0.5 }, facturation: { 'FACTUR*': 0 } },
    });
    expect(merged.categories.administrative).toMatchObject({ 'Rendez-vous': 0.5 });
    expect(merged.categories.administrative).not.toHaveProperty('rendezvous');
    expect(merged.categories.facturation).not.toHaveProperty('factur*');
    expect(merged.categories.generale).toEqual(DEFAULT_QUALIFICATION_RULES.categories.generale);
  });

  it('starts from nothing with useDefaults: false', () => {
    const merged = mergeQualificationRules({ useDefaults: false, categories: { generale: { accueil: 2 } } });
    expect(merged.categories).toEqual({ generale: { accueil: 2 } });
    expect(merged.levels).toEqual({});
  });
});
