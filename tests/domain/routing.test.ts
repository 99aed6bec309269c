import { describe, expect, it } from 'vitest';
import { routeTicket } from '../../src/domain/routing.js';
import { testConfig } from '../support/test-config.js';

const config = testConfig({
  extra: `routing:
  - { when: { category: medicale }, assign: [dr.martin@spst-test.fr] }
  - { when: { requester: salarie }, assign: [direction@spst-test.fr, dr.martin@spst-test.fr] }`,
});

describe('routeTicket', () => {
  it('applies the first matching rule and always tells the pilot', () => {
    const medical = routeTicket({ category: 'medicale', requester: 'salarie', level: 1, channel: 'email' }, config);
    expect(medical.referents).toEqual(['dr.martin@spst-test.fr']);
    expect(medical.notify.map((n) => n.email)).toEqual(['dr.martin@spst-test.fr', 'pilote@spst-test.fr']);
    expect(medical.notify[0]!.reason).toBe('règle d’aiguillage n° 1 : catégorie Médicale');
    const employee = routeTicket({ category: 'generale', requester: 'salarie', level: 3, channel: 'email' }, config);
    expect(employee.referents).toEqual(['direction@spst-test.fr', 'dr.martin@spst-test.fr']);
    expect(employee.notify[0]!.reason).toBe('règle d’aiguillage n° 2 : réclamation d’un salarié suivi');
  });

  it('falls back to the category referents, then to the pilot alone', () => {
    const general = routeTicket({ category: 'generale', requester: 'adherent', level: 2, channel: 'email' }, config);
    expect(general.referents).toEqual(['accueil@spst-test.fr']);
    expect(general.notify[0]!.reason).toBe('référent de la catégorie Générale');
    const unknown = routeTicket({ category: null, requester: null, level: 3, channel: 'email' }, config);
    expect(unknown.referents).toEqual([]);
    expect(unknown.notify).toEqual([{ email: 'pilote@spst-test.fr', reason: 'pilote du processus' }]);
  });
});
