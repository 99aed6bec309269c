// `reclam status`: how the service is doing, in French, for the administrator or the pilot at a
// terminal — the mailbox (watched or not, last sweep), the database, the outbox (waiting, given
// up), overdue tickets (reference, level, state and deadline only: nothing a medical ticket hides)
// and the next digest. The same facts as `/healthz` and `/metrics`, read from the database and,
// when one can be asked, from the running daemon (its memory through the control socket, or its
// `/healthz`).
import { MAILBOX_LEASE_MS, mailboxLeaseName } from '../db/leases.js';
import {
  eventsSince,
  lastJobRun,
  mailboxLease,
  outboxFigures,
  overdueCount,
  overdueTickets,
  ticketsByState,
} from '../db/monitoring.js';
import { EVENT_TYPES } from '../domain/event-types.js';
import { formatFrenchDateTime } from '../domain/french-date.js';
import { statusLabel } from '../domain/french-labels.js';
import {
  digestJobName,
  dueDigests,
  nextFireAtOrAfter,
  parsePeriod,
  periodLabel,
  type ReviewKind,
} from '../domain/period.js';
import type { Deps } from './deps.js';
import type { CommandOutput } from './ingest-files.js';
import { configuredReviews } from './send-digest.js';

/** The mailbox as the running daemon sees it (daemon/health.ts `MailboxHealth`). */
export interface LiveMailbox {
  readonly state: string;
  readonly since: Date;
  readonly lastSweepAt: Date | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface StatusInput {
  readonly version: string;
  readonly engine: 'pglite' | 'postgres';
  /** The data directory or the redacted URL. */
  readonly location: string;
  /** What the running daemon says; null when no daemon could be asked. */
  readonly live: {
    readonly mailbox: LiveMailbox;
    readonly startedAt: Date;
    /** How it was asked: in the daemon itself (control socket) or over `/healthz`. */
    readonly via: 'daemon' | 'healthz';
  } | null;
  /** PGlite: whether a daemon holds the data directory (no daemon: nobody watches the mailbox). */
  readonly daemonRunning?: boolean;
}

const OVERDUE_SHOWN = 10;
/** The open states as counted: « 2 reçues, 1 en cours ». */
const OPEN_STATES: Readonly<Record<string, readonly [string, string]>> = {
  received: ['reçue', 'reçues'],
  in_progress: ['en cours', 'en cours'],
  answered: ['répondue', 'répondues'],
  verifying: ['en vérification', 'en vérification'],
};
const DEAD_WINDOW_MS = 24 * 3600_000;
const LABEL_WIDTH = 20;

export async function statusReport(
  deps: Pick<Deps, 'db' | 'clock' | 'config'>,
  input: StatusInput,
): Promise<CommandOutput> {
  const { db, config } = deps;
  const now = deps.clock.now();
  const tz = config.organisation.timezone;
  const when = (date: Date) => formatFrenchDateTime(date, tz);
  const problems: string[] = [];
  const lines: string[] = [`reclam ${input.version} — ${config.organisation.name} — ${when(now)}`, ''];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(LABEL_WIDTH)}${text}`);
  const more = (text: string) => lines.push(`${''.padEnd(LABEL_WIDTH)}${text}`);

  // The mailbox.
  const { imap } = config.mailbox;
  row('Boîte aux lettres', `${config.mailbox.address} (IMAP ${imap.host}:${imap.port}, dossier ${imap.inbox})`);
  const lease = await mailboxLease(db, mailboxLeaseName(config.mailbox.address));
  const leaseAlive = lease !== null && lease.expiresAt.getTime() >= now.getTime();
  if (input.live) {
    const { mailbox } = input.live;
    const state = describeMailbox(mailbox, when);
    more(state.text);
    if (state.problem) problems.push(state.problem);
    if (mailbox.lastSweepAt) more(`dernière relève le ${when(mailbox.lastSweepAt)} (${ago(now, mailbox.lastSweepAt)})`);
    else if (mailbox.state === 'standby' && leaseAlive)
      more(`relevée par l’autre démon, dernière fois le ${when(renewedAt(lease))}`);
    else more('aucune relève depuis le démarrage du démon');
    more(`démon démarré le ${when(input.live.startedAt)}`);
  } else if (input.daemonRunning === false) {
    more('aucun démon ne tourne (`reclam run`) : la boîte n’est pas relevée');
    problems.push('aucun démon ne relève la boîte');
  } else if (leaseAlive) {
    more(
      `relevée par le démon ${lease.holder}, dernière relève le ${when(renewedAt(lease))} ` +
        `(${ago(now, renewedAt(lease))})`,
    );
  } else {
    more(
      lease
        ? `aucun démon ne la relève depuis le ${when(renewedAt(lease))} (${ago(now, renewedAt(lease))})`
        : 'aucun démon ne l’a encore relevée',
    );
    problems.push('aucun démon ne relève la boîte');
  }

  // The database (it answered, or this command would have failed before).
  row(
    'Base de données',
    `${input.engine === 'pglite' ? 'PGlite intégrée' : 'PostgreSQL'} (${input.location}) — répond`,
  );

  // The outbox.
  const outbox = await outboxFigures(db);
  const deadLastDay = await eventsSince(db, EVENT_TYPES.outboxDead, new Date(now.getTime() - DEAD_WINDOW_MS));
  row(
    'Envois',
    outbox.unsent === 0
      ? 'aucun courriel en attente'
      : `${plural(outbox.unsent, 'courriel en attente', 'courriels en attente')}, le plus ancien depuis ` +
          `${duration(now.getTime() - (outbox.oldestUnsentAt ?? now).getTime())}`,
  );
  if (outbox.loginRefused > 0) {
    more(
      `le serveur SMTP refuse l’identification ` +
        `(${plural(outbox.loginRefused, 'courriel bloqué', 'courriels bloqués')}) : ` +
        'vérifiez mailbox.smtp.user et mailbox.smtp.password',
    );
    problems.push('le serveur SMTP refuse l’identification');
  }
  if (outbox.dead > 0) {
    more(
      `${plural(outbox.dead, 'envoi abandonné', 'envois abandonnés')} en tout, ` +
        `dont ${deadLastDay} dans les dernières 24 heures (le pilote a été alerté)`,
    );
  }
  if (deadLastDay > 0) problems.push(`${plural(deadLastDay, 'envoi abandonné', 'envois abandonnés')} en 24 heures`);

  // Tickets.
  const states = await ticketsByState(db);
  const open = Object.keys(OPEN_STATES)
    .map((s) => [s, states.get(s) ?? 0] as const)
    .filter(([, n]) => n > 0);
  const openTotal = open.reduce((sum, [, n]) => sum + n, 0);
  const overdue = await overdueCount(db, now);
  const openByState = open.map(([s, n]) => `${n} ${OPEN_STATES[s]![n === 1 ? 0 : 1]}`).join(', ');
  const overdueText = overdue === 0 ? 'aucune en retard' : `dont ${overdue} en retard`;
  row(
    'Réclamations',
    openTotal === 0
      ? 'aucune réclamation ouverte'
      : `${plural(openTotal, 'ouverte', 'ouvertes')} (${openByState}), ${overdueText}`,
  );
  if (overdue > 0) {
    for (const t of await overdueTickets(db, now, OVERDUE_SHOWN)) {
      more(
        `${t.reference}  niveau ${t.level}  ${statusLabel(t.status, 'short')}  ` +
          `échéance dépassée depuis le ${when(t.deadlineAt)}`,
      );
    }
    if (overdue > OVERDUE_SHOWN) more(`… et ${overdue - OVERDUE_SHOWN} autres (reclam tickets)`);
  }

  // The digest.
  const digest = await nextDigest(deps, now);
  row('Prochain bilan', digest.next);
  if (digest.last) row('Dernier bilan', digest.last);

  lines.push('');
  row('État', problems.length === 0 ? 'tout fonctionne' : `dégradé : ${problems.join(' ; ')}`);
  return { output: `${lines.join('\n')}\n`, exitCode: problems.length === 0 ? 0 : 1 };
}

function describeMailbox(mailbox: LiveMailbox, when: (date: Date) => string): { text: string; problem?: string } {
  const since = when(mailbox.since);
  switch (mailbox.state) {
    case 'open':
      return { text: `ouverte et surveillée depuis le ${since}` };
    case 'standby':
      return { text: `tenue par un autre démon : celui-ci attend, prêt à prendre le relais (depuis le ${since})` };
    case 'starting':
      return { text: 'pas encore ouverte : le démon démarre', problem: 'la boîte n’est pas encore ouverte' };
    case 'auth-failed':
      return {
        text: `identifiants refusés depuis le ${since} : ${mailbox.error?.message ?? ''}`,
        problem: 'le serveur IMAP refuse l’identification',
      };
    case 'unreachable':
      return {
        text: `injoignable depuis le ${since} : ${mailbox.error?.message ?? ''}`,
        problem: 'la boîte aux lettres est injoignable',
      };
    default:
      return {
        text: `en échec depuis le ${since} : ${mailbox.error?.message ?? ''}`,
        problem: 'la relève de la boîte échoue',
      };
  }
}

/** When the lease was last renewed (at a sweep): its expiry less its length. */
function renewedAt(lease: { expiresAt: Date }): Date {
  return new Date(lease.expiresAt.getTime() - MAILBOX_LEASE_MS);
}

async function nextDigest(
  deps: Pick<Deps, 'db' | 'config'>,
  now: Date,
): Promise<{ next: string; last: string | null }> {
  const { config } = deps;
  const tz = config.organisation.timezone;
  const reviews = configuredReviews(config);
  let last: { kind: ReviewKind; periodKey: string; finishedAt: Date | null } | null = null;
  for (const kind of reviews) {
    const run = await lastJobRun(deps.db, digestJobName(kind));
    if (run && (!last || (run.finishedAt?.getTime() ?? 0) > (last.finishedAt?.getTime() ?? 0))) last = { kind, ...run };
  }
  const sentWhen = (finishedAt: Date | null) =>
    finishedAt ? `, envoyé le ${formatFrenchDateTime(finishedAt, tz)}` : ', en cours d’envoi';
  const lastText = last ? `${periodName(last.periodKey)}${sentWhen(last.finishedAt)}` : null;
  if (config.digest.recipients.length === 0) return { next: 'aucun : digest.recipients est vide', last: lastText };
  const { schedule } = config.digest;
  const fire = nextFireAtOrAfter(schedule, now, tz);
  if (!fire) return { next: `calendrier illisible (digest.schedule: ${schedule.expression})`, last: lastText };
  const periods = dueDigests({ now: fire, timeZone: tz, schedule, reviews }).map((d) => periodLabel(d.period));
  const recipients = plural(config.digest.recipients.length, 'destinataire', 'destinataires');
  return {
    next: `le ${formatFrenchDateTime(fire, tz)}${periods.length ? ` : ${periods.join(', ')}` : ''}, à ${recipients}`,
    last: lastText,
  };
}

function periodName(key: string): string {
  const period = parsePeriod(key);
  return period ? periodLabel(period) : key;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** « 12 s », « 5 min », « 3 h 10 », « 2 jours ». */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${String(min % 60).padStart(2, '0')}` : ''}`;
  return `${Math.floor(h / 24)} jours`;
}

function ago(now: Date, then: Date): string {
  return `il y a ${duration(now.getTime() - then.getTime())}`;
}
