import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { qualify } from '../../src/domain/qualification.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
} from '../../src/domain/qualification-rules.js';
import {
  CLOSE_CANDIDATE_RATIO,
  closeConfidentialCandidates,
  decideReception,
  mayDescribeUnfiledMail,
  STRONG_CANDIDATE_SCORE,
} from '../../src/domain/reception-confidentiality.js';
import { testConfigYaml, withAdministrativeCategory } from '../support/test-config.js';

const config = loadConfig(withAdministrativeCategory(testConfigYaml()), {}, 'test').config;
const facts = { requester: 'adherent', level: 2, channel: 'email' } as const;

const candidates = (...list: [string, number, number][]) =>
  list.map(([key, score, probability]) => ({ key, score, probability }));

describe('closeConfidentialCandidates', () => {
  it('is a confidential category at least a third as likely as the chosen one, with evidence', () => {
    expect(CLOSE_CANDIDATE_RATIO).toBeCloseTo(1 / 3);
    const q = (medical: number) => ({
      category: 'administrative',
      categoryCandidates: candidates(['administrative', 5, 0.6], ['medicale', 3, medical]),
    });
    expect(closeConfidentialCandidates(q(0.2), ['medicale'])).toEqual(['medicale']);
    const weak = {
      category: 'administrative',
      categoryCandidates: candidates(['administrative', 5, 0.6], ['medicale', 2.5, 0.19]),
    };
    expect(closeConfidentialCandidates(weak, ['medicale'])).toEqual([]);
    // Not confidential: never a candidate for this rule.
    expect(closeConfidentialCandidates(q(0.4), ['prevention'])).toEqual([]);
  });

  it('is also one with strong evidence of its own (one of the strongest cues), however far behind', () => {
    expect(STRONG_CANDIDATE_SCORE).toBe(3);
    const strong = {
      category: 'administrative',
      categoryCandidates: candidates(['administrative', 7.5, 0.89], ['medicale', 3, 0.09]),
    };
    expect(closeConfidentialCandidates(strong, ['medicale'])).toEqual(['medicale']);
  });

  it('needs evidence for the candidate, and takes any with evidence when the choice had none', () => {
    expect(
      closeConfidentialCandidates({ category: 'autre', categoryCandidates: candidates(['medicale', 1.5, 0.3]) }, [
        'medicale',
      ]),
    ).toEqual(['medicale']);
    expect(closeConfidentialCandidates({ category: 'autre', categoryCandidates: [] }, ['medicale'])).toEqual([]);
    expect(
      closeConfidentialCandidates({ category: 'medicale', categoryCandidates: candidates(['medicale', 4, 0.9]) }, [
        'medicale',
      ]),
    ).toEqual([]);
  });
});

describe('mayDescribeUnfiledMail', () => {
  const doctor = config.people.find((p) => p.roles.includes('doctor'))!;
  const pilot = config.people.find((p) => p.roles.includes('pilot') && !p.roles.includes('doctor'))!;

  it('describes a mail on no ticket to a doctor always, to others only when its subject cannot be medical', () => {
    const medical = { category: 'medicale', categoryCandidates: candidates(['medicale', 4, 0.9]) };
    const close = {
      category: 'administrative',
      categoryCandidates: candidates(['administrative', 5, 0.6], ['medicale', 3, 0.3]),
    };
    const ordinary = { category: 'administrative', categoryCandidates: candidates(['administrative', 5, 0.9]) };
    expect([medical, close, ordinary].map((q) => mayDescribeUnfiledMail(q, doctor, config))).toEqual([
      true,
      true,
      true,
    ]);
    expect([medical, close, ordinary].map((q) => mayDescribeUnfiledMail(q, pilot, config))).toEqual([
      false,
      false,
      true,
    ]);
    expect(mayDescribeUnfiledMail(ordinary, undefined, config)).toBe(true);
  });
});

describe('decideReception', () => {
  it('keeps an ordinary ticket ordinary', () => {
    const decision = decideReception(
      { category: 'generale', categoryCandidates: candidates(['generale', 6, 0.95], ['medicale', 1.5, 0.1]) },
      { ...facts, category: 'generale' },
      config,
    );
    expect(decision).toMatchObject({ confidential: false, because: null, candidates: [] });
    expect(decision.routing.referents).toEqual(['accueil@spst-test.fr']);
  });

  it('calls a medical ticket confidential because of its category', () => {
    const decision = decideReception(
      { category: 'medicale', categoryCandidates: candidates(['medicale', 6, 0.9]) },
      { ...facts, category: 'medicale' },
      config,
    );
    expect(decision).toMatchObject({ confidential: true, because: 'category' });
    expect(decision.routing.referents).toEqual(['dr.martin@spst-test.fr']);
  });

  it('keeps a close medical candidate confidential, brings its doctor in and says why to everyone', () => {
    const decision = decideReception(
      {
        category: 'administrative',
        categoryCandidates: candidates(['administrative', 5, 0.59], ['medicale', 3, 0.22]),
      },
      { ...facts, category: 'administrative' },
      config,
    );
    expect(decision).toMatchObject({ confidential: true, because: 'close-candidate', candidates: ['medicale'] });
    expect(decision.routing.referents).toEqual(['accueil@spst-test.fr', 'dr.martin@spst-test.fr']);
    expect(decision.routing.notify.map((n) => n.email)).toEqual([
      'accueil@spst-test.fr',
      'pilote@spst-test.fr',
      'dr.martin@spst-test.fr',
    ]);
    const why =
      'la qualification automatique hésite entre Administrative et Médicale : par précaution, son contenu est réservé aux médecins tant qu’un médecin n’a pas fixé la catégorie (#categorie)';
    expect(decision.routing.notify[0]!.reason).toBe(`référent de la catégorie Administrative ; ${why}`);
    expect(decision.routing.notify[1]!.reason).toBe(`pilote du processus ; ${why}`);
    expect(decision.routing.notify[2]!.reason).toBe(`médecin référent de la catégorie Médicale ; ${why}`);
  });

  it('tells every doctor when the confidential category names none among its referents', () => {
    const noDoctor = loadConfig(
      withAdministrativeCategory(testConfigYaml()).replace(
        'confidential: true, referents: [dr.martin@spst-test.fr]',
        'confidential: true, referents: [accueil@spst-test.fr]',
      ),
      {},
      'test',
    ).config;
    const decision = decideReception(
      { category: 'generale', categoryCandidates: candidates(['generale', 3, 0.5], ['medicale', 2, 0.3]) },
      { ...facts, category: 'generale' },
      noDoctor,
    );
    expect(decision.routing.referents).toEqual(['accueil@spst-test.fr', 'dr.martin@spst-test.fr']);
  });
});

describe('a doctor or nurse absent, late or unavailable is recognised as medical', () => {
  const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
  const medicalOrClose = (subject: string, text: string) => {
    const q = qualify({ subject, text, from: null }, rules);
    return q.category === 'medicale' || closeConfidentialCandidates(q, ['medicale']).includes('medicale');
  };
  it.each([
    [
      'Convocation du 3 juin',
      'Nos deux salariés convoqués à 14h ont appris sur place que le médecin était indisponible.',
    ],
    ['Rendez-vous du 12 mars', 'Notre salarié s’est présenté à sa convocation mais le docteur n’était pas là.'],
    ['Visite', 'L’infirmière n’est jamais arrivée, nous avons attendu une heure.'],
    ['Retard', 'Le médecin est arrivé avec 2 heures de retard, mes salariés ont attendu toute la matinée.'],
    ['Visite du 4', 'Il n’y avait aucun médecin au centre ce matin.'],
    ['Plainte', 'Le docteur a été très désagréable avec mon salarié pendant la visite.'],
  ])('%s: %s', (subject, text) => expect(medicalOrClose(subject, text)).toBe(true));

  it('but not every complaint that mentions a doctor in passing', () => {
    expect(
      medicalOrClose(
        'Accueil',
        'La secrétaire a été désagréable au téléphone, j’ai attendu le médecin une heure en salle d’attente.',
      ),
    ).toBe(false);
    expect(medicalOrClose('Facture', 'Votre facture de mars comporte une erreur sur le nombre de salariés.')).toBe(
      false,
    );
  });
});
