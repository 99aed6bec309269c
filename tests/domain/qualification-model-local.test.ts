import { describe, expect, it } from 'vitest';
import { modelDocumentOf, type QualificationInput } from '../../src/domain/qualification.js';
import {
  createModel,
  LOCAL_GRAMS,
  learnExample,
  predictLocal,
  unlearnExample,
} from '../../src/domain/qualification-model.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
} from '../../src/domain/qualification-rules.js';

const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
const mail = (subject: string, text: string): QualificationInput => ({
  subject,
  text,
  from: { address: 'rh@entreprise.example', name: '' },
});
const doc = (subject: string, text: string) => modelDocumentOf(mail(subject, text), rules);
const badge = (n: number) => doc(`Badge ${n}`, `Le badge d’accès numéro ${n} n’ouvre plus le vestiaire.`);
const invoice = (n: number) => doc(`Facture ${n}`, `La facture numéro ${n} compte deux fois le même salarié.`);
const values = ['administrative', 'facturation', 'generale'];

describe('the local model (settled tickets alone)', () => {
  it('has no say before three tickets of two values, and ignores the corpus', () => {
    const model = createModel();
    for (let n = 0; n < 30; n++) learnExample(model, badge(n), { category: 'administrative' }, 'corpus');
    learnExample(model, badge(99), { category: 'administrative' }, 'ticket');
    learnExample(model, invoice(99), { category: 'facturation' }, 'ticket');
    expect(predictLocal(model, 'category', badge(7), values)).toBeNull();
    learnExample(model, invoice(98), { category: 'facturation' }, 'ticket');
    expect(predictLocal(model, 'category', badge(7), values)?.tickets).toBe(3);
  });

  it('votes for the value whose settled tickets share the mail’s words; a value no ticket had gets 0', () => {
    const model = createModel();
    for (let n = 0; n < 5; n++) {
      learnExample(model, badge(n), { category: 'administrative' }, 'ticket');
      learnExample(model, invoice(n), { category: 'facturation' }, 'ticket');
    }
    const local = predictLocal(model, 'category', badge(42), values)!;
    expect(local.similarity.get('administrative')!).toBeGreaterThan(local.similarity.get('facturation')!);
    expect(local.similarity.get('generale')).toBe(0);
    expect(local.similar).toBe(5);
    const other = predictLocal(model, 'category', invoice(42), values)!;
    expect(other.similarity.get('facturation')!).toBeGreaterThan(other.similarity.get('administrative')!);
  });

  it('forgets an unlearned ticket exactly', () => {
    const model = createModel();
    for (let n = 0; n < 3; n++) {
      learnExample(model, badge(n), { category: 'administrative' }, 'ticket');
      learnExample(model, invoice(n), { category: 'facturation' }, 'ticket');
    }
    const before = predictLocal(model, 'category', badge(42), values);
    learnExample(model, badge(9), { category: 'generale' }, 'ticket');
    unlearnExample(model, badge(9), { category: 'generale' }, 'ticket');
    expect(predictLocal(model, 'category', badge(42), values)).toEqual(before);
  });
});

describe('the local model with character 4-grams (LOCAL_GRAMS, off by default)', () => {
  it('gives mails no 4-grams while off; on, a misspelt word still votes with its tickets', () => {
    expect(badge(1).grams).toBeUndefined();
    LOCAL_GRAMS.use = true;
    try {
      const model = createModel();
      for (let n = 0; n < 4; n++) {
        learnExample(
          model,
          doc(`Vestiaire ${n}`, 'Le vestiaire reste verrouillé.'),
          { category: 'generale' },
          'ticket',
        );
        learnExample(model, invoice(n), { category: 'facturation' }, 'ticket');
      }
      const typo = doc('Porte', 'Vestaire verouillé');
      expect(typo.grams!.length).toBeGreaterThan(0);
      const local = predictLocal(model, 'category', typo, values)!;
      expect(local.similarity.get('generale')!).toBeGreaterThan(local.similarity.get('facturation')!);
    } finally {
      LOCAL_GRAMS.use = false;
    }
  });
});
