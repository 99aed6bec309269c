import { describe, expect, it } from 'vitest';
import { modelDocumentOf, qualify, type QualificationInput } from '../../src/domain/qualification.js';
import {
  createModel,
  learnExample,
  logisticScores,
  predictField,
  unlearnExample,
  type QualificationModel,
} from '../../src/domain/qualification-model.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
  mergeQualificationRules,
} from '../../src/domain/qualification-rules.js';

const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
const mail = (subject: string, text: string, from = 'rh@entreprise.example'): QualificationInput => ({
  subject,
  text,
  from: { address: from, name: '' },
});

// A badge that no longer opens the door: the rules see nothing of a category in it.
const badge = mail('Badge d’accès', 'Le badge d’accès du personnel ne fonctionne plus depuis lundi.');
const badgeLike = (n: number) =>
  mail(`Badge ${n}`, `Mon badge d’accès numéro ${n} ne fonctionne plus, impossible d’ouvrir le vestiaire.`);
const other = (n: number) =>
  mail(`Facture ${n}`, `La facture numéro ${n} de cotisation compte deux fois le même salarié, merci de corriger.`);

/** A model that learned `count` badge complaints as `category` and as many invoice complaints. */
function trained(count: number, category: string, source: 'corpus' | 'ticket' = 'ticket'): QualificationModel {
  const model = createModel();
  for (let n = 0; n < count; n++) {
    learnExample(model, modelDocumentOf(badgeLike(n), rules), { category, level: '2', receivable: 'true' }, source);
    learnExample(model, modelDocumentOf(other(n), rules), { category: 'facturation', level: '2' }, source);
  }
  return model;
}

describe('the learned model', () => {
  it('has no say before it learned two values of a field from at least ten examples', () => {
    const few = trained(4, 'administrative');
    expect(predictField(few, 'category', modelDocumentOf(badge, rules), ['administrative', 'facturation'])).toBeNull();
    expect(qualify(badge, rules, few)).toEqual(qualify(badge, rules));
    const one = createModel();
    for (let n = 0; n < 20; n++)
      learnExample(one, modelDocumentOf(badgeLike(n), rules), { category: 'autre' }, 'corpus');
    expect(predictField(one, 'category', modelDocumentOf(badge, rules), ['autre', 'generale'])).toBeNull();
  });

  it('learns what settled tickets say and qualifies a similar complaint so, saying why in words', () => {
    const before = qualify(badge, rules);
    const model = trained(20, 'administrative');
    const after = qualify(badge, rules, model);
    expect(before.category).not.toBe('administrative');
    expect(after.category).toBe('administrative');
    const learned = after.evidence.find((e) => e.startsWith('appris (catégorie)'))!;
    expect(learned).toMatch(/administrative à \d+ % d’après 40 exemples, dont 40 réclamations réglées par l’équipe/);
    expect(learned).toMatch(/mots décisifs « [^»]+ » \(\d+ exemples, dont \d+ réclamations semblables réglées\)/);
  });

  it('exposes every category with its probability, the rules’ score and the model’s, most probable first', () => {
    const result = qualify(badge, rules, trained(20, 'administrative'));
    const { category } = result.candidates;
    expect(category.map((c) => c.value).sort()).toEqual(DEFAULT_PROCEDURE.categories.map((c) => c.key).sort());
    expect(category[0]!.value).toBe('administrative');
    expect(category.reduce((sum, c) => sum + c.probability, 0)).toBeCloseTo(1, 3);
    for (let i = 1; i < category.length; i++)
      expect(category[i]!.probability).toBeLessThanOrEqual(category[i - 1]!.probability);
    expect(category.every((c) => c.model !== null && c.model >= 0 && c.model <= 1)).toBe(true);
    expect(result.confidences.category).toBeCloseTo(category[0]!.probability, 2);
    // Rules only: the model column is null.
    expect(qualify(badge, rules).candidates.category.every((c) => c.model === null)).toBe(true);
    expect(
      qualify(badge, rules)
        .candidates.receivable.map((c) => c.value)
        .sort(),
    ).toEqual(['false', 'true']);
  });

  it('unlearns exactly what it learned (a settled ticket requalified later)', () => {
    const model = trained(20, 'administrative');
    const reference = JSON.stringify(
      predictField(model, 'category', modelDocumentOf(badge, rules), ['administrative', 'facturation']),
    );
    const extra = modelDocumentOf(mail('Badge', 'Badge refusé à la barrière du parking.'), rules);
    learnExample(model, extra, { category: 'facturation' }, 'ticket');
    expect(
      JSON.stringify(predictField(model, 'category', modelDocumentOf(badge, rules), ['administrative', 'facturation'])),
    ).not.toBe(reference);
    unlearnExample(model, extra, { category: 'facturation' }, 'ticket');
    expect(
      JSON.stringify(predictField(model, 'category', modelDocumentOf(badge, rules), ['administrative', 'facturation'])),
    ).toBe(reference);
  });

  it('its logistic regressions learn settled tickets and unlearn them exactly too', () => {
    const model = trained(20, 'administrative', 'corpus');
    const doc = modelDocumentOf(badge, rules);
    const values = ['administrative', 'facturation'];
    const reference = JSON.stringify([...logisticScores(model, 'category', doc, values)!]);
    expect(logisticScores(model, 'category', doc, values)!.get('administrative')).toBeGreaterThan(
      logisticScores(model, 'category', doc, values)!.get('facturation')!,
    );
    const extra = modelDocumentOf(mail('Badge', 'Badge refusé à la barrière du parking.'), rules);
    for (let n = 0; n < 3; n++) learnExample(model, extra, { category: 'facturation' }, 'ticket');
    const after = logisticScores(model, 'category', doc, values)!;
    expect(JSON.stringify([...after])).not.toBe(reference);
    for (let n = 0; n < 3; n++) unlearnExample(model, extra, { category: 'facturation' }, 'ticket');
    expect(JSON.stringify([...logisticScores(model, 'category', doc, values)!])).toBe(reference);
  });

  it('weighs a settled ticket `ticketWeight` times a corpus example', () => {
    const heavy = createModel({ ticketWeight: 5 });
    for (let n = 0; n < 10; n++) {
      learnExample(heavy, modelDocumentOf(badgeLike(n), rules), { category: 'generale' }, 'corpus');
      learnExample(heavy, modelDocumentOf(other(n), rules), { category: 'facturation' }, 'corpus');
    }
    learnExample(heavy, modelDocumentOf(badgeLike(99), rules), { category: 'administrative' }, 'ticket');
    learnExample(heavy, modelDocumentOf(badgeLike(98), rules), { category: 'administrative' }, 'ticket');
    const values = ['generale', 'administrative', 'facturation'];
    const light = createModel({ ticketWeight: 1 });
    for (let n = 0; n < 10; n++) {
      learnExample(light, modelDocumentOf(badgeLike(n), rules), { category: 'generale' }, 'corpus');
      learnExample(light, modelDocumentOf(other(n), rules), { category: 'facturation' }, 'corpus');
    }
    learnExample(light, modelDocumentOf(badgeLike(99), rules), { category: 'administrative' }, 'ticket');
    learnExample(light, modelDocumentOf(badgeLike(98), rules), { category: 'administrative' }, 'ticket');
    const share = (m: QualificationModel) =>
      predictField(m, 'category', modelDocumentOf(badge, rules), values)!.votes.find(
        (v) => v.value === 'administrative',
      )!.probability;
    expect(share(heavy)).toBeGreaterThan(share(light));
  });

  it('scores only the configured values: a label the configuration does not have is never chosen', () => {
    const model = trained(20, 'ancienne-categorie');
    const result = qualify(badge, rules, model);
    expect(result.candidates.category.map((c) => c.value)).not.toContain('ancienne-categorie');
  });

  it('is switched off by learning.enabled: false or learning.weight: 0 (rules only)', () => {
    const model = trained(20, 'administrative');
    const off = buildQualificationRules(mergeQualificationRules({ learning: { enabled: false } }), DEFAULT_PROCEDURE);
    const zero = buildQualificationRules(mergeQualificationRules({ learning: { weight: 0 } }), DEFAULT_PROCEDURE);
    expect(qualify(badge, off, model)).toEqual(qualify(badge, off));
    expect(qualify(badge, zero, model).category).toBe(qualify(badge, rules).category);
    const stronger = buildQualificationRules(mergeQualificationRules({ learning: { weight: 3 } }), DEFAULT_PROCEDURE);
    expect(qualify(badge, stronger, model).confidences.category).toBeGreaterThan(
      qualify(badge, rules, model).confidences.category,
    );
  });
});
