// The `qualification` section of reclam.yaml: cues added to or re-weighting the built-in French
// rules, the low-confidence policy and learning. The domain owns the shape; src/config validates
// the file with this schema, and QualificationOverrides is what it accepts (every key optional).
// It holds the section's own defaults (the low-confidence policy and learning) and not the cue
// tables: validating a configuration (every CLI command) does not load the qualifier's rules.
import { z } from 'zod';

export const ACKNOWLEDGEMENT_LEVEL_CHOICES = ['default', 'most-protective', 'cautious'] as const;
export type AcknowledgementLevelChoice = (typeof ACKNOWLEDGEMENT_LEVEL_CHOICES)[number];

/** Built-in low-confidence policy (QualificationRuleSet.lowConfidence). */
export const DEFAULT_LOW_CONFIDENCE = {
  threshold: 0.5,
  acknowledgementLevel: 'cautious',
  cautiousFloor: 0.12,
} as const satisfies { threshold: number; acknowledgementLevel: AcknowledgementLevelChoice; cautiousFloor: number };
/** Built-in learning settings (QualificationRuleSet.learning). */
export const DEFAULT_LEARNING = {
  enabled: true,
  weight: 1,
  corpus: true,
  maxTickets: 10_000,
  ticketWeight: 1,
} as const;

/** Phrase → weight (−10…10; 0 switches a built-in cue off). Syntax: docs/configuration.md#qualification. */
const cueMapSchema = z.record(z.string().trim().min(1), z.number().min(-10).max(10));

/** The `qualification` section of reclam.yaml; src/config validates the file with it. */
export const qualificationOverridesSchema = z
  .object({
    /** false: start from no cue at all instead of the built-in French rules. */
    useDefaults: z.boolean().default(true),
    categories: z.record(z.string(), cueMapSchema).default({}),
    levels: z.record(z.string().regex(/^\d$/, 'must be a level number'), cueMapSchema).default({}),
    levelBias: z.record(z.string().regex(/^\d$/, 'must be a level number'), z.number().min(-10).max(10)).default({}),
    receivable: z
      .object({
        complaint: cueMapSchema.optional(),
        request: cueMapSchema.optional(),
        thanks: cueMapSchema.optional(),
        commercial: cueMapSchema.optional(),
        thirdParty: cueMapSchema.optional(),
      })
      .default({}),
    requester: z
      .object({
        adherent: cueMapSchema.optional(),
        salarie: cueMapSchema.optional(),
        personalDomains: z.array(z.string().trim().toLowerCase().min(3)).optional(),
        companyMailboxes: z.array(z.string().trim().toLowerCase().min(1)).optional(),
        companyNameWords: z.array(z.string().trim().toLowerCase().min(1)).optional(),
        personalDomainWeight: z.number().min(0).max(10).optional(),
        companyDomainWeight: z.number().min(0).max(10).optional(),
      })
      .default({}),
    subjectWeight: z.number().min(0).max(10).optional(),
    phraseWindow: z.number().int().min(1).max(10).optional(),
    negationWindow: z.number().int().min(0).max(10).optional(),
    lowConfidence: z
      .object({
        threshold: z.number().min(0).max(1).default(DEFAULT_LOW_CONFIDENCE.threshold),
        acknowledgementLevel: z
          .enum(ACKNOWLEDGEMENT_LEVEL_CHOICES)
          .default(DEFAULT_LOW_CONFIDENCE.acknowledgementLevel),
        cautiousFloor: z.number().min(0).max(1).default(DEFAULT_LOW_CONFIDENCE.cautiousFloor),
      })
      .prefault({}),
    learning: z
      .object({
        enabled: z.boolean().default(DEFAULT_LEARNING.enabled),
        weight: z.number().min(0).max(10).default(DEFAULT_LEARNING.weight),
        corpus: z.boolean().default(DEFAULT_LEARNING.corpus),
        maxTickets: z.number().int().min(0).max(1_000_000).default(DEFAULT_LEARNING.maxTickets),
        ticketWeight: z.number().min(0.1).max(100).default(DEFAULT_LEARNING.ticketWeight),
      })
      .prefault({}),
  })
  .prefault({});

/** The `qualification` section as written in reclam.yaml (every key optional). */
export type QualificationOverrides = z.input<typeof qualificationOverridesSchema>;
