// The digest's chart: SVG built in code, rasterised without a browser into a PNG of twice the
// nominal size, with the levels' bars, the month labels and the legend.
import { describe, expect, it } from 'vitest';
import { createTrendChartRenderer, trendChartSvg } from '../../src/adapters/trend-chart.js';
import type { TrendChart } from '../../src/ports.js';

const chart: TrendChart = {
  title: 'Réclamations reçues et clôturées par mois, par niveau',
  months: [
    'nov. 25',
    'déc. 25',
    'janv. 26',
    'févr. 26',
    'mars 26',
    'avr. 26',
    'mai 26',
    'juin 26',
    'juil. 26',
    'août 26',
    'sept. 26',
    'oct. 26',
  ],
  levels: [
    { level: 1, label: 'Niveau 1' },
    { level: 2, label: 'Niveau 2' },
    { level: 3, label: 'Niveau 3' },
  ],
  received: Array.from({ length: 12 }, (_, m) => [m, 2 * m, 3]),
  closed: Array.from({ length: 12 }, (_, m) => [1, m, 2]),
};

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('trend chart', () => {
  it('rasterises to a PNG twice the nominal 600 × 300', () => {
    const rendered = createTrendChartRenderer().renderTrend(chart);
    expect([...rendered.png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngSize(rendered.png)).toEqual({ width: 1200, height: 600 });
    expect({ width: rendered.widthPx, height: rendered.heightPx }).toEqual({ width: 600, height: 300 });
    // A blank image would compress to almost nothing: bars, text and grid are drawn.
    expect(rendered.png.byteLength).toBeGreaterThan(15_000);
  });

  it('draws one stacked bar of received and one of closed per month, labelled, with a legend', () => {
    const svg = trendChartSvg(chart);
    for (const label of chart.months) expect(svg).toContain(`>${label}</text>`);
    for (const level of chart.levels) expect(svg).toContain(`>${level.label}</text>`);
    expect(svg).toContain('foncé : reçues · clair : clôturées');
    // October: 11 + 22 + 3 = 36 received, 1 + 11 + 2 = 14 closed, written above the bars.
    expect(svg).toContain('>36</text>');
    expect(svg).toContain('>14</text>');
    // Background, legend swatches, then the bars: zero counts are not drawn (November has no
    // level-1 or level-2 ticket received and no level-2 ticket closed).
    const rects = svg.match(/<rect /g)!.length;
    expect(rects).toBe(1 + 2 * 3 + 12 * 6 - 3);
  });

  it('escapes text and copes with an empty year', () => {
    const empty = {
      ...chart,
      title: 'A < B & "C"',
      received: chart.received.map(() => [0, 0, 0]),
      closed: chart.closed.map(() => [0, 0, 0]),
    };
    expect(trendChartSvg(empty)).toContain('A &lt; B &amp; &quot;C&quot;');
    expect(pngSize(createTrendChartRenderer().renderTrend(empty).png).width).toBe(1200);
  });
});
