// Counts and times every SQL statement drizzle sends through postgres.js in THIS process, by
// wrapping the driver's prepared-query and transaction methods (the code under test is unchanged:
// only the library's prototypes are patched, and only in the profiling leg). BEGIN and COMMIT are
// sent by postgres.js itself: they are counted per transaction.
import { PostgresJsPreparedQuery, PostgresJsSession } from 'drizzle-orm/postgres-js/session';

export interface Meter {
  statements: number;
  dbMs: number;
  transactions: number;
  transactionMs: number;
  /** Statement time spent inside transactions (part of transactionMs). */
  txStatementsMs: number;
  readonly byKind: Map<string, { n: number; ms: number }>;
}

export function newMeter(): Meter {
  return { statements: 0, dbMs: 0, transactions: 0, transactionMs: 0, txStatementsMs: 0, byKind: new Map() };
}

let current: Meter = newMeter();
let installed = false;

export function meter(): Meter {
  return current;
}

/** Starts counting into a fresh meter; returns it. */
export function resetMeter(): Meter {
  current = newMeter();
  return current;
}

export function snapshot(m: Meter): {
  statements: number;
  dbMs: number;
  transactions: number;
  transactionMs: number;
  txStatementsMs: number;
} {
  return {
    statements: m.statements,
    dbMs: m.dbMs,
    transactions: m.transactions,
    transactionMs: m.transactionMs,
    txStatementsMs: m.txStatementsMs,
  };
}

let depth = 0;

/** `insert events`, `select tickets`, `update outbox`… from a statement's text. */
export function statementKind(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ').toLowerCase();
  const verb = /^(with|select|insert|update|delete|begin|commit)/.exec(t)?.[1] ?? t.slice(0, 12);
  const table =
    verb === 'insert'
      ? /^insert into "?([a-z_]+)"?/.exec(t)?.[1]
      : verb === 'update'
        ? /^update "?([a-z_]+)"?/.exec(t)?.[1]
        : verb === 'delete'
          ? /^delete from "?([a-z_]+)"?/.exec(t)?.[1]
          : /from "?([a-z_]+)"?/.exec(t)?.[1];
  const conflict = verb === 'insert' && t.includes('on conflict') ? ' (upsert)' : '';
  return `${verb} ${table ?? '?'}${conflict}`;
}

function record(text: string, ms: number): void {
  current.statements++;
  current.dbMs += ms;
  if (depth > 0) current.txStatementsMs += ms;
  const kind = statementKind(text);
  const entry = current.byKind.get(kind) ?? { n: 0, ms: 0 };
  entry.n++;
  entry.ms += ms;
  current.byKind.set(kind, entry);
}

type Method = (this: { queryString: string }, ...args: unknown[]) => Promise<unknown>;

export function installMeter(): void {
  if (installed) return;
  installed = true;
  const proto = PostgresJsPreparedQuery.prototype as unknown as Record<'execute' | 'all', Method>;
  for (const name of ['execute', 'all'] as const) {
    const original = proto[name];
    proto[name] = async function (this: { queryString: string }, ...args: unknown[]) {
      const started = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        record(this.queryString, performance.now() - started);
      }
    };
  }
  const session = PostgresJsSession.prototype as unknown as { transaction: (...args: unknown[]) => Promise<unknown> };
  const transaction = session.transaction;
  session.transaction = async function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    const m = current;
    depth++;
    try {
      return await transaction.apply(this, args);
    } finally {
      depth--;
      m.transactions++;
      m.statements += 2; // BEGIN, COMMIT (or ROLLBACK)
      m.transactionMs += performance.now() - started;
    }
  };
}
