// The data of the `digest` mail templates (templates/fr/digest.*): the report (digest-report.ts)
// in French words and figures — rounded as shown, compared as shown, tables laid out for the text
// part. Every row and column comes from the indicator table (indicator-table.ts).
import { analysesTemplateData } from './digest-analyses.js';
import type { DigestReport, IndicatorRow } from './digest-report.js';
import { NO_SUBJECT } from './french-labels.js';
import { backlogColumns, KPI_INDICATORS, ticketColumns } from './indicator-table.js';
import { compare, formatComparison, formatCount, formatFigure, roundAsShown } from './indicators.js';

/** The most overdue tickets listed in the mail; all of them are in the spreadsheet. */
export const MAX_OVERDUE_IN_MAIL = 20;

/** The latest escalations listed in the mail; all of them are in the spreadsheet. */
export const MAX_ESCALATIONS_IN_MAIL = 20;

/** Size of the chart in the HTML, in CSS pixels (the PNG has twice as many). */
const CHART_SIZE = { width: 544, height: 272 } as const;

/** Lines of a plain-text table: first column left-aligned, the others right-aligned. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** An overview or pipeline row as shown: values rounded as shown, then compared. */
function shownRow(row: IndicatorRow) {
  const { unit } = row.indicator;
  const [now, before, yearAgo] = [row.current, row.previous, row.lastYear].map((v) => roundAsShown(v, unit)) as [
    number | null,
    number | null,
    number | null,
  ];
  return {
    key: row.indicator.key,
    label: row.indicator.label,
    sub: row.indicator.sub === true,
    raw: now,
    value: formatFigure(now, unit),
    detail: row.parts
      ? `${formatCount(row.parts.numerator)} / ${formatCount(row.parts.denominator)} ${row.parts.noun}`
      : '',
    previous: formatFigure(before, unit),
    deltaPrevious: formatComparison(compare(now, before, unit), unit),
    lastYear: formatFigure(yearAgo, unit),
    deltaLastYear: formatComparison(compare(now, yearAgo, unit), unit),
  };
}

/** The template data of `report`. Pure. */
export function digestTemplateData(report: DigestReport) {
  const { labels } = report;
  const overview = report.overview.map(shownRow);
  const kpis = KPI_INDICATORS.map((indicator) => {
    const row = overview.find((r) => r.key === indicator.key)!;
    return { key: row.key, label: indicator.kpi!.label, value: row.value, delta: row.deltaPrevious, raw: row.raw };
  });
  const headline = KPI_INDICATORS.map((indicator, i) => indicator.kpi!.headline(kpis[i]!.value, kpis[i]!.raw)).join(
    ', ',
  );
  const overviewText = overview.flatMap((row) => [
    `${row.sub ? '  ' : ''}${row.label} : ${row.value}${row.detail ? ` (${row.detail})` : ''}`,
    `${row.sub ? '  ' : ''}    par rapport ${labels.toPrevious} (${row.previous}) : ${row.deltaPrevious} ; ` +
      `${labels.toLastYear} (${row.lastYear}) : ${row.deltaLastYear}`,
  ]);

  const dimensions = report.breakdowns.map((breakdown) => {
    // By typology, a short table of counts (there may be many typologies); the spreadsheet has all.
    const compact = breakdown.dimension === 'typology';
    const groupColumns = ticketColumns(compact ? 'brief' : 'mail');
    const rows = breakdown.rows.map((r) => ({
      label: r.label,
      cells: groupColumns.map((c) => formatFigure(c.value(r.figures), c.unit)),
      total: r.total,
    }));
    const headers = groupColumns.map((c) => c.header);
    return {
      title: breakdown.title,
      heading: breakdown.heading,
      compact,
      headers,
      rows,
      textLines: textTable(
        [breakdown.title, ...headers],
        rows.map((r) => [r.label, ...r.cells]),
      ),
    };
  });

  const ageColumns = backlogColumns('mail');
  const backlogRows = report.backlog.map((r) => ({
    label: r.label,
    cells: ageColumns.map((c) => formatFigure(c.value(r.figures), c.unit)),
    total: r.total,
  }));
  const backlog = {
    headers: ageColumns.map((c) => c.header),
    rows: backlogRows,
    textLines: textTable(
      ['Niveau', ...ageColumns.map((c) => c.header)],
      backlogRows.map((r) => [r.label, ...r.cells]),
    ),
  };

  const overdueRows = report.overdue.map((t) => ({
    reference: t.reference,
    level: String(t.level),
    deadline: t.deadline,
    late: `${formatCount(t.daysLate)}\u202fj`,
    assignee: t.assignee,
    hidden: t.hidden,
    subject: t.hidden ? t.subject : t.subject || NO_SUBJECT,
    complainant: t.complainant,
  }));
  const shown = overdueRows.slice(0, MAX_OVERDUE_IN_MAIL);
  const overdue = {
    count: overdueRows.length,
    shown,
    more: Math.max(0, overdueRows.length - MAX_OVERDUE_IN_MAIL),
    textLines: shown.map(
      (r) =>
        `- ${r.reference} (niveau ${r.level}) : échéance ${r.deadline}, ${r.late} de retard, suivie par ` +
        `${r.assignee} — ${r.subject}${r.complainant ? ` — ${r.complainant}` : ''}`,
    ),
  };

  // The latest first in the mail: the pilot looks for what the direction still has to act on.
  const escalationRows = [...report.escalations].reverse().map((e) => ({
    reference: e.reference,
    level: String(e.level),
    roundLabel: e.roundLabel,
    date: e.date,
    due: e.due || '—',
    recipients: e.recipients,
    status: e.status,
    assignee: e.assignee,
  }));
  const shownEscalations = escalationRows.slice(0, MAX_ESCALATIONS_IN_MAIL);
  const perRecipient = new Map<string, number>();
  for (const e of report.escalations)
    for (const name of new Set(e.recipientList)) perRecipient.set(name, (perRecipient.get(name) ?? 0) + 1);
  const count = escalationRows.length;
  const escalations = {
    count,
    /** « 3 signalements pendant la période ; destinataires : Hélène Morel (3), Direction (1) ». */
    summary: `${formatCount(count)} signalement${count > 1 ? 's' : ''} pendant la période${
      perRecipient.size > 0
        ? ` ; destinataire${perRecipient.size > 1 ? 's' : ''} : ` +
          `${[...perRecipient].map(([name, n]) => `${name} (${formatCount(n)})`).join(', ')}`
        : ''
    }`,
    shown: shownEscalations,
    more: Math.max(0, escalationRows.length - MAX_ESCALATIONS_IN_MAIL),
    textLines: shownEscalations.map(
      (e) =>
        `- ${e.reference} (niveau ${e.level}) : ${e.roundLabel} le ${e.date} à ${e.recipients}, à traiter par la ` +
        `direction avant le ${e.due} ; état : ${e.status.toLowerCase()}, suivie par ${e.assignee}`,
    ),
  };

  const pipelineRows = report.pipeline.map(shownRow).map((r) => ({
    key: r.key,
    label: r.label,
    sub: r.sub,
    value: r.value,
    previous: r.previous,
    lastYear: r.lastYear,
  }));
  const pipeline = {
    rows: pipelineRows,
    textLines: textTable(
      ['', labels.current, labels.previous, labels.lastYear],
      pipelineRows.map((r) => [`${r.sub ? '  ' : ''}${r.label}`, r.value, r.previous, r.lastYear]),
    ),
    notes: [...report.pipelineNotes],
    outages: [...report.outages],
  };

  const months = report.trend.months;
  return {
    organisation: { name: report.organisation },
    review: report.review,
    period: { key: report.period.key, label: report.period.label, from: report.period.from, to: report.period.to },
    labels,
    recipientName: report.audience.name,
    headline,
    kpis: kpis.map(({ key, label, value, delta }) => ({ key, label, value, delta })),
    overview: overview.map(({ raw: _, ...row }) => row),
    overviewText,
    dimensions,
    backlog,
    overdue,
    escalations,
    pipeline,
    chart: {
      cid: report.files.cid,
      alt:
        `Graphique : réclamations reçues et clôturées par mois et par niveau, de ${months[0] ?? ''} à ` +
        `${months[months.length - 1] ?? ''}`,
      ...CHART_SIZE,
    },
    attachment: report.files.xlsx,
    ticketCount: formatCount(report.tickets.rows.length),
    confidentialHidden: !report.audience.confidentialVisible,
    generatedAt: report.generatedAt,
    timeZone: report.timeZone,
    definitions: [...report.definitions],
    recurrence: analysesTemplateData(report.analyses),
  };
}

export type DigestTemplateData = ReturnType<typeof digestTemplateData>;
