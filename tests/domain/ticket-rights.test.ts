import { describe, expect, it } from 'vitest';
import { mayActOn, type TicketHolders } from '../../src/domain/ticket-rights.js';
import { testConfig } from '../support/test-config.js';

const config = testConfig({
  extra: 'routing:\n  - { when: { requester: salarie }, assign: [direction@spst-test.fr] }',
});
const person = (email: string) => config.people.find((p) => p.email === email)!;
const general: TicketHolders = { category: 'generale', confidential: false, assigneeEmail: null, routedTo: [] };

describe('mayActOn', () => {
  it('lets the pilot, the assignee, the category’s and the routing’s referents, and the direction act', () => {
    expect(mayActOn(person('pilote@spst-test.fr'), general, config)).toEqual({ allowed: true, as: 'pilot' });
    expect(mayActOn(person('accueil@spst-test.fr'), general, config)).toEqual({
      allowed: true,
      as: 'category referent',
    });
    const assigned = { ...general, assigneeEmail: 'dr.martin@spst-test.fr' };
    expect(mayActOn(person('dr.martin@spst-test.fr'), assigned, config)).toEqual({ allowed: true, as: 'assignee' });
    const routed = { ...general, category: null, routedTo: ['dr.martin@spst-test.fr'] };
    expect(mayActOn(person('dr.martin@spst-test.fr'), routed, config)).toEqual({
      allowed: true,
      as: 'routed referent',
    });
    expect(mayActOn(person('direction@spst-test.fr'), general, config)).toEqual({ allowed: true, as: 'direction' });
  });

  it('refuses a referent the ticket was taken from, who is not a referent of its category, saying why', () => {
    const reassigned = { ...general, assigneeEmail: 'accueil@spst-test.fr' };
    expect(mayActOn(person('dr.martin@spst-test.fr'), reassigned, config)).toEqual({
      allowed: false,
      reason:
        'la réclamation ne vous est pas (ou plus) confiée (responsable : Accueil) et vous n’êtes pas référent de sa catégorie Générale : vos commandes n’ont pas été appliquées ; pour agir, demandez au pilote de vous la confier (#assigner)',
    });
  });

  it('lets only doctors act on a medical ticket, assigned or not, pilot included', () => {
    const medical: TicketHolders = {
      category: 'medicale',
      confidential: true,
      assigneeEmail: 'accueil@spst-test.fr',
      routedTo: ['accueil@spst-test.fr'],
    };
    expect(mayActOn(person('dr.martin@spst-test.fr'), medical, config)).toEqual({ allowed: true, as: 'doctor' });
    for (const email of ['pilote@spst-test.fr', 'accueil@spst-test.fr', 'direction@spst-test.fr'])
      expect(mayActOn(person(email), medical, config)).toEqual({
        allowed: false,
        reason: 'réclamation médicale : seuls les médecins peuvent agir sur elle',
      });
  });
});
