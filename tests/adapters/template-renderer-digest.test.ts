// The digest's HTML on a phone: laid out as narrow as it can be — with the frame's margins and
// without its media query, as the Gmail versions that strip <style> show it — every table of the
// mail still fits a 390 px screen, for a month like the others and for a busy one (bigger figures,
// every overdue ticket shown). Widths are estimated from the markup (tests/support/html-width.ts,
// within 5 % of headless Chromium on these tables), so no browser is needed.
import { describe, expect, it } from 'vitest';
import { createTemplateRenderer } from '../../src/adapters/template-renderer.js';
import { audienceOf, digestReport, type DigestFigures, type PeriodSnapshot } from '../../src/domain/digest-report.js';
import { digestTemplateData, MAX_OVERDUE_IN_MAIL } from '../../src/domain/digest-template-data.js';
import { TEMPLATES_DIR } from '../../src/paths.js';
import {
  backlogFigures,
  GENERATED_AT,
  octoberFigures,
  pipelineFigures,
  ticketFigures,
} from '../support/digest-figures.js';
import { findAll, minContentWidth, parseHtml, type HtmlNode } from '../support/html-width.js';
import { testConfig } from '../support/test-config.js';

/** An iPhone 12 to 16 held upright, in CSS pixels. */
const PHONE_WIDTH = 390;

const config = testConfig();
const renderer = createTemplateRenderer({ templatesDir: TEMPLATES_DIR });

function html(figures: DigestFigures): string {
  const report = digestReport(config, figures, audienceOf(config, 'pilote@spst-test.fr'), GENERATED_AT);
  return renderer.render('digest', digestTemplateData(report)).html;
}

/** A service a hundred times busier: five-digit counts, every overdue ticket the mail shows. */
function busyMonth(): DigestFigures {
  const figures = octoberFigures();
  const busy = (s: PeriodSnapshot, base: number): PeriodSnapshot => {
    const scale = (f: ReturnType<typeof ticketFigures>) => ({
      ...f,
      received: f.received * 100,
      nonReceivable: f.nonReceivable * 100,
      closed: f.closed * 100,
      reopenings: f.reopenings * 100,
      meanCloseDays: 123.45,
    });
    return {
      ...s,
      figures: {
        overall: scale(ticketFigures(base)),
        by: {
          level: s.figures.by.level.map((g) => ({ ...g, figures: scale(g.figures) })),
          category: s.figures.by.category.map((g) => ({ ...g, figures: scale(g.figures) })),
          requester: s.figures.by.requester.map((g) => ({ ...g, figures: scale(g.figures) })),
          channel: s.figures.by.channel.map((g) => ({ ...g, figures: scale(g.figures) })),
        },
        typology: {
          all: s.figures.typology.all.map((g) => ({ ...g, figures: scale(g.figures) })),
          shared: s.figures.typology.shared.map((g) => ({ ...g, figures: scale(g.figures) })),
          confidential: scale(s.figures.typology.confidential),
        },
      },
      backlog: { overall: backlogFigures(base * 100 + 1000), byLevel: s.backlog.byLevel },
      pipeline: pipelineFigures(base * 100 + 10_000),
    };
  };
  const [overdue] = figures.overdue;
  return {
    ...figures,
    current: busy(figures.current, 0),
    previous: busy(figures.previous, 3),
    lastYear: busy(figures.lastYear, 1),
    overdue: Array.from({ length: MAX_OVERDUE_IN_MAIL }, (_, i) => ({
      ...overdue!,
      reference: `REC-2026-${String(10_000 + i)}`,
      subject: 'Convocation à la visite d’information et de prévention reçue après la date du rendez-vous',
    })),
    escalations: Array.from({ length: 20 }, (_, i) => ({
      ...figures.escalations[0]!,
      reference: `REC-2026-${String(10_000 + i)}`,
      to: ['direction@spst-test.fr', 'pilote@spst-test.fr', 'direction.adjointe.des.operations@spst-test.fr'],
    })),
  };
}

/** The blocks of the mail's body, each with the heading above it. */
function blocks(page: HtmlNode): { name: string; node: HtmlNode }[] {
  const body = findAll(page, (n) => (n.attrs.class ?? '').split(' ').includes('rc-body'))[0]!;
  const found: { name: string; node: HtmlNode }[] = [];
  let heading = 'top';
  for (const child of body.children) {
    if (typeof child === 'string') continue;
    if (child.tag === 'h2') heading = child.children.filter((c) => typeof c === 'string').join('');
    else if (['table', 'div'].includes(child.tag)) found.push({ name: `${heading} (${child.tag})`, node: child });
  }
  return found;
}

describe('the digest on a phone', () => {
  it.each([
    ['a month like the others', octoberFigures()],
    ['a busy month', busyMonth()],
  ])('fits a 390 px screen without media queries: %s', (_name, figures) => {
    const page = parseHtml(html(figures));
    const frame = findAll(page, (n) => n.tag === 'body')[0]!.children.find(
      (c): c is HtmlNode => typeof c !== 'string' && c.tag === 'table',
    )!;
    const body = { size: 15, bold: false, nowrap: false, anywhere: false };
    const tooWide = blocks(page)
      .map((b) => ({ name: b.name, width: Math.round(minContentWidth(b.node, body)) }))
      .filter((b) => b.width > PHONE_WIDTH - 82); // the frame: 12 px margins, 1 px borders, 28 px paddings
    expect(tooWide).toEqual([]);
    expect(minContentWidth(frame)).toBeLessThanOrEqual(PHONE_WIDTH);
  });

  it('shows the four boxes four abreast where there is room, and gives Outlook a table of four cells', () => {
    const mail = html(octoberFigures());
    const outlook =
      /<!--\[if mso\]><table[^>]*><tr><td width="25%" valign="top"><!\[endif\]-->([\s\S]*?)<!--\[if mso\]><\/td><\/tr><\/table><!\[endif\]-->/.exec(
        mail,
      );
    expect(outlook).not.toBeNull();
    expect(outlook![1]!.match(/<!--\[if mso\]><\/td><td width="25%" valign="top"><!\[endif\]-->/g)).toHaveLength(3);
    // 4 boxes of at most 134 px in the 544 px of the frame's body on a wide screen.
    expect(outlook![1]!.match(/display:inline-block;width:100%;max-width:134px;/g)).toHaveLength(4);
  });
});
