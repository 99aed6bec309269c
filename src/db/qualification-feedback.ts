// Staff corrections of the automatic qualification, kept so that future complaints that look the
// same are scored closer to what staff decided. Only the most recent rows of each field are read:
// what the qualifier learns stays bounded and can be explained example by example.
import { sql, lte, asc } from 'drizzle-orm';
import type { QualificationFeedback } from '../domain/qualification.js';
import type { Db } from './database.js';
import { qualificationFeedback } from './schema.js';

export interface NewQualificationFeedback {
  readonly ticketId: number | null;
  /** category | level | requester | receivable | typology */
  readonly field: string;
  readonly fromValue: string | null;
  readonly toValue: string;
  /** Normalised content terms of the complaint (see `contentTerms`). */
  readonly terms: readonly string[];
  readonly actor: string;
  readonly createdAt: Date;
}

export interface QualificationFeedbackRow extends NewQualificationFeedback {
  readonly id: number;
}

export async function insertQualificationFeedback(
  db: Db,
  row: NewQualificationFeedback,
): Promise<QualificationFeedbackRow> {
  const [inserted] = await db
    .insert(qualificationFeedback)
    .values({
      ticketId: row.ticketId,
      field: row.field,
      fromValue: row.fromValue,
      toValue: row.toValue,
      terms: [...row.terms],
      actor: row.actor,
      createdAt: row.createdAt,
    })
    .returning();
  return inserted!;
}

/**
 * The `perField` most recent corrections of each field (newest first within a field), as the
 * plain data `qualify` takes. `perField` ≤ 0 returns nothing. One query.
 */
export async function recentQualificationFeedback(db: Db, perField: number): Promise<QualificationFeedback[]> {
  if (perField <= 0) return [];
  const ranked = db
    .select({
      field: qualificationFeedback.field,
      fromValue: qualificationFeedback.fromValue,
      toValue: qualificationFeedback.toValue,
      terms: qualificationFeedback.terms,
      actor: qualificationFeedback.actor,
      createdAt: qualificationFeedback.createdAt,
      rank: sql<number>`row_number() over (partition by ${qualificationFeedback.field} order by ${qualificationFeedback.createdAt} desc, ${qualificationFeedback.id} desc)`.as(
        'rank',
      ),
    })
    .from(qualificationFeedback)
    .as('ranked');
  const rows = await db
    .select()
    .from(ranked)
    .where(lte(ranked.rank, perField))
    .orderBy(asc(ranked.field), asc(ranked.rank));
  return rows.map((row) => ({
    field: row.field,
    from: row.fromValue,
    to: row.toValue,
    terms: row.terms,
    actor: row.actor,
    at: new Date(row.createdAt).toISOString(),
  }));
}
