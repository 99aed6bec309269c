// The `qualification` section of reclam.yaml: cues added to or re-weighting the built-in French
// rules, the low-confidence policy and learning. The domain owns the shape; src/config validates
// the file with this schema, and QualificationOverrides is what it accepts (every key optional).
import { z } from 'zod';
import { ACKNOWLEDGEMENT_LEVEL_CHOICES, DEFAULT_QUALIFICATION_RULES } from './qualification-rules.js';

/** Phrase → weight (−10…10; 0 switches a built-in cue off). Syntax: docs/configuration.md#qualification. */
const cueMapSchema = z.record(z.string().trim().min(1), z.number().min(-10).max(10));
const { lowConfidence: defaultLowConfidence, learning: defaultLearning } = DEFAULT_QUALIFICATION_RULES;

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
        threshold: z.number().min(0).max(1).default(defaultLowConfidence.threshold),
        acknowledgementLevel: z.enum(ACKNOWLEDGEMENT_LEVEL_CHOICES).default(defaultLowConfidence.acknowledgementLevel),
        cautiousFloor: z.number().min(0).max(1).default(defaultLowConfidence.cautiousFloor),
      })
      .prefault({}),
    learning: z
      .object({
        enabled: z.boolean().default(defaultLearning.enabled),
        weight: z.number().min(0).max(10).default(defaultLearning.weight),
        corpus: z.boolean().default(defaultLearning.corpus),
        maxTickets: z.number().int().min(0).max(1_000_000).default(defaultLearning.maxTickets),
        ticketWeight: z.number().min(0.1).max(100).default(defaultLearning.ticketWeight),
      })
      .prefault({}),
  })
  .prefault({});

/** The `qualification` section as written in reclam.yaml (every key optional). */
export type QualificationOverrides = z.input<typeof qualificationOverridesSchema>;
