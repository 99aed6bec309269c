// A small but complete configuration for tests, in the SPEC §7 shape.
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config-schema.js';

export interface TestConfigOptions {
  readonly imapPort?: number;
  readonly smtpPort?: number;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly extra?: string;
  readonly perAddress?: string;
  readonly outbox?: string;
  /** mailbox.imap.batchSize */
  readonly batchSize?: number;
  /** Keys added to `security` (e.g. `trustDmarcPass: true, authservId: mx.spst-test.fr`). */
  readonly security?: string;
}

export function testConfigYaml(options: TestConfigOptions = {}): string {
  return `
organisation: { name: "SPST Test", timezone: Europe/Paris, ticketPrefix: REC }
mailbox:
  address: reclamation@spst-test.fr
  imap: { host: 127.0.0.1, port: ${options.imapPort ?? 1}, secure: false, user: reclamation, password: "secret-imap",
          inbox: INBOX, processed: Traitées, quarantine: Quarantaine, idle: true, pollSeconds: 5${options.batchSize ? `, batchSize: ${options.batchSize}` : ''} }
  smtp: { host: 127.0.0.1, port: ${options.smtpPort ?? 1}, secure: false, timeoutSeconds: 5 }
database: { ${options.databaseUrl ? `url: "${options.databaseUrl}"` : `dataDir: "${options.dataDir ?? './data'}"`} }
security: { replySecret: "0123456789abcdef0123456789abcdef"${options.security ? `, ${options.security}` : ''} }
people:
  - { email: pilote@spst-test.fr, name: "Paule Pilote", roles: [pilot] }
  - { email: direction@spst-test.fr, name: "Henri Morel", roles: [direction] }
  - { email: dr.martin@spst-test.fr, name: "Dr Martin", roles: [doctor, referent] }
  - { email: accueil@spst-test.fr, name: "Accueil", roles: [referent] }
categories:
  - { key: generale, label: Générale, referents: [accueil@spst-test.fr] }
  - { key: medicale, label: Médicale, confidential: true, referents: [dr.martin@spst-test.fr] }
levels:
  - { level: 1, label: "Impact sur l'organisation et le service rendu", ackWithin: 48h, resolveWithin: 10d }
  - { level: 2, label: "Impact sur l'organisation seulement", ackWithin: 48h, resolveWithin: 15d }
  - { level: 3, label: "Sans impact", ackWithin: 48h, resolveWithin: 30d }
defaultLevel: 3
${options.perAddress ? `rateLimits: { perAddress: ${options.perAddress} }` : ''}
${options.outbox ? `outbox: ${options.outbox}` : ''}
log: { level: silent }
${options.extra ?? ''}
`;
}

export function testConfig(options: TestConfigOptions = {}): Config {
  return loadConfig(testConfigYaml(options), {}, 'test').config;
}

/** `yaml` with an administrative category whose referent (accueil@) is not a doctor. */
export function withAdministrativeCategory(yaml: string): string {
  return yaml.replace(
    '  - { key: medicale,',
    '  - { key: administrative, label: Administrative, referents: [accueil@spst-test.fr] }\n  - { key: medicale,',
  );
}
