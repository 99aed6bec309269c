// The shipped examples must load as they are and keep the figures their procedures state; a broken
// configuration must be reported key by key, without ever echoing a secret.
import { formatDuration } from '../../src/domain/duration.js';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Config } from '../../src/config/config-schema.js';
import { ConfigError, loadConfig, redactConfig } from '../../src/config/load-config.js';

const EXAMPLES = new URL('../../examples/', import.meta.url);

const ENV = {
  IMAP_PASSWORD: 'imap-pass-x',
  SMTP_PASSWORD: 'smtp-pass-x',
  REPLY_SECRET: 'a'.repeat(32),
  IMAP_HOST: 'imap.test',
  SMTP_HOST: 'smtp.test',
  DATABASE_URL: 'postgres://u:p@h/db',
} as const;

function example(name: string): string {
  return readFileSync(new URL(name, EXAMPLES), 'utf8');
}

function loadExample(name: string): Config {
  const { config, warnings } = loadConfig(example(name), ENV, name);
  expect(warnings).toEqual([]);
  return config;
}

/** The ConfigError thrown for `text`, failing the test if the text loads. */
function problemsOf(text: string, env: Record<string, string | undefined> = ENV): ConfigError {
  try {
    loadConfig(text, env, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** minimal.yaml with `change` applied to its parsed document. */
// biome-ignore lint/suspicious/noExplicitAny: tests edit arbitrary paths of the parsed YAML
type YamlDocument = Record<string, any>;

function minimalWith(change: (document: YamlDocument) => void): string {
  const document = parseYaml(example('minimal.yaml')) as YamlDocument;
  change(document);
  return stringifyYaml(document);
}

function resolveDeadlines(config: Config): Record<number, [string, string]> {
  return Object.fromEntries(
    config.levels.map((l) => [l.level, [formatDuration(l.ackWithin), formatDuration(l.resolveWithin)]]),
  );
}

function doctors(config: Config): Set<string> {
  return new Set(config.people.filter((p) => p.roles.includes('doctor')).map((p) => p.email));
}

describe('examples/', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

  it('holds one configuration per procedure plus the minimal one', () => {
    expect(files.sort()).toEqual(
      ['ciamt.yaml', 'formation-qualiopi.yaml', 'minimal.yaml', 'santbtp.yaml', 'simup.yaml', 'smin.yaml'].sort(),
    );
  });

  it.each(files)('%s loads with the documented environment and no warnings', (file) => {
    const config = loadExample(file);
    expect(config.people.some((p) => p.roles.includes('pilot'))).toBe(true);
    expect(config.security.replySecret).toBe(ENV.REPLY_SECRET);
    expect(config.mailbox.imap.password).toBe(ENV.IMAP_PASSWORD);
  });

  it.each(files)('%s keeps confidential tickets with doctors only', (file) => {
    const config = loadExample(file);
    const allowed = doctors(config);
    const confidential = config.categories.filter((c) => c.confidential);
    for (const category of confidential) {
      for (const referent of category.referents) expect(allowed, `${category.key} → ${referent}`).toContain(referent);
    }
    for (const rule of config.routing.filter((r) => confidential.some((c) => c.key === r.when.category))) {
      for (const person of rule.assign) expect(allowed).toContain(person);
    }
    const medicale = config.categories.find((c) => c.key === 'medicale');
    if (medicale) expect(medicale.confidential).toBe(true);
  });

  it.each(['simup.yaml', 'ciamt.yaml', 'smin.yaml', 'santbtp.yaml'])(
    '%s has the six SPST categories with Médicale confidential',
    (file) => {
      const config = loadExample(file);
      expect(config.categories.map((c) => c.key)).toEqual([
        'generale',
        'medicale',
        'administrative',
        'facturation',
        'prevention',
        'autre',
      ]);
      expect(config.categories.find((c) => c.key === 'medicale')?.confidential).toBe(true);
      expect(config.categories.filter((c) => c.confidential).map((c) => c.key)).toEqual(['medicale']);
      for (const category of config.categories) expect(category.typologies.length).toBeGreaterThan(0);
    },
  );

  it('uses each typology key once per file, so recurrence counts one thing', () => {
    for (const file of files) {
      const keys = loadExample(file).categories.flatMap((c) => c.typologies.map((t) => t.key));
      expect(new Set(keys).size, file).toBe(keys.length);
    }
  });

  it("SIM'UP: direction acts within 5 days of an overdue ticket; referent closes after OUI", () => {
    const config = loadExample('simup.yaml');
    expect(formatDuration(config.escalation.directionWithin)).toBe('5d');
    expect(config.effectiveness).toMatchObject({ enabled: true, askAfterAnswer: true, closeOnYes: false });
    expect(config.digest.recipients).toHaveLength(2);
    expect(resolveDeadlines(config)).toEqual({ 1: ['2bd', '10d'], 2: ['2bd', '15d'], 3: ['2bd', '30d'] });
  });

  it('CIAMT PRD-AME-004: urgent / week, fortnight, month', () => {
    const config = loadExample('ciamt.yaml');
    expect(resolveDeadlines(config)).toEqual({ 1: ['24h', '7d'], 2: ['15d', '15d'], 3: ['30d', '30d'] });
    expect(config.defaultLevel).toBe(3);
    expect(config.database.url).toBe(ENV.DATABASE_URL);
    expect(config.digest.schedule.expression).toBe('0 8 1 * *');
    const medicale = config.categories.find((c) => c.key === 'medicale');
    expect(medicale?.referents.length).toBeGreaterThan(0);
  });

  it('SMIN: its own mailbox, more than 10 identical in 6 months, annual indicators', () => {
    const config = loadExample('smin.yaml');
    expect(config.mailbox.address).toBe('reclamation@spst-smin.fr');
    expect(config.recurrence).toEqual({ threshold: 10, months: 6, remindEvery: { amount: 7, unit: 'd' } });
    expect(config.digest.schedule.expression).toBe('0 8 1 1 *');
    expect(config.effectiveness.closeOnYes).toBe(false);
  });

  it('SAN.T.BTP: 10 / 15 / 30 days, immediate level 1, employees to direction or doctor', () => {
    const config = loadExample('santbtp.yaml');
    expect(config.levels.map((l) => [l.level, formatDuration(l.resolveWithin)])).toEqual([
      [1, '10d'],
      [2, '15d'],
      [3, '30d'],
    ]);
    expect(config.levels[0]?.ackWithin).toEqual({ amount: 4, unit: 'h' });
    const allowed = doctors(config);
    const [medical, employee] = config.routing;
    expect(medical?.when).toEqual({ category: 'medicale' });
    expect(medical?.assign.every((a) => allowed.has(a))).toBe(true);
    expect(employee?.when).toEqual({ requester: 'salarie' });
    const directionPeople = new Set(config.people.filter((p) => p.roles.includes('direction')).map((p) => p.email));
    expect(employee?.assign.some((a) => directionPeople.has(a))).toBe(true);
    expect(employee?.assign.some((a) => allowed.has(a))).toBe(true);
    expect(config.digest.schedule.expression).toBe('0 8 1 * *');
  });

  it('training body (Qualiopi 31): acknowledged and handled within 48 hours, nothing confidential', () => {
    const config = loadExample('formation-qualiopi.yaml');
    expect(resolveDeadlines(config)).toEqual({ 1: ['48h', '48h'] });
    expect(config.defaultLevel).toBe(1);
    expect(config.categories.some((c) => c.confidential)).toBe(false);
    expect(config.effectiveness.enabled).toBe(true);
  });

  it('minimal: defaults fill everything left out', () => {
    const config = loadExample('minimal.yaml');
    expect(config.organisation).toEqual({
      name: 'Mon service',
      timezone: 'Europe/Paris',
      ticketPrefix: 'REC',
      alsaceMoselle: false,
    });
    expect(config.mailbox.imap).toMatchObject({
      port: 993,
      secure: true,
      inbox: 'INBOX',
      processed: 'Traitées',
      idle: true,
    });
    expect(config.database).toEqual({ dataDir: './data' });
    expect(config.recurrence).toEqual({ threshold: 10, months: 6, remindEvery: { amount: 7, unit: 'd' } });
  });
});

describe('loadConfig errors', () => {
  it('names the key whose environment variable is missing', () => {
    const { IMAP_PASSWORD: _, ...env } = ENV;
    const error = problemsOf(example('minimal.yaml'), env);
    expect(error.problems).toEqual(['mailbox.imap.password: environment variable IMAP_PASSWORD is not set']);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('test.yaml');
  });

  it('refuses security.trustDmarcPass without security.authservId, naming the key (it would trust nothing)', () => {
    const error = problemsOf(minimalWith((d) => Object.assign(d.security, { trustDmarcPass: true })));
    expect(error.problems).toEqual([
      'security.authservId: required when security.trustDmarcPass is true: the authserv-id your receiving mail server writes in Authentication-Results (e.g. mx.spst-exemple.fr)',
    ]);
    expect(
      problemsOf(minimalWith((d) => Object.assign(d.security, { trustDmarcPass: true, authservId: ' ' }))).problems,
    ).toContain('security.authservId: Too small: expected string to have >=1 characters');
    const { config } = loadConfig(
      minimalWith((d) => Object.assign(d.security, { trustDmarcPass: true, authservId: 'mx.spst-exemple.fr' })),
      ENV,
    );
    expect(config.security).toMatchObject({ trustDmarcPass: true, authservId: 'mx.spst-exemple.fr' });
  });

  it('treats an empty variable as unset', () => {
    const error = problemsOf(example('minimal.yaml'), { ...ENV, IMAP_HOST: '' });
    expect(error.problems).toContain('mailbox.imap.host: environment variable IMAP_HOST is not set');
  });

  it('substitutes ${VAR:-default} and keeps $${VAR} literal', () => {
    const text = minimalWith((d) => {
      d.mailbox.imap.user = '${IMAP_USER:-reclamation@mon-service.example}';
      d.organisation.name = 'Prix $${PRIX} pour ${ORG:-Mon service}';
    });
    const { config } = loadConfig(text, ENV);
    expect(config.mailbox.imap.user).toBe('reclamation@mon-service.example');
    expect(config.organisation.name).toBe('Prix ${PRIX} pour Mon service');
    expect(loadConfig(text, { ...ENV, IMAP_USER: 'autre' }).config.mailbox.imap.user).toBe('autre');
  });

  it('rejects an unknown role', () => {
    const text = minimalWith((d) => {
      d.people[0].roles = ['pilot', 'chef'];
    });
    expect(problemsOf(text).problems).toEqual([
      'people[0].roles[1]: must be one of pilot, direction, doctor, referent',
    ]);
  });

  it('rejects a bad duration', () => {
    const text = minimalWith((d) => {
      d.levels[0].resolveWithin = '10 jours';
    });
    expect(problemsOf(text).problems).toEqual([
      'levels[0].resolveWithin: must be a duration such as 10d (calendar days), 5bd (business days) or 48h (hours)',
    ]);
  });

  it.each(['0d', '10', '1.5d', '2w', '-3h'])('rejects the duration %s', (value) => {
    const text = minimalWith((d) => {
      d.levels[0].ackWithin = value;
    });
    expect(problemsOf(text).problems[0]).toMatch(/^levels\[0\]\.ackWithin: must be a duration/);
  });

  it('rejects a mailbox.maxMessageBytes below 64 KiB, and defaults it to 8 MiB', () => {
    const text = minimalWith((d) => {
      d.mailbox.maxMessageBytes = 1000;
    });
    expect(problemsOf(text).problems).toEqual(['mailbox.maxMessageBytes: must be at least 65536 (64 KiB)']);
    expect(loadExample('minimal.yaml').mailbox.maxMessageBytes).toBe(8 * 1024 * 1024);
  });

  it('refuses ANA as ticket prefix (the analyses’ own), working hours that are no span, a bad remindEvery', () => {
    const text = minimalWith((d) => {
      d.organisation.ticketPrefix = 'ANA';
      d.escalation = { workingHours: '18-8' };
      d.recurrence = { remindEvery: 'chaque semaine' };
    });
    expect([...problemsOf(text).problems].sort()).toEqual([
      'escalation.workingHours: must be START-END in whole hours with START < END ≤ 24, e.g. "8-18"',
      'organisation.ticketPrefix: ANA is the prefix of recurrence analyses (ANA-2026-0001): choose another ticket prefix',
      'recurrence.remindEvery: must be a duration such as 10d (calendar days), 5bd (business days) or 48h (hours)',
    ]);
  });

  it('rejects a defaultLevel that is not defined', () => {
    const text = minimalWith((d) => {
      d.defaultLevel = 2;
    });
    expect(problemsOf(text).problems).toEqual(['defaultLevel: level 2 is not one of the levels defined under levels']);
  });

  it('rejects a referent who is not listed under people', () => {
    const text = minimalWith((d) => {
      d.categories[0].referents = ['Inconnu@Mon-Service.example'];
    });
    expect(problemsOf(text).problems).toEqual([
      'categories[0].referents[0]: inconnu@mon-service.example is not listed under people',
    ]);
  });

  it('rejects routing to an unknown person, category or level', () => {
    const text = minimalWith((d) => {
      d.routing = [{ when: { category: 'medicale', level: 3 }, assign: ['x@mon-service.example'] }];
    });
    expect(problemsOf(text).problems).toEqual([
      'routing[0].when.category: unknown category medicale',
      'routing[0].when.level: unknown level 3',
      'routing[0].assign[0]: x@mon-service.example is not listed under people',
    ]);
  });

  it('requires a pilot', () => {
    const text = minimalWith((d) => {
      d.people[0].roles = ['referent'];
    });
    expect(problemsOf(text).problems).toEqual([
      'people: at least one person must have the pilot role (alerts and the digest go to the pilot)',
    ]);
  });

  it('rejects the mailbox listed as a person', () => {
    const text = minimalWith((d) => {
      d.people.push({ email: 'reclamation@mon-service.example', roles: ['referent'] });
    });
    expect(problemsOf(text).problems).toEqual([
      'mailbox.address: the complaint mailbox cannot also be a person (the bot would answer itself)',
    ]);
  });

  it('rejects an invalid time zone', () => {
    const text = minimalWith((d) => {
      d.organisation.timezone = 'Europe/Lyon';
    });
    expect(problemsOf(text).problems).toEqual([
      'organisation.timezone: must be an IANA time zone such as Europe/Paris',
    ]);
  });

  it('says which required key is missing', () => {
    const text = minimalWith((d) => {
      delete d.organisation.name;
      delete d.defaultLevel;
    });
    expect(problemsOf(text).problems).toEqual(['organisation.name: is required', 'defaultLevel: is required']);
  });

  it('lists every problem in one pass, cross-references included', () => {
    const text = minimalWith((d) => {
      d.mailbox.imap.port = 'imaps';
      d.levels[0].ackWithin = 'vite';
      d.defaultLevel = 3;
      d.categories[0].referents = ['personne@mon-service.example'];
    });
    expect(problemsOf(text).problems).toEqual([
      'mailbox.imap.port: Invalid input: expected number, received string',
      'levels[0].ackWithin: must be a duration such as 10d (calendar days), 5bd (business days) or 48h (hours)',
      'defaultLevel: level 3 is not one of the levels defined under levels',
      'categories[0].referents[0]: personne@mon-service.example is not listed under people',
    ]);
  });

  it('reports invalid YAML', () => {
    const error = problemsOf('organisation: { name: "Mon service"\npeople: [');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^the file is not valid YAML: /);
  });

  it('reports a file that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n').problems).toEqual([
      'the file must be a YAML mapping (organisation:, mailbox:, people: …)',
    ]);
    expect(problemsOf('').problems).toHaveLength(1);
  });

  it('warns about unknown keys, with their path, and still loads', () => {
    const text = minimalWith((d) => {
      d.people[0].phone = '02 99 00 00 00';
      d.statistics = { weekly: true };
    });
    const { config, warnings } = loadConfig(text, ENV);
    expect(warnings).toEqual(['people[0].phone: unknown key, ignored', 'statistics: unknown key, ignored']);
    expect(config.organisation.timezone).toBe('Europe/Paris');
  });

  it('refuses a key one or two letters away from a known one, with « did you mean » and its line', () => {
    const text = minimalWith((d) => {
      d.organisation.ticketPrefx = 'QUA';
      d.organisation.timeZone = 'Europe/Paris';
      d.digets = { recipients: [] };
    });
    const error = problemsOf(text);
    expect(error.problems).toEqual([
      'organisation.ticketPrefx: unknown key; did you mean ticketPrefix?',
      'organisation.timeZone: unknown key; did you mean timezone?',
      'digets: unknown key; did you mean digest?',
    ]);
    const lines = text.split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(error.lines).toEqual([lineOf('ticketPrefx'), lineOf('timeZone'), lineOf('digets')]);
    expect(error.message).toContain(`line ${lineOf('ticketPrefx')}: organisation.ticketPrefx`);
  });

  it('gives the line of every problem in the printed message', () => {
    const text = minimalWith((d) => {
      d.mailbox.imap.port = 'neuf';
    });
    const error = problemsOf(text);
    const line = text.split('\n').findIndex((l) => l.includes('neuf')) + 1;
    expect(error.problems).toEqual(['mailbox.imap.port: Invalid input: expected number, received string']);
    expect(error.message).toContain(`line ${line}: mailbox.imap.port`);
    const yaml = problemsOf('organisation: { name: "x"\npeople: [');
    expect(yaml.lines[0]).toBeGreaterThan(0);
  });

  it('explains a TLS setting that does not match the well-known port', () => {
    const smtp = problemsOf(
      minimalWith((d) => {
        d.mailbox.smtp.port = 587;
        d.mailbox.smtp.secure = true;
      }),
    );
    expect(smtp.problems).toEqual([
      expect.stringMatching(
        /^mailbox\.smtp\.secure: port 587 starts in plain text and switches to TLS once connected \(STARTTLS\), but secure: true makes reclam speak TLS from the first byte.*set secure: false/,
      ),
    ]);
    const imap = problemsOf(
      minimalWith((d) => {
        d.mailbox.imap.port = 993;
        d.mailbox.imap.secure = false;
      }),
    );
    expect(imap.problems).toEqual([
      expect.stringMatching(/^mailbox\.imap\.secure: port 993 speaks TLS from the first byte, but secure: false/),
    ]);
  });
});

describe('misspelt keys in every section, and a line for every problem', () => {
  it('refuses a misspelt key inside sections that default to {} (attachments, web, monitoring, outbox…)', () => {
    const text = minimalWith((d) => {
      d.attachments = { notifyMaxByte: 5 };
      d.web = { enabeld: true };
      d.monitoring = { prot: 9000 };
      d.outbox = { maxAttempt: 3 };
    });
    expect(problemsOf(text).problems).toEqual([
      'attachments.notifyMaxByte: unknown key; did you mean notifyMaxBytes?',
      'web.enabeld: unknown key; did you mean enabled?',
      'monitoring.prot: unknown key; did you mean port?',
      'outbox.maxAttempt: unknown key; did you mean maxAttempts?',
    ]);
  });

  it('gives a line number with every problem', () => {
    const broken = [
      minimalWith((d) => {
        d.organisation.ticketPrefx = 'ABC';
        d.mailbox.smtp.port = 587;
        d.mailbox.smtp.secure = true;
        d.defaultLevel = 9;
        delete d.security;
      }),
      '- a list\n- not a mapping\n',
      'organisation: { name: "x"\npeople: [',
    ];
    for (const text of broken) {
      const error = problemsOf(text);
      expect(error.lines.length).toBeGreaterThan(0);
      for (const line of error.lines) expect(line).toBeGreaterThan(0);
      for (const printed of error.message.split('\n').slice(1)) expect(printed).toMatch(/^ {2}- line \d+: /);
    }
  });
});

describe('secrets', () => {
  const SECRETS = {
    IMAP_PASSWORD: 'imap-Hunter2-secret',
    SMTP_PASSWORD: 'smtp-Hunter2-secret',
    REPLY_SECRET: 'reply-Hunter2-secret-0123456789abcdef',
    DATABASE_URL: 'postgres://reclam:db-Hunter2-secret@db.test:5432/reclam',
  };
  const env = { ...ENV, ...SECRETS };

  it('redactConfig hides passwords, the reply secret and the database password, and keeps the rest', () => {
    const { config } = loadConfig(example('ciamt.yaml'), env);
    const redacted = redactConfig(config) as Config;
    expect(redacted.mailbox.imap.password).toBe('***');
    expect(redacted.mailbox.smtp.password).toBe('***');
    expect(redacted.security.replySecret).toBe('***');
    expect(redacted.database.url).toBe('postgres://reclam:***@db.test:5432/reclam');
    expect(redacted.mailbox.imap.host).toBe('imap.test');
    expect(redacted.mailbox.imap.user).toBe('reclamation@ciamt.example');
    expect(redacted.people).toEqual(config.people);
    const printed = JSON.stringify(redacted);
    // Durations as written in the file, not as parsed.
    expect(redacted.levels).toEqual(
      config.levels.map((l) => ({
        ...l,
        ackWithin: formatDuration(l.ackWithin),
        resolveWithin: formatDuration(l.resolveWithin),
        ...(l.remindBefore ? { remindBefore: formatDuration(l.remindBefore) } : {}),
      })),
    );
    expect(printed).toContain('"schedule":"0 8 1 * *"');
    for (const secret of ['imap-Hunter2', 'smtp-Hunter2', 'reply-Hunter2', 'db-Hunter2'])
      expect(printed).not.toContain(secret);
    // The loaded configuration itself is untouched.
    expect(config.mailbox.imap.password).toBe(SECRETS.IMAP_PASSWORD);
  });

  it('redactConfig leaves an empty password empty', () => {
    const { config } = loadConfig(example('minimal.yaml'), { ...ENV, IMAP_PASSWORD: 'x' });
    const redacted = redactConfig({
      ...config,
      mailbox: { ...config.mailbox, imap: { ...config.mailbox.imap, password: '' } },
    }) as Config;
    expect(redacted.mailbox.imap.password).toBe('');
  });

  it('error messages never contain secret values', () => {
    const text = example('ciamt.yaml')
      .replace('ticketPrefix: CIAMT', 'ticketPrefix: "${SMTP_PASSWORD}"')
      .replace('port: 993', 'port: "${IMAP_PASSWORD}"')
      .replace('url: "${DATABASE_URL}"', 'url: "${BAD_URL}"')
      .replace('timezone: Europe/Paris', 'timezone: "${REPLY_SECRET}"');
    const shortSecret = 'Hunter2-short';
    const error = problemsOf(text, {
      ...env,
      BAD_URL: 'mysql://reclam:db-Hunter2-secret@db.test/reclam',
      REPLY_SECRET: shortSecret,
    });
    expect(error.problems.length).toBeGreaterThanOrEqual(5);
    expect(error.problems).toContain('security.replySecret: must be at least 16 characters (use a long random value)');
    const printed = `${error.message}\n${error.problems.join('\n')}\n${String(error)}`;
    for (const secret of [...Object.values(SECRETS), 'db-Hunter2', shortSecret]) expect(printed).not.toContain(secret);
  });
});
