// The pilot's page of the web desk (issue 14): the current month's indicators and 12-month chart
// (the digest's own figures, computed now for this reader), overdue tickets, the open recurrence
// analyses, and the archive of the digests sent, each with the spreadsheet this reader's version
// carried.
import { finishedJobRuns, findJobRunById } from '../db/job-runs.js';
import { outboxAttachmentsOf } from '../db/outbox.js';
import { audienceOf } from '../domain/digest-report.js';
import type { DigestTemplateData } from '../domain/digest-template-data.js';
import { analysisEvents, analysisTicketCounts, listOpenAnalyses } from '../db/analyses.js';
import { analysisRecord, missingParts } from '../domain/analysis.js';
import { formatFrenchDate, formatFrenchDateTime } from '../domain/french-date.js';
import { categoryLabel } from '../domain/french-labels.js';
import type { Person } from '../domain/people.js';
import { parsePeriod, periodContaining, periodLabel } from '../domain/period.js';
import { localDateOf } from '../domain/zoned-time.js';
import { type DigestDeps, type DigestRenderers, type PreparedDigest, prepareDigest } from './send-digest.js';
import { staffReplyAddress } from './enqueue-staff-mail.js';
import { chrome } from './web-desk.js';

export type PilotDeps = DigestRenderers;

const ARCHIVE_SIZE = 36;
/** The figures are computed at most once a minute per confidentiality level: the page and its chart share them. */
const FRESH_MS = 60_000;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const prepared = new WeakMap<object, Map<boolean, { at: number; digest: Promise<PreparedDigest> }>>();

function currentDigest(deps: DigestDeps, viewer: Person): Promise<PreparedDigest> {
  const now = deps.clock.now();
  const visible = audienceOf(deps.config, viewer.email).confidentialVisible;
  let cache = prepared.get(deps.db);
  if (!cache) {
    cache = new Map();
    prepared.set(deps.db, cache);
  }
  const hit = cache.get(visible);
  if (hit && now.getTime() - hit.at < FRESH_MS && now.getTime() >= hit.at) return hit.digest;
  const period = periodContaining('month', localDateOf(now, deps.config.organisation.timezone));
  const digest = prepareDigest(deps, { period, viewer: viewer.email });
  cache.set(visible, { at: now.getTime(), digest });
  digest.catch(() => cache.delete(visible));
  return digest;
}

export async function pilotPage(deps: DigestDeps, viewer: Person) {
  const digest = await currentDigest(deps, viewer);
  const data = digest.data as DigestTemplateData;
  const tz = deps.config.organisation.timezone;
  const runs = await finishedJobRuns(deps.db, 'digest:', ARCHIVE_SIZE);
  return {
    ...chrome(deps, viewer, 'pilot'),
    title: 'Tableau de bord du pilote',
    period: data.period,
    kpis: data.kpis,
    overview: data.overview,
    overdue: data.overdue,
    chartAlt: data.chart.alt,
    confidentialHidden: data.confidentialHidden,
    generatedAt: data.generatedAt,
    archive: runs.map((run) => {
      const period = parsePeriod(run.periodKey);
      const figures = (run.result?.figures ?? {}) as Record<string, unknown>;
      return {
        id: run.id,
        label: period ? periodLabel(period) : run.periodKey,
        sentAt: run.finishedAt ? formatFrenchDateTime(run.finishedAt, tz) : '',
        received: String(figures.received ?? '—'),
        closed: String(figures.closed ?? '—'),
        overdue: String(figures.overdue ?? '—'),
      };
    }),
    analyses: await openAnalyses(deps, viewer),
  };
}

/**
 * The open recurrence analyses, oldest first: reference, typology, opening, tickets, and how far
 * each has got (whys, causes, actions), with an « agir par e-mail » link to the viewer's address
 * signed for it (#statut prefilled).
 */
async function openAnalyses(deps: DigestDeps, viewer: Person) {
  const rows = await listOpenAnalyses(deps.db);
  const ids = rows.map((r) => r.id);
  const [counts, events] = await Promise.all([analysisTicketCounts(deps.db, ids), analysisEvents(deps.db, ids)]);
  const tz = deps.config.organisation.timezone;
  const typologies = deps.config.categories.flatMap((c) => c.typologies);
  return rows.map((a) => {
    const record = analysisRecord(events.get(a.id) ?? []);
    const now = deps.clock.now().getTime();
    const address = staffReplyAddress(deps, viewer, a.id, 'analysis');
    return {
      reference: a.reference,
      typology: typologies.find((t) => t.key === a.typology)?.label ?? a.typology,
      category: categoryLabel(deps.config, a.category),
      openedAt: formatFrenchDate(a.openedAt, tz),
      tickets: counts.get(a.id) ?? 0,
      whys: record.whys.length,
      causes: record.causes.length,
      actions: record.actions.length,
      overdueActions: record.actions.filter((x) => x.dueAt !== null && x.dueAt.getTime() < now).length,
      missing: missingParts(record),
      statusHref:
        `mailto:${address}?subject=${encodeURIComponent(`Re: [${a.reference}]`)}` +
        `&body=${encodeURIComponent('#statut')}`,
    };
  });
}

/** The PNG of the current 12-month chart, as this reader's digest draws it. */
export async function pilotChart(deps: DigestDeps, viewer: Person): Promise<Uint8Array> {
  return (await currentDigest(deps, viewer)).png;
}

/**
 * The spreadsheet of digest run `runId` as sent to this reader, or, when they were not among its
 * recipients, as sent to a recipient with the same view of medical tickets; null when none was.
 */
export async function pilotWorkbook(deps: DigestDeps, viewer: Person, runId: number) {
  const run = await findJobRunById(deps.db, runId);
  if (!run?.job.startsWith('digest:')) return null;
  const ids = Array.isArray(run.result?.outboxIds) ? (run.result.outboxIds as unknown[]).map(Number) : [];
  const rows = await outboxAttachmentsOf(deps.db, ids.filter(Number.isInteger));
  const visible = audienceOf(deps.config, viewer.email).confidentialVisible;
  const own = rows.find((r) => r.toAddress === viewer.email);
  const same = own ?? rows.find((r) => audienceOf(deps.config, r.toAddress).confidentialVisible === visible);
  const file = same?.attachments?.find((a) => a.contentType === XLSX);
  if (!file) return null;
  return {
    filename: file.filename,
    contentType: XLSX,
    content: new Uint8Array(Buffer.from(file.contentBase64, 'base64')),
  };
}
