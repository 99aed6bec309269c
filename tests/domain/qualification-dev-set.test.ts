// The labelled development set of ../shared/data (80 French complaints, never part of the model's
// corpus): the qualifier as shipped (built-in rules and the model trained on the corpus) must stay
// above these floors. Its speed is measured by `npm run bench`, not here. Skipped, with the reason,
// when ../shared is not next to the repository.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readShippedCorpus } from '../../src/adapters/qualification-corpus-files.js';
import { evaluate, parseJsonLines, type Evaluation } from '../../src/cli/qualify-command.js';
import { modelDocumentOf } from '../../src/domain/qualification.js';
import { corpusFor } from '../../src/domain/qualification-corpus.js';
import { createModel, learnExample } from '../../src/domain/qualification-model.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
} from '../../src/domain/qualification-rules.js';

const root = resolve(import.meta.dirname, '../..');
const devSet = resolve(root, '../shared/data/qualification-dev.jsonl');
const present = existsSync(devSet);
if (!present) process.stderr.write(`[qualification] ${devSet} not found: the development-set test is skipped\n`);

const TARGETS = {
  category: 0.85,
  level: 0.75,
  requester: 0.9,
  receivable: 0.9,
  nonReceivableRecall: 0.7,
};

describe.skipIf(!present)('qualification on the development set (../shared/data/qualification-dev.jsonl)', () => {
  const items = present ? parseJsonLines(readFileSync(devSet, 'utf8'), 'qualification-dev.jsonl') : [];
  let evaluation: Evaluation;
  const share = (field: 'category' | 'level' | 'requester' | 'receivable') => {
    const a = evaluation.accuracy[field]!;
    return a.correct / a.total;
  };

  beforeAll(async () => {
    const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
    const corpus = await readShippedCorpus();
    const model = createModel();
    for (const item of corpusFor(corpus.items, DEFAULT_PROCEDURE, corpus.frozen))
      learnExample(model, modelDocumentOf(item.input, rules), item.labels, 'corpus');
    evaluation = evaluate(items, rules, model);
  });

  it('reads the 80 labelled items', () => {
    expect(items).toHaveLength(80);
    expect(
      items.every(
        (item) => item.expected?.category && item.expected.level && item.expected.requester && item.expected.receivable,
      ),
    ).toBe(true);
  });

  it(`gets the category right ≥ ${TARGETS.category * 100} %`, () =>
    expect(share('category')).toBeGreaterThanOrEqual(TARGETS.category));
  it(`gets the level right ≥ ${TARGETS.level * 100} %`, () =>
    expect(share('level')).toBeGreaterThanOrEqual(TARGETS.level));
  it(`gets the requester right ≥ ${TARGETS.requester * 100} %`, () =>
    expect(share('requester')).toBeGreaterThanOrEqual(TARGETS.requester));
  it(`gets receivability right ≥ ${TARGETS.receivable * 100} %, finding ≥ ${TARGETS.nonReceivableRecall * 100} % of the non-receivable`, () => {
    expect(share('receivable')).toBeGreaterThanOrEqual(TARGETS.receivable);
    const { found, total } = evaluation.nonReceivableRecall;
    expect(found / total).toBeGreaterThanOrEqual(TARGETS.nonReceivableRecall);
  });

  it('explains every decision', () => {
    for (const r of evaluation.results) {
      expect(r.qualification.evidence.some((e) => e.startsWith('catégorie '))).toBe(true);
      expect(r.qualification.evidence.some((e) => e.startsWith('niveau '))).toBe(true);
      expect(r.qualification.evidence.some((e) => e.startsWith('demandeur '))).toBe(true);
    }
  });
});
