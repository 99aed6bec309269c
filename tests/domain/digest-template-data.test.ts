// The data of the digest templates from a literal report: figures rounded, then compared, as they
// are shown; the four boxes and the « En bref » line; the overdue list, capped in the mail.
import { describe, expect, it } from 'vitest';
import { audienceOf, digestReport, type DigestFigures } from '../../src/domain/digest-report.js';
import { digestTemplateData, MAX_OVERDUE_IN_MAIL } from '../../src/domain/digest-template-data.js';
import { CONFIDENTIAL_PLACEHOLDER } from '../../src/domain/french-labels.js';
import { EMPTY_FIGURES } from '../../src/domain/indicators.js';
import { GENERATED_AT, octoberFigures } from '../support/digest-figures.js';
import { testConfig } from '../support/test-config.js';

const config = testConfig();
const dataOf = (figures: DigestFigures = octoberFigures()) =>
  digestTemplateData(digestReport(config, figures, audienceOf(config, 'pilote@spst-test.fr'), GENERATED_AT));

describe('the digest template data', () => {
  it('puts the four boxes first, each compared with the previous period, and says the same in « En bref »', () => {
    const data = dataOf();
    expect(data.kpis).toEqual([
      { key: 'received', label: 'Reçues', value: '100', delta: '−20 (−17\u202f%)' },
      { key: 'closed', label: 'Clôturées', value: '88', delta: '−20 (−19\u202f%)' },
      { key: 'responseRate', label: 'Taux de réponse', value: '63,4\u202f%', delta: '−6,5\u202fpts' },
      { key: 'overdue', label: 'En retard', value: '9', delta: '−20 (−69\u202f%)' },
    ]);
    expect(data.headline).toBe('100 reçues, 88 clôturées, taux de réponse 63,4\u202f%, 9 en retard');
    const figures = octoberFigures();
    const one = { ...figures.current.figures, overall: { ...EMPTY_FIGURES, received: 1, closed: 1 } };
    expect(dataOf({ ...figures, current: { ...figures.current, figures: one } }).headline).toBe(
      '1 reçue, 1 clôturée, taux de réponse —, 9 en retard',
    );
  });

  it('compares figures as shown: 8,3 j against 7,3 j is +1,0 j, not +0,9 j', () => {
    const figures = octoberFigures();
    const previous = {
      ...figures.previous,
      figures: { ...figures.previous.figures, overall: { ...figures.previous.figures.overall, meanAnswerDays: 7.34 } },
    };
    const row = dataOf({ ...figures, previous }).overview.find((r) => r.key === 'meanAnswerDays')!;
    expect(row).toMatchObject({ value: '8,3\u202fj', previous: '7,3\u202fj', deltaPrevious: '+1,0\u202fj' });
    expect(dataOf().overview.find((r) => r.key === 'responseRate')!.detail).toBe('59 / 93 recevables');
  });

  it('lists overdue tickets with « (sans objet) » for an empty subject and nothing medical for non-doctors', () => {
    const { overdue } = dataOf();
    expect(overdue.shown.map((r) => [r.subject, r.complainant, r.late, r.hidden])).toEqual([
      ['(sans objet)', 'sans.nom@example.test', '56\u202fj', false],
      [CONFIDENTIAL_PLACEHOLDER, '', '1\u202fj', true],
    ]);
    expect(overdue.textLines[0]).toBe(
      '- REC-2026-0723 (niveau 3) : échéance 05/09/2026, 56\u202fj de retard, suivie par Paule Pilote — (sans objet) — sans.nom@example.test',
    );
  });

  it(`shows at most ${MAX_OVERDUE_IN_MAIL} overdue tickets in the mail and counts the others`, () => {
    const figures = octoberFigures();
    const many = Array.from({ length: 25 }, (_, i) => ({ ...figures.overdue[0]!, reference: `REC-2026-${1000 + i}` }));
    const { overdue } = dataOf({ ...figures, overdue: many });
    expect([overdue.count, overdue.shown.length, overdue.more, overdue.textLines.length]).toEqual([25, 20, 5, 20]);
  });
});
