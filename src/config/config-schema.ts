// The shape of reclam.yaml (SPEC §7). Validation happens once at start-up; every problem is
// reported with the dotted path of its key so an administrator can fix the file in one pass.
import { z } from 'zod';
import { parseWorkingHours, type WorkingHours } from '../domain/analysis-reminder.js';
import { type Duration, parseDuration } from '../domain/duration.js';
import { ANALYSIS_PREFIX } from '../domain/recurrence.js';
import { qualificationOverridesSchema } from '../domain/qualification-overrides.js';
import { ROLES, type Person } from '../domain/people.js';
import { type CronSchedule, parseCronSchedule } from '../domain/period.js';
import type { Settings } from '../domain/settings.js';
import { CHANNELS, REQUESTER_TYPES } from '../domain/ticket.js';

/** 8 MiB: the largest mail whose ingest stays within ~200 MB of memory on either engine (bench/README.md). */
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

const email = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/, 'must be an e-mail address like nom@domaine.fr');

/** A text parsed here once by `parse` (null: not understood, `message` says what is expected). */
function parsedText<T>(parse: (text: string) => T | null, message: string) {
  return z.string().transform((value, ctx): T => {
    const parsed = parse(value);
    if (parsed !== null) return parsed;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });
}

/** A duration as written (`10d`, `5bd`, `48h`), parsed here once: the rest of the code reads a Duration. */
const duration = parsedText<Duration>(
  parseDuration,
  'must be a duration such as 10d (calendar days), 5bd (business days) or 48h (hours)',
);

const timezone = z.string().refine(
  (value) => {
    try {
      new Intl.DateTimeFormat('fr-FR', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as Europe/Paris' },
);

/** The monthly digest and the quarterly and annual reviews (SPEC §5). */
export const DIGEST_REVIEWS = ['monthly', 'quarterly', 'annual'] as const;
export type DigestReview = (typeof DIGEST_REVIEWS)[number];

/**
 * Certificate checking of a mail server. Verified by default (the server's certificate must chain
 * to a trusted authority and name the host); `acceptUnverifiedCertificate: true` turns that off,
 * for a local server with a self-signed certificate only (`reclam check` warns about it).
 */
const tlsSchema = z
  .object({
    acceptUnverifiedCertificate: z.boolean().default(false),
  })
  .prefault({});

const imapSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(993),
  secure: z.boolean().default(true),
  user: z.string().min(1),
  password: z.string().default(''),
  inbox: z.string().min(1).default('INBOX'),
  processed: z.string().min(1).default('Traitées'),
  quarantine: z.string().min(1).default('Quarantaine'),
  idle: z.boolean().default(true),
  pollSeconds: z.number().positive().max(3600).default(60),
  /** Mails fetched, recorded in one transaction and moved together. */
  batchSize: z.number().int().min(1).max(500).default(50),
  tls: tlsSchema,
});

const smtpSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
  /** Display name used in From: for every mail the bot sends. */
  fromName: z.string().optional(),
  /** Seconds to wait for the SMTP server before counting the attempt as a transient failure. */
  timeoutSeconds: z.number().positive().default(30),
  tls: tlsSchema,
});

const personSchema = z.object({
  email,
  name: z.string().optional(),
  roles: z.array(z.enum(ROLES)).min(1),
}) satisfies z.ZodType<Person>;

const typologySchema = z.object({
  key: z.string().regex(/^[a-z0-9_-]+$/, 'must be lower-case letters, digits, - or _'),
  label: z.string().min(1),
  keywords: z.array(z.string()).default([]),
});

const categorySchema = z.object({
  key: z.string().regex(/^[a-z0-9_-]+$/, 'must be lower-case letters, digits, - or _'),
  label: z.string().min(1),
  confidential: z.boolean().default(false),
  referents: z.array(email).default([]),
  typologies: z.array(typologySchema).default([]),
});

const levelSchema = z.object({
  level: z.number().int().min(1).max(9),
  label: z.string().min(1),
  ackWithin: duration,
  resolveWithin: duration,
  /** Lead time of the handler's reminder before the deadline and intermediate deadlines; absent: none. */
  remindBefore: duration.optional(),
});

const routingRuleSchema = z.object({
  when: z
    .object({
      category: z.string().optional(),
      requester: z.enum(REQUESTER_TYPES).optional(),
      level: z.number().int().optional(),
      channel: z.enum(CHANNELS).optional(),
    })
    .default({}),
  assign: z.array(email).min(1),
});

const budgetWindowSchema = z.object({
  max: z.number().int().positive(),
  within: duration,
});

export const configSchema = z
  .object({
    organisation: z.object({
      name: z.string().min(1),
      timezone: timezone.default('Europe/Paris'),
      ticketPrefix: z
        .string()
        .regex(/^[A-Z][A-Z0-9]{1,9}$/, 'must be 2 to 10 upper-case letters or digits, starting with a letter')
        .default('REC'),
      /** Count Good Friday and 26 December as public holidays (Alsace-Moselle). */
      alsaceMoselle: z.boolean().default(false),
    }),
    mailbox: z.object({
      address: email,
      imap: imapSchema,
      smtp: smtpSchema,
      plusAddressing: z.boolean().default(true),
      /**
       * Largest mail processed automatically, in bytes, checked before it is parsed (over IMAP
       * before its body is fetched). A larger one is quarantined: the whole mail stays in the
       * quarantine folder (or the file), its headers in the quarantine table, and the pilot is told.
       */
      maxMessageBytes: z
        .number()
        .int()
        .min(64 * 1024, 'must be at least 65536 (64 KiB)')
        .default(DEFAULT_MAX_MESSAGE_BYTES),
    }),
    database: z
      .object({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
          .optional(),
        dataDir: z.string().min(1).default('./data'),
      })
      .default({ dataDir: './data' }),
    security: z.object({
      replySecret: z.string().min(16, 'must be at least 16 characters (use a long random value)'),
      trustDmarcPass: z.boolean().default(false),
      /**
       * With trustDmarcPass (then required): the authserv-id your receiving server writes in
       * Authentication-Results (e.g. mx.spst.fr). Only that server's verdict, added on top of the
       * mail, is believed; anyone can write the header (domain/authentication-results.ts).
       */
      authservId: z.string().trim().min(1).optional(),
      tokenTtlDays: z.number().int().positive().default(180),
    }),
    people: z.array(personSchema).min(1),
    categories: z.array(categorySchema).min(1),
    levels: z.array(levelSchema).min(1),
    defaultLevel: z.number().int(),
    routing: z.array(routingRuleSchema).default([]),
    acknowledgement: z
      .object({
        /** Send the acknowledgement at all (a procedure may prefer a phone call). */
        enabled: z.boolean().default(true),
      })
      .default({ enabled: true }),
    rateLimits: z
      .object({
        /** Automatic mails to one outside address; past any window the bot stops and tells the pilot once. */
        perAddress: z.array(budgetWindowSchema).prefault([
          { max: 10, within: '3h' },
          { max: 40, within: '24h' },
        ]),
      })
      .prefault({}),
    attachments: z
      .object({
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(25 * 1024 * 1024),
        /**
         * Staff notifications (new ticket, complainant's follow-up) carry the complainant's
         * attachments up to this total, to the people who may see the ticket; 0: never.
         */
        notifyMaxBytes: z
          .number()
          .int()
          .min(0)
          .default(10 * 1024 * 1024),
      })
      .prefault({}),
    outbox: z
      .object({
        maxAttempts: z.number().int().min(1).default(8),
        /** First retry delay in seconds; doubles each attempt up to maxDelaySeconds. */
        baseDelaySeconds: z.number().positive().default(30),
        maxDelaySeconds: z.number().positive().default(3600),
        /** PostgreSQL: deliver from a worker thread of the daemon (its own connections). */
        separateThread: z.boolean().default(true),
      })
      .default({ maxAttempts: 8, baseDelaySeconds: 30, maxDelaySeconds: 3600, separateThread: true }),
    effectiveness: z
      .object({
        enabled: z.boolean().default(true),
        askAfterAnswer: z.boolean().default(true),
        remindAfter: duration.prefault('7d'),
        /** No answer this long after the question: the ticket closes as effective (an event says so); absent: never. */
        silenceMeansYesAfter: duration.optional(),
        closeOnYes: z.boolean().default(true),
        /** #clore is refused until the complainant said OUI or a referent recorded #efficace. */
        requiredBeforeClose: z.boolean().default(true),
      })
      .prefault({}),
    notifications: z
      .object({
        /** Tell the complainant the new deadline when a referent changes the level (#niveau). */
        levelChangeToComplainant: z.boolean().default(true),
      })
      .default({ levelChangeToComplainant: true }),
    escalation: z
      .object({
        /** false: overdue tickets are not escalated to the direction (the deadline reminders stay). */
        enabled: z.boolean().default(true),
        /** How long after the deadline the direction is alerted; absent: as soon as it passes. */
        after: duration.optional(),
        /** How long direction has to act once a ticket is overdue (SIM'UP: 5 days). */
        directionWithin: duration.prefault('5d'),
        workingHours: z
          .string()
          .regex(/^\d{1,2}-\d{1,2}$/)
          .pipe(
            parsedText<WorkingHours>(
              parseWorkingHours,
              'must be START-END in whole hours with START < END ≤ 24, e.g. "8-18"',
            ),
          )
          .prefault('8-18'),
      })
      .prefault({}),
    recurrence: z
      .object({
        /** An analysis opens when more than this many tickets of one typology fall in the window. */
        threshold: z.number().int().positive().default(10),
        /** The window, in calendar months. */
        months: z.number().int().positive().max(120).default(6),
        /** How often the pilot is reminded of an open analysis (in working hours, on business days). */
        remindEvery: duration.prefault('7d'),
      })
      .prefault({}),
    digest: z
      .object({
        /** Parsed here once; its `expression` is what node-cron is given. */
        schedule: parsedText<CronSchedule>(
          parseCronSchedule,
          'must be a five-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 8 1 * *"',
        ).prefault('0 8 1 * *'),
        recipients: z.array(email).default([]),
        /**
         * Which digests the schedule sends; absent: implied by the schedule's months
         * (every month → monthly, 4 → quarterly, 1 → annual).
         */
        reviews: z.array(z.enum(DIGEST_REVIEWS)).min(1).optional(),
      })
      .prefault({}),
    retention: z.object({ anonymiseClosedAfter: duration.optional() }).default({}),
    templates: z
      .object({
        /** A folder of .hbs files that replace the shipped French templates of the same name. */
        overrideDir: z.string().optional(),
      })
      .default({}),
    /** Automatic qualification at reception: cues added to or re-weighting the built-in French rules. */
    qualification: qualificationOverridesSchema,
    /** The read-only web desk `reclam run` serves (docs/web-desk.md); off unless enabled. */
    web: z
      .object({
        enabled: z.boolean().default(false),
        /** Address to listen on: loopback by default, a reverse proxy with TLS in front. */
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8480),
        /** The address people open (the proxy's, https://… behind TLS); sign-in links point there. */
        publicUrl: z
          .string()
          .regex(/^https?:\/\/[^/?#]+$/, 'must be http(s)://host[:port], without a path')
          .optional(),
        /** A session ends this long after sign-in. */
        sessionHours: z
          .number()
          .positive()
          .max(24 * 30)
          .default(12),
        /** Sign-in link requests allowed per address and per client in any 15 minutes. */
        linkRequestsPerAddress: z.number().int().positive().default(3),
        linkRequestsPerClient: z.number().int().positive().default(10),
        /** Behind a reverse proxy: take the client's address from the last X-Forwarded-For entry. */
        trustProxy: z.boolean().default(false),
      })
      .prefault({}),
    /** `/healthz` and `/metrics` (Prometheus) served by `reclam run` on a local address. */
    monitoring: z
      .object({
        enabled: z.boolean().default(false),
        /** Loopback by default: the figures are for the machine's own Prometheus or a proxy in front. */
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9464),
      })
      .prefault({}),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
      .default({ level: 'info' }),
  })
  // Cross-references are checked even when other keys failed (`when`), so one run lists every
  // problem; the value may then be partly invalid, hence the guarded reads below.
  .superRefine(checkReferences, { when: (payload) => isRecord(payload.value) });

function checkReferences(config: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(config)) return;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const people = records(config.people);
  const emails = new Set(people.map((p) => p.email).filter(isString));

  const seenPeople = new Set<string>();
  people.forEach((p, i) => {
    if (!isString(p.email)) return;
    if (seenPeople.has(p.email)) issue(['people', i, 'email'], `${p.email} is listed twice`);
    seenPeople.add(p.email);
  });
  if (Array.isArray(config.people) && !people.some((p) => Array.isArray(p.roles) && p.roles.includes('pilot'))) {
    issue(['people'], 'at least one person must have the pilot role (alerts and the digest go to the pilot)');
  }
  const levels = new Set<number>();
  records(config.levels).forEach((l, i) => {
    if (typeof l.level !== 'number') return;
    if (levels.has(l.level)) issue(['levels', i, 'level'], `level ${l.level} is defined twice`);
    levels.add(l.level);
  });
  if (Array.isArray(config.levels) && typeof config.defaultLevel === 'number' && !levels.has(config.defaultLevel)) {
    issue(['defaultLevel'], `level ${config.defaultLevel} is not one of the levels defined under levels`);
  }
  const categories = new Set<string>();
  records(config.categories).forEach((c, i) => {
    if (isString(c.key)) {
      if (categories.has(c.key)) issue(['categories', i, 'key'], `category ${c.key} is defined twice`);
      categories.add(c.key);
    }
    if (!Array.isArray(config.people)) return;
    list(c.referents).forEach((r, j) => {
      if (isString(r) && !emails.has(r)) issue(['categories', i, 'referents', j], `${r} is not listed under people`);
    });
  });
  records(config.routing).forEach((rule, i) => {
    const when = isRecord(rule.when) ? rule.when : {};
    if (Array.isArray(config.categories) && isString(when.category) && !categories.has(when.category)) {
      issue(['routing', i, 'when', 'category'], `unknown category ${when.category}`);
    }
    if (Array.isArray(config.levels) && typeof when.level === 'number' && !levels.has(when.level)) {
      issue(['routing', i, 'when', 'level'], `unknown level ${when.level}`);
    }
    if (!Array.isArray(config.people)) return;
    list(rule.assign).forEach((a, j) => {
      if (isString(a) && !emails.has(a)) issue(['routing', i, 'assign', j], `${a} is not listed under people`);
    });
  });
  const qualification = isRecord(config.qualification) ? config.qualification : {};
  if (Array.isArray(config.categories) && isRecord(qualification.categories)) {
    for (const key of Object.keys(qualification.categories)) {
      if (!categories.has(key)) issue(['qualification', 'categories', key], `unknown category ${key}`);
    }
  }
  if (Array.isArray(config.levels) && isRecord(qualification.levels)) {
    for (const key of Object.keys(qualification.levels)) {
      if (!levels.has(Number(key)))
        issue(['qualification', 'levels', key], `level ${key} is not one of the levels defined under levels`);
    }
  }
  const security = isRecord(config.security) ? config.security : {};
  if (security.trustDmarcPass === true && !(isString(security.authservId) && security.authservId.trim() !== '')) {
    // Without it no Authentication-Results could be told from one the sender wrote: trustDmarcPass would do nothing.
    issue(
      ['security', 'authservId'],
      'required when security.trustDmarcPass is true: the authserv-id your receiving mail server writes ' +
        'in Authentication-Results (e.g. mx.spst-exemple.fr)',
    );
  }
  const organisation = isRecord(config.organisation) ? config.organisation : {};
  if (organisation.ticketPrefix === ANALYSIS_PREFIX) {
    issue(
      ['organisation', 'ticketPrefix'],
      `${ANALYSIS_PREFIX} is the prefix of recurrence analyses (${ANALYSIS_PREFIX}-2026-0001): ` +
        'choose another ticket prefix',
    );
  }
  const address = isRecord(config.mailbox) ? config.mailbox.address : undefined;
  if (isString(address) && emails.has(address)) {
    issue(['mailbox', 'address'], 'the complaint mailbox cannot also be a person (the bot would answer itself)');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function records(value: unknown): Record<string, unknown>[] {
  return list(value).filter(isRecord);
}

export type Config = z.output<typeof configSchema>;
/** The domain reads the configuration through its own shapes (src/domain/settings.ts): a Config fits them. */
export type DomainSettings = FitsSettings<Config>;
type FitsSettings<T extends Settings> = T;
export type Category = Config['categories'][number];
export type LevelConfig = Config['levels'][number];
