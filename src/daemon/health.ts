// What the running daemon knows of its own health: the mailbox watcher's state (kept in memory,
// updated by the loop), and what the database says (answering or not, mails given up). Read by
// `/healthz`, `/metrics` and `reclam status`. No address, subject or text is kept here.
import { databaseFailure } from '../db/database.js';
import { eventsSince, outboxFigures, pingDatabaseQuick, type OutboxFigures } from '../db/monitoring.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { isAppError } from '../domain/errors.js';
import type { Deps } from '../services/deps.js';

export type MailboxState =
  /** Not opened yet since the daemon started. */
  | 'starting'
  /** Opened and watched (IDLE or polling). */
  | 'open'
  /** Another daemon holds the mailbox lease: this one stands by. */
  | 'standby'
  /** The IMAP server does not answer (network, TLS, timeout). */
  | 'unreachable'
  /** The IMAP server refused the user name or password. */
  | 'auth-failed'
  /** The last session failed for another reason (the database, a server error). */
  | 'failing';

export interface MailboxHealth {
  readonly state: MailboxState;
  /** Since when it is in this state. */
  readonly since: Date;
  /** The end of the last complete sweep of the inbox; null before the first one. */
  readonly lastSweepAt: Date | null;
  /** The last failure, in the catalogue's words (code and message); null once the mailbox is open again. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** The mailbox watcher's state, as the loop reports it. */
export class DaemonHealth {
  readonly startedAt: Date;
  private current: MailboxHealth;

  constructor(now: Date) {
    this.startedAt = now;
    this.current = { state: 'starting', since: now, lastSweepAt: null, error: null };
  }

  get mailbox(): MailboxHealth {
    return this.current;
  }

  opened(now: Date): void {
    this.move('open', now, null);
  }

  swept(now: Date): void {
    this.current = { ...this.current, lastSweepAt: now };
  }

  standingBy(now: Date): void {
    this.move('standby', now, null);
  }

  failed(error: unknown, now: Date): void {
    const explained = isAppError(error) ? error : databaseFailure(error);
    const code = explained?.code ?? 'MAILBOX_FAILED';
    const state: MailboxState =
      code === 'IMAP_AUTH_FAILED' ? 'auth-failed' : code === 'IMAP_UNREACHABLE' ? 'unreachable' : 'failing';
    const message = explained?.message ?? (error instanceof Error ? error.message : String(error));
    this.move(state, now, { code, message });
  }

  private move(state: MailboxState, now: Date, error: MailboxHealth['error']): void {
    const since = this.current.state === state ? this.current.since : now;
    this.current = { state, since, lastSweepAt: this.current.lastSweepAt, error };
  }
}

export interface HealthReason {
  /**
   * Stable code, for alerting rules: IMAP_UNREACHABLE, IMAP_AUTH_FAILED, SMTP_AUTH_FAILED, OUTBOX_DEAD,
   * DATABASE_UNREACHABLE, MAILBOX_STARTING, MAILBOX_FAILING.
   */
  readonly code: string;
  /** What is wrong, for the administrator (English). */
  readonly message: string;
}

export interface HealthReport {
  readonly status: 'ready' | 'degraded';
  readonly reasons: readonly HealthReason[];
  readonly checkedAt: Date;
  readonly startedAt: Date;
  readonly mailbox: MailboxHealth;
  readonly database: 'up' | 'down';
  /** Null when the database did not answer. */
  readonly outbox: (OutboxFigures & { readonly deadLastDay: number }) | null;
}

/** Mails given up within this window make the daemon degraded (the pilot must look at them). */
export const DEAD_MAIL_WINDOW_MS = 24 * 3600_000;
const DATABASE_TIMEOUT_MS = 3_000;

/** The daemon's health now: ready, or degraded with every reason. */
export async function assessHealth(deps: Pick<Deps, 'db' | 'clock'>, health: DaemonHealth): Promise<HealthReport> {
  const now = deps.clock.now();
  const reasons: HealthReason[] = [];
  const mailbox = health.mailbox;
  switch (mailbox.state) {
    case 'starting':
      reasons.push({ code: 'MAILBOX_STARTING', message: 'the mailbox has not been opened yet' });
      break;
    case 'unreachable':
      reasons.push({ code: 'IMAP_UNREACHABLE', message: `mailbox unreachable: ${mailbox.error?.message ?? ''}` });
      break;
    case 'auth-failed':
      reasons.push({
        code: 'IMAP_AUTH_FAILED',
        message: `mailbox authentication failing: ${mailbox.error?.message ?? ''}`,
      });
      break;
    case 'failing':
      // A database failure is reported once, below.
      if (!mailbox.error?.code.startsWith('DATABASE_'))
        reasons.push({ code: 'MAILBOX_FAILING', message: `mailbox session failing: ${mailbox.error?.message ?? ''}` });
      break;
    default:
      break;
  }
  let database: 'up' | 'down' = 'up';
  let outbox: HealthReport['outbox'] = null;
  try {
    await withTimeout(pingDatabaseQuick(deps.db), DATABASE_TIMEOUT_MS);
    const [figures, deadLastDay] = await withTimeout(
      Promise.all([
        outboxFigures(deps.db),
        eventsSince(deps.db, EVENT_TYPES.outboxDead, new Date(now.getTime() - DEAD_MAIL_WINDOW_MS)),
      ]),
      DATABASE_TIMEOUT_MS,
    );
    outbox = { ...figures, deadLastDay };
    if (deadLastDay > 0)
      reasons.push({ code: 'OUTBOX_DEAD', message: `${deadLastDay} outgoing mail(s) given up in the last 24 h` });
    if (figures.loginRefused > 0)
      reasons.push({
        code: 'SMTP_AUTH_FAILED',
        message:
          `SMTP refuses the login: ${figures.loginRefused} mail(s) waiting (check mailbox.smtp.user and ` +
          `mailbox.smtp.password)`,
      });
  } catch (error) {
    database = 'down';
    const explained = databaseFailure(error);
    reasons.push({
      code: explained?.code ?? 'DATABASE_UNREACHABLE',
      message: `database down: ${explained?.message ?? (error instanceof Error ? error.message : String(error))}`,
    });
  }
  return {
    status: reasons.length === 0 ? 'ready' : 'degraded',
    reasons,
    checkedAt: now,
    startedAt: health.startedAt,
    mailbox,
    database,
    outbox,
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
