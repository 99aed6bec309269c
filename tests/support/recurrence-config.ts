// The test configuration with typologies (what recurrence counts on) in a billing category and
// the medical one, and the recurrence rule given.
import type { Config } from '../../src/config/config-schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { testConfigYaml, type TestConfigOptions } from './test-config.js';

export const TYPOLOGY_CATEGORIES = `  - { key: generale, label: Générale, referents: [accueil@spst-test.fr] }
  - key: facturation
    label: Facturation
    referents: [accueil@spst-test.fr]
    typologies:
      - { key: erreur-facture, label: "Erreur de facturation", keywords: [facture, doublon, avoir] }
      - { key: cotisation, label: "Montant de la cotisation", keywords: [cotisation, tarif] }
  - key: medicale
    label: Médicale
    confidential: true
    referents: [dr.martin@spst-test.fr]
    typologies:
      - { key: visite-non-realisee, label: "Visite non réalisée", keywords: [visite annulée, médecin absent] }
`;

/** testConfigYaml with typologies and `recurrence` (plus `extra` keys). */
export function recurrenceConfigYaml(recurrence = '{ threshold: 10, months: 6 }', options: TestConfigOptions = {}) {
  const yaml = testConfigYaml({ ...options, extra: `recurrence: ${recurrence}\n${options.extra ?? ''}` });
  return yaml.replace(/categories:\n(?: {2}- \{ key: [a-z]+,.*\n)+/, `categories:\n${TYPOLOGY_CATEGORIES}`);
}

export function recurrenceConfig(recurrence?: string, options: TestConfigOptions = {}): Config {
  return loadConfig(recurrenceConfigYaml(recurrence, options), {}, 'test').config;
}
