// The learned qualification model as the daemon keeps it: built once at start from the shipped
// corpus (the files for the configured categories, frozen split left out) and the tickets whose
// qualification staff settled, then brought up to date before each batch of complaints from the
// settling events since the last look (a correction; a ticket closed or rejected) — one indexed
// query, then only the tickets those events touch. Never a full retrain, never the whole table.
import type { Db } from '../db/database.js';
import {
  lastEventId,
  type SettledTicket,
  settledTickets,
  settlementsSince,
  ticketsForLearning,
} from '../db/qualification-feedback.js';
import { corpusFor, type CorpusItem } from '../domain/qualification-corpus.js';
import { modelDocumentOf } from '../domain/qualification.js';
import {
  createModel,
  learnExample,
  MODEL_FIELDS,
  unlearnExample,
  type ModelField,
  type QualificationModel,
} from '../domain/qualification-model.js';
import { resolveQualificationRules, type QualificationRules } from '../domain/qualification-rules.js';
import type { Deps } from './deps.js';

type Labels = Partial<Record<ModelField, string>>;

/**
 * Events are numbered when inserted, not when committed: on PostgreSQL a transaction that took a
 * lower id can commit after one that took a higher id. Each look goes back this many ids; seeing an
 * event twice is harmless (learning a ticket's settled values is idempotent).
 */
const LOOKBACK_IDS = 200;

export interface ModelSummary {
  readonly corpus: number;
  readonly tickets: number;
  readonly updates: number;
}

/** The model and what it was taught; `current(db)` catches up with the database first. */
export class QualificationModelStore {
  readonly model: QualificationModel;
  private readonly rules: QualificationRules;
  private readonly config: Deps['config'];
  private cursor: number;
  /** What each settled ticket taught, so a later correction replaces it instead of adding to it. */
  private readonly learned = new Map<number, Labels>();
  private corpusCount = 0;
  private updates = 0;

  constructor(config: Deps['config'], cursor: number) {
    this.config = config;
    this.rules = resolveQualificationRules(config);
    this.model = createModel({ ticketWeight: config.qualification.learning.ticketWeight });
    this.cursor = cursor;
  }

  /** Teaches the corpus items (already chosen for this procedure by `corpusFor`). */
  learnCorpus(items: readonly CorpusItem[]): void {
    for (const item of items) {
      learnExample(this.model, modelDocumentOf(item.input, this.rules), item.labels, 'corpus');
      this.corpusCount++;
    }
  }

  /**
   * Learns what staff settled on a ticket: every field once it is closed or rejected, the
   * corrected fields while it is open. A value learned before and changed since is unlearned first.
   */
  learnTicket(ticket: SettledTicket): void {
    const before = this.learned.get(ticket.id) ?? {};
    const now = this.settledLabels(ticket, before);
    const removed: Labels = {};
    const added: Labels = {};
    for (const field of MODEL_FIELDS) {
      if (before[field] === now[field]) continue;
      if (before[field] !== undefined) removed[field] = before[field];
      if (now[field] !== undefined) added[field] = now[field];
    }
    if (Object.keys(removed).length === 0 && Object.keys(added).length === 0) return;
    const document = modelDocumentOf(
      {
        subject: ticket.subject,
        text: ticket.summary,
        from: ticket.complainantEmail ? { address: ticket.complainantEmail, name: ticket.complainantName } : null,
      },
      this.rules,
    );
    unlearnExample(this.model, document, removed, 'ticket');
    learnExample(this.model, document, added, 'ticket');
    this.learned.set(ticket.id, now);
    this.updates++;
  }

  /** The model, after learning the settlements recorded since the last call. */
  async current(db: Db): Promise<QualificationModel> {
    const events = await settlementsSince(db, Math.max(0, this.cursor - LOOKBACK_IDS));
    if (events.length === 0) return this.model;
    this.cursor = Math.max(this.cursor, ...events.map((e) => e.id));
    for (const ticket of await ticketsForLearning(db, [...new Set(events.map((e) => e.ticketId))])) {
      this.learnTicket(ticket);
    }
    return this.model;
  }

  summary(): ModelSummary {
    return { corpus: this.corpusCount, tickets: this.learned.size, updates: this.updates };
  }

  private settledLabels(ticket: SettledTicket, before: Labels): Labels {
    const closed = ticket.status === 'closed' || ticket.status === 'rejected';
    const fields = new Set<string>(closed ? MODEL_FIELDS : [...ticket.corrected, ...Object.keys(before)]);
    const { categories, levels } = this.config;
    const category = categories.find((c) => c.key === ticket.category);
    const labels: Labels = {};
    if (fields.has('category') && category) labels.category = category.key;
    if (fields.has('level') && levels.length > 1 && levels.some((l) => l.level === ticket.level))
      labels.level = String(ticket.level);
    if (fields.has('requester') && (ticket.requester === 'adherent' || ticket.requester === 'salarie'))
      labels.requester = ticket.requester;
    if (fields.has('receivable')) labels.receivable = String(ticket.receivable);
    if (fields.has('typology') && category?.typologies.some((t) => t.key === ticket.typology))
      labels.typology = ticket.typology!;
    return labels;
  }
}

/**
 * Builds the model for the configuration: the corpus items for its categories (when
 * `qualification.learning.corpus`), then the `maxTickets` most recent settled tickets. Null when
 * `qualification.learning.enabled` is false.
 */
export async function loadQualificationModel(
  deps: Pick<Deps, 'db' | 'config' | 'log'>,
  corpus: { readonly items: readonly CorpusItem[]; readonly frozen: ReadonlySet<string> },
): Promise<QualificationModelStore | null> {
  const { learning } = deps.config.qualification;
  if (!learning.enabled) return null;
  const store = new QualificationModelStore(deps.config, await lastEventId(deps.db));
  if (learning.corpus) store.learnCorpus(corpusFor(corpus.items, deps.config, corpus.frozen));
  // Oldest first, so a ticket's later settlement wins (each is learned once anyway).
  for (const ticket of (await settledTickets(deps.db, learning.maxTickets)).reverse()) store.learnTicket(ticket);
  const summary = store.summary();
  deps.log.info({ corpus: summary.corpus, tickets: summary.tickets }, 'qualification model built');
  return store;
}
