import { describe, expect, it } from 'vitest';
import {
  findPerson,
  handlersOf,
  hasRole,
  isConfidentialCategory,
  maySeeContent,
  peopleWithRole,
} from '../../src/domain/people.js';
import { testConfig } from '../support/test-config.js';

const config = testConfig();

describe('people of the procedure', () => {
  it('finds a person by address whatever its case, and nobody for a stranger', () => {
    expect(findPerson(config, 'Dr.Martin@SPST-test.fr')?.name).toBe('Dr Martin');
    expect(findPerson(config, 'x@example.test')).toBeUndefined();
    expect(findPerson(config, null)).toBeUndefined();
  });

  it('knows roles', () => {
    expect(peopleWithRole(config, 'pilot').map((p) => p.email)).toEqual(['pilote@spst-test.fr']);
    expect(hasRole(findPerson(config, 'dr.martin@spst-test.fr'), 'doctor')).toBe(true);
    expect(hasRole(findPerson(config, 'accueil@spst-test.fr'), 'doctor')).toBe(false);
    expect(hasRole(undefined, 'pilot')).toBe(false);
  });

  it('shows a confidential ticket to doctors only', () => {
    expect(isConfidentialCategory(config, 'medicale')).toBe(true);
    expect(isConfidentialCategory(config, 'generale')).toBe(false);
    expect(isConfidentialCategory(config, null)).toBe(false);
    const doctor = findPerson(config, 'dr.martin@spst-test.fr');
    const pilot = findPerson(config, 'pilote@spst-test.fr');
    expect(maySeeContent({ confidential: true }, doctor)).toBe(true);
    expect(maySeeContent({ confidential: true }, pilot)).toBe(false);
    expect(maySeeContent({ confidential: true }, undefined)).toBe(false);
    expect(maySeeContent({ confidential: false }, undefined)).toBe(true);
  });

  it('hands a ticket to its assignee, else its routed referents, else the pilots', () => {
    const emails = (t: { assigneeEmail: string | null; routedTo: string[] }) =>
      handlersOf(config, t).map((p) => p.email);
    expect(emails({ assigneeEmail: 'accueil@spst-test.fr', routedTo: ['dr.martin@spst-test.fr'] })).toEqual([
      'accueil@spst-test.fr',
    ]);
    expect(emails({ assigneeEmail: null, routedTo: ['dr.martin@spst-test.fr'] })).toEqual(['dr.martin@spst-test.fr']);
    expect(emails({ assigneeEmail: null, routedTo: [] })).toEqual(['pilote@spst-test.fr']);
    // Someone no longer under `people` is nobody to write to.
    expect(emails({ assigneeEmail: 'parti@spst-test.fr', routedTo: [] })).toEqual([]);
  });
});

describe('people of the procedure at the edges', () => {
  it('finds nobody for an empty address, and treats an unknown category as ordinary', () => {
    expect(findPerson(config, '')).toBeUndefined();
    expect(findPerson(config, undefined)).toBeUndefined();
    expect(isConfidentialCategory(config, 'supprimee-depuis')).toBe(false);
  });

  it('gives someone with several roles each of them, and lists them under each', () => {
    const doctor = findPerson(config, 'dr.martin@spst-test.fr');
    expect(hasRole(doctor, 'doctor') && hasRole(doctor, 'referent')).toBe(true);
    expect(peopleWithRole(config, 'referent').map((p) => p.email)).toEqual([
      'dr.martin@spst-test.fr',
      'accueil@spst-test.fr',
    ]);
  });

  it('keeps the routed referents still configured, in routing order, and drops the others', () => {
    const emails = handlersOf(config, {
      assigneeEmail: null,
      routedTo: ['accueil@spst-test.fr', 'parti@spst-test.fr', 'dr.martin@spst-test.fr'],
    }).map((p) => p.email);
    expect(emails).toEqual(['accueil@spst-test.fr', 'dr.martin@spst-test.fr']);
  });
});
