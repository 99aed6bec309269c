// Sends the digest of a period exactly once: the job_runs row (job, period) is claimed in the same
// transaction that queues the mails, so two daemons, a restart, or a retry after a crash cannot
// send it twice, and a failure before the commit leaves it to be sent by the next attempt.
// Which period is due is decided by pure code (domain/period.ts); cron only wakes us up.
import { claimJobRun, findJobRun, finishJobRun, installationInstant } from '../db/job-runs.js';
import type { OutboxAttachment } from '../db/schema.js';
import {
  digestJobName,
  dueDigests,
  parsePeriod,
  periodLabel,
  periodRange,
  reviewKindOfSchedule,
  type Period,
  type ReviewKind,
} from '../domain/period.js';
import { audienceOf, digestReport, type Audience, type DigestFigures } from '../domain/digest-report.js';
import { digestTemplateData } from '../domain/digest-template-data.js';
import { responseRate } from '../domain/indicator-table.js';
import type { ChartRenderer, RenderedMail, WorkbookWriter } from '../ports.js';
import { computeDigest } from './compute-digest.js';
import type { Deps } from './deps.js';
import { enqueueMail } from './enqueue-mail.js';

/** What the digest needs beyond the usual dependencies: the chart and spreadsheet adapters. */
export interface DigestRenderers {
  readonly charts: ChartRenderer;
  readonly workbooks: WorkbookWriter;
}

export type DigestDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'render' | 'random'> & DigestRenderers;

/** One rendered digest, as a reader gets it. */
export interface PreparedDigest {
  readonly mail: RenderedMail;
  /** The template data the mail was rendered from. */
  readonly data: Record<string, unknown>;
  readonly png: Uint8Array;
  readonly xlsx: Uint8Array;
  readonly files: { readonly png: string; readonly xlsx: string; readonly cid: string };
  readonly audience: Audience;
}

const REVIEW_KINDS: Record<'monthly' | 'quarterly' | 'annual', ReviewKind> = {
  monthly: 'month',
  quarterly: 'quarter',
  annual: 'year',
};

/** The job name of a period's digest in job_runs (`digest:month`…; `digest:custom` for ranges sent by hand). */
export function digestJob(period: Period): string {
  return period.kind === 'custom' ? 'digest:custom' : digestJobName(period.kind);
}

/** The digest kinds the configuration asks for: `digest.reviews`, or what the schedule implies. */
export function configuredReviews(config: Deps['config']): ReviewKind[] {
  if (config.digest.reviews) return config.digest.reviews.map((r) => REVIEW_KINDS[r]);
  return [reviewKindOfSchedule(config.digest.schedule)];
}

async function render(
  deps: DigestDeps,
  figures: DigestFigures,
  audience: Audience,
  generatedAt: Date,
): Promise<PreparedDigest> {
  const report = digestReport(deps.config, figures, audience, generatedAt);
  const data = digestTemplateData(report);
  const chart = deps.charts.renderTrend(report.trend);
  const xlsx = await deps.workbooks.writeDigest(report);
  const mail = deps.render.render('digest', data);
  return { mail, data, png: chart.png, xlsx, files: report.files, audience };
}

/**
 * The digest of `period` for `viewer` (an address; null: a reader who is not a doctor), computed
 * now: for `reclam digest --preview` and the text printed by `reclam digest`.
 */
export async function prepareDigest(
  deps: DigestDeps,
  input: { readonly period: Period; readonly viewer?: string | null },
): Promise<PreparedDigest> {
  const now = deps.clock.now();
  const figures = await computeDigest(deps, { period: input.period, asOf: now });
  return render(deps, figures, audienceOf(deps.config, input.viewer), now);
}

export type SendDigestResult =
  | {
      readonly sent: true;
      readonly period: Period;
      readonly recipients: readonly string[];
      readonly outboxIds: readonly number[];
      readonly resend: boolean;
    }
  | { readonly sent: false; readonly period: Period; readonly reason: 'already-sent' | 'no-recipients' };

function attachments(prepared: PreparedDigest): OutboxAttachment[] {
  return [
    {
      filename: prepared.files.png,
      contentType: 'image/png',
      contentBase64: Buffer.from(prepared.png).toString('base64'),
      cid: prepared.files.cid,
    },
    {
      filename: prepared.files.xlsx,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      contentBase64: Buffer.from(prepared.xlsx).toString('base64'),
    },
  ];
}

/**
 * Queues the digest of `period` to `recipients`, each getting the version they may read.
 * `scheduled`: at most once per (job, period) — a period already sent, or being sent by another
 * daemon, is left alone. `manual` (`reclam digest --send`): always sends; it also marks the
 * period as sent, so the schedule will not send it again.
 */
export async function sendDigest(
  deps: DigestDeps,
  input: { readonly period: Period; readonly recipients: readonly string[]; readonly mode: 'scheduled' | 'manual' },
): Promise<SendDigestResult> {
  const { period } = input;
  const job = digestJob(period);
  const log = deps.log.child({ job, period: period.key });
  const recipients = [...new Set(input.recipients.map((r) => r.toLowerCase()))];
  if (recipients.length === 0) return { sent: false, period, reason: 'no-recipients' };
  // A cheap look first: the usual case at start-up is a digest already sent.
  if (input.mode === 'scheduled' && (await findJobRun(deps.db, job, period.key)))
    return { sent: false, period, reason: 'already-sent' };

  const now = deps.clock.now();
  const figures = await computeDigest(deps, { period, asOf: now });
  const versions = new Map<boolean, PreparedDigest>();
  const byRecipient = new Map<string, PreparedDigest>();
  for (const recipient of recipients) {
    const audience = audienceOf(deps.config, recipient);
    // One chart and spreadsheet per confidentiality level; only the greeting differs per person.
    let version = versions.get(audience.confidentialVisible);
    if (!version) {
      version = await render(deps, figures, audience, now);
      versions.set(audience.confidentialVisible, version);
    }
    byRecipient.set(recipient, version);
  }

  const outcome = await deps.db.transaction(async (tx) => {
    const runId = await claimJobRun(tx, job, period.key, now);
    if (runId === null && input.mode === 'scheduled') return null;
    const outboxIds: number[] = [];
    for (const recipient of recipients) {
      const version = byRecipient.get(recipient)!;
      const data = { ...version.data, recipientName: audienceOf(deps.config, recipient).name };
      const queued = await enqueueMail(tx, deps, {
        kind: 'digest',
        template: 'digest',
        data,
        to: recipient,
        ticket: null,
        automatic: false,
        autoSubmitted: 'auto-generated',
        attachments: attachments(version),
      });
      if (queued.queued) outboxIds.push(queued.row.id);
    }
    if (runId !== null) {
      const overall = figures.current.figures.overall;
      await finishJobRun(tx, runId, deps.clock.now(), {
        mode: input.mode,
        recipients,
        outboxIds,
        figures: {
          received: overall.received,
          nonReceivable: overall.nonReceivable,
          closed: overall.closed,
          responseRate: responseRate(overall),
          open: figures.current.backlog.overall.open,
          overdue: figures.current.backlog.overall.overdue,
        },
      });
    }
    return { outboxIds, resend: runId === null };
  });
  if (!outcome) {
    log.info('digest already sent by another daemon');
    return { sent: false, period, reason: 'already-sent' };
  }
  log.info({ recipients: recipients.length, resend: outcome.resend }, 'digest queued');
  return { sent: true, period, recipients, outboxIds: outcome.outboxIds, resend: outcome.resend };
}

/**
 * Sends every digest due at the clock's now and not yet sent: called at start-up (catching up a
 * run missed while stopped) and by the schedule's trigger. Without recipients nothing is recorded,
 * so a digest becomes due again once recipients are configured.
 */
export async function sendDueDigests(deps: DigestDeps): Promise<SendDigestResult[]> {
  const { config } = deps;
  if (config.digest.recipients.length === 0) return [];
  const { schedule } = config.digest;
  const now = deps.clock.now();
  const due = dueDigests({ now, timeZone: config.organisation.timezone, schedule, reviews: configuredReviews(config) });
  // A new installation sends no digest of a period that ended before it was installed.
  const installedAt = due.length > 0 ? await installationInstant(deps.db, now) : now;
  const results: SendDigestResult[] = [];
  for (const { period } of due) {
    if (periodRange(period, config.organisation.timezone).end.getTime() <= installedAt.getTime()) continue;
    results.push(await sendDigest(deps, { period, recipients: config.digest.recipients, mode: 'scheduled' }));
  }
  return results;
}

/** A file a command produced, for the CLI to write (base64, so it can cross the control socket). */
export interface CommandFile {
  readonly role: 'html' | 'png' | 'xlsx' | 'csv' | 'zip' | 'attachment';
  readonly name: string;
  readonly base64: string;
}

export interface DigestCommandArgs {
  /** `2026-10`, `2026-Q4`, `2026`, `2026-10-01..2026-10-15`. */
  readonly period: string;
  /** text: print the text part; preview: return HTML, PNG and xlsx; send: queue it to the recipients. */
  readonly mode: 'text' | 'preview' | 'send';
  /** Whose version to print or preview (a doctor sees medical tickets' content). */
  readonly viewer?: string | undefined;
  /** Recipients for `send` instead of `digest.recipients`. */
  readonly to?: readonly string[] | undefined;
}

export interface DigestCommandOutput {
  readonly output: string;
  readonly exitCode: number;
  readonly files?: readonly CommandFile[];
  /** Whether mails were queued (the caller delivers or wakes the deliverer). */
  readonly queued?: boolean;
}

/** `reclam digest`: the work behind the command, wherever it runs (CLI or a daemon holding PGlite). */
export async function digestCommand(deps: DigestDeps, args: DigestCommandArgs): Promise<DigestCommandOutput> {
  const period = parsePeriod(args.period);
  if (!period)
    return {
      output: `not a period: ${args.period} (expected 2026-10, 2026-Q4, 2026 or 2026-10-01..2026-10-15)\n`,
      exitCode: 2,
    };
  if (args.mode === 'send') {
    const recipients = args.to?.length ? args.to : deps.config.digest.recipients;
    const result = await sendDigest(deps, { period, recipients, mode: 'manual' });
    if (!result.sent)
      return { output: 'no recipients: give --to EMAIL or set digest.recipients in the configuration\n', exitCode: 1 };
    const again = result.resend ? ' (sent again: this period had already been sent)' : '';
    return {
      output: `digest for ${periodLabel(period)} queued for ${result.recipients.join(', ')}${again}\n`,
      exitCode: 0,
      queued: true,
    };
  }
  const prepared = await prepareDigest(deps, { period, viewer: args.viewer ?? null });
  const who = prepared.audience.confidentialVisible
    ? 'a doctor’s version'
    : 'the version for readers who are not doctors (medical content hidden; --as a doctor’s address for theirs)';
  if (args.mode === 'text')
    return { output: `Subject: ${prepared.mail.subject}\n\n${prepared.mail.text}`, exitCode: 0 };
  // A browser cannot resolve cid: links; the preview points at the PNG written next to it.
  const html = prepared.mail.html.split(`cid:${prepared.files.cid}`).join(prepared.files.png);
  return {
    output: `digest for ${periodLabel(period)}: ${who}\n`,
    exitCode: 0,
    files: [
      { role: 'html', name: 'digest.html', base64: Buffer.from(html).toString('base64') },
      { role: 'png', name: prepared.files.png, base64: Buffer.from(prepared.png).toString('base64') },
      { role: 'xlsx', name: prepared.files.xlsx, base64: Buffer.from(prepared.xlsx).toString('base64') },
    ],
  };
}
